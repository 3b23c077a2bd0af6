#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/ (shipped in the npm package; in a clone of the repository,
// `npm run build` makes it, as `npm test` and `npm start` do).
import { existsSync } from 'node:fs';

const main = new URL('../dist/orchestrator/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('fanout: dist/ is missing; in a clone of the fanout repository, run `npm run build` first');
  process.exit(2);
}
await import(main.href);
