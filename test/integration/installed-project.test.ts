import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../orchestrator/emulator/serverless-offline.js';
import {
  jsonOf,
  lockedVersion,
  newProject,
  packFanout,
  type Ran,
  repo,
  run,
  write,
} from '../helpers/installed-project.js';

/**
 * fanout as a user gets it: `npm pack`, installed into a new empty ESM project from npm's cache, `fanout init`, then
 * the project driven the way the README's "Use fanout in your project" section does — every backend, the library API,
 * tsc against the installed types, `sls package`, `sls invoke local`, `sls offline` and EVERSION after an edit. The
 * steps run in order and build on each other (one project, as a user has).
 */

const CUBES = `import { defineTask } from 'fanout';
import pLimit from 'p-limit';
import { cube } from './cube-math.js';

export default defineTask({
  name: 'cube-sum',
  options: [{ name: 'n', kind: 'positiveInt', description: 'numbers 1..n', default: 1000 }],
  *split(input: { n: number }, ctx) {
    const size = ctx.batchSize ?? 250;
    for (let lo = 1; lo <= input.n; lo += size) yield { lo, hi: Math.min(input.n, lo + size - 1) };
  },
  async map(b: { lo: number; hi: number }) {
    const limit = pLimit(3);
    const xs = await Promise.all(Array.from({ length: b.hi - b.lo + 1 }, (_, i) => limit(async () => cube(b.lo + i))));
    return { sum: xs.reduce((a, x) => a + x, 0), count: xs.length };
  },
  init: () => ({ sum: 0, count: 0 }),
  merge: (a: { sum: number; count: number }, p: { sum: number; count: number }) => ({ sum: a.sum + p.sum, count: a.count + p.count }),
});
`;
const CUBE_MATH = 'export const cube = (k: number): number => k * k * k;\n';

/** Σ k³ for k = 1..n, and n. */
const cubes = (n: number) => ({ sum: ((n * (n + 1)) / 2) ** 2, count: n });

/** The example task's answer, computed here the slow, obvious way. */
function example(limit: number): { sum: number; sevens: number } {
  let sum = 0;
  let sevens = 0;
  for (let n = 1; n <= limit; n++) {
    const s = [...String(n)].reduce((a, d) => a + Number(d), 0);
    sum += s;
    if (s % 7 === 0) sevens++;
  }
  return { sum, sevens };
}

const BACKENDS = ['inline', 'thread', 'process', 'lambda', 'hybrid'] as const;

let dir: string;
let tarball: string;
const stops: (() => Promise<void>)[] = [];

const fanout = (args: string[], env?: NodeJS.ProcessEnv): Promise<Ran> =>
  run(dir, process.execPath, [join(dir, 'node_modules', 'fanout', 'bin', 'fanout.js'), ...args], env ? { env } : {});
const sls = (args: string[]): Promise<Ran> =>
  run(dir, process.execPath, [join(dir, 'node_modules', 'osls', 'bin', 'serverless.js'), ...args], { timeoutS: 60 });

beforeAll(async () => {
  tarball = packFanout();
  dir = await newProject([tarball, `p-limit@${lockedVersion('p-limit')}`]);
}, 300_000);

afterAll(async () => {
  for (const stop of stops) await stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (tarball) rmSync(join(tarball, '..'), { recursive: true, force: true });
});

