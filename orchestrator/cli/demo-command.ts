import { Command } from 'commander';
import { fanout } from '../fanout.js';
import { defaultWorkers } from '../options.js';

/**
 * `fanout demo` (what `npm start` runs): primes on every local backend with the same input, and a short comparison.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description('the main job on embedded defaults: primes on every local backend, compared')
    .option('--limit <n>', 'count primes below this number', '50000000')
    .action(async (flags: { limit: string }) => {
      const limit = Number(flags.limit);
      const workers = defaultWorkers();
      console.log(
        `fanout demo: primes below ${limit.toLocaleString('en')}, ${workers} workers, on each local backend\n`,
      );
      const rows: { backend: string; wallMs: number; cpuMs: number; count: number }[] = [];
      for (const backend of ['inline', 'thread', 'process'] as const) {
        const { result, stats } = await fanout<{ count: number }>('primes', { limit }, { backend, workers });
        rows.push({ backend, wallMs: stats.wallMs, cpuMs: stats.cpuMs, count: result.count });
        console.log(`  ${backend.padEnd(8)} ${String(stats.wallMs).padStart(6)} ms  π = ${result.count}`);
      }
      const inline = rows[0]?.wallMs ?? 1;
      console.log('\nbackend   wall ms  speedup  cpu ms  cpu/wall');
      for (const r of rows) {
        console.log(
          `${r.backend.padEnd(9)} ${String(r.wallMs).padStart(7)}  ${(inline / r.wallMs).toFixed(2).padStart(6)}×  ${String(Math.round(r.cpuMs)).padStart(6)}  ${(r.cpuMs / r.wallMs).toFixed(2).padStart(8)}`,
        );
      }
      const same = rows.every((r) => r.count === rows[0]?.count);
      console.log(same ? '\nall backends agree.' : '\nMISMATCH between backends!');
      if (!same) process.exitCode = 1;
    });
}
