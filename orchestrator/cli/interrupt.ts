import { FanoutError } from '../errors.js';

/** Signals that stop a command: Ctrl-C, `kill`, a closed terminal. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** One of {@link STOP_SIGNALS}. */
export type StopSignal = (typeof STOP_SIGNALS)[number];

/**
 * After the first signal, how long a command may take to cancel in-flight work, stop its workers and the emulator and
 * remove its temporary folders before it is forced out. @default 10000
 */
export const INTERRUPT_DEADLINE_MS = 10_000;

/** Exit code after a stop signal: 129 for SIGHUP (128 + 1, the shell's convention), 130 for SIGINT and SIGTERM. */
export function interruptExitCode(signal: StopSignal): number {
  return signal === 'SIGHUP' ? 129 : 130;
}

/** What stopped the command. */
export interface Interruption {
  signal: StopSignal;
  exitCode: number;
}

let controller: AbortController | undefined;
let received: Interruption | undefined;
let divert: ((signal: StopSignal) => void) | undefined;

/**
 * While a command waits on work that lives elsewhere (a cloud-coordinated run), stop signals go to `handler` instead of
 * cancelling: Ctrl-C detaches rather than stops. Returns the function that restores the policy.
 */
export function divertInterrupts(handler: (signal: StopSignal) => void): () => void {
  divert = handler;
  return () => {
    if (divert === handler) divert = undefined;
  };
}

/**
 * The one signal policy of every command (`run`, `compare`, `demo`, `serve-docs`, `offline`). The first
 * SIGINT/SIGTERM/SIGHUP aborts {@link interruptSignal} with ECANCEL, so dispatch stops, in-flight batches are cancelled,
 * workers, invocations and the emulator are stopped and temporary folders removed by the code that owns them; if that
 * takes longer than {@link INTERRUPT_DEADLINE_MS}, or a second signal arrives, the process exits at once (the emulator's
 * exit hook and the children's parent watch still stop every child). Exit code: {@link interruptExitCode}.
 * Idempotent; returns the signal.
 */
export function installInterruptPolicy(prefix = 'fanout'): AbortSignal {
  if (controller) return controller.signal;
  const ctrl = new AbortController();
  controller = ctrl;
  const onSignal = (signal: StopSignal): void => {
    if (divert) {
      divert(signal);
      return;
    }
    if (received) {
      process.stderr.write(`${prefix}: ${signal} again, exiting now\n`);
      process.exit(received.exitCode);
    }
    // a closed terminal cannot be written to: the lines below must not turn into an EIO/EPIPE crash
    if (signal === 'SIGHUP') for (const out of [process.stdout, process.stderr]) out.on('error', () => {});
    received = { signal, exitCode: interruptExitCode(signal) };
    process.exitCode = received.exitCode;
    process.stderr.write(`\n${prefix}: ${signal} received, stopping (send it again to exit at once)\n`);
    const force = setTimeout(() => {
      process.stderr.write(`${prefix}: still stopping after ${INTERRUPT_DEADLINE_MS} ms, exiting\n`);
      process.exit(received?.exitCode ?? 130);
    }, INTERRUPT_DEADLINE_MS);
    force.unref();
    ctrl.abort(new FanoutError('ECANCEL', `interrupted by ${signal}`, { retryable: false }));
  };
  for (const sig of STOP_SIGNALS) process.on(sig, () => onSignal(sig));
  return ctrl.signal;
}

/** The process-wide stop signal (installs the policy on first use). */
export function interruptSignal(): AbortSignal {
  return installInterruptPolicy();
}

/** The signal that stopped this command, if one did. */
export function interruption(): Interruption | undefined {
  return received;
}
