/**
 * Preloaded into serverless-offline with `node --import` (see emulator/serverless-offline.ts): the emulator has no IPC channel to us, so
 * this is what makes it exit when the fanout process that started it dies, even by `kill -9`.
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { dieWithParent } from './parent-watch.js';

// FANOUT_ESBUILD_DIR is the emulator's own build folder (relative to its cwd, see serverless-offline.ts), and
// FANOUT_OWNED_DIR the local S3 server's data folder (local-s3.ts): gone with it.
const owned = process.env.FANOUT_OWNED_DIR ?? process.env.FANOUT_ESBUILD_DIR;
const buildDir = owned ? resolve(owned) : undefined;
dieWithParent(buildDir ? [buildDir] : []);
// With fanout gone its pipes are closed, and the emulator's next log line may end it (EPIPE) before the watch runs:
// whatever way it exits, the folder goes with it.
if (buildDir) process.once('exit', () => rmSync(buildDir, { recursive: true, force: true }));
