import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleTask } from '../../../orchestrator/bundle/bundle-task.js';
import { isFanoutError } from '../../../orchestrator/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'fanout-bundle-'));
process.env.FANOUT_CACHE_DIR = join(dir, 'cache');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const task = (factor: string) =>
  [
    "import { defineTask } from 'fanout';",
    `import { factor } from './${factor}';`,
    "export default defineTask({ name: 'times', split: () => [1, 2, 3], map: (b: number) => b * factor, init: () => 0, merge: (a: number, p: number) => a + p });",
  ].join('\n');

describe('bundleTask', () => {
  it('bundles a TS module with its relative import (./steps.js for steps.ts) into one loadable CJS file', async () => {
    // Prepare
    write('factor.ts', 'export const factor: number = 7;\n');
    const entry = write('times.ts', task('factor.js'));
    // Act
    const bundle = await bundleTask(entry);
    const mod = createRequire(bundle.file)(bundle.file) as { default: { map(b: number): number; name: string } };
    // Assess
    expect(bundle.cached).toBe(false);
    expect(bundle.version).toMatch(/^[0-9a-f]{16}$/);
    expect(mod.default.name).toBe('times');
    expect(mod.default.map(3)).toBe(21);
  });

  it('serves an unchanged module from the cache without rebuilding, and rebuilds when an import changes', async () => {
    // Prepare
    const entry = join(dir, 'times.ts');
    const first = await bundleTask(entry);
    const mtime = statSync(first.file).mtimeMs;
    // Act
    const second = await bundleTask(entry);
    write('factor.ts', 'export const factor: number = 8;\n');
    const third = await bundleTask(entry);
    // Assess
    expect(second).toMatchObject({ cached: true, version: first.version, file: first.file });
    expect(statSync(second.file).mtimeMs).toBe(mtime);
    expect(third.cached).toBe(false);
    expect(third.version).not.toBe(first.version);
  });

  it('gives the same version for an edit that does not change the code (a comment)', async () => {
    // Prepare
    const entry = join(dir, 'times.ts');
    const before = await bundleTask(entry);
    write('factor.ts', '// the factor\nexport const factor: number = 8;\n');
    // Act
    const after = await bundleTask(entry);
    // Assess: rebuilt (an input changed), same bytes, same version
    expect(after.cached).toBe(false);
    expect(after.version).toBe(before.version);
  });

  it('reports a syntax error as EINPUT naming file:line:column', async () => {
    // Prepare
    const entry = write('broken.ts', 'export const a: number = 1;\nconst b = (;\n');
    // Act
    const err = await bundleTask(entry, dir).catch((e: unknown) => e);
    // Assess
    expect(isFanoutError(err, 'EINPUT')).toBe(true);
    expect((err as Error).message).toBe('Cannot bundle task module: broken.ts:2:12: Unexpected ";"');
  });
});
