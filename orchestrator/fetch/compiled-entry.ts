import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FanoutError } from '../errors.js';

/**
 * The compiled JS file `file` next to the module at `metaUrl`. A worker thread must load JavaScript: when the caller
 * runs from TypeScript source (vitest), the entry is taken from `dist/` at the same relative place instead.
 */
export function compiledEntry(metaUrl: string, file: string): URL {
  const here = fileURLToPath(metaUrl);
  let target = join(dirname(here), file);
  if (here.endsWith('.ts')) {
    const root = packageRoot(dirname(here));
    target = join(root, 'dist', relative(root, dirname(here)), file);
  }
  if (!existsSync(target)) {
    throw new FanoutError('EINTERNAL', `worker entry not found at ${target}; run \`npm run build\` first`);
  }
  return pathToFileURL(target);
}

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}
