import { inputError } from '../errors.js';
import {
  checkPlacement,
  DEFAULT_MAX_BODY_BYTES,
  FETCH_DEFAULTS,
  FETCH_PLACEMENTS,
  type FetchPlacement,
} from '../fetch/fetch-options.js';
import type { DocBatch } from '../fetch/fetch-stage.js';
import type { UrlSource } from '../fetch/url-list.js';
import { checkNonNegativeInt, checkPositiveInt } from '../options.js';
import { defineTask } from './task.js';
import { splitText, topWords, type WordCount, WordTally } from './word-counts.js';

/** Input of wordcount. The CLI gives `urls` as a string; the library API also takes any (async) iterable of URLs. */
export interface WordcountInput {
  /** A file with one URL a line, the http(s) URL of such a list, or an iterable of URLs. */
  urls: UrlSource;
  /** Length of the top list. @default 10 */
  top?: number;
  /** Fetches in flight over all fetch threads. @default 64 */
  fetchConcurrency?: number;
  /**
   * Where fetches run: `auto` on the main thread until it is measured busy, then in fetch threads; `threads` in fetch
   * threads from the start; `main` on the main thread only. @default 'auto'
   */
  fetchOn?: FetchPlacement;
  /** Fetch worker threads (when fetches run in threads). @default 2 */
  fetchThreads?: number;
  /** Largest document accepted, bytes. @default 10 MiB */
  maxBody?: number;
  /** Deadline of one fetch attempt, ms. @default 30000 */
  fetchTimeout?: number;
  /** Retries per URL on 429, 5xx, resets and timeouts. @default 3 */
  fetchRetries?: number;
  /** Fetch link-local / cloud-metadata addresses too (169.254.0.0/16, fe80::/10, fd00:ec2::254). @default false */
  allowLinkLocal?: boolean;
}

/** Partial of one batch: word counts of its documents. JSON, so it crosses processes and Lambda. */
export interface WordcountPartial {
  docs: number;
  words: number;
  counts: Record<string, number>;
}

/** Merge state: kept as a Map on the main thread (never serialised). */
export interface WordTotals {
  docs: number;
  totalWords: number;
  counts: Map<string, number>;
}

/** What a wordcount run returns. */
export interface WordcountResult {
  totalWords: number;
  distinctWords: number;
  top: WordCount[];
}

/** Documents per CPU batch unless `--batch-size` says otherwise. */
const DEFAULT_BATCH_DOCS = 32;

/**
 * wordcount: fetch every URL of a list (see FetchPool's placement), count words in the CPU stage (wherever the backend runs it),
 * merge counts. A pipeline: the fetch stage runs inside `split`, so batches flow to the CPU backend while fetching
 * continues, and the scheduler's lazy pulling gives the fetch stage backpressure.
 */
