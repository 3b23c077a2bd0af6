import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { FanoutError, inputError } from '../errors.js';
import {
  encodeJournal,
  type JournalSnapshot,
  readJournal,
  removeStaleTemp,
  writeJournalAtomically,
} from './journal-file.js';
import { identityMismatch, type RunIdentity } from './run-identity.js';

/** Where a run keeps its journal and whether it continues one. */
export interface JournalOptions {
  /** File to record the run in, atomically replaced as batches merge. */
  journal?: string;
  /** Journal of an interrupted run to finish: only its missing batches run. Also recorded into, unless `journal` says otherwise. */
  resumeFrom?: string;
}

/**
 * The journal of one run. fanout() opens it before the split, restores the accumulator from it, skips the batches it
 * already holds and calls {@link RunJournal.batchMerged} after every merge. Writes are coalesced: at most one is in
 * flight; merges that land meanwhile go into the next one, so a run of 100,000 tiny batches does not make 100,000
 * fsyncs, and a crash loses at most the merges since the last write (they are run again on resume, never counted
 * twice: the state and the ids are captured together).
 */
export class RunJournal {
  readonly file: string;
  readonly identity: RunIdentity;
  /** Batches taken from the journal this run resumed (0 for a new journal). */
  readonly resumed: number;
  readonly #ids: string[];
  readonly #idSet: Set<string>;
  readonly #failed: Map<string, string>;
  readonly #state: () => unknown;
  #writing: Promise<void> | undefined;
  #dirty = false;
  #error: unknown;

  private constructor(file: string, identity: RunIdentity, state: () => unknown, from?: JournalSnapshot) {
    this.file = file;
    this.identity = identity;
    this.#state = state;
    this.#ids = [...(from?.batchIds ?? [])];
    this.#idSet = new Set(this.#ids);
    this.#failed = new Map((from?.failed ?? []).map((f) => [f.item, f.reason]));
    this.resumed = this.#ids.length;
  }

  /**
   * Reads the journal to resume (checking it belongs to this run), then writes the journal file once, so a bad path
   * fails before any batch runs. `state` returns the accumulator's current merged state.
   */
  static async open(
    opts: JournalOptions,
    identity: RunIdentity,
    state: () => unknown,
  ): Promise<{ journal: RunJournal; restored: JournalSnapshot | undefined }> {
    const file = resolve((opts.journal ?? opts.resumeFrom) as string);
    let restored: JournalSnapshot | undefined;
    if (opts.resumeFrom !== undefined) {
      restored = await readJournal(opts.resumeFrom);
      const why = identityMismatch(restored.identity, identity);
      if (why) throw inputError(`Journal ${opts.resumeFrom} is of another run (${why}); it cannot be resumed here`);
    } else if (existsSync(file)) {
      throw inputError(
        `Journal ${opts.journal} already exists; pass \`--resume ${opts.journal}\` to finish that run, or remove it`,
      );
    }
    const journal = new RunJournal(file, restored?.identity ?? identity, state, restored);
    await removeStaleTemp(file);
    try {
      await writeJournalAtomically(file, journal.#encode(restored?.state ?? state()));
    } catch (err) {
      if (err instanceof FanoutError) throw err;
      throw inputError(`Cannot write journal ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    return { journal, restored };
  }

  /** True when batch `id` was merged in the run this journal resumes (the split skips it). */
  has(id: string): boolean {
    return this.#idSet.has(id);
  }

  /** Failures recorded by the resumed run, to report them again. */
  failures(): { item: string; reason: string }[] {
    return [...this.#failed].map(([item, reason]) => ({ item, reason }));
  }

  /** Records a failed input item; false when the resumed run had already recorded it (report it once). */
  itemFailed(item: string, reason: string): boolean {
    if (this.#failed.has(item)) return false;
    this.#failed.set(item, reason);
    this.#schedule();
    return true;
  }

  /** Call right after batch `id` was merged into the state: the next write records both. */
  batchMerged(id: string): void {
    this.#ids.push(id);
    this.#idSet.add(id);
    this.#schedule();
  }

  /** Writes what is pending and waits for it; throws a write error seen during the run. */
  async close(): Promise<void> {
    while (this.#writing) await this.#writing;
    if (this.#dirty) {
      this.#dirty = false;
      await this.#write();
    }
    if (this.#error !== undefined) {
      const e = this.#error as NodeJS.ErrnoException;
      throw new FanoutError('EINTERNAL', `Cannot write journal ${this.file} (${e.code ?? e.message})`, {
        cause: e,
        retryable: false,
      });
    }
  }

  #schedule(): void {
    this.#dirty = true;
    if (this.#writing) return;
    this.#writing = (async () => {
      while (this.#dirty && this.#error === undefined) {
        this.#dirty = false;
        await this.#write();
      }
    })().finally(() => {
      this.#writing = undefined;
    });
  }

  async #write(): Promise<void> {
    try {
      // encoded synchronously: the state and the ids are one consistent moment of the run
      await writeJournalAtomically(this.file, this.#encode(this.#state()));
    } catch (err) {
      this.#error ??= err;
    }
  }

  #encode(state: unknown): Buffer {
    try {
      return encodeJournal(this.identity, { state, batchIds: [...this.#ids], failed: this.failures() });
    } catch (err) {
      throw inputError(
        `Cannot journal the merge state of task \`${this.identity.task}\` (${(err as Error).message}); it must be cloneable data`,
      );
    }
  }
}
