import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, fanoutCli } from '../helpers/fanout-cli.js';
import { type ServeDocsChild, startServeDocs } from '../helpers/serve-docs-child.js';

/** Reference count computed directly from the files: every maximal run of ASCII letters, lowercased. */
function directCount(dir: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of readdirSync(dir)) {
    for (const w of readFileSync(join(dir, f), 'latin1').match(/[A-Za-z]+/g) ?? []) {
      const k = w.toLowerCase();
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  return counts;
}

const run = (args: string[]): Promise<CliRun> => fanoutCli(args, { timeout: 120_000 });

describe('fanout run wordcount through the real binary, against `fanout serve-docs` with injected faults', () => {
  let dir: string;
  let server: ServeDocsChild | undefined;
  let indexUrl: string;

  beforeAll(async () => {
    // Prepare: texts with punctuation, digits, mixed case and non-ASCII letters, which are word separators
    dir = mkdtempSync(join(tmpdir(), 'fanout-docs-'));
    const vocab = ['Alpha', 'beta', 'GAMMA', "don't", 'x1y2', 'naïve', 'über-cool', 'e-mail', 'the', 'The', 'THE'];
    for (let d = 0; d < 24; d++) {
      const words: string[] = [];
      for (let i = 0; i < 300 + d * 7; i++) words.push(vocab[(i * 7 + d * 3) % vocab.length] as string);
      writeFileSync(join(dir, `doc-${d}.txt`), `${words.join(d % 2 ? ' ' : ',\n')}\n`);
    }
    server = await startServeDocs(dir, ['--fail-rate', '0.5', '--latency-ms', '20']);
    indexUrl = server.indexUrl;
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // lambda: `--lambda-endpoint auto` makes the CLI start serverless-offline itself for the run, and stop it after
  it.each([['process'], ['thread'], ['lambda', '--lambda-endpoint', 'auto', '--concurrency', '8']])(
    '--backend %s prints exactly the direct count, exit 0',
    async (backend, ...extra) => {
      // Act
      const args = ['run', 'wordcount', '--urls', indexUrl, '--backend', backend, '--workers', '2', '--top', '5'];
      const r = await run([...args, '--json', ...extra]);
      // Assess
      // lambda with endpoint `auto`: the CLI says it started and used the local emulator, and nothing else
      const emulatorNotices =
        backend === 'lambda'
          ? [
              expect.stringMatching(
                /^fanout: .*started the local Lambda emulator \(serverless-offline\) at http:\/\/127\.0\.0\.1:\d+/,
              ),
              expect.stringMatching(
                /^fanout: the lambda backend ran on the local emulator at http:\/\/127\.0\.0\.1:\d+, not on AWS$/,
              ),
            ]
          : [];
      expect(r.stderr.split('\n').filter(Boolean)).toEqual(emulatorNotices);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      const ref = directCount(dir);
      const total = [...ref.values()].reduce((a, b) => a + b, 0);
      const top = [...ref.entries()]
        .sort(([aw, ac], [bw, bc]) => bc - ac || (aw < bw ? -1 : aw > bw ? 1 : 0))
        .slice(0, 5)
        .map(([word, count]) => ({ word, count }));
      expect(doc.result).toEqual({ totalWords: total, distinctWords: ref.size, top });
      expect(doc.stats.failed ?? []).toEqual([]);
      expect(doc.stats.duplicates).toBe(0);
      expect(doc.stats.byBackend[backend].batches).toBe(doc.stats.batches);
    },
  );

  it('a list with an unreachable URL completes, names it in stats.failed and exits 3', async () => {
    const list = join(dir, '..', `fanout-list-${process.pid}.txt`);
    const body = await (await fetch(indexUrl)).text();
    writeFileSync(list, `${body.trim()}\nhttp://127.0.0.1:1/nothing-listens-here\nftp://example.invalid/x\n`);
    try {
      const r = await run(['run', 'wordcount', '--urls', list, '--backend', 'inline', '--json']);
      expect(r.code).toBe(3);
      const doc = JSON.parse(r.stdout);
      expect(doc.stats.failed.map((f: { item: string }) => f.item).join(' ')).toContain('127.0.0.1:1');
      expect(doc.stats.failed).toHaveLength(2);
      expect(doc.result.totalWords).toBe([...directCount(dir).values()].reduce((a, b) => a + b, 0));
    } finally {
      rmSync(list, { force: true });
    }
  });
});
