import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import type { Dispatcher, Agent as UndiciAgent, buildConnector as UndiciConnector } from 'undici';
import { Agent, buildConnector } from './undici-core.js';

/**
 * The fetch stage's network guard. A URL list is user input, often from elsewhere: a line (or a redirect, or a name
 * whose DNS answer points) at `169.254.169.254` would read a cloud instance's metadata — credentials included — from
 * the machine fanout runs on. So fetches never connect to link-local or cloud-metadata addresses unless the user
 * passes `--allow-link-local`. The check runs on the address actually connected to (after DNS), so neither a redirect
 * nor a name can slip past it. Loopback and private ranges stay allowed: local document servers are a normal use.
 */

/** Error code of a refused connection; fetch turns it into a permanent failure of the item. */
export const LINK_LOCAL_CODE = 'EFANOUT_LINK_LOCAL';

/** Why `address` (an IPv4 or IPv6 literal, brackets allowed) must not be connected to, or undefined when it may. */
export function blockedAddressReason(address: string): string | undefined {
  const ip = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const v = isIP(ip);
  if (v === 4) {
    const kind = v4Kind(ip);
    return kind && `${ip} is ${kind}`;
  }
  if (v !== 6) return undefined;
  const groups = expandV6(ip);
  if (!groups) return undefined;
  if (groups.map((g) => g.toString(16)).join(':') === 'fd00:ec2:0:0:0:0:0:254')
    return `${address} is the cloud metadata address (AWS IPv6)`;
  if (((groups[0] as number) & 0xffc0) === 0xfe80) return `${address} is a link-local address (fe80::/10)`;
  // IPv4 inside IPv6: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) all reach a.b.c.d
  const zeros5 = groups.slice(0, 5).every((g) => g === 0);
  const mapped = zeros5 && (groups[5] === 0xffff || groups[5] === 0);
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (mapped || nat64) {
    const hi = groups[6] as number;
    const lo = groups[7] as number;
    const embedded = `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
    const kind = v4Kind(embedded);
    if (kind) return `${address} is ${embedded}, ${kind}`;
  }
  return undefined;
}

/** What kind of refused IPv4 address `ip` is, or undefined when it may be connected to. */
function v4Kind(ip: string): string | undefined {
  if (!ip.startsWith('169.254.')) return undefined;
  // 169.254.169.254: EC2/GCP/Azure instance metadata; 169.254.170.2: ECS task credentials
  return ip === '169.254.169.254' || ip === '169.254.170.2'
    ? 'a cloud metadata address (link-local 169.254.0.0/16)'
    : 'a link-local address (169.254.0.0/16)';
}

/** The eight 16-bit groups of an IPv6 literal (a trailing dotted IPv4 and a `%zone` allowed), or undefined. */
function expandV6(ip: string): number[] | undefined {
  let text = ip.split('%')[0] as string;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = (dotted[1] as string).split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -(dotted[1] as string).length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const head = parse(halves[0] as string);
  const tail = halves.length === 2 ? parse(halves[1] as string) : [];
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return undefined;
  const groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
  return groups.some((g) => Number.isNaN(g)) ? undefined : groups;
}

/** The error a refused connection fails with: code {@link LINK_LOCAL_CODE}, message naming the address and the flag. */
export function linkLocalError(reason: string, host?: string): Error {
  const via = host && host !== reason.split(' ')[0] ? ` (${host} resolves to it)` : '';
  const err = new Error(`refused to connect: ${reason}${via}; pass --allow-link-local to allow`);
  (err as NodeJS.ErrnoException).code = LINK_LOCAL_CODE;
  return err;
}

/**
 * A `net.connect` lookup that resolves like `dns.lookup` (or `resolve`, for tests) and fails with
 * {@link linkLocalError} when any answer is a refused address — all answers, since the connection may use any.
 */
export function guardedLookup(resolve: LookupFunction = dnsLookup as LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...(options as LookupOptions), all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = (Array.isArray(addresses) ? addresses : [{ address: addresses, family: 0 }]) as LookupAddress[];
      for (const a of list) {
        const why = blockedAddressReason(a.address);
        if (why) return callback(linkLocalError(why, hostname) as NodeJS.ErrnoException, '', 0);
      }
      if ((options as LookupOptions).all) return callback(null, list as never, 0);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/** Options of {@link guardedAgent}. */
export interface GuardedAgentOptions extends UndiciAgent.Options {
  /** Connect to link-local / metadata addresses anyway. @default false */
  allowLinkLocal?: boolean;
  /** Resolver behind the guard (tests). @default dns.lookup */
  resolve?: LookupFunction;
}

/**
 * An undici Agent whose every new connection passes the guard: an IP literal is checked before connecting, a name
 * after resolving it. With `allowLinkLocal` it is a plain Agent.
 */
export function guardedAgent(options: GuardedAgentOptions = {}): UndiciAgent {
  const { allowLinkLocal, resolve, ...agentOptions } = options;
  if (allowLinkLocal) return new Agent(agentOptions);
  const connector = buildConnector({ lookup: guardedLookup(resolve) } as UndiciConnector.BuildOptions);
  return new Agent({
    ...agentOptions,
    connect: (opts, callback) => {
      const why = blockedAddressReason(opts.hostname);
      if (why) return callback(linkLocalError(why), null);
      return connector(opts, callback);
    },
  });
}

const shared = new Map<boolean, Dispatcher>();

/** One process-wide {@link guardedAgent} per setting, for fetches that bring no dispatcher of their own. */
export function guardedDispatcher(allowLinkLocal: boolean): Dispatcher {
  let d = shared.get(allowLinkLocal);
  if (!d) {
    d = guardedAgent({ allowLinkLocal });
    shared.set(allowLinkLocal, d);
  }
  return d;
}
