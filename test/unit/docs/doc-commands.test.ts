import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTask } from '../../../orchestrator/bundle/resolve-task.js';
import { createProgram } from '../../../orchestrator/cli/program.js';
import {
  EXAMPLE_LIB_FILE,
  EXAMPLE_TASK_FILE,
  exampleLib,
  exampleTask,
} from '../../../orchestrator/project/init-templates.js';
import { builtinTasks, looksLikeModulePath } from '../../../orchestrator/tasks/registry.js';
import type { AnyTask } from '../../../orchestrator/tasks/task.js';

/**
 * Every command line the documentation shows must be one the CLI accepts: `fanout …`, `npx fanout …` and
 * `node bin/fanout.js …` in shell blocks and in inline code of README.md and docs/*.md name a command the program
 * has, and only flags that command has for the task named (built-in task options and a module task's own options are
 * flags). `npm run <script>`, `npm start` and `npm test` name scripts of package.json. The flags are read from the real
 * program (`createProgram`), never from a list kept here.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Fenced blocks read as shell: commands, with `# …` comments (shown output). Other languages are code, not commands. */
const SHELL_LANGS = new Set(['', 'sh', 'bash', 'shell', 'console', 'zsh']);

/** A line that may hold a command, with where it came from. */
interface Snippet {
  file: string;
  line: number;
  text: string;
}

/** A fanout command line found in a doc: the arguments after `fanout`. */
interface FoundCommand {
  where: string;
  text: string;
  args: string[];
}

/** The doc files checked: README.md and every docs/*.md. */
function docFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

/**
 * The shell lines of a markdown text: each logical line of a shell block (`\` continuations joined), and each inline
 * code span outside blocks (a span may wrap over a line break).
 */
function shellSnippets(file: string, markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const out: Snippet[] = [];
  let fence: { marker: string; shell: boolean } | undefined;
  let prose: { line: number; text: string }[] = [];
  const flushProse = (): void => {
    const text = prose.map((p) => p.text).join('\n');
    for (const m of text.matchAll(/`([^`]+)`/g)) {
      const before = text.slice(0, m.index);
      const offset = before.split('\n').length - 1;
      out.push({ file, line: (prose[offset]?.line ?? 0) + 1, text: (m[1] ?? '').replace(/\n/g, ' ') });
    }
    prose = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const open = /^\s*(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
    if (fence) {
      if (open && open[1] === fence.marker && open[2] === '') {
        fence = undefined;
        continue;
      }
      if (!fence.shell) continue;
      let text = line;
      const start = i;
      while (text.endsWith('\\') && i + 1 < lines.length) {
        i++;
        text = `${text.slice(0, -1)} ${lines[i] ?? ''}`;
      }
      out.push({ file, line: start + 1, text });
      continue;
    }
    if (open) {
      flushProse();
      fence = { marker: open[1] ?? '```', shell: SHELL_LANGS.has((open[2] ?? '').toLowerCase()) };
      continue;
    }
    // a blank line ends a paragraph: an inline code span never crosses it
    if (line.trim() === '') flushProse();
    else prose.push({ line: i, text: line });
  }
  flushProse();
  return out;
}

/**
 * Splits a shell line into commands (at `|`, `||`, `&&`, `&` and `;`, but not inside quotes or `[…]`, so a synopsis's
 * `[--journal FILE | --resume FILE]` stays one command) and each command into words, quotes removed. A `#` that starts
 * a word starts a comment.
 */
function shellCommands(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  let depth = 0;
  const endWord = (): void => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = (): void => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
      continue;
    }
    if (c === '#' && !inWord) break;
    if (c === '[') depth++;
    if (c === ']') depth = Math.max(0, depth - 1);
    if (depth === 0 && (c === '|' || c === ';' || (c === '&' && line[i - 1] !== '>'))) {
      endCommand();
      continue;
    }
    if (/\s/.test(c)) {
      endWord();
      continue;
    }
    word += c;
    inWord = true;
  }
  endCommand();
  return commands;
}

