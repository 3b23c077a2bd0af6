import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli-process.js';
import { fanoutCli } from '../helpers/fanout-cli.js';

// No AWS credentials and no endpoint: `--coordinator cloud` rehearses the coordinator in-process under the durable
// SDK's local runner, its invokes going to the worker on the emulator the run starts (and stops).
const home = mkdtempSync(join(tmpdir(), 'fanout-cloud-home-'));
const env = {
  ...process.env,
  HOME: home,
  TMPDIR: home,
  AWS_ACCESS_KEY_ID: 'x',
  AWS_SECRET_ACCESS_KEY: 'x',
  AWS_REGION: 'us-east-1',
  FANOUT_LAMBDA_ENDPOINT: '',
};
afterAll(() => rmSync(home, { recursive: true, force: true }));

const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

describe('fanout run --coordinator cloud, rehearsed locally against the real emulator', () => {
  it('gives the local coordinator’s answer, and status/result read the execution afterwards', {
    timeout: 300_000,
  }, async () => {
    // Prepare: the same run with the local coordinator, for the answer to match
    const args = ['run', 'primes', '--limit', '2000000', '--batch-size', '100000', '--json'];
    const local = await fanoutCli([...args, '--backend', 'inline'], { env });
    expect(local.code, local.stderr).toBe(0);
    // Act
    const cloud = await fanoutCli([...args, '--coordinator', 'cloud', '--wait'], { env, timeout: 240_000 });
    // Assess
    expect(cloud.code, cloud.stderr).toBe(0);
    const doc = json(cloud.stdout);
    expect(doc.result).toEqual(json(local.stdout).result);
    expect(doc.result).toEqual({ count: 148_933 });
    expect(doc).toMatchObject({ task: 'primes', backend: 'cloud', stats: { batches: 20, retries: 0 } });
    const id = /execution (local-[0-9a-f]{8})/.exec(cloud.stderr)?.[1];
    expect(id, cloud.stderr).toBeDefined();
    const status = await fanoutCli(['status', id as string, '--json'], { env });
    expect(status.code, status.stderr).toBe(0);
    expect(json(status.stdout)).toMatchObject({ id, status: 'SUCCEEDED', task: 'primes', done: 20, total: 20 });
    const result = await fanoutCli(['result', id as string, '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(json(result.stdout)).toEqual(doc);
    const runs = await fanoutCli(['runs', '--json'], { env });
    expect((JSON.parse(runs.stdout) as { id: string }[]).map((r) => r.id)).toContain(id);
  });

  it('detaches on Ctrl-C: the run goes on to its end, and `result` has it', { timeout: 300_000 }, async () => {
    // Prepare: 12 batches of 1.5 s at 2 in flight, so Ctrl-C lands mid-run
    const cli = startCli(
      ['run', 'sleep', '--batches', '12', '--ms', '1500', '--concurrency', '2', '--coordinator', 'cloud', '--wait'],
      undefined,
      env,
    );
    await cli.waitForStderr(/execution local-[0-9a-f]{8}/, 120_000);
    const id = /execution (local-[0-9a-f]{8})/.exec(cli.stderr())?.[1] as string;
    // Act: Ctrl-C once the run is under way
    let running = await fanoutCli(['status', id, '--json'], { env });
    for (let i = 0; i < 600 && json(running.stdout).done === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      running = await fanoutCli(['status', id, '--json'], { env });
    }
    cli.child.kill('SIGINT');
    await cli.waitForStderr(/detached from local-/);
    const during = json((await fanoutCli(['status', id, '--json'], { env })).stdout);
    const code = await cli.exited;
    // Assess: still running when detached, then finished by itself; the detached CLI printed no result
    expect(during.status).toBe('RUNNING');
    expect(during.done as number).toBeLessThan(12);
    expect(cli.stderr()).toContain(`fanout result ${id} --wait`);
    expect(code).toBe(0);
    expect(cli.stdout()).toBe('');
    const result = await fanoutCli(['result', id, '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(json(result.stdout)).toMatchObject({ task: 'sleep', backend: 'cloud', stats: { batches: 12, retries: 0 } });
  });
});
