import { FetchPool, type PooledFetchResult } from './fetch-pool.js';
import { type DocBatch, type FetchedDoc, type FetchStageOptions, fetchRecord } from './fetch-stage.js';
import type { UrlItem } from './url-list.js';

/**
 * The fetch stage in reproducible order, for journaled runs: batch `k` is always entries `k·n … k·n+n−1` of the URL list
 * (n = `maxBatchDocs`), documents in list order, whatever order the fetches finish in — so batch ids mean the same
 * documents in a resumed run. A batch whose every entry failed is still yielded (empty), so later ids do not shift.
 * Up to `maxReadyBatches` batches are fetched ahead; the pool bounds fetches in flight as usual.
 */
export async function* fetchDocBatchesInOrder(
  source: AsyncIterable<UrlItem>,
  opts: FetchStageOptions = {},
): AsyncGenerator<DocBatch> {
  const size = opts.maxBatchDocs ?? 32;
  const ahead = Math.max(1, opts.maxReadyBatches ?? 2);
  const signal = opts.signal;
  const pool = new FetchPool(opts.fetch, opts.runId);
  const decoder = new TextDecoder('utf-8');
  const it = source[Symbol.asyncIterator]();
  const chunks: Promise<DocBatch>[] = [];
  let sourceDone = false;
  let position = 0;

  // the list is opened now, while the threads boot: its first entry is read ahead
  let firstEntry: Promise<IteratorResult<UrlItem>> | undefined = it.next();
  firstEntry.catch(() => {}); // awaited by the first readChunk
  const nextEntry = (): Promise<IteratorResult<UrlItem>> => {
    const first = firstEntry;
    firstEntry = undefined;
    return first ?? it.next();
  };
  const fetchOne = async (url: string): Promise<FetchedDoc | undefined> => {
    const r: PooledFetchResult = await pool.fetch(url, signal);
    opts.record?.(fetchRecord(r));
    if (r.ok) return { url: r.url, text: decoder.decode(r.body) };
    opts.fail?.(r.url, r.reason);
    return undefined;
  };
  const readChunk = async (): Promise<{ chunk: Promise<DocBatch> } | undefined> => {
    const pending: Promise<FetchedDoc | undefined>[] = [];
    // merged by the run this one resumes: keep the positions, skip the fetches (an empty batch is dropped unrun)
    const skip = opts.skip?.(position++) === true;
    while (pending.length < size) {
      const step = await nextEntry();
      if (step.done) {
        sourceDone = true;
        break;
      }
      const entry = step.value;
      if (skip) pending.push(Promise.resolve(undefined));
      else if ('url' in entry) pending.push(fetchOne(entry.url));
      else {
        opts.fail?.(entry.item, entry.reason);
        pending.push(Promise.resolve(undefined));
      }
    }
    if (pending.length === 0) return undefined;
    const chunk = Promise.all(pending).then((docs) => ({
      docs: docs.filter((d): d is FetchedDoc => d !== undefined),
    }));
    chunk.catch(() => {}); // awaited in order below; an early rejection must not be reported as unhandled
    return { chunk };
  };

  try {
    // the list is opened while the threads boot; the first chunk is fetched once they are up
    await pool.start();
    opts.onPool?.(pool);
    opts.onFirstRequest?.();
    for (;;) {
      while (!sourceDone && chunks.length < ahead) {
        const read = await readChunk();
        if (read) chunks.push(read.chunk);
      }
      const next = chunks.shift();
      if (!next) return;
      signal?.throwIfAborted();
      yield await next;
    }
  } finally {
    await pool.close();
    await it.return?.();
  }
}
