import type * as ChildProcesses from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateDocs } from '../../orchestrator/docs-server/demo-docs.js';
import { type DocsServer, startDocsServer } from '../../orchestrator/docs-server/docs-server.js';
import { fanout } from '../../orchestrator/fanout.js';
import { type DocBatch, fetchDocBatches } from '../../orchestrator/fetch/fetch-stage.js';
import { fetchDocBatchesInOrder } from '../../orchestrator/fetch/ordered-doc-batches.js';
import { readUrlList } from '../../orchestrator/fetch/url-list.js';
import { referenceWordcount, texts } from '../helpers/fetch-test-server.js';

const DOCS = 12;

/**
 * The process backend's start seen from outside, through `fork`: when each child was forked, when its `ready` came in
 * (its task is loaded; the backend's start ends once every child said so, see backends/pool/launch-lane.ts) and when
 * that `ready` was handed on to the backend. While `held` is set, it is handed on only once `held` settles: until then
 * the backend is still starting, however fast the child was.
 */
const backendStart = vi.hoisted(() => ({
  held: undefined as Promise<unknown> | undefined,
  forkedAt: [] as number[],
  readyCameAt: [] as number[],
  readyAt: [] as number[],
}));

vi.mock('node:child_process', async (importOriginal) => {
  const real = await importOriginal<typeof ChildProcesses>();
  const fork = ((...args: Parameters<typeof real.fork>) => {
    const child = real.fork(...args);
    backendStart.forkedAt.push(Date.now());
    const emit = child.emit.bind(child);
    child.emit = ((event: string | symbol, ...rest: unknown[]) => {
      const held = backendStart.held;
      if (!held || event !== 'message' || (rest[0] as { type?: unknown } | undefined)?.type !== 'ready') {
        return emit(event, ...rest);
      }
      backendStart.readyCameAt.push(Date.now());
      void held.then(() => {
        backendStart.readyAt.push(Date.now());
        emit(event, ...rest);
      });
      return true;
    }) as typeof child.emit;
    return child;
  }) as typeof real.fork;
  return { ...real, fork };
});

