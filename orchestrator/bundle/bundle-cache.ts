import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** What the cache remembers about one task module: every file the bundle was made from, and the bundle it gave. */
export interface BundleManifest {
  /** Bundler settings the entry was built with (esbuild version + options); a change invalidates the entry. */
  settings: string;
  /** Absolute path and sha256 of every input file (the module, its relative imports, the npm files it pulled in). */
  inputs: { path: string; sha256: string }[];
  /** Hash of the bundle: the task's version. */
  version: string;
}

/** sha256 of a file's bytes, hex; undefined when the file is gone. */
export function fileSha256(path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}

/** The project a module belongs to: the nearest directory above it with a package.json (else the module's own). */
export function projectRootOf(file: string): string {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return dirname(file);
  }
}

/**
 * Where bundles are kept: `FANOUT_CACHE_DIR`, else `<project>/node_modules/.cache/fanout` (the find-cache-dir
 * convention: ignored by git, removed with node_modules), else a folder in the OS temp directory.
 */
export function cacheDirFor(projectRoot: string): string {
  const fromEnv = process.env.FANOUT_CACHE_DIR;
  if (fromEnv) return fromEnv;
  const nodeModules = join(projectRoot, 'node_modules');
  return existsSync(nodeModules) ? join(nodeModules, '.cache', 'fanout') : join(tmpdir(), 'fanout-cache');
}

/** The content-addressed cache of task bundles: `<dir>/bundles/<version>.cjs` plus one manifest per module path. */
export class BundleCache {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Path of the bundle with this version. */
  bundlePath(version: string): string {
    return join(this.#dir, 'bundles', `${version}.cjs`);
  }

  #manifestPath(source: string): string {
    const key = createHash('sha256').update(source).digest('hex').slice(0, 24);
    return join(this.#dir, 'modules', `${key}.json`);
  }

  /** The version cached for `source`, when every input file is unchanged and the bundle is still there. */
  lookup(source: string, settings: string): string | undefined {
    let manifest: BundleManifest;
    try {
      manifest = JSON.parse(readFileSync(this.#manifestPath(source), 'utf8')) as BundleManifest;
    } catch {
      return undefined;
    }
    if (manifest.settings !== settings || !existsSync(this.bundlePath(manifest.version))) return undefined;
    const unchanged = manifest.inputs.every((i) => fileSha256(i.path) === i.sha256);
    return unchanged ? manifest.version : undefined;
  }

  /** Stores a bundle and the manifest naming its inputs; writes go through a rename so readers never see half a file. */
  store(source: string, code: string, manifest: BundleManifest): string {
    const file = this.bundlePath(manifest.version);
    if (!existsSync(file)) writeAtomic(file, code);
    writeAtomic(this.#manifestPath(source), JSON.stringify(manifest));
    return file;
  }
}

function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
