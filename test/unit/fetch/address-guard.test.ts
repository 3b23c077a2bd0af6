import type { LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import { blockedAddressReason, guardedLookup, LINK_LOCAL_CODE } from '../../../orchestrator/fetch/address-guard.js';

describe('blockedAddressReason', () => {
  it.each([
    ['169.254.169.254', /cloud metadata/],
    ['169.254.170.2', /cloud metadata/],
    ['169.254.0.1', /link-local address \(169\.254/],
    ['fe80::1', /link-local address \(fe80::\/10\)/],
    ['[febf:ffff::1]', /link-local/],
    ['fd00:ec2::254', /cloud metadata address \(AWS IPv6\)/],
    ['fd00:0ec2:0000::0254', /cloud metadata/],
    ['::ffff:169.254.169.254', /169\.254\.169\.254, a cloud metadata/],
    ['[::ffff:a9fe:a9fe]', /169\.254\.169\.254, a cloud metadata/],
    ['::169.254.1.1', /link-local/],
    ['64:ff9b::a9fe:a9fe', /cloud metadata/],
  ])('refuses %s', (address, reason) => {
    expect(blockedAddressReason(address)).toMatch(reason);
  });

  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '192.168.1.1',
    '172.16.0.1',
    '169.253.255.255',
    '169.255.0.1',
    '::1',
    'fec0::1',
    'fd00:ec2::253',
    '::ffff:127.0.0.1',
    'example.org',
    'localhost',
  ])('allows %s (loopback, private, public, names)', (address) => {
    expect(blockedAddressReason(address)).toBeUndefined();
  });
});

/** A resolver answering every name with `addresses`, the way dns.lookup calls back with `all: true`. */
function resolverOf(...addresses: string[]): LookupFunction {
  return ((_host: string, _opts: unknown, cb: (e: null, a: { address: string; family: number }[]) => void) =>
    cb(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    )) as unknown as LookupFunction;
}

function lookupOnce(
  lookup: LookupFunction,
  host: string,
  all = false,
): Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number }> {
  return new Promise((resolve) =>
    lookup(
      host,
      { all } as never,
      ((err: NodeJS.ErrnoException | null, address: unknown, family?: number) =>
        resolve({ err, address, ...(family === undefined ? {} : { family }) })) as never,
    ),
  );
}

describe('guardedLookup (the check at connect time, after DNS)', () => {
  it('fails a name that resolves to the metadata address, naming the name and the flag', async () => {
    const r = await lookupOnce(guardedLookup(resolverOf('169.254.169.254')), 'metadata.internal');
    expect(r.err?.code).toBe(LINK_LOCAL_CODE);
    expect(r.err?.message).toBe(
      'refused to connect: 169.254.169.254 is a cloud metadata address (link-local 169.254.0.0/16) (metadata.internal resolves to it); pass --allow-link-local to allow',
    );
  });

  it('fails when any of several answers is refused (the socket might pick it)', async () => {
    const r = await lookupOnce(guardedLookup(resolverOf('127.0.0.1', '::ffff:169.254.169.254')), 'mixed.test');
    expect(r.err?.code).toBe(LINK_LOCAL_CODE);
  });

  it('passes allowed answers through in both callback shapes', async () => {
    const one = await lookupOnce(guardedLookup(resolverOf('127.0.0.1', '::1')), 'local.test');
    expect(one).toEqual({ err: null, address: '127.0.0.1', family: 4 });
    const all = await lookupOnce(guardedLookup(resolverOf('10.1.2.3')), 'private.test', true);
    expect(all.err).toBeNull();
    expect(all.address).toEqual([{ address: '10.1.2.3', family: 4 }]);
  });
});
