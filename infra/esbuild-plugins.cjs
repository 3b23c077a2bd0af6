// esbuild plugins for serverless-esbuild (serverless.yml: custom.esbuild.plugins). serverless-esbuild requires this
// file and calls it with the serverless instance; it returns the plugins used to build functions/worker.ts.
//
// fanout-tasks: replaces functions/packaged-tasks.ts with one entry per user task the worker function carries — the
// tasks listed in fanout.config.json (`{ "tasks": ["./tasks/resize.ts"] }`, paths relative to the file; another
// config file with FANOUT_CONFIG) plus FANOUT_TASKS (a JSON list of absolute paths, set by an emulator started for
// one run). Each task is bundled by fanout's own bundler (dist/orchestrator/bundle), exactly as the caller bundles it,
// so the version the function holds is the hash the caller computes. A missing file or a module without a task fails
// the build with one line.
//
// fanout-caller-only: fanout's fetch stage (imported lazily by wordcount's split) runs on the caller, never in the
// function; leaving it out of the bundle keeps undici and `import.meta` (which has no meaning in a CJS bundle) out.
const { existsSync, readFileSync } = require('node:fs');
const { dirname, isAbsolute, join, relative, resolve } = require('node:path');
const { pathToFileURL } = require('node:url');

function fail(message) {
  throw new Error(`fanout.config.json: ${message}`);
}

function configuredTasks(serviceDir) {
  const configPath = process.env.FANOUT_CONFIG
    ? resolve(process.env.FANOUT_CONFIG)
    : join(serviceDir, 'fanout.config.json');
  const out = [];
  if (existsSync(configPath)) {
    let config;
    try {
      config = JSON.parse(readFileSync(configPath, 'utf8'));
    } catch (err) {
      fail(`${configPath} is not JSON (${err.message})`);
    }
    const tasks = config?.tasks ?? [];
    if (!Array.isArray(tasks) || tasks.some((t) => typeof t !== 'string' || t.trim() === '')) {
      fail(`expected "tasks" in ${configPath} to be a list of task module paths, got ${JSON.stringify(config?.tasks)}`);
    }
    for (const t of tasks) out.push({ entry: t, path: isAbsolute(t) ? t : resolve(dirname(configPath), t) });
  } else if (process.env.FANOUT_CONFIG) {
    fail(`FANOUT_CONFIG names ${configPath}, which does not exist`);
  }
  if (process.env.FANOUT_TASKS) {
    for (const t of JSON.parse(process.env.FANOUT_TASKS)) out.push({ entry: t, path: resolve(t) });
  }
  return out;
}

async function packagedTasksModule(serviceDir) {
  const bundler = join(serviceDir, 'dist', 'orchestrator', 'bundle', 'bundle-task.js');
  const registry = join(serviceDir, 'dist', 'orchestrator', 'tasks', 'registry.js');
  if (!existsSync(bundler) || !existsSync(registry)) {
    throw new Error(`${relative(process.cwd(), bundler)} not found: run \`npm run build\` before packaging`);
  }
  const { bundleTask } = await import(pathToFileURL(bundler).href);
  const { builtinTasks, taskExportOf } = await import(pathToFileURL(registry).href);
  const seen = new Map();
  const entries = [];
  for (const { entry, path } of configuredTasks(serviceDir)) {
    if (!existsSync(path)) fail(`task module ${entry} not found (${path})`);
    let bundle;
    try {
      bundle = await bundleTask(path, serviceDir);
    } catch (err) {
      fail(`${entry}: ${err.message}`);
    }
    const mod = require(bundle.file);
    const task = taskExportOf(mod);
    if (!task) fail(`${entry} does not export a task made with defineTask`);
    if (builtinTasks.has(task.name)) fail(`${entry} names its task \`${task.name}\`, which is a built-in task`);
    if (seen.has(task.name) && seen.get(task.name) !== bundle.version) {
      fail(`${entry} names its task \`${task.name}\`, as ${seen.get(task.name)} does`);
    }
    if (seen.has(task.name)) continue;
    seen.set(task.name, entry);
    const key = Object.keys(mod).find((k) => mod[k] === task);
    entries.push(
      `  { name: ${JSON.stringify(task.name)}, version: ${JSON.stringify(bundle.version)}, source: ${JSON.stringify(relative(serviceDir, path))}, load: () => require(${JSON.stringify(bundle.file)})[${JSON.stringify(key)}] },`,
    );
  }
  return `export const packagedTasks = [\n${entries.join('\n')}\n];\n`;
}

module.exports = (serverless) => {
  const serviceDir = serverless?.config?.servicePath ?? process.cwd();
  return [
    {
      name: 'fanout-tasks',
      setup(build) {
        build.onLoad({ filter: /[\\/]functions[\\/]packaged-tasks\.ts$/ }, async () => ({
          contents: await packagedTasksModule(serviceDir),
          loader: 'js',
          resolveDir: join(serviceDir, 'functions'),
        }));
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
