import { deserialize, serialize } from 'node:v8';
import { FanoutError } from '../errors.js';
import { MAX_CHECKPOINT_BYTES } from './engine-limits.js';

/**
 * How the coordinator checkpoints a task's merge state: structured clone (v8), base64 — the journal's rule ("cloneable
 * data"), so a Map or a Set of counts survives where JSON would turn it into `{}`. A state over the engine's checkpoint
 * limit fails here, in one line, instead of as an opaque checkpoint error.
 */
export function encodeState(task: string, value: unknown): string {
  const text = serialize(value).toString('base64');
  if (text.length > MAX_CHECKPOINT_BYTES) {
    throw new FanoutError(
      'EPAYLOAD',
      `the merge state of task \`${task}\` is ${text.length} bytes encoded, over the ${MAX_CHECKPOINT_BYTES} bytes a durable checkpoint holds: run it with the local coordinator, or keep a smaller state`,
      { retryable: false },
    );
  }
  return text;
}

/** The state {@link encodeState} encoded, as a fresh copy (a merge may change its accumulator in place). */
export function decodeState(text: string): unknown {
  return deserialize(Buffer.from(text, 'base64'));
}
