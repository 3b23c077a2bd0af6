/**
 * `fanout init`: makes the current project a fanout project. It plans every change first (files to create, lines to
 * append, devDependencies to add), refuses before writing anything when a serverless.yml that is not fanout's is in
 * the way, never overwrites a file unless forced, and changes nothing when run twice.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { inputError } from '../errors.js';
import {
  COORDINATOR_SHIM_FILE,
  coordinatorShim,
  EXAMPLE_LIB_FILE,
  EXAMPLE_TASK_FILE,
  exampleLib,
  exampleTask,
  fanoutConfigJson,
  GITIGNORE_LINES,
  NPMRC_LINES,
  serverlessYml,
  tsconfigJson,
  WORKER_SHIM_FILE,
  workerShim,
} from './init-templates.js';
import { isFanoutService, packageDirFrom, TOOLING_PACKAGES, toolingVersions } from './service-dir.js';

/** Options of {@link initProject}. */
export interface InitOptions {
  /** The project folder. @default process.cwd() */
  dir?: string;
  /** Overwrite files that exist with other contents (a foreign serverless.yml too). @default false */
  force?: boolean;
  /** Run `npm install` for the added devDependencies. @default true */
  install?: boolean;
  /** Where progress lines go. @default stderr */
  log?: (line: string) => void;
}

/** What one file of the plan came to. */
export type FileOutcome = 'created' | 'overwritten' | 'kept' | 'unchanged' | 'appended';

/** What init did, file by file (paths relative to the project). */
export interface InitReport {
  files: { path: string; outcome: FileOutcome }[];
  /** devDependencies added to package.json. */
  added: string[];
  /** Whether `npm install` ran. */
  installed: boolean;
  /** The commands to run next. */
  next: string[];
}

interface WholeFile {
  path: string;
  contents: string;
}

/** Makes `dir` a fanout project (see the module doc). */
export async function initProject(opts: InitOptions = {}): Promise<InitReport> {
  const dir = opts.dir ?? process.cwd();
  const log = opts.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const pkgPath = join(dir, 'package.json');
  if (!existsSync(pkgPath)) {
    throw inputError(`no package.json in ${dir}: run \`npm init -y && npm i fanout\` there first`);
  }
  const pkg = readPackageJson(pkgPath);
  const fanoutDir = installedFanout(dir);
  if (existsSync(join(dir, 'serverless.yml')) && !isFanoutService(dir) && !opts.force) {
    throw inputError(
      `${join(dir, 'serverless.yml')} exists and is not fanout's; nothing was written (move it away, or --force to replace it)`,
    );
  }
  const whole: WholeFile[] = [
    { path: 'fanout.config.json', contents: fanoutConfigJson() },
    { path: EXAMPLE_TASK_FILE, contents: exampleTask() },
    { path: EXAMPLE_LIB_FILE, contents: exampleLib() },
    { path: WORKER_SHIM_FILE, contents: workerShim() },
    { path: COORDINATOR_SHIM_FILE, contents: coordinatorShim() },
    { path: 'serverless.yml', contents: serverlessYml(relative(dir, fanoutDir).split(sep).join('/')) },
  ];
  if (!existsSync(join(dir, 'tsconfig.json'))) whole.push({ path: 'tsconfig.json', contents: tsconfigJson() });
  const report: InitReport = { files: [], added: [], installed: false, next: [] };
  for (const f of whole) {
    const outcome = writeWhole(join(dir, f.path), f.contents, opts.force ?? false);
    report.files.push({ path: f.path, outcome });
    log(`${outcome.padEnd(11)} ${f.path}${outcome === 'kept' ? ' (it differs; --force overwrites it)' : ''}`);
  }
  for (const [path, lines] of [
    ['.gitignore', GITIGNORE_LINES],
    ['.npmrc', NPMRC_LINES],
  ] as const) {
    const outcome = appendLines(join(dir, path), lines);
    report.files.push({ path, outcome });
    log(`${outcome.padEnd(11)} ${path}`);
  }
  report.added = addDevDependencies(pkgPath, pkg, log);
  const needsInstall = report.added.length > 0 || TOOLING_PACKAGES.some((p) => packageDirFrom(dir, p) === undefined);
  if (needsInstall && opts.install !== false) {
    log(`installing ${TOOLING_PACKAGES.join(', ')} (npm install)…`);
    await npmInstall(dir);
    report.installed = true;
  } else if (needsInstall) {
    log('not installed (--no-install): run `npm install` before using sls or the emulator');
  }
  report.next = [
    `npx fanout run ./${EXAMPLE_TASK_FILE} --limit 1000000 --backend process`,
    `npx fanout compare ./${EXAMPLE_TASK_FILE} --limit 1000000 --backends thread,process,lambda`,
    `npx sls invoke local -f worker --data '{"task":"example","batchId":"0","batch":{"lo":1,"hi":100}}'`,
    'npx sls package',
  ];
  return report;
}