describe('fetch stage start-up: the list is read and fetching starts while the threads or the backend start', () => {
  let server: DocsServer;
  let dir: string;

  beforeAll(async () => {
    dir = generateDocs(mkdtempSync(join(tmpdir(), 'fanout-gate-')), DOCS, 50);
    server = await startDocsServer({ dir, latencyMs: 10 });
  });
  afterAll(async () => {
    await server?.close();
  });

  for (const [name, stage] of [
    ['arrival order', fetchDocBatches],
    ['list order (journaled runs)', fetchDocBatchesInOrder],
  ] as const) {
    it(`${name}, threads: the list is read while the threads boot; onFirstRequest comes once, before any document request`, async () => {
      // Prepare
      const before = server.requests;
      const seenAtFirst: number[] = [];
      const batches: DocBatch[] = [];
      // Act
      for await (const b of stage(readUrlList(server.indexUrl), {
        fetch: { placement: 'threads' },
        onFirstRequest: () => seenAtFirst.push(server.requests - before),
      }))
        batches.push(b);
      // Assess: called once, when only the list had been requested; then every document was fetched
      expect(seenAtFirst).toEqual([1]);
      expect(server.requests - before).toBe(1 + DOCS);
      expect(batches.flatMap((b) => b.docs).length).toBe(DOCS);
    });

    it(`${name}, auto: onFirstRequest comes once, at once (nothing boots), before any document request`, async () => {
      // Prepare
      const before = server.requests;
      const seenAtFirst: number[] = [];
      const batches: DocBatch[] = [];
      // Act
      for await (const b of stage(readUrlList(server.indexUrl), {
        onFirstRequest: () => seenAtFirst.push(server.requests - before),
      }))
        batches.push(b);
      // Assess: at most the list had been requested; then every document was fetched, on the idle main thread
      expect(seenAtFirst).toHaveLength(1);
      expect(seenAtFirst[0]).toBeLessThanOrEqual(1);
      expect(server.requests - before).toBe(1 + DOCS);
      expect(batches.flatMap((b) => b.docs).length).toBe(DOCS);
    });
  }

  it('an abort while the threads boot ends the stage with the abort reason', async () => {
    // Prepare
    const controller = new AbortController();
    const stage = fetchDocBatches(readUrlList(server.indexUrl), {
      fetch: { placement: 'threads' },
      signal: controller.signal,
    });
    // Act
    const next = stage.next();
    controller.abort(new Error('stop now'));
    // Assess
    await expect(next).rejects.toThrow('stop now');
  });

  // No clock bounds, an order of events: the backend's start is held until a document was fetched (left alone, the child
  // is often ready before the fetch threads are even up: which comes first is a race), so the run gets anywhere only if
  // fetching does not wait for the backend's start. Were it to wait, the backend would never get ready and the run
  // fails (after launch-lane's 30 s ready timeout).
  it('in a run, fetching starts while the process backend starts: the first request at t0, CPU bars later', async () => {
    // Prepare
    const before = server.requests;
    const events: string[] = [];
    let runStart = 0;
    let documentFetched: () => void = () => {};
    backendStart.forkedAt.length = backendStart.readyCameAt.length = backendStart.readyAt.length = 0;
    backendStart.held = new Promise<void>((resolve) => {
      documentFetched = resolve;
    }).then(() => events.push(`backend ready, ${server.requests - before - 1} document requests received`));
    const called = Date.now();
    // Act
    const run = await fanout(
      'wordcount',
      { urls: server.indexUrl },
      {
        backend: 'process',
        workers: 1,
        onRecord: (r, info) => {
          runStart = info.startedAt;
          if (r.stage === 'fetch' && events.length === 0) {
            events.push('first document fetched');
            documentFetched();
          }
        },
      },
    )
      .catch((err: unknown) => {
        if (events.length > 0) throw err;
        throw new Error(`no document was fetched while the process backend started, so it never got ready: ${err}`);
      })
      .finally(() => {
        backendStart.held = undefined;
      });
    // Assess
    const { result, stats } = run;
    expect(result).toEqual(referenceWordcount(texts(dir, server.files.keys())));
    // the fetch stage fetched a document (its request reached the server) while the backend was still starting
    expect(events[0]).toBe('first document fetched');
    expect(events[1]).toMatch(/^backend ready, [1-9]\d* document requests received$/);
    expect(backendStart.readyAt).toHaveLength(1);
    const fetches = stats.records.filter((r) => r.stage === 'fetch');
    const cpu = stats.records.filter((r) => r.stage === 'cpu');
    expect(fetches.length).toBe(DOCS);
    expect(cpu.length).toBeGreaterThan(0);
    const firstFetch = Math.min(...fetches.map((r) => r.startMs));
    const firstCpu = Math.min(...cpu.map((r) => r.startMs));
    // the run's clock starts with the fetches: the first fetch is at t0 or after it, and no record of the run is earlier
    expect(firstFetch).toBeGreaterThanOrEqual(0);
    expect(Math.min(...stats.records.map((r) => r.startMs))).toBe(firstFetch);
    // …and inside the backend's start: after the child was forked (not when the run was set up), before it was ready
    const [forkedAt = Number.NaN] = backendStart.forkedAt;
    const [readyAt = Number.NaN] = backendStart.readyAt;
    expect(runStart - called, 't0 - the call').toBeGreaterThanOrEqual(0);
    expect(runStart - forkedAt, 't0 - the fork').toBeGreaterThan(0);
    expect(readyAt - runStart - firstFetch, 'backend ready - first fetch').toBeGreaterThanOrEqual(0);
    // CPU bars only once the backend is ready, so after the first fetch
    expect(runStart + firstCpu - readyAt, 'first cpu batch - backend ready').toBeGreaterThanOrEqual(0);
    expect(firstCpu).toBeGreaterThan(firstFetch);
    const [readyCameAt = Number.NaN] = backendStart.readyCameAt;
    console.log(
      `t0 ${runStart - called} ms after the call, ${runStart - forkedAt} ms after the fork; first fetch ${firstFetch} ms, ` +
        `child ready ${readyCameAt - runStart} ms (held until ${readyAt - runStart} ms), first cpu batch ${firstCpu} ms after t0`,
    );
  });
});
