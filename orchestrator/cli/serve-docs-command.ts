import { Command } from 'commander';
import { startDocsServer } from '../docs-server/docs-server.js';
import type { FaultKind } from '../docs-server/fault-plan.js';
import { inputError } from '../errors.js';
import { count } from '../plural.js';
import { summaryOf } from './commands.js';
import { intFlag } from './common-flags.js';
import { interruption, interruptSignal } from './interrupt.js';

const KINDS: FaultKind[] = ['503', '429', 'reset', 'slow'];

/**
 * `fanout serve-docs <dir> [--port N] [--latency-ms N] [--host 127.0.0.1]`: serves a folder of text files and an index
 * for wordcount, with no network. Prints the index URL alone on stdout (so scripts can read it) and runs until
 * interrupted.
 */
export function serveDocsCommand(): Command {
  return new Command('serve-docs')
    .description(summaryOf('serve-docs'))
    .argument('<dir>', 'folder of text files')
    .option('--port <n>', 'port (0 = a free one)', '0')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--latency-ms <n>', 'delay before every document response, ms', '0')
    .option('--fail-rate <r>', 'fraction of documents (0-1) that misbehave first (503, 429, reset, slow)', '0')
    .option('--fault-attempts <n>', 'requests of a faulty document that misbehave before it is served', '1')
    .option('--fault-kinds <list>', `comma-separated fault kinds (${KINDS.join(',')})`, KINDS.join(','))
    .action(async (dir: string, flags: Record<string, string>) => {
      const rate = Number(flags.failRate);
      if (!(rate >= 0 && rate <= 1))
        throw inputError(`Expected \`--fail-rate\` to be a number from 0 to 1, got \`${flags.failRate}\``);
      const kinds = String(flags.faultKinds)
        .split(',')
        .map((k) => k.trim()) as FaultKind[];
      const bad = kinds.find((k) => !KINDS.includes(k));
      if (bad !== undefined) throw inputError(`Expected \`--fault-kinds\` to list ${KINDS.join(', ')}, got \`${bad}\``);
      const port = intFlag('port', flags.port, false);
      if (port > 65535) throw inputError(`Expected \`--port\` to be an integer from 0 to 65535, got \`${flags.port}\``);
      const server = await startDocsServer({
        dir,
        port,
        host: String(flags.host),
        latencyMs: intFlag('latency-ms', flags.latencyMs, false),
        faults: { rate, attempts: intFlag('fault-attempts', flags.faultAttempts, false), kinds },
      });
      process.stdout.write(`${server.indexUrl}\n`);
      for (const name of server.skipped) {
        process.stderr.write(`fanout: warning: not serving \`${name}\`: a symlink out of ${dir}\n`);
      }
      process.stderr.write(`serving ${count(server.documents.length, 'document')} from ${dir} (Ctrl-C to stop)\n`);
      const signal = interruptSignal();
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await server.close();
      process.stderr.write(`fanout: interrupted by ${interruption()?.signal ?? 'a signal'}, document server stopped\n`);
    });
}
