/**
 * `npm run build`, after tsc: bundles the two entries whose start-up a user waits for, so Node's ESM loader pays once
 * per file instead of once per module (resolve, stat, read, compile, link: about a millisecond each here).
 * - The child process's entry: dist/orchestrator/far-side/process-entry.js and the ~20 modules it imports, in one file
 *   next to it, process-entry.bundle.js: a child starts ~30–40 ms of CPU sooner, twice per run on 2 cores.
 * - The CLI: dist/orchestrator/cli/main.js with commander, in dist/orchestrator/cli/bundle/ (main.js and chunks). Split
 *   at its dynamic imports, so each command still loads only what it needs (the AWS SDK, undici, esbuild and zod stay
 *   packages loaded where they are used); `bin/fanout.js` runs it.
 * Kept out of both bundles, loaded from dist/ as they are: errors.js (a task module that throws fanout's FanoutError
 * must meet the same class), and in the child's bundle what only wordcount's fetch stage loads, lazily (fetch/,
 * accumulators/). A module that finds files next to itself (`import.meta.url`) sees its own dist/ path, rewritten
 * relative to the bundle's folder, so the bundle moves with the package.
 */
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist', 'orchestrator');
const farSide = join(dist, 'far-side');
const cliOut = join(dist, 'cli', 'bundle');

/** A path relative to `from`, as an import specifier. */
const specifier = (from, file) => `./${relative(from, file).split(sep).join('/')}`;

/** Relative imports of files matching `keepOut` stay imports of those files in dist/, relative to `outDir`. */
const keepOutPlugin = (keepOut, outDir) => ({
  name: 'keep-out',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      const file = resolve(args.resolveDir, args.path);
      if (!keepOut.test(file)) return undefined;
      return { path: specifier(outDir, file), external: true };
    });
  },
});

/** `import.meta.url` in code (not in a string) of each bundled module becomes that module's own URL in dist/. */
const ownUrlPlugin = (outDir) => ({
  name: 'own-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/]orchestrator[\\/].*\.js$/ }, async (args) => {
      const code = await readFile(args.path, 'utf8');
      if (!code.includes('import.meta.url')) return undefined;
      const own = `new URL(${JSON.stringify(specifier(outDir, args.path))}, import.meta.url).href`;
      return { contents: code.replace(/(?<!['"`])\bimport\.meta\.url\b(?!['"`])/g, own), loader: 'js' };
    });
  },
});

/** Bare imports stay packages, loaded from node_modules where they are used, except `inline` (bundled in). */
const packagesPlugin = (inline) => ({
  name: 'packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      inline.has(args.path) || args.path.startsWith('node:') ? undefined : { path: args.path, external: true },
    );
  },
});

const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' };

for (const entry of ['process-entry', 'thread-entry']) {
  await build({
    ...common,
    entryPoints: [join(farSide, `${entry}.js`)],
    outfile: join(farSide, `${entry}.bundle.js`),
    packages: 'external',
    plugins: [keepOutPlugin(/[\\/]orchestrator[\\/](errors\.js$|fetch[\\/]|accumulators[\\/])/, farSide)],
  });
}

rmSync(cliOut, { recursive: true, force: true }); // chunks of an earlier build
await build({
  ...common,
  entryPoints: [join(dist, 'cli', 'main.js')],
  outdir: cliOut,
  splitting: true,
  chunkNames: 'chunk-[hash]',
  // commander is CommonJS: its require() of node builtins needs a require in an ES module
  banner: {
    js: "import { createRequire as __fanoutRequire } from 'node:module'; const require = __fanoutRequire(import.meta.url);",
  },
  plugins: [
    keepOutPlugin(/[\\/]orchestrator[\\/]errors\.js$/, cliOut),
    ownUrlPlugin(cliOut),
    packagesPlugin(new Set(['commander'])),
  ],
});
