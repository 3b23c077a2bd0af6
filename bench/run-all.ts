/**
 * `npm run bench`: every benchmark, one after another (never in parallel: they measure the same 2 cores).
 * Each writes bench/results/<name>.json and prints a table. `npm run bench -- <name…>` runs only those.
 */
import { loadavg } from 'node:os';
import { quietWarnings } from '../orchestrator/cli/quiet-warnings.js';
import { summarise } from './goals.js';

quietWarnings(false);

const suites: Record<string, () => Promise<unknown>> = {
  // whole fanout processes against node -e 0, 9 interleaved rounds: about 20 s
  startup: async () => (await import('./startup.js')).run(),
  'cpu-scaling': async () => (await import('./cpu-scaling.js')).run(),
  'fetch-overlap': async () => (await import('./fetch-overlap.js')).run(),
  // whole processes: fanout run wordcount (3 backends) vs the plain undici + p-limit script, 5 rounds: about a minute
  'wordcount-script': async () => (await import('./wordcount-script.js')).run(),
  'lambda-client': async () => (await import('./lambda-client.js')).run(),
  hybrid: async () => (await import('./hybrid.js')).run(),
  'user-task': async () => (await import('./user-task.js')).run(),
  // 3 rounds × 13 configurations of 20,000 no-op tasks: about a minute on 2 cores
  dispatch: async () => (await import('./dispatch.js')).run(3),
  peers: async () => (await import('./peers.js')).run(),
  plan: async () => (await import('./plan-check.js')).run(),
  // 5 rounds × 5 measures of 8 batches of 4–8 MB through the emulator and s3rver: about two minutes
  offload: async () => (await import('./offload.js')).run(),
  // 2 fresh processes × 100,000 URLs: about a minute
  memory: async () => (await import('./memory.js')).run(),
  // npm pack, install into an empty project, init (installs the Serverless tooling), first runs: about a minute
  install: async () => (await import('./install.js')).run(),
};

const only = process.argv.slice(2);
const unknown = only.filter((name) => !(name in suites));
if (unknown.length > 0) {
  console.error(`bench: no suite named ${unknown.join(', ')} (suites: ${Object.keys(suites).join(', ')})`);
  process.exit(2);
}
const startedAt = new Date();
const loadAtStart = loadavg()[0] as number;
const ran: string[] = [];
for (const [name, run] of Object.entries(suites)) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n=== bench: ${name} ===`);
  ran.push(name);
  await run();
}
await summarise(ran, startedAt, loadAtStart);
