/**
 * With `--json`, stdout must hold exactly one JSON document. A task module may log on the main thread (at import, in
 * split or merge) or write to `process.stdout` in a worker thread (Node pipes a worker's stdout into the parent's), so
 * while the document is reserved every other write to stdout is sent to stderr, and the document goes through the real
 * stdout saved here.
 */

const realWrite = process.stdout.write.bind(process.stdout);

/** Sends every later write to `process.stdout` to stderr, so only {@link writeStdout} reaches stdout. */
export function reserveStdoutForJson(): void {
  const toStderr = (...args: unknown[]): boolean =>
    (process.stderr.write as (...a: unknown[]) => boolean).apply(process.stderr, args);
  process.stdout.write = toStderr as typeof process.stdout.write;
}

/** Writes `text` to the real stdout (the JSON document, help text), whether or not stdout is reserved. */
export function writeStdout(text: string): void {
  realWrite(text);
}