/** fanout's package folder as the project resolves it: the project's tasks import `fanout` from there. */
function installedFanout(dir: string): string {
  const found = packageDirFrom(dir, 'fanout');
  if (!found)
    throw inputError(`fanout is not installed in ${dir}: run \`npm i fanout\` there first, then \`npx fanout init\``);
  return found;
}

/** Creates the file; an existing one is kept (or overwritten when forced) unless it already holds these contents. */
function writeWhole(path: string, contents: string, force: boolean): FileOutcome {
  const existed = existsSync(path);
  if (existed && readFileSync(path, 'utf8') === contents) return 'unchanged';
  if (existed && !force) return 'kept';
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, contents);
  return existed ? 'overwritten' : 'created';
}

/** Appends the lines the file lacks (created if absent). */
function appendLines(path: string, lines: readonly string[]): FileOutcome {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  const have = new Set((text ?? '').split(/\r?\n/).map((l) => l.trim()));
  const lacking = lines.filter((l) => !have.has(l) && !have.has(l.replace(/\/$/, '')));
  if (lacking.length === 0) return 'unchanged';
  const sep = text === undefined || text === '' || text.endsWith('\n') ? '' : '\n';
  writeFileSync(path, `${text ?? ''}${sep}${lacking.join('\n')}\n`);
  return text === undefined ? 'created' : 'appended';
}

/** The project's package.json: its text and what init reads of it. Read before anything is written. */
interface ProjectPackage {
  text: string;
  json: { devDependencies?: Record<string, string>; dependencies?: Record<string, string> };
}

function readPackageJson(pkgPath: string): ProjectPackage {
  const text = readFileSync(pkgPath, 'utf8');
  try {
    return { text, json: JSON.parse(text) as ProjectPackage['json'] };
  } catch (err) {
    throw inputError(`${pkgPath} is not JSON (${(err as Error).message})`);
  }
}

/** Adds the Serverless tooling to devDependencies (a version the user already chose is left alone). */
function addDevDependencies(
  pkgPath: string,
  { text, json: pkg }: ProjectPackage,
  log: (line: string) => void,
): string[] {
  const versions = toolingVersions();
  const added: string[] = [];
  const dev = { ...(pkg.devDependencies ?? {}) };
  for (const name of TOOLING_PACKAGES) {
    const chosen = dev[name] ?? pkg.dependencies?.[name];
    if (chosen !== undefined) {
      if (chosen !== versions[name])
        log(`note        ${name}@${chosen} kept (fanout is tested with ${versions[name]})`);
      continue;
    }
    dev[name] = versions[name];
    added.push(`${name}@${versions[name]}`);
  }
  if (added.length === 0) {
    log('unchanged   package.json');
    return added;
  }
  pkg.devDependencies = Object.fromEntries(Object.entries(dev).sort(([a], [b]) => a.localeCompare(b)));
  const indent = /^(\s+)"/m.exec(text)?.[1] ?? '  ';
  writeFileSync(pkgPath, `${JSON.stringify(pkg, null, indent)}\n`);
  log(`updated     package.json (devDependencies: ${added.join(', ')})`);
  return added;
}

/** `npm install` in the project, its output on stderr; a failure is one line naming the exit code. */
function npmInstall(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const child = spawn(npm, ['install', '--no-audit', '--no-fund'], {
      cwd: dir,
      stdio: ['ignore', process.stderr, process.stderr],
    });
    child.once('error', (err) => reject(inputError(`npm install could not start: ${err.message}`)));
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          inputError(
            `npm install in ${basename(dir)} failed (${signal ?? `exit ${code}`}); package.json already lists the tooling, so \`npm install\` retries it`,
          ),
        );
    });
  });
}
