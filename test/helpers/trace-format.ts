import * as z from 'zod';

/**
 * A validator for the Trace Event Format subset fanout writes (the JSON object format that ui.perfetto.dev and
 * chrome://tracing load): complete (X), counter (C) and metadata (M) events, written from the format's spec rather
 * than from fanout's types, plus the cross-event rules a viewer relies on.
 */
const id = z.number().int().nonnegative();
const micros = z.number().finite().nonnegative();

const complete = z.strictObject({
  name: z.string().min(1),
  cat: z.string().min(1),
  ph: z.literal('X'),
  ts: micros,
  dur: micros,
  pid: id,
  tid: id,
  args: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});

const counter = z.strictObject({
  name: z.string().min(1),
  ph: z.literal('C'),
  ts: micros,
  pid: id,
  tid: id,
  // each series is a number; in-flight work is never negative
  args: z.record(z.string(), z.number().int().nonnegative()),
});

const metadata = z.discriminatedUnion('name', [
  z.strictObject({
    name: z.enum(['process_name', 'thread_name']),
    ph: z.literal('M'),
    pid: id,
    tid: id,
    args: z.strictObject({ name: z.string().min(1) }),
  }),
  z.strictObject({
    name: z.enum(['process_sort_index', 'thread_sort_index']),
    ph: z.literal('M'),
    pid: id,
    tid: id,
    args: z.strictObject({ sort_index: z.number().int() }),
  }),
]);

/** One event: its kind is chosen by `ph`. */
export const TraceEventSchema = z.union([complete, counter, metadata]);

/** The attempt/fetch arguments fanout promises on every non-summary complete event. */
export const AttemptArgsSchema = z.looseObject({
  batchId: z.string().min(1),
  attempt: z.number().int().positive(),
  side: z.string().min(1),
  stage: z.string().min(1),
  status: z.enum(['ok', 'error', 'duplicate', 'cancelled']),
  worker: z.string().min(1),
  run: z.number().int().positive(),
  cpuMs: z.number().nonnegative().optional(),
  durationMs: z.number().nonnegative().optional(),
  coldStart: z.boolean().optional(),
  initMs: z.number().nonnegative().optional(),
  error: z.string().optional(),
  errorCode: z.string().optional(),
});

export const TraceFileSchema = z.looseObject({
  traceEvents: z.array(TraceEventSchema).min(1),
  displayTimeUnit: z.enum(['ms', 'ns']).optional(),
});

/** A complete event that is one attempt or fetch (not a run's summary bar). */
export type AttemptEvent = Omit<z.infer<typeof complete>, 'args'> & { args: z.infer<typeof AttemptArgsSchema> };

/** What {@link validateTrace} returns: the events by kind, and the process/thread names. */
export interface ValidTrace {
  attempts: AttemptEvent[];
  runs: z.infer<typeof complete>[];
  counters: z.infer<typeof counter>[];
  processNames: Map<number, string>;
  threadNames: Map<string, string>;
}

/**
 * Parses a trace file and checks every event against the format, then: every pid has a process_name, every
 * (pid, tid) of a complete event has a thread_name, no name is given twice, every attempt's args are complete and
 * its `worker` matches its thread's name, and counters only appear in named processes.
 */
export function validateTrace(json: unknown): ValidTrace {
  const file = TraceFileSchema.parse(json);
  const processNames = new Map<number, string>();
  const threadNames = new Map<string, string>();
  const out: ValidTrace = { attempts: [], runs: [], counters: [], processNames, threadNames };
  for (const e of file.traceEvents) {
    if (e.ph !== 'M' || !('name' in e.args)) continue;
    if (e.name === 'process_name') {
      if (processNames.has(e.pid)) throw new Error(`pid ${e.pid} is named twice`);
      processNames.set(e.pid, e.args.name);
    } else if (e.name === 'thread_name') {
      const key = `${e.pid}/${e.tid}`;
      if (threadNames.has(key)) throw new Error(`thread ${key} is named twice`);
      threadNames.set(key, e.args.name);
    }
  }
  for (const e of file.traceEvents) {
    if (e.ph === 'M') continue;
    if (!processNames.has(e.pid)) throw new Error(`event ${JSON.stringify(e)} has a pid without process_name`);
    if (e.ph === 'C') {
      out.counters.push(e);
      continue;
    }
    const thread = threadNames.get(`${e.pid}/${e.tid}`);
    if (thread === undefined) throw new Error(`event ${JSON.stringify(e)} has a tid without thread_name`);
    if (e.cat === 'run') {
      out.runs.push(e);
      continue;
    }
    const args = AttemptArgsSchema.parse(e.args);
    if (args.worker !== thread) throw new Error(`event on thread ${thread} says worker ${args.worker}`);
    if (!e.cat.split(',').includes(args.stage) || !e.cat.split(',').includes(args.status)) {
      throw new Error(`event cat ${e.cat} does not name its stage and status`);
    }
    out.attempts.push({ ...e, args });
  }
  return out;
}
