/**
 * `npm run build`, after tsc: bundles the child process's entry (dist/orchestrator/far-side/process-entry.js and the
 * ~20 modules it imports) into one file, process-entry.bundle.js, next to it. Node's ESM loader pays per module
 * (resolve, stat, read, compile, link): one file starts a child ~30–40 ms of CPU sooner here, twice per run on 2 cores.
 * Kept out of the bundle, loaded from dist/ as they are: errors.js (a task module that throws fanout's FanoutError must
 * meet the same class), and what only wordcount's fetch stage loads, lazily (fetch/, accumulators/: their worker
 * entries are found next to their own files).
 */
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const farSide = join(root, 'dist', 'orchestrator', 'far-side');
const keepOut = /[\\/]orchestrator[\\/](errors\.js$|fetch[\\/]|accumulators[\\/])/;

await build({
  entryPoints: [join(farSide, 'process-entry.js')],
  outfile: join(farSide, 'process-entry.bundle.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
  plugins: [
    {
      name: 'keep-out',
      setup(b) {
        b.onResolve({ filter: /^\./ }, (args) => {
          const file = resolve(args.resolveDir, args.path);
          if (!keepOut.test(file)) return undefined;
          return { path: `./${relative(farSide, file).split(sep).join('/')}`, external: true };
        });
      },
    },
  ],
});
