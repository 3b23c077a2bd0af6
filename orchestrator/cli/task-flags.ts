import { type Command, Option } from 'commander';
import { inputError } from '../errors.js';
import type { AnyTask, TaskOption } from '../tasks/task.js';

/** `max-body` → `maxBody`: the input key and commander's attribute name for a task option. */
export function optionKey(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function placeholder(o: TaskOption): string {
  return o.kind === 'boolean' ? '' : o.kind === 'string' ? '<value>' : '<n>';
}

/** Registers a task's options on a command (no commander defaults: the task's own defaults apply after parsing). */
export function addTaskFlags(cmd: Command, task: AnyTask): void {
  for (const o of task.options ?? []) {
    const def = o.default === undefined ? ' (required)' : ` (default: ${o.default})`;
    cmd.addOption(new Option(`--${o.name} ${placeholder(o)}`.trim(), `${task.name}: ${o.description}${def}`));
  }
}

/** Parses one option value by kind; the error names the flag, what was expected and what came. */
export function parseTaskOptionValue(o: TaskOption, raw: unknown): number | string | boolean {
  if (o.kind === 'boolean') return raw === true || raw === 'true';
  if (o.kind === 'string') {
    if (typeof raw !== 'string' || raw.trim() === '') {
      throw inputError(`Expected \`--${o.name}\` to be a non-empty string, got \`${String(raw)}\``);
    }
    return raw;
  }
  const text = String(raw).trim();
  const n = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : Number.NaN;
  const positive = o.kind === 'positiveInt';
  if (!Number.isSafeInteger(n) || n < (positive ? 1 : 0)) {
    const what = positive ? 'a positive integer' : 'a non-negative integer';
    throw inputError(`Expected \`--${o.name}\` to be ${what}, got \`${text}\``);
  }
  return n;
}

/** Builds the task input from parsed flags, applying the task's defaults and checking required options. */
export function taskInputFrom(task: AnyTask, flags: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const o of task.options ?? []) {
    const key = optionKey(o.name);
    const raw = flags[key];
    if (raw === undefined) {
      if (o.default === undefined) throw inputError(`Task \`${task.name}\` needs \`--${o.name}\``);
      input[key] = o.default;
    } else {
      input[key] = parseTaskOptionValue(o, raw);
    }
  }
  return input;
}

/** Help text listing every built-in task with its options and defaults. */
export function tasksHelp(tasks: Iterable<AnyTask>): string {
  const lines = ['', 'Tasks (or a path to a module exporting a task made with defineTask):'];
  for (const t of tasks) {
    lines.push(`  ${t.name.padEnd(10)} ${t.description ?? ''}`);
    for (const o of t.options ?? []) {
      const def = o.default === undefined ? 'required' : `default: ${o.default}`;
      lines.push(`      --${`${o.name} ${placeholder(o)}`.trim().padEnd(24)} ${o.description} (${def})`);
    }
  }
  return lines.join('\n');
}

/**
 * Registers the options of `task` when the task was resolved before parsing; otherwise every built-in task's options
 * (each flag once) plus a help section listing the tasks.
 */
export function addTaskFlagsFor(cmd: Command, task: AnyTask | undefined, all: Iterable<AnyTask>): void {
  if (task) {
    addTaskFlags(cmd, task);
    return;
  }
  const tasks = [...all];
  const seen = new Set<string>();
  for (const t of tasks) {
    for (const o of t.options ?? []) {
      if (seen.has(o.name)) continue;
      seen.add(o.name);
      addTaskFlags(cmd, { ...t, options: [o] });
    }
  }
  cmd.addHelpText('after', tasksHelp(tasks));
}

/** Parses `--input <json>`: a JSON object, or a clear EINPUT error. */
export function jsonInput(raw: unknown): Record<string, unknown> {
  if (raw === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(String(raw));
  } catch (err) {
    throw inputError(`Expected \`--input\` to be a JSON object, got invalid JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw inputError(`Expected \`--input\` to be a JSON object, got \`${String(raw)}\``);
  }
  return value as Record<string, unknown>;
}

/** Registers `--input <json>` (task input as JSON, for user tasks; merged over the task's own options). */
export function addInputFlag(cmd: Command): Command {
  return cmd.option('--input <json>', 'task input as a JSON object (for user tasks; merged over the task options)');
}
