/**
 * Where fanout's Serverless project is and what it runs with. A user's project made by `fanout init` has its own
 * serverless.yml (its `worker` function is fanout's handler carrying the project's tasks); without one, the emulator
 * runs fanout's own serverless.yml from the installed package. Either way the Serverless tooling (osls,
 * serverless-esbuild, serverless-offline) comes from the user's node_modules: fanout only declares it as optional peer
 * dependencies, so a library-only install does not carry it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FanoutError, inputError } from '../errors.js';

/** What marks a serverless.yml as fanout's: fanout's own Serverless plugin (the runtime guard) is in its plugins. */
export const FANOUT_SERVERLESS_PLUGIN = 'fanout/serverless-plugin';

/**
 * The local tooling fanout drives, in the order `npm i -D` lists it: the Serverless tooling, the local S3 server
 * the emulator's function offloads through, and the durable SDK's local runner (the cloud coordinator's rehearsal).
 */
export const TOOLING_PACKAGES = [
  'osls',
  'serverless-esbuild',
  'serverless-offline',
  's3rver',
  '@aws/durable-execution-sdk-js-testing',
] as const;
export type ToolingPackage = (typeof TOOLING_PACKAGES)[number];

interface FanoutPackageJson {
  name: string;
  version: string;
  peerDependencies?: Record<string, string>;
}

/**
 * fanout's own package.json and its folder: the nearest package.json named `fanout` above `from` (this module, in
 * the sources or in dist/), so what is read is the installed fanout's.
 */
export function fanoutPackage(from: string = fileURLToPath(import.meta.url)): { dir: string; json: FanoutPackageJson } {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as FanoutPackageJson;
      if (json.name === 'fanout') return { dir, json };
    }
    if (dirname(dir) === dir) throw new FanoutError('EINTERNAL', `fanout's package.json not found above ${from}`);
  }
}

/** fanout's own package folder (the one holding its package.json), from the sources or from dist/. */
export function fanoutPackageRoot(from?: string): string {
  return fanoutPackage(from).dir;
}

/** The versions of the Serverless tooling fanout is tested with (its peerDependencies: one place for them). */
export function toolingVersions(): Record<ToolingPackage, string> {
  const pkg = fanoutPackage().json;
  const out = {} as Record<ToolingPackage, string>;
  for (const name of TOOLING_PACKAGES) {
    const range = pkg.peerDependencies?.[name];
    if (!range) throw new FanoutError('EINTERNAL', `fanout's package.json has no peer dependency on ${name}`);
    out[name] = range;
  }
  return out;
}

/** `npm i -D osls@4.3.1 serverless-esbuild@~1.57.2 serverless-offline@~14.8.2 s3rver@3.7.1`. */
export function toolingInstallCommand(): string {
  const v = toolingVersions();
  return `npm i -D ${TOOLING_PACKAGES.map((p) => `${p}@${v[p]}`).join(' ')}`;
}

/** True when `dir/serverless.yml` is a fanout service (fanout's own, or one `fanout init` wrote). */
export function isFanoutService(dir: string): boolean {
  const file = join(dir, 'serverless.yml');
  return existsSync(file) && readFileSync(file, 'utf8').includes(FANOUT_SERVERLESS_PLUGIN);
}

/**
 * The Serverless project the emulator and `sls` run: the nearest serverless.yml at or above `cwd` when it is a fanout
 * service, else fanout's own (in the installed package, or in fanout's repository).
 */
export function findServiceRoot(cwd: string = process.cwd()): string {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'serverless.yml'))) {
      if (isFanoutService(dir)) return dir;
      break;
    }
    if (dirname(dir) === dir) break;
  }
  return fanoutPackageRoot();
}

/** The tooling as found from a service folder. */
export interface ServerlessTooling {
  /** osls's node entry (`…/osls/bin/serverless.js`): spawned directly so the PID is the server's. */
  slsEntry: string;
}

/**
 * Finds osls, serverless-esbuild and serverless-offline as osls itself will (from the service folder up), else
 * throws one EINPUT line naming the `npm i -D …` to run.
 */
export function serverlessTooling(serviceDir: string): ServerlessTooling {
  const missing: string[] = [];
  const found = new Map<string, string>();
  for (const name of TOOLING_PACKAGES) {
    const dir = packageDirFrom(serviceDir, name);
    if (dir) found.set(name, dir);
    else missing.push(name);
  }
  if (missing.length > 0) {
    throw inputError(
      `the Lambda emulator needs the Serverless tooling, and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not installed: run \`${toolingInstallCommand()}\` (or \`npx fanout init\`), or pass --lambda-endpoint`,
    );
  }
  return { slsEntry: join(found.get('osls') as string, 'bin', 'serverless.js') };
}

/**
 * The folder of package `name` as Node would find it from `dir` (its node_modules, then its parents'). Looked up by
 * folder, not by `require.resolve('<name>/package.json')`: a package's `exports` may hide its package.json.
 */
export function packageDirFrom(dir: string, name: string): string | undefined {
  const paths = createRequire(join(dir, 'package.json')).resolve.paths(name) ?? [];
  return paths.map((p) => join(p, name)).find((p) => existsSync(join(p, 'package.json')));
}
