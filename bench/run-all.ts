/**
 * `npm run bench`: every benchmark, one after another (never in parallel: they measure the same 2 cores).
 * Each writes bench/results/<name>.json and prints a table. `npm run bench -- <name…>` runs only those.
 */
import { quietWarnings } from '../orchestrator/cli/quiet-warnings.js';

quietWarnings(false);

const suites: Record<string, () => Promise<unknown>> = {
  'cpu-scaling': async () => (await import('./cpu-scaling.js')).run(),
  'fetch-overlap': async () => (await import('./fetch-overlap.js')).run(),
  'lambda-client': async () => (await import('./lambda-client.js')).run(),
  hybrid: async () => (await import('./hybrid.js')).run(),
  peers: async () => (await import('./peers.js')).run(),
  plan: async () => (await import('./plan-check.js')).run(),
};

const only = process.argv.slice(2);
for (const [name, run] of Object.entries(suites)) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n=== bench: ${name} ===`);
  await run();
}