export const wordcount = defineTask<WordcountInput, DocBatch, WordcountPartial, WordTotals>({
  name: 'wordcount',
  description: 'fetch every URL of --urls and count words (/[A-Za-z]+/, lowercased)',
  options: [
    { name: 'urls', kind: 'string', description: 'file or http(s) URL of a list of document URLs, one a line' },
    { name: 'top', kind: 'positiveInt', description: 'how many of the most frequent words to list', default: 10 },
    {
      name: 'fetch-concurrency',
      kind: 'positiveInt',
      description: 'fetches in flight over all fetch threads',
      default: FETCH_DEFAULTS.concurrency,
    },
    {
      name: 'fetch-on',
      kind: 'string',
      description: `where fetches run: ${FETCH_PLACEMENTS.join(', ')} (auto: the main thread until it is busy, then threads)`,
      default: FETCH_DEFAULTS.placement,
    },
    {
      name: 'fetch-threads',
      kind: 'positiveInt',
      description: 'worker threads running fetches (when they run in threads)',
      default: FETCH_DEFAULTS.threads,
    },
    {
      name: 'max-body',
      kind: 'positiveInt',
      description: 'largest document accepted, bytes',
      default: DEFAULT_MAX_BODY_BYTES,
    },
    {
      name: 'fetch-timeout',
      kind: 'positiveInt',
      description: 'deadline of one fetch attempt, ms',
      default: FETCH_DEFAULTS.timeoutMs,
    },
    {
      name: 'fetch-retries',
      kind: 'nonNegativeInt',
      description: 'retries per URL on 429/5xx/reset/timeout',
      default: FETCH_DEFAULTS.retries,
    },
    {
      name: 'allow-link-local',
      kind: 'boolean',
      description: 'also fetch link-local and cloud-metadata addresses (169.254.0.0/16, fe80::/10), refused by default',
      default: false,
    },
  ],
  async *split(input, ctx) {
    const o = checkInput(input);
    // Loaded here, not at the top: the Lambda handler and the CPU workers only ever call map.
    const { readUrlList } = await import('../fetch/url-list.js');
    // A journaled run needs batches that are the same documents every time: grouped by list position, not arrival.
    const fetchDocBatches = ctx.reproducible
      ? (await import('../fetch/ordered-doc-batches.js')).fetchDocBatchesInOrder
      : (await import('../fetch/fetch-stage.js')).fetchDocBatches;
    yield* fetchDocBatches(readUrlList(o.urls, { timeoutMs: o.fetchTimeout, allowLinkLocal: o.allowLinkLocal }), {
      fetch: {
        concurrency: o.fetchConcurrency,
        placement: o.fetchOn,
        threads: o.fetchThreads,
        maxBodyBytes: o.maxBody,
        timeoutMs: o.fetchTimeout,
        retries: o.fetchRetries,
        allowLinkLocal: o.allowLinkLocal,
      },
      maxBatchDocs: ctx.batchSize ?? DEFAULT_BATCH_DOCS,
      maxReadyBatches: Math.max(2, ctx.workers),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.runId ? { runId: ctx.runId } : {}),
      ...(ctx.record ? { record: ctx.record } : {}),
      ...(ctx.fail ? { fail: ctx.fail } : {}),
      ...(ctx.merged ? { skip: ctx.merged } : {}),
      ...(ctx.begin ? { onFirstRequest: ctx.begin } : {}),
      ...(ctx.counters ? { onPool: (pool) => ctx.counters?.('fetch', () => pool.counters()) } : {}),
    });
  },
  map({ docs }) {
    const tally = new WordTally();
    let words = 0;
    for (const d of docs) words += tally.count(d.text);
    return { docs: docs.length, words, counts: tally.toRecord() };
  },
  init: () => ({ docs: 0, totalWords: 0, counts: new Map() }),
  merge(acc, p) {
    acc.docs += p.docs;
    acc.totalWords += p.words;
    for (const [w, n] of Object.entries(p.counts)) acc.counts.set(w, (acc.counts.get(w) ?? 0) + n);
    return acc;
  },
  finalize(acc, input): WordcountResult {
    return { totalWords: acc.totalWords, distinctWords: acc.counts.size, top: topWords(acc.counts, input.top ?? 10) };
  },
  subdivide({ docs }) {
    if (docs.length >= 2) {
      const mid = docs.length >> 1;
      return [{ docs: docs.slice(0, mid) }, { docs: docs.slice(mid) }];
    }
    const doc = docs[0];
    const halves = doc ? splitText(doc.text) : undefined;
    if (!doc || !halves) return [];
    return halves.map((text) => ({ docs: [{ url: doc.url, text }] }));
  },
});

function checkInput(input: WordcountInput): Required<WordcountInput> {
  if (input === null || typeof input !== 'object')
    throw inputError(`Expected wordcount input to be an object, got \`${String(input)}\``);
  const { urls } = input;
  const iterable =
    typeof urls === 'object' && urls !== null && (Symbol.iterator in urls || Symbol.asyncIterator in urls);
  if (!(typeof urls === 'string' && urls.trim() !== '') && !iterable) {
    throw inputError(
      `Expected \`urls\` to be a file path, an http(s) URL of a list or an iterable of URLs, got \`${String(urls)}\``,
    );
  }
  return {
    urls: typeof urls === 'string' ? urls.trim() : urls,
    top: checkPositiveInt('top', input.top ?? 10),
    fetchConcurrency: checkPositiveInt('fetchConcurrency', input.fetchConcurrency ?? FETCH_DEFAULTS.concurrency),
    fetchOn: checkPlacement(input.fetchOn ?? FETCH_DEFAULTS.placement),
    fetchThreads: checkPositiveInt('fetchThreads', input.fetchThreads ?? FETCH_DEFAULTS.threads),
    maxBody: checkPositiveInt('maxBody', input.maxBody ?? DEFAULT_MAX_BODY_BYTES),
    fetchTimeout: checkPositiveInt('fetchTimeout', input.fetchTimeout ?? FETCH_DEFAULTS.timeoutMs),
    fetchRetries: checkNonNegativeInt('fetchRetries', input.fetchRetries ?? FETCH_DEFAULTS.retries),
    allowLinkLocal: checkBoolean('allowLinkLocal', input.allowLinkLocal ?? false),
  };
}

function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean')
    throw inputError(`Expected \`${name}\` to be true or false, got \`${String(value)}\``);
  return value;
}
