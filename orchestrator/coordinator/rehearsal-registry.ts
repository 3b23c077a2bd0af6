/**
 * Where a local rehearsal publishes its execution while it lives, so `fanout status|result|cancel|runs` from another
 * terminal can see it: one small JSON file per execution in the temp folder, replaced atomically as the run goes.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inputError } from '../errors.js';
import type { ExecutionView } from './execution-view.js';

/** A rehearsal's record: its view and the process that runs it. */
export interface RehearsalRecord extends ExecutionView {
  pid: number;
}

function folder(): string {
  return join(tmpdir(), 'fanout-rehearsals');
}

/** Writes (replaces) the record of a rehearsal. */
export function publishRehearsal(record: RehearsalRecord): void {
  mkdirSync(folder(), { recursive: true });
  const file = join(folder(), `${record.id}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record));
  renameSync(tmp, file);
}

/** The record of rehearsal `id`: a RUNNING one whose process is gone reads as LOST. EINPUT when there is none. */
export function readRehearsal(id: string): RehearsalRecord {
  let record: RehearsalRecord;
  try {
    record = JSON.parse(readFileSync(join(folder(), `${id}.json`), 'utf8')) as RehearsalRecord;
  } catch {
    throw inputError(`No local rehearsal \`${id}\` on this machine (\`fanout runs\` lists them)`);
  }
  return record.status === 'RUNNING' && !alive(record.pid) ? { ...record, status: 'LOST' } : record;
}

/** Every rehearsal recorded on this machine, newest first. */
export function listRehearsals(): RehearsalRecord[] {
  let names: string[];
  try {
    names = readdirSync(folder()).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: RehearsalRecord[] = [];
  for (const n of names) {
    try {
      out.push(readRehearsal(n.slice(0, -'.json'.length)));
    } catch {
      // removed while listing
    }
  }
  return out.sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
