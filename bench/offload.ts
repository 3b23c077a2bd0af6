/**
 * S3 offload through the emulator and the local S3 server (s3rver), in one run, rounds interleaved, medians:
 *
 * 1. throughput: BATCHES batches of MB MB each, their events offloaded (put by fanout, read by the function), at
 *    concurrency 2, against a direct put and get of the same bytes with a plain S3 client at the same concurrency (the
 *    least any offload must do). Goal: fanout's throughput ≥ 0.7× the direct one.
 * 2. the time an offload adds per batch: the same INLINE_MB-MB batches sent inline (they fit in an invoke) and with
 *    `offloadBytes` lowered so that they go through S3.
 * 3. a reply offloaded too: MB-MB batches whose partial is as large (echo), for the record.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { LambdaBackend } from '../orchestrator/backends/lambda/lambda-backend.js';
import { type Emulator, openEmulator } from '../orchestrator/emulator/emulator-owner.js';
import { fanout, resolveTask } from '../orchestrator/fanout.js';
import { createS3Client } from '../orchestrator/offload/s3-client.js';
import type { TaskRef } from '../orchestrator/tasks/task.js';
import { median, printTable, repoRoot, writeResult } from './bench-results.js';
import { goalRow } from './goals.js';

const TASK = join(repoRoot, 'bench', 'tasks', 'blob-echo.ts');
const BATCHES = 8;
const MB = 8;
const INLINE_MB = 4;
const CONCURRENCY = 2;
const ROUNDS = 5;

/** Wall ms of one fanout run of the bench task through the emulator, the bytes offloaded when they must be. */
async function viaFanout(
  emulator: Emulator,
  ref: TaskRef,
  input: { batches: number; mb: number; echo?: boolean },
  offloadBytes?: number,
): Promise<number> {
  const s3 = emulator.s3 as NonNullable<Emulator['s3']>;
  const backend = new LambdaBackend({
    endpoint: emulator.endpoint,
    concurrency: CONCURRENCY,
    localS3: { endpoint: s3.endpoint, bucket: s3.bucket },
    ...(offloadBytes ? { offloadBytes } : {}),
  });
  await backend.start({ task: ref });
  try {
    const t0 = performance.now();
    const { result } = await fanout<{ batches: number }>(TASK, input, { backend });
    if (result.batches !== input.batches) throw new Error(`expected ${input.batches} batches, got ${result.batches}`);
    return performance.now() - t0;
  } finally {
    await backend.stop();
  }
}

/** Wall ms of a direct put and get of `batches` objects of `mb` MB, at the same concurrency. */
async function direct(client: S3Client, bucket: string, batches: number, mb: number): Promise<number> {
  // the same bytes fanout sends: the batch's JSON
  const bytes = Buffer.from(JSON.stringify({ i: 0, blob: 'x'.repeat(mb * 1024 * 1024), echo: false }));
  const limit = pLimit(CONCURRENCY);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: batches }, (_, i) =>
      limit(async () => {
        const Key = `fanout-offload/bench/${i}`;
        await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: bytes }));
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
        const back = await got.Body?.transformToByteArray();
        if (back?.byteLength !== bytes.byteLength) throw new Error('short read');
      }),
    ),
  );
  return performance.now() - t0;
}

/** Runs the suite, prints its tables and writes bench/results/offload.json. */
export async function run(): Promise<unknown> {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' });
  const loadBefore = loadavg()[0] as number;
  const { ref } = await resolveTask(TASK);
  const emulator = await openEmulator({ task: ref, concurrency: CONCURRENCY });
  const s3 = emulator.s3 as NonNullable<Emulator['s3']>;
  const client = createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', concurrency: CONCURRENCY, local: true });
  const wall: Record<string, number[]> = { direct: [], offloaded: [], inline: [], inlineOffloaded: [], echo: [] };
  const inlineBytes = INLINE_MB * 1024 * 1024;
  try {
    // warm-up: instances started, the S3 client and the task loaded on both sides
    await viaFanout(emulator, ref, { batches: CONCURRENCY, mb: MB });
    await direct(client, s3.bucket, CONCURRENCY, MB);
    const measures: [string, () => Promise<number>][] = [
      ['direct', () => direct(client, s3.bucket, BATCHES, MB)],
      ['offloaded', () => viaFanout(emulator, ref, { batches: BATCHES, mb: MB })],
      ['inline', () => viaFanout(emulator, ref, { batches: BATCHES, mb: INLINE_MB })],
      // lowered under the batch's size: the same bytes go through S3
      ['inlineOffloaded', () => viaFanout(emulator, ref, { batches: BATCHES, mb: INLINE_MB }, inlineBytes / 2)],
      ['echo', () => viaFanout(emulator, ref, { batches: BATCHES, mb: MB, echo: true })],
    ];
    for (let round = 0; round < ROUNDS; round++) {
      // rotating order: a neighbour's burst should not always land on the same measure
      for (let k = 0; k < measures.length; k++) {
        const [name, measure] = measures[(k + round) % measures.length] as [string, () => Promise<number>];
        wall[name]?.push(await measure());
      }
    }
  } finally {
    client.destroy();
    await emulator.stop();
  }
  const med = (name: string): number => median(wall[name] ?? []);
  const mbMoved = BATCHES * MB;
  const ratio = med('direct') / med('offloaded');
  const addedMsPerBatch = ((med('inlineOffloaded') - med('inline')) * CONCURRENCY) / BATCHES;
  const rows = [
    { path: `direct S3 put + get, ${BATCHES} × ${MB} MB`, medianMs: Math.round(med('direct')) },
    { path: `fanout: events offloaded, ${BATCHES} × ${MB} MB`, medianMs: Math.round(med('offloaded')) },
    { path: `fanout: events and replies offloaded (echo), ${BATCHES} × ${MB} MB`, medianMs: Math.round(med('echo')) },
    { path: `fanout: ${BATCHES} × ${INLINE_MB} MB inline`, medianMs: Math.round(med('inline')) },
    { path: `fanout: ${BATCHES} × ${INLINE_MB} MB offloaded`, medianMs: Math.round(med('inlineOffloaded')) },
  ].map((r) => ({
    ...r,
    mbPerSec:
      Math.round(((r.path.includes(`${INLINE_MB} MB`) ? BATCHES * INLINE_MB : mbMoved) / r.medianMs) * 1000 * 10) / 10,
  }));
  printTable(`offload through the emulator and s3rver (concurrency ${CONCURRENCY}, median of ${ROUNDS})`, rows);
  console.log(
    `throughput offloaded / direct put+get: ${ratio.toFixed(2)}×; an offload adds ${addedMsPerBatch.toFixed(0)} ms per ${INLINE_MB} MB batch`,
  );
  const goals = [
    goalRow('Offload: throughput through the emulator and the local S3 server vs a direct put and get', ratio, {
      atLeast: 0.7,
    }),
  ];
  const file = await writeResult('offload', {
    loadBefore,
    loadAfter: loadavg()[0],
    batches: BATCHES,
    mb: MB,
    inlineMb: INLINE_MB,
    concurrency: CONCURRENCY,
    rounds: ROUNDS,
    wallMs: wall,
    rows,
    throughputRatio: Math.round(ratio * 1000) / 1000,
    offloadAddsMsPerBatch: Math.round(addedMsPerBatch),
    goals,
  });
  console.log(`written to ${file}`);
  return { ratio, addedMsPerBatch };
}
