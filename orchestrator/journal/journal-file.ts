import { createHash } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { inputError } from '../errors.js';
import type { RunIdentity } from './run-identity.js';

/** Format tag on the first line of every journal. */
export const JOURNAL_FORMAT = 'fanout-journal/1';

/** What a journal holds besides its identity. */
export interface JournalBody {
  /** The merged state after the batches in `batchIds`, as the task's `merge` left it (a Map stays a Map). */
  state: unknown;
  /** Ids of the batches merged into `state`. */
  batchIds: string[];
  /** Input items that failed for good (stats.failed). */
  failed: { item: string; reason: string }[];
}

/** A journal as read from disk. */
export interface JournalSnapshot extends JournalBody {
  identity: RunIdentity;
}

interface Header {
  format: string;
  identity: RunIdentity;
  batches: number;
  bodyBytes: number;
  bodySha256: string;
}

/**
 * Encodes a snapshot: one JSON header line (readable with `head -1`: format, identity, batch count, body length and
 * sha256), then the body in V8's structured-clone format, which keeps the Maps, Sets and typed arrays a merge state may
 * hold. Throws when the state cannot be cloned (a function, a class the clone cannot keep).
 */
export function encodeJournal(identity: RunIdentity, body: JournalBody): Buffer {
  const bytes = serialize(body);
  const header: Header = {
    format: JOURNAL_FORMAT,
    identity,
    batches: body.batchIds.length,
    bodyBytes: bytes.length,
    bodySha256: createHash('sha256').update(bytes).digest('hex'),
  };
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), bytes]);
}

/** Decodes a journal, or throws EINPUT naming the file and what is wrong: not a journal, truncated, corrupt. */
export function decodeJournal(file: string, data: Buffer): JournalSnapshot {
  const bad = (why: string): Error => inputError(`Journal ${file} ${why}; it cannot be resumed`);
  const nl = data.indexOf(0x0a);
  let header: Header;
  try {
    header = JSON.parse(data.subarray(0, nl < 0 ? data.length : nl).toString('utf8')) as Header;
  } catch {
    throw bad(
      nl < 0 && data.subarray(0, 20).toString('utf8').startsWith('{"format"')
        ? 'is truncated'
        : 'is not a fanout journal',
    );
  }
  if (header === null || typeof header !== 'object' || header.format !== JOURNAL_FORMAT) {
    throw bad('is not a fanout journal');
  }
  if (nl < 0) throw bad('is truncated');
  const bytes = data.subarray(nl + 1);
  if (!Number.isSafeInteger(header.bodyBytes) || typeof header.bodySha256 !== 'string' || !header.identity) {
    throw bad('has a damaged header');
  }
  if (bytes.length < header.bodyBytes) throw bad(`is truncated (${bytes.length} of ${header.bodyBytes} body bytes)`);
  if (bytes.length > header.bodyBytes) throw bad('has bytes after its end');
  if (createHash('sha256').update(bytes).digest('hex') !== header.bodySha256)
    throw bad('is corrupt (checksum mismatch)');
  let body: JournalBody;
  try {
    body = deserialize(bytes) as JournalBody;
  } catch {
    throw bad('is corrupt (unreadable body)');
  }
  if (!Array.isArray(body?.batchIds) || !Array.isArray(body.failed)) throw bad('is corrupt (bad body)');
  return { identity: header.identity, ...body };
}

/** Reads and decodes a journal; a missing or unreadable file is EINPUT. */
export async function readJournal(file: string): Promise<JournalSnapshot> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    throw inputError(`Cannot read journal ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return decodeJournal(file, data);
}

/** The temporary file a journal is written to before it replaces the journal. */
export function journalTempFile(file: string): string {
  return `${file}.tmp`;
}

/**
 * Replaces `file` with `data` atomically and durably: write a temporary file, fsync it, rename it over the journal,
 * fsync the folder. A crash at any point leaves either the old journal or the new one, never a torn mix.
 */
export async function writeJournalAtomically(file: string, data: Buffer): Promise<void> {
  const tmp = journalTempFile(file);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  const dir = await open(dirname(file), 'r');
  try {
    await dir.sync();
  } catch {
    // some file systems refuse fsync on a directory; the rename is still atomic there
  } finally {
    await dir.close();
  }
}

/** Removes a temporary file left by a writer that was killed mid-write. */
export async function removeStaleTemp(file: string): Promise<void> {
  await rm(journalTempFile(file), { force: true });
}
