import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Ran, repo, run } from '../helpers/installed-project.js';

/**
 * `fanout init` on the edges: projects where files are in the way, a foreign serverless.yml, no package.json, fanout not
 * installed, tooling versions the user chose. fanout is linked into each project (node_modules/fanout → this
 * repository) and nothing is installed (--no-install), so these run in a second; installed-project.test.ts installs.
 */

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A project folder with a package.json and fanout linked in (unless told otherwise). */
function project(opts: { pkg?: object | false; linked?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'fanout-init-'));
  made.push(dir);
  if (opts.pkg !== false)
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(opts.pkg ?? { name: 'p', private: true }, null, 2)}\n`);
  if (opts.linked !== false) {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(repo, join(dir, 'node_modules', 'fanout'), 'dir');
  }
  return dir;
}

const init = (dir: string, ...flags: string[]): Promise<Ran> =>
  run(dir, process.execPath, [join(repo, 'bin', 'fanout.js'), 'init', '--no-install', ...flags]);

/** Every file under dir (node_modules left out), with its contents. */
function tree(dir: string, sub = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(dir, sub), { withFileTypes: true })) {
    const rel = join(sub, e.name);
    if (e.name === 'node_modules') continue;
    if (e.isDirectory()) Object.assign(out, tree(dir, rel));
    else out[rel] = readFileSync(join(dir, rel), 'utf8');
  }
  return out;
}

describe('fanout init', () => {
  it('writes the project files, lists the tooling in devDependencies with --no-install, and prints the next commands', async () => {
    // Prepare
    const dir = project();
    // Act
    const r = await init(dir);
    // Assess
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys(tree(dir)).sort()).toEqual([
      '.gitignore',
      '.npmrc',
      'fanout.config.json',
      'functions/fanout-coordinator.ts',
      'functions/fanout-worker.ts',
      'package.json',
      'serverless.yml',
      'tasks/digits.ts',
      'tasks/example.ts',
      'tsconfig.json',
    ]);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const own = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    expect(pkg.devDependencies).toEqual({
      osls: own.peerDependencies.osls,
      'serverless-esbuild': own.peerDependencies['serverless-esbuild'],
      'serverless-offline': own.peerDependencies['serverless-offline'],
      s3rver: own.peerDependencies.s3rver,
      '@aws/durable-execution-sdk-js-testing': own.peerDependencies['@aws/durable-execution-sdk-js-testing'],
    });
    expect(existsSync(join(dir, 'node_modules', 'osls'))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'fanout.config.json'), 'utf8'))).toEqual({
      tasks: ['./tasks/example.ts'],
    });
    expect(readFileSync(join(dir, 'serverless.yml'), 'utf8')).toContain(
      'plugins: ./node_modules/fanout/infra/esbuild-plugins.cjs',
    );
    expect(r.stderr).toContain('not installed (--no-install)');
    expect(r.stdout).toMatch(/Next:\n {2}npx fanout run \.\/tasks\/example\.ts/);
  });

  it('refuses a serverless.yml that is not fanout’s in one line and writes nothing; --force replaces it', async () => {
    // Prepare
    const dir = project();
    writeFileSync(join(dir, 'serverless.yml'), 'service: theirs\nprovider:\n  name: aws\n');
    const before = tree(dir);
    // Act
    const refused = await init(dir);
    const after = tree(dir);
    const forced = await init(dir, '--force');
    // Assess
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^fanout: .*serverless\.yml exists and is not fanout's; nothing was written/),
    ]);
    expect(after).toEqual(before);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, 'serverless.yml'), 'utf8')).toContain('fanout/serverless-plugin');
  });

  it('keeps a file the user changed (says so), overwrites it only with --force, and appends only missing lines', async () => {
    // Prepare
    const dir = project({ pkg: { name: 'p', devDependencies: { osls: '4.3.0' } } });
    mkdirSync(join(dir, 'tasks'));
    writeFileSync(join(dir, 'tasks', 'example.ts'), '// mine\n');
    writeFileSync(join(dir, '.gitignore'), 'dist\n.esbuild/');
    // Act
    const first = await init(dir);
    const kept = readFileSync(join(dir, 'tasks', 'example.ts'), 'utf8');
    const gitignore = readFileSync(join(dir, '.gitignore'), 'utf8');
    const again = tree(dir);
    const second = await init(dir);
    const unchanged = tree(dir);
    await init(dir, '--force');
    // Assess
    expect(first.code).toBe(0);
    expect(kept).toBe('// mine\n');
    expect(first.stderr).toMatch(/kept +tasks\/example\.ts \(it differs; --force overwrites it\)/);
    expect(first.stderr).toContain('osls@4.3.0 kept (fanout is tested with 4.3.1)');
    expect(gitignore).toBe('dist\n.esbuild/\nnode_modules/\n.serverless/\nreport.html\n');
    expect(JSON.parse(again['package.json'] as string).devDependencies.osls).toBe('4.3.0');
    expect(second.code).toBe(0);
    expect(unchanged).toEqual(again);
    expect(readFileSync(join(dir, 'tasks', 'example.ts'), 'utf8')).toContain("name: 'example'");
  });

  it.each([
    [
      'no package.json',
      { pkg: false } as const,
      /^fanout: no package\.json in .*: run `npm init -y && npm i fanout` there first$/,
    ],
    [
      'fanout not installed',
      { linked: false } as const,
      /^fanout: fanout is not installed in .*: run `npm i fanout` there first/,
    ],
  ])('%s: one line, exit 2, nothing written', async (_, opts, line) => {
    // Prepare
    const dir = project(opts);
    const before = tree(dir);
    // Act
    const r = await init(dir);
    // Assess
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(line)]);
    expect(tree(dir)).toEqual(before);
  });
});
