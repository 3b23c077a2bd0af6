/**
 * What `fanout run` starts before the CLI itself loads (cli/main.ts): the first worker of a local pool, so its start
 * overlaps the CLI's loading on the other core instead of following it (docs/performance.md#start-up).
 */
import { forkEarlyChild } from '../backends/process/process-child.js';
import { startEarlyThread } from '../backends/thread/thread-worker.js';
import { DEFAULTS } from '../options.js';

/** The backend a `fanout run` command line asks for (its default when none is given); undefined for anything else. */
export function runBackendOf(argv: readonly string[]): string | undefined {
  if (argv[0] !== 'run' || argv.includes('--help') || argv.includes('-h') || argv.includes('--coordinator')) {
    return undefined;
  }
  const at = argv.findIndex((a) => a === '--backend' || a.startsWith('--backend='));
  if (at < 0) return DEFAULTS.backend;
  const flag = argv[at] as string;
  return flag.startsWith('--backend=') ? flag.slice('--backend='.length) : argv[at + 1];
}

/** Starts the first worker of the pool `argv` will run on, if it runs on one (process or thread). */
export function startEarly(argv: readonly string[]): void {
  const backend = runBackendOf(argv);
  if (backend === 'process') forkEarlyChild();
  else if (backend === 'thread') startEarlyThread();
}