/** Words that may come before `fanout` on a command line: `npx`, `node`, `timeout 60`, `VAR=value`. */
const PREFIX_WORD = /^(npx|node|time|timeout|\d+[smh]?|[A-Za-z_]\w*=.*)$/;

/** The arguments after `fanout` (or `node bin/fanout.js`) when `words` runs fanout, else undefined. */
function fanoutArgs(words: string[]): string[] | undefined {
  const at = words.findIndex((w) => w === 'fanout' || /(^|\/)bin\/fanout\.js$/.test(w));
  if (at < 0) return undefined;
  if (!words.slice(0, at).every((w) => PREFIX_WORD.test(w))) return undefined;
  // a synopsis's optional parts: `[--runs R]` is the flag `--runs` and the word `R`
  return words.slice(at + 1).map((w) => w.replace(/^[[(]+/, '').replace(/[\])]+$/, ''));
}

/** Replaces `$T` / `${T}` by the value of `T=…` set earlier in the same file. */
function substitute(text: string, vars: Map<string, string>): string {
  return text.replace(/\$\{?([A-Za-z_]\w*)\}?/g, (all, name: string) => vars.get(name) ?? all);
}

/** Every fanout command line of one markdown text, variables (`T=./x.ts` on a line of its own) substituted. */
function fanoutCommands(file: string, markdown: string): FoundCommand[] {
  const vars = new Map<string, string>();
  const out: FoundCommand[] = [];
  for (const s of shellSnippets(file, markdown)) {
    const assign = /^\s*([A-Za-z_]\w*)=(\S+)\s*$/.exec(s.text);
    if (assign?.[1] && assign[2]) {
      vars.set(assign[1], assign[2]);
      continue;
    }
    for (const words of shellCommands(substitute(s.text, vars))) {
      const args = fanoutArgs(words);
      if (args) out.push({ where: `${s.file}:${s.line}`, text: words.join(' '), args });
    }
  }
  return out;
}

/** `npm run <script>`, `npm start` and `npm test` naming a script package.json does not have. */
function npmScriptProblems(file: string, markdown: string, scripts: Record<string, string>): string[] {
  const problems: string[] = [];
  markdown.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/\bnpm\s+(?:run(?:-script)?\s+([^\s`'"|&;)<]+)|(start|test)\b)/g)) {
      // `npm run bench: …` in prose: the colon ends the sentence, not the name (`invoke:local` keeps its own)
      const name = (m[1] ?? m[2])?.replace(/[.,:;]+$/, '');
      if (name && !name.startsWith('-') && !(name in scripts)) {
        problems.push(`${file}:${i + 1}: npm script \`${name}\` is not in package.json (\`${m[0]}\`)`);
      }
    }
  });
  return problems;
}

/** A task word that stands for any task in a synopsis: `<task>`, `…`. */
const PLACEHOLDER = /^(<[^>]*>|…|\.\.\.)$/;

/** Where a doc's module task path points: the init example is rendered from its template, other paths are the repo's. */
type ModuleFile = (word: string) => string | undefined;

/** Loads the task objects of every module path the commands name (bundled as the CLI bundles them). */
async function loadModules(commands: FoundCommand[], fileOf: ModuleFile): Promise<Map<string, AnyTask>> {
  const tasks = new Map<string, AnyTask>();
  for (const c of commands) {
    const word = taskWord(c.args);
    if (!word || tasks.has(word) || builtinTasks.has(word) || PLACEHOLDER.test(word) || !looksLikeModulePath(word))
      continue;
    const file = fileOf(word);
    if (file) tasks.set(word, (await resolveTask(file)).task);
  }
  return tasks;
}

/** The commands whose first argument is a task (`run`, `compare`, `plan`), as the program declares them. */
const TASK_COMMANDS = new Set(
  (await createProgram()).commands.filter((c) => c.registeredArguments[0]?.name() === 'task').map((c) => c.name()),
);

/** The task argument of a `run`/`compare`/`plan` line (the word after the command), if any. */
function taskWord(args: string[]): string | undefined {
  if (!TASK_COMMANDS.has(args[0] ?? '')) return undefined;
  const word = args[1];
  return word === undefined || word.startsWith('-') ? undefined : word;
}

