import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDocsServer } from '../../orchestrator/docs-server/docs-server.js';
import { isFanoutError } from '../../orchestrator/errors.js';

describe('the docs server stays inside its folder', () => {
  const root = mkdtempSync(join(tmpdir(), 'fanout-docs-jail-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('serves files and symlinks within the folder, never a symlink out of it', async () => {
    // Prepare: docs/ with a file, a link to a file in a subfolder of docs, a link to a secret outside, a dangling link
    const docs = join(root, 'docs');
    mkdirSync(join(docs, 'sub'), { recursive: true });
    writeFileSync(join(docs, 'a.txt'), 'alpha\n');
    writeFileSync(join(docs, 'sub', 'b.txt'), 'beta\n');
    writeFileSync(join(root, 'secret.txt'), 'TOP SECRET\n');
    symlinkSync(join(docs, 'sub', 'b.txt'), join(docs, 'inner-link.txt'));
    symlinkSync(join(root, 'secret.txt'), join(docs, 'escape.txt'));
    symlinkSync('../secret.txt', join(docs, 'relative-escape.txt'));
    symlinkSync(join(root, 'missing.txt'), join(docs, 'dangling.txt'));
    // Act
    const server = await startDocsServer({ dir: docs });
    try {
      const secret = await fetch(`${server.url}/docs/escape.txt`);
      const inner = await fetch(`${server.url}/docs/inner-link.txt`);
      // Assess
      expect([...server.files.keys()]).toEqual(['a.txt', 'inner-link.txt']);
      expect([...server.skipped].sort()).toEqual(['escape.txt', 'relative-escape.txt']);
      expect(secret.status).toBe(404);
      expect(await secret.text()).not.toContain('SECRET');
      expect(await inner.text()).toBe('beta\n');
    } finally {
      await server.close();
    }
  });

  it.each([70000, -1, 1.5])('refuses port %s as EINPUT naming the port', async (port) => {
    const err = await startDocsServer({ dir: root, port }).catch((e: unknown) => e);
    expect(isFanoutError(err, 'EINPUT')).toBe(true);
    expect((err as Error).message).toBe(`Expected \`port\` to be an integer from 0 to 65535, got \`${port}\``);
  });

  it('a port in use is one EINPUT line, not a raw listen error', async () => {
    const docs = join(root, 'docs');
    const first = await startDocsServer({ dir: docs });
    try {
      const port = Number(new URL(first.url).port);
      const err = await startDocsServer({ dir: docs, port }).catch((e: unknown) => e);
      expect(isFanoutError(err, 'EINPUT')).toBe(true);
      expect((err as Error).message).toBe(`Expected \`port\` to be free, but 127.0.0.1:${port} is in use`);
    } finally {
      await first.close();
    }
  });
});
