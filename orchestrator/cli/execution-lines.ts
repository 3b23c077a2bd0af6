import type { ExecutionView } from '../coordinator/execution-view.js';

/** How to look at an execution again after detaching from it. */
export function attachHint(id: string, local: boolean): string {
  const where = local
    ? 'it keeps running in this process until it ends (Ctrl-C again stops it). From another terminal: '
    : 'it keeps running on Lambda. ';
  return `${where}\`fanout status ${id}\`, \`fanout result ${id} --wait\`, \`fanout cancel ${id}\``;
}

/** `RUNNING  120/400 batches  12.3 s  <id>`: one line per execution for `runs` and `status`. */
export function executionLine(v: ExecutionView, now = Date.now()): string {
  const progress = v.total === undefined ? `${v.done}/? batches` : `${v.done}/${v.total} batches`;
  const secs = v.startedAt === undefined ? '' : `${(((v.endedAt ?? now) - v.startedAt) / 1000).toFixed(1)} s`;
  return [v.status.padEnd(9), progress.padEnd(18), secs.padEnd(9), v.task ?? '', v.id].filter(Boolean).join('  ');
}
