/**
 * Ctrl-C aborts the run through its AbortController, so workers, child processes and in-flight invokes are stopped
 * cleanly; a second Ctrl-C exits at once.
 */
export function onInterrupt(controller: AbortController): () => void {
  let count = 0;
  const handler = (): void => {
    count++;
    if (count > 1) process.exit(130);
    process.stderr.write('\nfanout: interrupted, stopping workers… (Ctrl-C again to force)\n');
    process.exitCode = 130;
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
