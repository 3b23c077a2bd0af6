#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/ (built by `npm ci` through the `prepare` script).
import { existsSync } from 'node:fs';

const main = new URL('../dist/orchestrator/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('fanout: dist/ is missing; run `npm run build` (or `npm ci`) in the fanout repository first');
  process.exit(2);
}
await import(main.href);
