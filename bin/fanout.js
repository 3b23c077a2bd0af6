#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/, bundled by `npm run build` (scripts/bundle-dist.mjs) and
// shipped in the npm package; in a clone of the repository, `npm run build` makes it, as `npm test` and `npm start` do.
import { existsSync } from 'node:fs';
import module from 'node:module';

const main = new URL('../dist/orchestrator/cli/bundle/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('fanout: dist/ is missing; in a clone of the fanout repository, run `npm run build` first');
  process.exit(2);
}
// Node 22.1+: V8's compiled code is cached on disk (in the OS temp folder), so later starts skip compiling the CLI
module.enableCompileCache?.();
await import(main.href);
