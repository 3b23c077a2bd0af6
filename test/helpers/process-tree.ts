import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** State letter of a process from /proc (R, S, Z, …), or undefined when it is gone. */
function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** True when `pid` runs (a zombie waiting to be reaped by init has exited: it does not count). */
export function isRunning(pid: number): boolean {
  const s = stateOf(pid);
  return s !== undefined && s !== 'Z' && s !== 'X';
}

/** Every descendant of `pid` now, found by walking /proc/<pid>/task/<tid>/children (never by name). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number): void => {
    const taskDir = `/proc/${p}/task`;
    if (!existsSync(taskDir)) return;
    let tids: string[] = [];
    try {
      tids = readdirSync(taskDir);
    } catch {
      return;
    }
    for (const tid of tids) {
      let children = '';
      try {
        children = readFileSync(`${taskDir}/${tid}/children`, 'utf8');
      } catch {}
      for (const c of children.trim().split(/\s+/).filter(Boolean)) {
        const child = Number(c);
        if (!out.includes(child)) {
          out.push(child);
          walk(child);
        }
      }
    }
  };
  walk(pid);
  return out;
}

/** Command line of a process (arguments joined by spaces), '' when gone. */
export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Waits until none of `pids` runs, up to `ms`; resolves with those still running. */
export async function waitAllGone(pids: readonly number[], ms = 5000): Promise<number[]> {
  const until = Date.now() + ms;
  for (;;) {
    const left = pids.filter(isRunning);
    if (left.length === 0 || Date.now() > until) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}
