import type { AbortListener, AttemptCancel } from '../backend.js';

/**
 * An attempt's cancellation as the AWS SDK's own minimal abort signal (`@smithy/types` AbortSignal: `aborted` and
 * `onabort`, which the HTTP handler sets to destroy its request). A real AbortController per invoke, with its event
 * target and listeners, is what this saves; the scheduler's attempt already knows when it is aborted. Call
 * {@link dispose} once the invoke settles.
 */
export class SdkAbortSignal implements AbortListener {
  onabort: ((this: unknown, ev?: unknown) => unknown) | null = null;
  readonly #cancel: AttemptCancel;

  constructor(cancel: AttemptCancel) {
    this.#cancel = cancel;
    cancel.listen(this);
  }

  get aborted(): boolean {
    return this.#cancel.aborted;
  }

  get reason(): unknown {
    return this.#cancel.reason;
  }

  handleEvent(): void {
    this.onabort?.call(this);
  }

  dispose(): void {
    this.#cancel.unlisten(this);
  }
}
