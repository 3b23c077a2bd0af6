import { closeSync, existsSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { inputError } from '../errors.js';

/**
 * Checks, before any backend runs, that a flag (`--report`, `--trace`) names a file that can be written: a run can take minutes, and its
 * result must not be lost to a typo in the path at the very end.
 */
export function checkWritablePath(path: string, flag: string): void {
  const file = resolve(path);
  let why: string | undefined;
  try {
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) why = 'a directory';
    else {
      // open for append: the only check that also holds for root and odd file systems; a probe file is removed again
      const existed = existsSync(file);
      closeSync(openSync(file, 'a'));
      if (!existed) rmSync(file, { force: true });
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    why = e.code === 'ENOENT' && !existsSync(dirname(file)) ? `${dirname(file)} does not exist` : (e.code ?? e.message);
  }
  if (why) throw inputError(`Expected \`${flag}\` to be a writable file path, got \`${path}\` (${why})`);
}