describe('fanout installed from its tarball into a new project', () => {
  it('the tarball holds compiled code, the bin, the handler and the Serverless pieces, and no tests or benches', async () => {
    // Act
    const listing = await run(repo, 'tar', ['tzf', tarball]);
    const files = listing.stdout.split('\n').filter(Boolean);
    // Assess
    for (const f of [
      'package/bin/fanout.js',
      'package/dist/orchestrator/index.js',
      'package/dist/orchestrator/index.d.ts',
      'package/dist/functions/worker.js',
      'package/infra/esbuild-plugins.cjs',
      'package/infra/serverless-plugin.cjs',
      'package/serverless.yml',
      'package/README.md',
      'package/LICENSE',
    ])
      expect(files).toContain(f);
    expect(
      files.filter((f) => /^package\/(test|bench|orchestrator|functions)\/|^package\/dist\/bench\//.test(f)),
    ).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map') || f.endsWith('.test.js'))).toEqual([]);
    console.info(`tarball ${statSync(tarball).size} bytes, ${files.length} files`);
  });

  it('works as a library before init: --help, a built-in run, the API from a script, require() from CommonJS', async () => {
    // Act
    const help = await fanout(['--help']);
    const primes = await fanout(['run', 'primes', '--limit', '1000000', '--json']);
    write(
      dir,
      'api.mjs',
      `import { defineTask, fanout } from 'fanout';
const squares = defineTask({ name: 'squares', *split(i) { for (let k = 1; k <= i.n; k++) yield { k }; },
  map: (b) => ({ s: b.k * b.k }), init: () => ({ s: 0 }), merge: (a, p) => ({ s: a.s + p.s }) });
const a = await fanout(squares, { n: 100 }, { backend: 'inline' });
const b = await fanout('./tasks/cubes.ts', { n: 600 }, { backend: 'process', workers: 2 });
console.log(JSON.stringify([a.result, b.result]));
`,
    );
    write(dir, 'tasks/cubes.ts', CUBES);
    write(dir, 'tasks/cube-math.ts', CUBE_MATH);
    const api = await run(dir, process.execPath, ['api.mjs']);
    write(dir, 'cjs.cjs', "const f = require('fanout'); console.log(typeof f.fanout, typeof f.defineTask);\n");
    const cjs = await run(dir, process.execPath, ['cjs.cjs']);
    // Assess
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/\binit\b/);
    expect(jsonOf(primes).result).toEqual({ count: 78498 });
    expect(api.code).toBe(0);
    expect(JSON.parse(api.stdout)).toEqual([{ s: 338350 }, cubes(600)]);
    expect(cjs.stdout.trim()).toBe('function function');
  });

  it('without the Lambda tooling, --backend lambda and hybrid say in one line which npm i -D to run (exit 2)', async () => {
    for (const backend of ['lambda', 'hybrid']) {
      // Act
      const r = await fanout(['run', 'primes', '--limit', '1000', '--backend', backend]);
      // Assess
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          /^fanout: .*npm i -D osls@\S+ serverless-esbuild@\S+ serverless-offline@\S+ s3rver@3\.7\.1/,
        ),
      ]);
    }
  });

  it('init writes the project files and installs the tooling; a second init changes nothing', async () => {
    // Act
    const first = await fanout(['init']);
    const snapshot = (): string =>
      ['package.json', 'fanout.config.json', 'serverless.yml', '.gitignore', '.npmrc', 'tasks/example.ts']
        .map((f) => `${f}:${readFileSync(join(dir, f), 'utf8')}:${statSync(join(dir, f)).mtimeMs}`)
        .join('\n');
    const before = snapshot();
    const second = await fanout(['init']);
    // Assess
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('npx fanout run ./tasks/example.ts');
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(Object.keys(pkg.devDependencies).sort()).toEqual([
      '@aws/durable-execution-sdk-js-testing',
      'osls',
      's3rver',
      'serverless-esbuild',
      'serverless-offline',
    ]);
    for (const p of [
      'osls',
      'serverless-esbuild',
      'serverless-offline',
      's3rver',
      '@aws/durable-execution-sdk-js-testing',
    ])
      expect(existsSync(join(dir, 'node_modules', p, 'package.json'))).toBe(true);
    // serverless-offline's peer (the serverless@4 stub) is not installed: osls provides sls
    expect(existsSync(join(dir, 'node_modules', 'serverless', 'package.json'))).toBe(false);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toContain('.esbuild/');
    expect(second.code).toBe(0);
    expect(second.stderr).not.toMatch(/created|updated|installing|appended/);
    expect(snapshot()).toBe(before);
  }, 300_000);

  it('runs the example and a task with an npm dependency on all five backends, exactly', async () => {
    // Prepare: the user lists both tasks for the worker function
    writeFileSync(
      join(dir, 'fanout.config.json'),
      JSON.stringify({ tasks: ['./tasks/example.ts', './tasks/cubes.ts'] }),
    );
    for (const backend of BACKENDS) {
      // Act
      const ex = await fanout(['run', './tasks/example.ts', '--limit', '50000', '--backend', backend, '--json']);
      const cu = await fanout(['run', './tasks/cubes.ts', '--n', '4000', '--backend', backend, '--json']);
      // Assess
      expect(jsonOf(ex).result, `${backend}: ${ex.stderr}`).toEqual(example(50_000));
      expect(jsonOf(cu).result, `${backend}: ${cu.stderr}`).toEqual(cubes(4000));
    }
  }, 300_000);

  it('tsc type-checks the example task against the installed .d.ts, and catches a type error', async () => {
    // Act
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    const ok = await run(dir, process.execPath, [tsc, '--noEmit', '-p', '.']);
    write(
      dir,
      'tasks/wrong.ts',
      "import { defineTask } from 'fanout';\nexport default defineTask({ name: 'wrong', *split() { yield 1; }, map: (b: number) => b, init: () => 'x', merge: (a: number, p: number) => a + p });\n",
    );
    const bad = await run(dir, process.execPath, [tsc, '--noEmit', '-p', '.']);
    rmSync(join(dir, 'tasks', 'wrong.ts'));
    // Assess
    expect(ok.code, ok.stdout).toBe(0);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toContain('tasks/wrong.ts');
  });

  it('sls package: nodejs24.x, arm64, a zip carrying the tasks and their npm dependencies; nodejs20.x is refused', async () => {
    // Act
    const packaged = await sls(['package']);
    const template = JSON.parse(
      readFileSync(join(dir, '.serverless', 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function');
    const listing = await run(dir, 'unzip', ['-l', join(dir, '.serverless', 'worker.zip')]);
    const handler = await run(dir, 'unzip', [
      '-p',
      join(dir, '.serverless', 'worker.zip'),
      'functions/fanout-worker.cjs',
    ]);
    const yml = readFileSync(join(dir, 'serverless.yml'), 'utf8');
    writeFileSync(join(dir, 'serverless.yml'), yml.replace('runtime: nodejs24.x', 'runtime: nodejs20.x'));
    const refused = await sls(['package']);
    writeFileSync(join(dir, 'serverless.yml'), yml);
    // Assess
    expect(packaged.code, packaged.stderr).toBe(0);
    expect(fn?.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    expect(listing.stdout).toMatch(/\s1 file\s*$/);
    expect(handler.stdout).toContain('"cube-sum"');
    expect(handler.stdout).toContain('"example"');
    expect(handler.stdout).toContain('to be a number from 1 and up'); // p-limit, from the project's node_modules
    expect(refused.code).toBe(1);
    expect(`${refused.stdout}${refused.stderr}`).toMatch(
      /fanout: runtime nodejs20\.x: Lambda has refused to create functions on it since 2026-08-31/,
    );
  }, 120_000);

  it('sls invoke local runs a batch of the user task', async () => {
    // Act
    const r = await sls([
      'invoke',
      'local',
      '-f',
      'worker',
      '--data',
      JSON.stringify({ task: 'cube-sum', batchId: '7', batch: { lo: 1, hi: 10 } }),
    ]);
    // Assess
    expect(r.code, r.stderr).toBe(0);
    const reply = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { batchId: string; partial: unknown };
    expect(reply).toMatchObject({ batchId: '7', partial: cubes(10) });
  }, 90_000);

  it('sls offline serves the tasks; after an edit the stale function answers EVERSION', async () => {
    // Prepare: the project's own emulator, started as a user would, stopped by PID
    const [lambdaPort, httpPort, websocketPort] = [await freePort(), await freePort(), await freePort()];
    const child = spawn(
      process.execPath,
      [
        join(dir, 'node_modules', 'osls', 'bin', 'serverless.js'),
        'offline',
        'start',
        '--lambdaPort',
        String(lambdaPort),
        '--httpPort',
        String(httpPort),
        '--websocketPort',
        String(websocketPort),
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FANOUT_TASKS: '', FANOUT_CONFIG: '' } },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    stops.push(async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (c: Buffer): void => {
        out += c.toString();
        if (out.includes(`:${lambdaPort}`)) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', () => reject(new Error(`sls offline exited: ${out}`)));
    });
    const endpoint = `http://127.0.0.1:${lambdaPort}`;
    // Act
    const onEmulator = ['run', './tasks/cubes.ts', '--n', '2000', '--backend', 'lambda', '--lambda-endpoint', endpoint];
    const fresh = await fanout([...onEmulator, '--json']);
    const source = readFileSync(join(dir, 'tasks', 'cube-math.ts'), 'utf8');
    writeFileSync(join(dir, 'tasks', 'cube-math.ts'), `${source}export const edited = true;\nconsole.log(edited);\n`);
    const stale = await fanout(onEmulator);
    writeFileSync(join(dir, 'tasks', 'cube-math.ts'), source);
    // Assess
    expect(jsonOf(fresh).result).toEqual(cubes(2000));
    expect(stale.code).toBe(1);
    expect(stale.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^fanout: the worker function has task cube-sum at [0-9a-f]{16}, this run has [0-9a-f]{16}: .*\[EVERSION\]$/,
      ),
    ]);
  }, 120_000);

  it('a listed task importing a package the project did not install stops packaging with one line naming it', async () => {
    // Prepare
    write(
      dir,
      'tasks/needs.ts',
      "import { defineTask } from 'fanout';\nimport lost from 'no-such-package-here';\nexport default defineTask({ name: 'needs', *split() { yield 1; }, map: () => lost, init: () => 0, merge: (a: number) => a });\n",
    );
    writeFileSync(
      join(dir, 'fanout.config.json'),
      JSON.stringify({ tasks: ['./tasks/example.ts', './tasks/needs.ts'] }),
    );
    // Act
    const packaged = await sls(['package']);
    const ran = await fanout(['run', './tasks/needs.ts']);
    // Assess
    expect(packaged.code).toBe(1);
    expect(`${packaged.stdout}${packaged.stderr}`).toContain(
      'fanout.config.json: ./tasks/needs.ts: Cannot bundle task module: tasks/needs.ts:2:18: Could not resolve "no-such-package-here"; the package no-such-package-here is not installed in this project (npm i no-such-package-here)',
    );
    expect(ran.code).toBe(2);
    expect(ran.stderr.trim().split('\n')).toHaveLength(1);
    expect(ran.stderr).toContain('the package no-such-package-here is not installed');
  }, 120_000);
});
