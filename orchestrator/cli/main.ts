/**
 * The CLI's entry (bin/fanout.js runs its bundle). It starts what should overlap the CLI's own loading (early-start.ts),
 * then loads the CLI (cli.ts) — dynamically, since the static imports of a module all load before its first line runs.
 */
import { startEarly } from './early-start.js';

const argv = process.argv.slice(2);
startEarly(argv);

const { main } = await import('./cli.js');
await main(argv);
