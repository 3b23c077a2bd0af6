import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FanoutError } from '../errors.js';

/**
 * Where the compiled far-side entry `entryName` (e.g. `fetch-worker`) lives for a module at `callerUrl`; the entries of
 * the thread, process and Lambda far sides are in this folder ({@link farSideFolderEntry}).
 *
 * Threads and child processes run plain Node, which cannot load TypeScript, so the entry is always the compiled JS in
 * `dist/`. When the backend itself runs compiled (CLI, bench), the entry sits next to it. When it runs from source
 * (vitest: `import.meta.url` ends in `.ts`), `<repo>/orchestrator/…/x.ts` maps to `<repo>/dist/orchestrator/…/entry.js`.
 * Pure: it does not check that the file exists (see {@link farSideEntry}).
 */
export function farSideEntryPath(callerUrl: string, entryName: string): string {
  const callerPath = callerUrl.startsWith('file:') ? fileURLToPath(callerUrl) : callerUrl;
  const dir = dirname(callerPath);
  if (!/\.[cm]?ts$/.test(callerPath)) return join(dir, `${entryName}.js`);
  const marker = `${sep}orchestrator${sep}`;
  const at = `${dir}${sep}`.lastIndexOf(marker);
  if (at < 0) return join(dir, `${entryName}.js`);
  const root = dir.slice(0, at);
  const inside = dir.slice(at + marker.length);
  return join(root, 'dist', 'orchestrator', inside, `${entryName}.js`);
}

/** Like {@link farSideEntryPath}, but throws a clear error when the compiled entry is missing. */
export function farSideEntry(callerUrl: string, entryName: string): string {
  const path = farSideEntryPath(callerUrl, entryName);
  if (!existsSync(path)) {
    throw new FanoutError(
      'EINTERNAL',
      `Far-side entry ${path} not found: worker threads and child processes run the compiled JS, run \`npm run build\` first`,
      { retryable: false },
    );
  }
  return path;
}

/**
 * The entries of this folder that a caller starts by path: a worker thread and a child process (the one-file bundles of
 * thread-entry and process-entry that `npm run build` makes: scripts/bundle-dist.mjs), the emulator's preload.
 */
export type FarSideEntryName = 'thread-entry.bundle' | 'process-entry.bundle' | 'die-with-parent';

/** The compiled file of far-side entry `entryName` (see {@link farSideEntry}); they all sit in this folder. */
export function farSideFolderEntry(entryName: FarSideEntryName): string {
  return farSideEntry(import.meta.url, entryName);
}
