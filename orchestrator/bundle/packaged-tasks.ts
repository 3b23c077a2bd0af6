import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { inputError } from '../errors.js';
import { builtinTasks, taskExportOf } from '../tasks/registry.js';
import { bundleTask } from './bundle-task.js';

/** One user task the worker function carries. */
export interface PackagedTaskEntry {
  name: string;
  version: string;
  /** The user's module, relative to the service directory. */
  source: string;
  /** The bundle the handler requires. */
  file: string;
  /** The export holding the task. */
  exportKey: string;
}

/** The config file: `FANOUT_CONFIG`, else `<service>/fanout.config.json`. */
export function configPathFor(serviceDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.FANOUT_CONFIG ? resolve(env.FANOUT_CONFIG) : join(serviceDir, 'fanout.config.json');
}

/** The task modules listed in the config (`{ "tasks": ["./tasks/resize.ts"] }`, relative to the file) and FANOUT_TASKS. */
export function listedTasks(
  serviceDir: string,
  env: NodeJS.ProcessEnv = process.env,
): { entry: string; path: string }[] {
  const configPath = configPathFor(serviceDir, env);
  const out: { entry: string; path: string }[] = [];
  if (existsSync(configPath)) {
    let config: { tasks?: unknown };
    try {
      config = JSON.parse(readFileSync(configPath, 'utf8')) as { tasks?: unknown };
    } catch (err) {
      throw inputError(`fanout.config.json: ${configPath} is not JSON (${(err as Error).message})`);
    }
    const tasks = config?.tasks ?? [];
    if (!Array.isArray(tasks) || tasks.some((t) => typeof t !== 'string' || t.trim() === '')) {
      throw inputError(
        `fanout.config.json: expected "tasks" in ${configPath} to be a list of task module paths, got ${JSON.stringify(config?.tasks)}`,
      );
    }
    for (const t of tasks as string[])
      out.push({ entry: t, path: isAbsolute(t) ? t : resolve(dirname(configPath), t) });
  } else if (env.FANOUT_CONFIG) {
    throw inputError(`fanout.config.json: FANOUT_CONFIG names ${configPath}, which does not exist`);
  }
  if (env.FANOUT_TASKS) {
    for (const t of JSON.parse(env.FANOUT_TASKS) as string[]) out.push({ entry: t, path: resolve(t) });
  }
  return out;
}

/**
 * Bundles and checks every task the worker function should carry: the file exists, it bundles, it exports a task,
 * its name is neither a built-in's nor another listed task's. Each problem is one EINPUT line naming the entry.
 */
export async function packagedTaskEntries(
  serviceDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PackagedTaskEntry[]> {
  const out: PackagedTaskEntry[] = [];
  const byName = new Map<string, string>();
  for (const { entry, path } of listedTasks(serviceDir, env)) {
    if (!existsSync(path)) throw inputError(`fanout.config.json: task module ${entry} not found (${path})`);
    let bundle: Awaited<ReturnType<typeof bundleTask>>;
    try {
      bundle = await bundleTask(path, serviceDir);
    } catch (err) {
      throw inputError(`fanout.config.json: ${entry}: ${(err as Error).message}`);
    }
    const mod = createRequire(bundle.file)(bundle.file) as Record<string, unknown>;
    const task = taskExportOf(mod);
    if (!task) throw inputError(`fanout.config.json: ${entry} does not export a task made with defineTask`);
    if (builtinTasks.has(task.name)) {
      throw inputError(`fanout.config.json: ${entry} names its task \`${task.name}\`, which is a built-in task`);
    }
    const other = byName.get(task.name);
    if (other !== undefined && other !== path) {
      throw inputError(`fanout.config.json: ${entry} names its task \`${task.name}\`, as ${other} does`);
    }
    if (other !== undefined) continue;
    byName.set(task.name, path);
    const exportKey = Object.keys(mod).find((k) => mod[k] === task) ?? 'default';
    out.push({
      name: task.name,
      version: bundle.version,
      source: relative(serviceDir, path),
      file: bundle.file,
      exportKey,
    });
  }
  return out;
}

/** The module that replaces functions/packaged-tasks.ts in the handler's build. */
export function packagedTasksModule(entries: readonly PackagedTaskEntry[]): string {
  const lines = entries.map(
    (e) =>
      `  { name: ${JSON.stringify(e.name)}, version: ${JSON.stringify(e.version)}, source: ${JSON.stringify(e.source)}, load: () => require(${JSON.stringify(e.file)})[${JSON.stringify(e.exportKey)}] },`,
  );
  return `export const packagedTasks = [\n${lines.join('\n')}\n];\n`;
}
