import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fanoutPackageRoot } from '../../orchestrator/project/service-dir.js';

const execFileP = promisify(execFile);

/** fanout's repository (where `npm pack` runs). */
export const repo = fanoutPackageRoot();

/** A command's exit code and output (never rejects). */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `file args` in `cwd` under `timeout`, with dummy AWS credentials. */
export async function run(
  cwd: string,
  file: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutS?: number } = {},
): Promise<Ran> {
  try {
    const { stdout, stderr } = await execFileP('timeout', [String(opts.timeoutS ?? 120), file, ...args], {
      cwd,
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'x',
        AWS_REGION: 'us-east-1',
        FANOUT_TASKS: '',
        FANOUT_CONFIG: '',
        ...opts.env,
      },
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/**
 * `npm pack` of fanout's repository into a new folder (scripts skipped: `npm test` has just built dist/, which is what
 * the tarball ships). Returns the tarball's path.
 */
export function packFanout(): string {
  const out = mkdtempSync(join(tmpdir(), 'fanout-pack-'));
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', out], { cwd: repo, stdio: 'ignore' });
  const tgz = readdirSync(out).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack wrote no tarball into ${out}`);
  return join(out, tgz);
}

/** A version of a package as fanout's own lockfile has it (so npm finds it in the cache). */
export function lockedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(repo, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;
}

/** A new empty ESM project with `packages` installed from npm's cache (the registry only when the cache lacks one). */
export async function newProject(packages: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'fanout-user-project-'));
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'fanout-user-project', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  const r = await run(dir, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...packages], {
    timeoutS: 300,
  });
  if (r.code !== 0) throw new Error(`npm install in ${dir} failed (${r.code}): ${r.stderr.slice(-2000)}`);
  return dir;
}

/** Writes `text` to `dir/path`, making folders. */
export function write(dir: string, path: string, text: string): void {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), text);
}

/** The last JSON document on stdout of a `--json` run. */
export function jsonOf(r: Ran): { result: unknown } {
  try {
    return JSON.parse(r.stdout) as { result: unknown };
  } catch {
    throw new Error(`not one JSON document (exit ${r.code}): ${r.stdout.slice(0, 300)} / ${r.stderr.slice(-600)}`);
  }
}
