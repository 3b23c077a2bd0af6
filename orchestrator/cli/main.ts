/**
 * The CLI's entry (bin/fanout.js runs its bundle). It starts what should overlap the CLI's own loading, then loads the
 * CLI (cli.ts) — dynamically, since the static imports of a module are all loaded before its first line runs.
 */
import { forkEarlyChild } from '../backends/process/process-child.js';

const argv = process.argv.slice(2);
// `run … --backend process`: the first child starts now, so node's start there overlaps the CLI loading and resolving
// the run on the other core (backends/process/process-child.ts)
const backend = argv.find((a, i) => argv[i - 1] === '--backend' || a.startsWith('--backend='));
if (argv[0] === 'run' && backend?.replace('--backend=', '') === 'process') forkEarlyChild();

const { main } = await import('./cli.js');
await main(argv);