/** The flags a command accepts: its options' long and short names, and help. */
function flagsOf(cmd: Command): Set<string> {
  const flags = new Set(['-h', '--help']);
  for (const o of cmd.options) {
    if (o.long) flags.add(o.long);
    if (o.short) flags.add(o.short);
  }
  return flags;
}

/** The words of `args` that are flags (`--x`, `--x=1`, `-h`), by name; `-5` and `--` are not flags. */
function flagWords(args: string[]): string[] {
  return args.filter((a) => /^--?[A-Za-z]/.test(a)).map((a) => a.split('=')[0] as string);
}

/** Checks one fanout command line against the real program; returns what is wrong with it. */
function commandProblems(
  c: FoundCommand,
  modules: Map<string, AnyTask>,
  programFor: (t?: AnyTask) => Command,
): string[] {
  const at = `${c.where}: \`${c.text}\``;
  const [first, ...rest] = c.args;
  const program = programFor();
  if (first === undefined) return [];
  if (first.startsWith('-')) {
    const allowed = new Set(['-h', '--help', '-V', '--version']);
    return flagWords(c.args)
      .filter((f) => !allowed.has(f))
      .map((f) => `${at}: fanout has no option ${f}`);
  }
  const names = program.commands.map((cmd) => cmd.name());
  if (PLACEHOLDER.test(first)) {
    // `fanout <command> --help`: any command, so any flag some command has
    const any = new Set(program.commands.flatMap((cmd) => [...flagsOf(cmd)]));
    return flagWords(rest)
      .filter((f) => !any.has(f))
      .map((f) => `${at}: no fanout command has the flag ${f}`);
  }
  if (first === 'help') {
    const target = rest[0];
    return target === undefined || names.includes(target) ? [] : [`${at}: fanout has no command \`${target}\``];
  }
  if (!names.includes(first)) return [`${at}: fanout has no command \`${first}\` (it has ${names.join(', ')})`];
  const word = taskWord(c.args);
  let task: AnyTask | undefined;
  if (word !== undefined && !PLACEHOLDER.test(word)) {
    if (word.includes('$')) return [`${at}: \`${word}\` is a variable no line of this file sets`];
    task = builtinTasks.get(word) ?? modules.get(word);
    if (!task && looksLikeModulePath(word)) return [`${at}: task module ${word} not found`];
    if (!task) return [`${at}: unknown task \`${word}\` (built-ins: ${[...builtinTasks.keys()].join(', ')})`];
  }
  const cmd = programFor(task).commands.find((x) => x.name() === first) as Command;
  const allowed = flagsOf(cmd);
  const label = task ? `${first} ${task.name}` : first;
  return flagWords(rest)
    .filter((f) => !allowed.has(f))
    .map((f) => `${at}: \`fanout ${label}\` has no flag ${f}`);
}

/** Checks markdown texts (name → content); returns every problem found and how many commands were checked. */
async function checkDocs(
  docs: Map<string, string>,
  scripts: Record<string, string>,
  fileOf: ModuleFile,
): Promise<{ problems: string[]; commands: FoundCommand[] }> {
  const commands = [...docs].flatMap(([file, text]) => fanoutCommands(file, text));
  const modules = await loadModules(commands, fileOf);
  // every program the lines need, made first (createProgram loads the command modules asynchronously)
  const programs = new Map<AnyTask | undefined, Command>();
  for (const t of [undefined, ...builtinTasks.values(), ...modules.values()]) {
    if (!programs.has(t)) programs.set(t, await createProgram(t));
  }
  const programFor = (t?: AnyTask): Command => programs.get(t) as Command;
  const problems = [
    ...commands.flatMap((c) => commandProblems(c, modules, programFor)),
    ...[...docs].flatMap(([file, text]) => npmScriptProblems(file, text, scripts)),
  ];
  return { problems, commands };
}

