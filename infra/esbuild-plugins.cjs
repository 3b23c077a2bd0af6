// esbuild plugins for serverless-esbuild (serverless.yml: custom.esbuild.plugins). serverless-esbuild requires this
// file and calls it with the serverless instance; it returns the plugins used to build functions/worker.ts.
//
// It works from fanout's repository (serverless.yml: ./infra/esbuild-plugins.cjs) and from a project `fanout init` made
// (./node_modules/fanout/infra/esbuild-plugins.cjs): fanout's compiled code is found next to this file, the tasks in
// the service's fanout.config.json.
//
// fanout-tasks: replaces functions/packaged-tasks.ts with one entry per user task the worker function carries — the
// tasks listed in fanout.config.json (`{ "tasks": ["./tasks/resize.ts"] }`, paths relative to that file; another
// file with FANOUT_CONFIG) plus FANOUT_TASKS (a JSON list of paths, set by an emulator started for one run). Each is
// bundled by fanout's own bundler (dist/orchestrator/bundle/packaged-tasks-main.js), exactly as the caller bundles it,
// so the version the function holds is the hash the caller computes. That runs before the build: a missing file or a
// module without a task stops the command with one line.
//
// fanout-caller-only: fanout's fetch stage (imported lazily by wordcount's split) runs on the caller, never in the
// function; leaving it out of the bundle keeps undici and `import.meta` (meaningless in a CJS bundle) out.
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

/** fanout's package folder: this file is infra/esbuild-plugins.cjs in it. */
const FANOUT = join(__dirname, '..');

/** The module the handler imports its packaged tasks from: the sources (repository) or the compiled file. */
const PACKAGED_TASKS = new RegExp(
  `^${escapeRegExp(join(FANOUT, 'functions', 'packaged-tasks'))}\\.ts$|^${escapeRegExp(join(FANOUT, 'dist', 'functions', 'packaged-tasks'))}\\.js$`,
);

function escapeRegExp(path) {
  return path.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

function packagedTasksModule(serverless, serviceDir) {
  const main = join(FANOUT, 'dist', 'orchestrator', 'bundle', 'packaged-tasks-main.js');
  const fail = (message) => {
    throw new serverless.classes.Error(message);
  };
  if (!existsSync(main)) fail(`${main} not found: run \`npm run build\` in fanout before packaging`);
  try {
    return execFileSync(process.execPath, [main, serviceDir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    fail(
      String(err.stderr || err.message)
        .trim()
        .split('\n')[0],
    );
  }
}

module.exports = (serverless) => {
  const serviceDir = serverless.config.servicePath;
  const contents = packagedTasksModule(serverless, serviceDir);
  return [
    {
      name: 'fanout-tasks',
      setup(build) {
        build.onLoad({ filter: PACKAGED_TASKS }, () => ({ contents, loader: 'js', resolveDir: serviceDir }));
      },
    },
    {
      name: 'fanout-caller-only',
      setup(build) {
        build.onResolve({ filter: /[\\/]fetch[\\/][\w-]+\.js$/ }, (args) =>
          args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined,
        );
      },
    },
  ];
};
