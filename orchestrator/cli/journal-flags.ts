import type { Command } from 'commander';
import type { JournalOptions } from '../journal/run-journal.js';

/** Registers `--journal FILE` and `--resume FILE` on `run`. */
export function addJournalFlags(cmd: Command): Command {
  return cmd
    .option('--journal <file>', 'record the run in FILE as batches merge, so an interrupted run can be resumed')
    .option('--resume <file>', 'finish the run journaled in FILE: only its missing batches run (same answer)');
}

/** JournalOptions from the flags: `--resume F` alone also journals into F. */
export function journalOptionsFrom(flags: Record<string, unknown>): JournalOptions {
  const out: JournalOptions = {};
  if (typeof flags.journal === 'string') out.journal = flags.journal;
  if (typeof flags.resume === 'string') out.resumeFrom = flags.resume;
  return out;
}
