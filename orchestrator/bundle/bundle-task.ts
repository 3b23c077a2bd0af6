import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, version as esbuildVersion, type Message, type Plugin } from 'esbuild';
import { FanoutError, inputError } from '../errors.js';
import { BundleCache, cacheDirFor, fileSha256, projectRootOf } from './bundle-cache.js';

/** One task module bundled into the artifact every backend runs. */
export interface TaskBundle {
  /** The user's module file (absolute). */
  source: string;
  /** The bundle (absolute, `<cache>/bundles/<version>.cjs`): what inline, threads, processes and Lambda load. */
  file: string;
  /** Hash of the bundle: the task's version on the wire. */
  version: string;
  /** True when the bundle came from the cache (no esbuild run). */
  cached: boolean;
  /** Time spent finding or building the bundle, ms. */
  ms: number;
}

/** File name endings of task modules fanout bundles. */
export const TASK_MODULE_EXTENSIONS = /\.(ts|mts|cts|js|mjs|cjs)$/;

/**
 * The module `import { defineTask } from 'fanout'` resolves to inside a bundle: fanout's own task model, which imports
 * nothing. Bundling it (rather than leaving `fanout` external) keeps the bundle self-contained, so it loads inside a
 * Lambda package that has no node_modules, and keeps the orchestrator (and the AWS SDK) out of it.
 */
function fanoutTaskModel(): string {
  // The compiled file whenever there is one, also when this runs from source (vitest): the CLI, the emulator and the
  // tests must all produce the same bytes, hence the same version, for the same task.
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [
    join(here, '..', 'tasks', 'task.js'),
    join(here, '..', '..', 'dist', 'orchestrator', 'tasks', 'task.js'),
  ];
  return candidates.find((c) => existsSync(c)) ?? join(here, '..', 'tasks', 'task.ts');
}

/** fanout's own folder (`orchestrator/` or `dist/orchestrator/`) this bundler runs from. */
const FANOUT_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * `fanout`, and fanout's public index imported by path (`…/dist/orchestrator/index.js`), resolve to the task model.
 * fanout's fetch stage (which a task's `split` may import, as wordcount does) stays outside the bundle: it runs on the
 * caller only, starting worker threads from fanout's own files, and never inside a far side.
 */
const resolveFanout: Plugin = {
  name: 'fanout-self',
  setup(b) {
    b.onResolve({ filter: /^fanout$/ }, () => ({ path: fanoutTaskModel() }));
    b.onResolve({ filter: /(^|\/)(index|fetch\/[\w-]+)\.[jt]s$/ }, (args) => {
      if (!args.path.startsWith('.') && !isAbsolute(args.path)) return undefined;
      const dynamic = args.kind === 'dynamic-import';
      const abs = resolve(args.resolveDir, args.path);
      const inFanout = abs.startsWith(FANOUT_DIR) || abs.startsWith(join(FANOUT_DIR, '..', 'dist', 'orchestrator'));
      if (!inFanout) return undefined;
      if (/[\\/]orchestrator[\\/]index\.[jt]s$/.test(abs)) return { path: fanoutTaskModel() };
      if (dynamic && /[\\/]orchestrator[\\/]fetch[\\/]/.test(abs))
        return { path: pathToFileURL(abs).href, external: true };
      return undefined;
    });
  },
};

/**
 * CommonJS, so the same file loads with `require` in a thread, a child process and inside the CJS Lambda handler
 * (serverless-esbuild bundles it there again). `import.meta.url` and friends are mapped to the bundle's own location:
 * CJS has no import.meta, and the Lambda package has no source tree anyway.
 */
const BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  write: false,
  metafile: true,
  logLevel: 'silent',
  legalComments: 'none',
  charset: 'utf8',
  define: {
    'import.meta.url': '__fanout_import_meta_url',
    'import.meta.filename': '__filename',
    'import.meta.dirname': '__dirname',
  },
  banner: { js: 'var __fanout_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
} as const;

/** What the cache keys on besides the input files: a new esbuild or new options give new bundles. */
const SETTINGS = `esbuild@${esbuildVersion} ${JSON.stringify(BUILD_OPTIONS)} fanout-self:${createHash('sha256')
  .update(fileSha256(fanoutTaskModel()) ?? '')
  .digest('hex')
  .slice(0, 12)}`;

/**
 * Bundles a task module (TypeScript or JavaScript) with everything it imports — relative files, including
 * `./steps.js` written for `steps.ts`, and npm packages from the project's node_modules — into one CommonJS file,
 * cached by content: when no input file changed since the last build, the cached bundle is returned without running
 * esbuild. A syntax or type-stripping error is an EINPUT naming `file:line:column`.
 */
export async function bundleTask(sourcePath: string, cwd = process.cwd()): Promise<TaskBundle> {
  const t0 = performance.now();
  const source = isAbsolute(sourcePath) ? sourcePath : resolve(cwd, sourcePath);
  if (!existsSync(source)) throw inputError(`Task module not found: ${source}`);
  const root = projectRootOf(source);
  const cache = new BundleCache(cacheDirFor(root));
  const hit = cache.lookup(source, SETTINGS);
  if (hit) return { source, file: cache.bundlePath(hit), version: hit, cached: true, ms: performance.now() - t0 };
  let result: Awaited<ReturnType<typeof build>>;
  try {
    result = await build({
      ...BUILD_OPTIONS,
      define: { ...BUILD_OPTIONS.define },
      banner: { ...BUILD_OPTIONS.banner },
      entryPoints: [source],
      outfile: join(root, 'task.cjs'),
      absWorkingDir: root,
      plugins: [resolveFanout],
    });
  } catch (err) {
    const first = (err as { errors?: Message[] }).errors?.[0];
    if (first) throw inputError(`Cannot bundle task module: ${formatMessage(first, root, cwd)}`);
    throw new FanoutError('EINTERNAL', `esbuild failed on ${source}: ${(err as Error).message}`, { cause: err });
  }
  const out = result.outputFiles?.[0];
  if (!out) throw new FanoutError('EINTERNAL', `esbuild wrote no bundle for ${source}`);
  const version = createHash('sha256').update(out.contents).digest('hex').slice(0, 16);
  const inputs = Object.keys(result.metafile?.inputs ?? {})
    .map((p) => resolve(root, p))
    .filter((p) => existsSync(p))
    .map((p) => ({ path: p, sha256: fileSha256(p) ?? '' }));
  const file = cache.store(source, out.text, { settings: SETTINGS, inputs, version });
  return { source, file, version, cached: false, ms: performance.now() - t0 };
}

/** `tasks/x.ts:3:14: Expected ";" but found "b"`, the path relative to the working directory. */
function formatMessage(m: Message, root: string, cwd: string): string {
  const text = m.text + missingPackageHint(m.text);
  if (!m.location) return text;
  const file = relative(cwd, resolve(root, m.location.file)) || m.location.file;
  return `${file}:${m.location.line}:${m.location.column + 1}: ${text}`;
}

/** `; the package p-limit is not installed in this project (npm i p-limit)` for an unresolved bare import. */
function missingPackageHint(text: string): string {
  const spec = /^Could not resolve "([^"]+)"/.exec(text)?.[1];
  if (spec === undefined || spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) return '';
  const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
  return `; the package ${pkg} is not installed in this project (npm i ${pkg})`;
}
