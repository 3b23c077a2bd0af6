/**
 * Preloaded into serverless-offline with `node --import` (see emulator.ts): the emulator has no IPC channel to us, so
 * this is what makes it exit when the fanout process that started it dies, even by `kill -9`.
 */
import { dieWithParent } from '../parent-watch.js';

dieWithParent();
