import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleTask } from '../../orchestrator/bundle/bundle-task.js';
import { type Emulator, startEmulator } from '../../orchestrator/emulator/serverless-offline.js';
import { fanoutCli } from '../helpers/fanout-cli.js';

/**
 * The version handshake against the real emulator: a function started with a task answers EVERSION, exit 1, one line,
 * once the task file has changed, never an answer from the old code; restarted, it gives the new exact answer.
 * Needs `npm run build` first.
 */

const dir = mkdtempSync(join(tmpdir(), 'fanout-version-'));
const file = join(dir, 'scaled.ts');
const env = { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };
let emulator: Emulator | undefined;

/** A task mapping k to k × factor for k < n. */
function writeTask(factor: number): void {
  writeFileSync(
    file,
    [
      "import { defineTask } from 'fanout';",
      'interface B { k: number }',
      "export default defineTask({ name: 'scaled', *split(i: { n: number }) { for (let k = 0; k < i.n; k++) yield { k } as B; },",
      `  map: (b: B) => ({ s: b.k * ${factor} }), init: () => ({ s: 0 }), merge: (a: { s: number }, p: { s: number }) => ({ s: a.s + p.s }) });`,
      '',
    ].join('\n'),
  );
}

afterAll(async () => {
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const run = (args: string[]) => fanoutCli(args, { env, timeout: 120_000 });

describe('task version handshake (serverless-offline)', () => {
  it('answers EVERSION for an edited task, also before compare runs anything, and the new answer after a restart', async () => {
    // Prepare
    writeTask(2);
    const v1 = (await bundleTask(file)).version;
    emulator = await startEmulator({ tasks: [file] });
    const endpoint = ['--lambda-endpoint', emulator.endpoint];
    // Act + Assess: the function holds exactly this version
    const fresh = await run(['run', file, '--input', '{"n":40}', '--backend', 'lambda', ...endpoint, '--json']);
    expect(fresh.code).toBe(0);
    expect(JSON.parse(fresh.stdout).result).toEqual({ s: 2 * 780 });

    // Act: edit the task; the running function still holds the old code
    writeTask(3);
    const v2 = (await bundleTask(file)).version;
    const stale = await run(['run', file, '--input', '{"n":40}', '--backend', 'lambda', ...endpoint]);
    const compare = await run(['compare', file, '--input', '{"n":40}', '--backends', 'process,lambda', ...endpoint]);
    // Assess: one line, exit 1, both versions named; compare refused before its process run
    expect(v2).not.toBe(v1);
    const line = `fanout: the worker function has task scaled at ${v1}, this run has ${v2}: redeploy (npx sls deploy) or restart the emulator [EVERSION]\n`;
    expect(stale).toMatchObject({ code: 1, stdout: '', stderr: line });
    expect(compare.code).toBe(1);
    expect(compare.stderr).toBe(line);

    // Act: restart the emulator with the edited task
    await emulator.stop();
    emulator = await startEmulator({ tasks: [file] });
    const again = await run([
      'run',
      file,
      '--input',
      '{"n":40}',
      '--backend',
      'lambda',
      '--lambda-endpoint',
      emulator.endpoint,
      '--json',
    ]);
    // Assess
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).result).toEqual({ s: 3 * 780 });
  }, 300_000);

  it('fails a TypeScript syntax error with exit 2 and one line naming file:line:column', async () => {
    // Prepare
    const bad = join(dir, 'broken.ts');
    writeFileSync(bad, "import { defineTask } from 'fanout';\nconst x: number = ;\nexport default defineTask(x);\n");
    // Act
    const res = await run(['run', bad, '--backend', 'process']);
    // Assess
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^fanout: Cannot bundle task module: \S*broken\.ts:2:19: Unexpected ";"\n$/);
  });
});
