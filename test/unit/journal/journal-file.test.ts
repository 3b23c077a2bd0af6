import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeJournal,
  encodeJournal,
  readJournal,
  writeJournalAtomically,
} from '../../../orchestrator/journal/journal-file.js';
import { identityMismatch, runIdentity } from '../../../orchestrator/journal/run-identity.js';

const identity = runIdentity(
  'builtin:wordcount',
  'fanout-0.1.0',
  { urls: 'list.txt', top: 5 },
  {
    batchSize: 2,
    maxPayloadBytes: undefined,
    workers: 4,
  },
);
const body = {
  state: {
    docs: 3,
    totalWords: 9,
    counts: new Map([
      ['alpha', 4],
      ['beta', 5],
    ]),
  },
  batchIds: ['0', '2', '3.1'],
  failed: [{ item: 'http://127.0.0.1:1/x', reason: 'ECONNREFUSED' }],
};
const dir = mkdtempSync(join(tmpdir(), 'fanout-journal-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('journal file format', () => {
  it('round-trips identity, ids, failures and a Map state exactly', () => {
    const decoded = decodeJournal('j', encodeJournal(identity, body));
    expect(decoded.identity).toEqual(identity);
    expect(decoded.batchIds).toEqual(['0', '2', '3.1']);
    expect(decoded.failed).toEqual(body.failed);
    expect(decoded.state).toEqual(body.state);
    expect((decoded.state as typeof body.state).counts).toBeInstanceOf(Map);
  });

  it('refuses every proper prefix of a journal: a cut anywhere is "truncated" or "not a journal", never accepted', () => {
    const data = encodeJournal(identity, body);
    for (let n = 0; n < data.length; n++) {
      expect(() => decodeJournal('j', data.subarray(0, n))).toThrow(/truncated|not a fanout journal|damaged/);
    }
  });

  it('refuses a flipped byte in the body (checksum) and bytes after the end', () => {
    const data = Buffer.from(encodeJournal(identity, body));
    data[data.length - 1] = (data[data.length - 1] as number) ^ 1;
    expect(() => decodeJournal('j', data)).toThrow(/corrupt/);
    expect(() => decodeJournal('j', Buffer.concat([encodeJournal(identity, body), Buffer.from('x')]))).toThrow(
      /after its end/,
    );
  });

  it('writes atomically: the file is always a whole journal, and no temporary file is left', async () => {
    const file = join(dir, 'run.journal');
    await writeJournalAtomically(file, encodeJournal(identity, { ...body, batchIds: ['0'] }));
    await writeJournalAtomically(file, encodeJournal(identity, body));
    expect((await readJournal(file)).batchIds).toEqual(body.batchIds);
    expect(readdirSync(dir)).toEqual(['run.journal']);
  });
});

describe('run identity', () => {
  it('does not depend on key order, and names the first field that differs', () => {
    const same = runIdentity(
      'builtin:wordcount',
      'fanout-0.1.0',
      { top: 5, urls: 'list.txt' },
      {
        batchSize: 2,
        maxPayloadBytes: undefined,
        workers: 1, // split workers are taken from the journal, not compared
      },
    );
    expect(identityMismatch(identity, same)).toBeUndefined();
    const other = runIdentity(
      'builtin:wordcount',
      'fanout-0.1.0',
      { top: 5, urls: 'list.txt' },
      {
        batchSize: 3,
        maxPayloadBytes: undefined,
        workers: 4,
      },
    );
    expect(identityMismatch(identity, other)).toBe("its batchSize is `2`, this run's is `3`");
  });

  it('refuses an input JSON cannot hold (an iterable of URLs) with EINPUT', () => {
    const urls = new Set(['http://127.0.0.1/a']);
    expect(() =>
      runIdentity('builtin:wordcount', 'v', { urls }, { batchSize: undefined, maxPayloadBytes: undefined, workers: 1 }),
    ).toThrow(/Expected a JSON input to journal the run, got Set at `input.urls`/);
  });
});
