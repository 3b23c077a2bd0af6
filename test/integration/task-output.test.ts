import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BackendName } from '../../orchestrator/backends/backend.js';
import { type Emulator, startEmulator } from '../../orchestrator/emulator/serverless-offline.js';
import { isFanoutError } from '../../orchestrator/errors.js';
import { fanout } from '../../orchestrator/fanout.js';
import { TASK_OUTPUT_CAP_BYTES } from '../../orchestrator/far-side/task-output.js';
import type { TaskOutputEvent } from '../../orchestrator/run/task-output-lines.js';
import type { BatchRecord } from '../../orchestrator/stats.js';
import { fanoutCli, fixture } from '../helpers/fanout-cli.js';

const TASK = fixture('printing-task/printing.ts');
const BATCHES = 8;
const LINES = 5;
const BIG = 3;
/** Bytes batch BIG writes: its numbered lines (`b3 l0\n`, 6 bytes each) and 1024 lines of 1 KB. */
const BIG_BYTES = LINES * 6 + 1024 * 1024;

const expectedLines = (i: number): string[] => Array.from({ length: LINES }, (_, j) => `b${i} l${j}`);

/** Lanes each backend names in its records and trace. */
const LANE: Record<string, RegExp> = {
  inline: /^main$/,
  thread: /^thread-\d+$/,
  process: /^process-\d+$/,
  lambda: /^lambda-[0-9a-f]{8}$/,
  hybrid: /^(process-\d+|lambda-[0-9a-f]{8})$/,
};

let emulator: Emulator;

beforeAll(async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'x');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'x');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  // the emulator carries the fixture, bundled exactly as the caller bundles it (same version)
  emulator = await startEmulator({ tasks: [TASK] });
}, 120_000);

afterAll(async () => {
  await emulator?.stop();
  vi.unstubAllEnvs();
});

const BACKENDS = ['inline', 'thread', 'process', 'lambda', 'hybrid'] as const;

/** Runs the fixture on `backend`, collecting every output event and every record. */
function printingRun(backend: BackendName, input: object, retries = 2) {
  const events: TaskOutputEvent[] = [];
  const records: BatchRecord[] = [];
  const run = fanout(TASK, input, {
    backend,
    // inline: 4 batches at once, so the async maps overlap on the main thread and interleave their output
    workers: backend === 'inline' ? 4 : 2,
    lambda: { endpoint: emulator.endpoint, concurrency: 4 },
    retries,
    onTaskOutput: (e) => events.push(e),
    onRecord: (r) => records.push(r),
  });
  return { run, events, records };
}

