/**
 * Warnings as one line each, without the AWS SDK's multi-line notice about future Node versions (it says nothing about
 * this run, and stderr is for the run's own messages).
 */
export function quietWarnings(verbose: boolean): void {
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    const sdkNotice = w.name === 'NodeVersionSupportWarning' || w.message.startsWith('NodeVersionSupportWarning');
    if (sdkNotice && !verbose) return;
    process.stderr.write(`fanout: warning: ${w.name}: ${w.message.split('\n')[0]}\n`);
  });
}
