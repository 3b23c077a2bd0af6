import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OFFLOAD_PREFIX } from '../../orchestrator/offload/offload-keys.js';
import { letters, sha } from '../fixtures/offload-tasks/big-payloads.js';
import { startCli, until } from '../helpers/cli-process.js';
import { fanoutCli, fixture } from '../helpers/fanout-cli.js';
import { isRunning, waitAllGone } from '../helpers/process-tree.js';

// No endpoint and dummy keys: fanout starts the emulator and the local S3 server itself, and stops both.
// A private TMPDIR, so the servers' folders (build, S3 data) can be watched and must be gone afterwards.
const tmp = mkdtempSync(join(tmpdir(), 'offload-cli-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'x',
  AWS_SECRET_ACCESS_KEY: 'x',
  AWS_REGION: 'us-east-1',
  TMPDIR: tmp,
};
delete env.FANOUT_LAMBDA_ENDPOINT;
delete env.AWS_ENDPOINT_URL_S3;
const TASK = fixture('offload-tasks/big-payloads.ts');

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expected(batches: number, batchMb: number, partialMb: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < batches; i++) {
    out[i] = { blobSha: sha(letters(i + 1, batchMb)), echoSha: sha(letters(i + 1000, partialMb)) };
  }
  return out;
}

/** The PIDs the run said it started: the emulator's and the S3 server's. */
function startedPids(stderr: string): number[] {
  const m =
    /emulator \(serverless-offline\) at \S+ \(pid (\d+)\) and the local S3 server \(s3rver\) at \S+ \(pid (\d+)\)/.exec(
      stderr,
    );
  return m ? [Number(m[1]), Number(m[2])] : [];
}

/** What is left in the private temp folder of the servers fanout started. */
const leftovers = (): string[] => readdirSync(tmp).filter((f) => /^fanout-(offline|s3)-/.test(f));

describe('run and compare with no endpoint: a 7 MB batch and a 7 MB partial through the local S3 server', {
  timeout: 300_000,
}, () => {
  it.each([
    ['a 7 MB batch', 7, 0.01],
    ['a 7 MB partial', 0.01, 7],
  ])('run --backend lambda: %s, exact; both servers stopped, their folders gone', async (_n, batchMb, partialMb) => {
    // Act
    const input = JSON.stringify({ batches: 2, batchMb, partialMb });
    const r = await fanoutCli(['run', TASK, '--input', input, '--backend', 'lambda', '--json'], {
      env,
      timeout: 240_000,
    });
    // Assess
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { result: unknown; stats: { retries: number } };
    expect(doc.result).toEqual(expected(2, batchMb, partialMb));
    expect(doc.stats.retries).toBe(0);
    const pids = startedPids(r.stderr);
    expect(pids).toHaveLength(2);
    expect(await waitAllGone(pids)).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('compare --backends lambda,hybrid: a 7 MB batch and a 7 MB partial, the same exact answer on both', async () => {
    // Act
    const input = JSON.stringify({ batches: 2, batchMb: 7, partialMb: 7 });
    const r = await fanoutCli(['compare', TASK, '--input', input, '--backends', 'lambda,hybrid', '--json'], {
      env,
      timeout: 280_000,
    });
    // Assess
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { rows: { backend: string; result: unknown; duplicates: number }[] };
    expect(doc.rows.map((x) => x.backend).sort()).toEqual(['hybrid', 'lambda']);
    for (const row of doc.rows) {
      expect(row.result).toEqual(expected(2, 7, 7));
      expect(row.duplicates).toBe(0);
    }
    expect(leftovers()).toEqual([]);
  });

  it('Ctrl-C mid-offload: exit 130, no process left, and no object outside the prefix the lifecycle rule expires', async () => {
    // Prepare: many 7 MB batches, two at a time
    const input = JSON.stringify({ batches: 12, batchMb: 7, partialMb: 0.01 });
    const run = startCli(['run', TASK, '--input', input, '--backend', 'lambda', '--concurrency', '2'], undefined, env);
    await run.waitForStderr(/local S3 server \(s3rver\) at \S+ \(pid \d+\)/, 180_000);
    const pids = startedPids(run.stderr());
    // the S3 server's data folder holds the bucket; an object under the prefix there means an offload is under way
    const objects = (): string[] => {
      const dir = readdirSync(tmp).find((f) => f.startsWith('fanout-s3-'));
      const prefixDir = dir && join(tmp, dir, 'fanout-offload', OFFLOAD_PREFIX);
      return prefixDir && existsSync(prefixDir) ? readdirSync(prefixDir, { recursive: true }).map(String) : [];
    };
    const bucketDir = (): string[] => {
      const dir = readdirSync(tmp).find((f) => f.startsWith('fanout-s3-'));
      return dir && existsSync(join(tmp, dir, 'fanout-offload')) ? readdirSync(join(tmp, dir, 'fanout-offload')) : [];
    };
    await until(() => objects().length > 0, 120_000, 'an offloaded object');
    // Act
    expect(bucketDir().every((f) => `${f}/` === OFFLOAD_PREFIX)).toBe(true);
    run.child.kill('SIGINT');
    const code = await run.exited;
    // Assess
    expect(code, run.stderr()).toBe(130);
    expect(run.stderr()).toContain('interrupted by SIGINT');
    expect(pids).toHaveLength(2);
    expect(await waitAllGone([run.pid, ...pids])).toEqual([]);
    expect(pids.every((p) => !isRunning(p))).toBe(true);
    expect(leftovers()).toEqual([]);
  });
});