describe.each(BACKENDS)('what a map prints reaches the caller from the %s backend', (name) => {
  it('each line once, with its lane and batch, in order; a 1 MB batch capped with a note; the answer exact', async () => {
    // Act
    const { run, events, records } = printingRun(name, { batches: BATCHES, lines: LINES, big: BIG });
    const { result, stats } = await run;
    // Assess: the answer is exact whatever was printed
    expect(result).toEqual({ batches: BATCHES, sum: (BATCHES * (BATCHES - 1)) / 2 });
    // one event per attempt that came back with output (a cancelled speculative copy brings none), naming its lane
    expect(events).toHaveLength(records.filter((r) => r.output).length);
    for (const e of events) {
      const same = records.filter((r) => r.batchId === e.batchId && r.attempt === e.attempt && r.workerId === e.lane);
      expect(same).toHaveLength(1);
      expect(e.lane).toMatch(LANE[name] as RegExp);
    }
    // the winning attempt of each batch carries exactly that batch's lines, in the order they were printed
    const winners = events.filter((e) => e.status === 'ok');
    expect(winners.map((e) => Number(e.batchId)).sort((a, b) => a - b)).toEqual([...Array(BATCHES).keys()]);
    for (const e of winners) {
      const i = Number(e.batchId);
      if (i === BIG) continue;
      expect(e.lines).toEqual(expectedLines(i));
      expect(e.cutBytes).toBeUndefined();
    }
    // no line is attributed to another batch, on any attempt (speculative copies included)
    for (const e of events) {
      for (const line of e.lines) expect(line.startsWith(`b${e.batchId} `) || /^x+$/.test(line)).toBe(true);
    }
    // the 1 MB batch: its first 8 KB, and the rest counted as cut
    const big = winners.find((e) => e.batchId === String(BIG));
    expect(big?.lines.slice(0, LINES)).toEqual(expectedLines(BIG));
    expect(big?.cutBytes).toBe(BIG_BYTES - TASK_OUTPUT_CAP_BYTES);
    // the records carry it per attempt too
    const bigRecord = stats.records.find((r) => r.batchId === String(BIG) && r.status === 'ok');
    expect(bigRecord?.output?.cutBytes).toBe(BIG_BYTES - TASK_OUTPUT_CAP_BYTES);
    expect(Buffer.byteLength(bigRecord?.output?.text ?? '')).toBe(TASK_OUTPUT_CAP_BYTES);
    expect(bigRecord?.output?.text.startsWith(`${expectedLines(BIG).join('\n')}\n`)).toBe(true);
    if (name === 'inline') {
      // the maps really overlapped, so their lines interleaved in one thread and were still told apart
      const ok = records.filter((r) => r.status === 'ok');
      const overlapping = ok.some((a) => ok.some((b) => a !== b && a.startMs < b.endMs && b.startMs < a.endMs));
      expect(overlapping).toBe(true);
    }
  }, 120_000);

  it("a failed attempt's output is still delivered, marked as that attempt's", async () => {
    // Act
    const { run, events, records } = printingRun(name, { batches: 3, lines: 2, fail: 1 }, 0);
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    // Assess
    expect(isFanoutError(err, 'ETASK')).toBe(true);
    const failed = events.filter((e) => e.status === 'error');
    // one failed attempt (hybrid may also have run a speculative copy on its other side: that one fails too)
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(failed.length).toBe(records.filter((r) => r.status === 'error').length);
    for (const e of failed) {
      expect(e).toMatchObject({ batchId: '1', lines: ['b1 l0', 'b1 l1'] });
      expect(e.lane).toMatch(LANE[name] as RegExp);
      const of = (r: BatchRecord): boolean => r.attempt === e.attempt && r.workerId === e.lane;
      expect(records.filter((r) => r.batchId === '1' && r.status === 'error' && of(r))).toHaveLength(1);
    }
    if (name !== 'hybrid') expect(failed).toHaveLength(1);
  }, 120_000);
});

describe('fanout run prints the task output on stderr', () => {
  const input = JSON.stringify({ batches: 3, lines: 2 });

  it.each(['process', 'lambda'])(
    '--backend %s: each line once with its lane; stdout stays one JSON document',
    async (backend) => {
      // Act
      const args = ['run', TASK, '--backend', backend, '--workers', '2', '--input', input, '--json'];
      const endpoint = backend === 'lambda' ? ['--lambda-endpoint', emulator.endpoint] : [];
      const cli = await fanoutCli([...args, ...endpoint], {
        env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' },
      });
      // Assess
      expect(cli.code).toBe(0);
      expect(JSON.parse(cli.stdout)).toMatchObject({ result: { batches: 3, sum: 3 } });
      for (let i = 0; i < 3; i++) {
        for (const line of [`b${i} l0`, `b${i} l1`]) {
          const hits = cli.stderr.split('\n').filter((l) => l.endsWith(`] ${line}`));
          expect(hits).toHaveLength(1);
          expect(hits[0]).toMatch(backend === 'lambda' ? /^\[lambda-[0-9a-f]{8}\] / : /^\[process-\d+\] /);
        }
      }
    },
    120_000,
  );

  it('--quiet-tasks hides it', async () => {
    // Act
    const cli = await fanoutCli(['run', TASK, '--backend', 'process', '--input', input, '--json', '--quiet-tasks']);
    // Assess
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ result: { batches: 3, sum: 3 } });
    expect(cli.stderr).not.toMatch(/b\d l\d/);
  }, 60_000);
});
