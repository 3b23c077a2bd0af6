/**
 * Subdividing a batch, in one place: before sending, a batch over the backend's payload limit (6 MB on Lambda) is cut
 * with the task's `subdivide`; after a reply too large for the backend (EPAYLOAD), the scheduler runs the pieces
 * instead. Either way the pieces of batch `7` are `7.0`, `7.1`, … (and `7.0.1` for a piece cut again).
 */
import { FanoutError } from '../errors.js';
import type { QueuedBatch } from '../scheduler/scheduler-types.js';
import type { AnyTask } from '../tasks/task.js';

/** JSON size of a batch, in bytes, as it would go on the wire. */
export function payloadBytes(batch: unknown): number {
  return Buffer.byteLength(JSON.stringify(batch) ?? 'null');
}

/** The pieces of batch `id` as the task cuts it, with their ids; undefined when the task cannot cut it in two or more. */
export function piecesOf(task: AnyTask, id: string, batch: unknown): QueuedBatch[] | undefined {
  const parts = task.subdivide?.(batch);
  if (!parts || parts.length < 2) return undefined;
  return parts.map((piece, i) => ({ id: `${id}.${i}`, batch: piece }));
}

/** The batch itself when it fits in `max` bytes, else its pieces (cut again until each fits); EPAYLOAD when it can't. */
export function* fitPayload(task: AnyTask, id: string, batch: unknown, max: number): Generator<QueuedBatch> {
  if (payloadBytes(batch) <= max) {
    yield { id, batch };
    return;
  }
  const pieces = piecesOf(task, id, batch);
  if (!pieces) {
    throw new FanoutError(
      'EPAYLOAD',
      `batch ${id} is ${payloadBytes(batch)} bytes, over the backend's ${max}-byte payload limit, and task \`${task.name}\` cannot subdivide it; use a smaller --batch-size`,
      { batchId: id, retryable: false },
    );
  }
  for (const p of pieces) yield* fitPayload(task, p.id, p.batch, max);
}