/** A project like the one `fanout init` makes, holding only its example task (rendered from the template). */
function initExampleProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fanout-doc-commands-'));
  mkdirSync(join(dir, 'tasks'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(dir, EXAMPLE_TASK_FILE), exampleTask());
  writeFileSync(join(dir, EXAMPLE_LIB_FILE), exampleLib());
  return dir;
}

const project = initExampleProject();
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** Module paths in the docs: the init example (in the reader's project), else a file of this repository. */
const fileOf: ModuleFile = (word) => {
  if (/^(\.\/)?tasks\/example\.ts$/.test(word)) return join(project, EXAMPLE_TASK_FILE);
  const file = resolve(ROOT, word);
  return existsSync(file) ? file : undefined;
};

const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
  .scripts;

describe('command lines in README.md and docs/*.md', () => {
  it('name only commands, tasks and flags the CLI has, and npm scripts package.json has', async () => {
    // Prepare
    const docs = new Map(docFiles().map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));

    // Act
    const { problems, commands } = await checkDocs(docs, scripts, fileOf);

    // Assess
    expect(problems).toEqual([]);
    // the extractor found the docs' commands: a checker that finds nothing would pass anything
    expect(commands.length).toBeGreaterThan(40);
    const inReadme = new Set(commands.filter((c) => c.where.startsWith('README.md:')).map((c) => c.args[0]));
    const names = (await createProgram()).commands.map((c) => c.name()).filter((n) => n !== 'help');
    expect(names.filter((n) => !inReadme.has(n))).toEqual([]);
  });

  it('reports an unknown command, task, flag, another task’s flag and an unknown npm script', async () => {
    // Prepare
    const doc = [
      'Run `npx fanout frobnicate primes`, then:',
      '',
      '```sh',
      'npx fanout run primes --limit 100 --bogus 3   # output: nothing',
      'node bin/fanout.js run primes --urls list.txt',
      'npx fanout run primez --limit 1',
      'T=./tasks/example.ts',
      'npx fanout compare $T --limit 10 --ms 5 --backends inline,thread',
      'npx fanout plan <task> [--batches N] [--concurrency C] [--sample-size 3]',
      'npx fanout --help | npx fanout run --help | npx fanout --versions',
      'npm run benchmark -- memory && npm test',
      '```',
    ].join('\n');

    // Act
    const { problems, commands } = await checkDocs(new Map([['bad.md', doc]]), scripts, fileOf);

    // Assess
    const names = (await createProgram()).commands.map((c) => c.name()).join(', ');
    expect(commands).toHaveLength(9);
    expect(problems).toEqual([
      `bad.md:1: \`npx fanout frobnicate primes\`: fanout has no command \`frobnicate\` (it has ${names})`,
      'bad.md:4: `npx fanout run primes --limit 100 --bogus 3`: `fanout run primes` has no flag --bogus',
      'bad.md:5: `node bin/fanout.js run primes --urls list.txt`: `fanout run primes` has no flag --urls',
      'bad.md:6: `npx fanout run primez --limit 1`: unknown task `primez` (built-ins: primes, sleep, hash, fault, wordcount)',
      'bad.md:8: `npx fanout compare ./tasks/example.ts --limit 10 --ms 5 --backends inline,thread`: `fanout compare example` has no flag --ms',
      'bad.md:9: `npx fanout plan <task> [--batches N] [--concurrency C] [--sample-size 3]`: `fanout plan` has no flag --sample-size',
      'bad.md:10: `npx fanout --versions`: fanout has no option --versions',
      'bad.md:11: npm script `benchmark` is not in package.json (`npm run benchmark`)',
    ]);
  });

  it('reads `[--journal FILE | --resume FILE]` as one command and `2>&1` as a redirect', () => {
    // Act
    const commands = shellCommands(
      'npx fanout run primes [--journal FILE | --resume FILE] 2>&1 | head -1 && echo "a | b" # x | y',
    );

    // Assess
    expect(commands).toEqual([
      ['npx', 'fanout', 'run', 'primes', '[--journal', 'FILE', '|', '--resume', 'FILE]', '2>&1'],
      ['head', '-1'],
      ['echo', 'a | b'],
    ]);
  });
});
