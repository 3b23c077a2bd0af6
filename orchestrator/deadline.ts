/** A deadline joined with a caller's signal (see {@link withDeadline}). */
export interface Deadline {
  /** Aborts when the deadline passes or the caller's signal aborts, whichever comes first. */
  signal: AbortSignal;
  /** True when it was the deadline (and not the caller) that aborted. */
  timedOut(): boolean;
  /** Drops the timer and the listener; call it once the work settles. */
  clear(): void;
}

/**
 * A signal that aborts after `ms`, or when `outer` does. One controller, one unref'd timer and one listener:
 * AbortSignal.timeout + AbortSignal.any make three signals and cost noticeably more per call at thousands of calls a
 * second (a fetch attempt).
 */
export function withDeadline(ms: number, outer?: AbortSignal): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const onOuter = (): void => controller.abort(outer?.reason);
  if (outer?.aborted) onOuter();
  else outer?.addEventListener('abort', onOuter, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${ms} ms`));
  }, ms);
  timer.unref?.();
  return {
    signal: controller.signal,
    timedOut: () => timedOut && outer?.aborted !== true,
    clear: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    },
  };
}
