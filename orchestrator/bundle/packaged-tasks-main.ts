/**
 * `node dist/orchestrator/bundle/packaged-tasks-main.js <serviceDir>`: bundles and checks the tasks the worker
 * function carries (fanout.config.json, FANOUT_TASKS) and prints the module that replaces functions/packaged-tasks.ts.
 * infra/esbuild-plugins.cjs runs it before serverless-esbuild builds the handler, so a bad entry stops `sls package`
 * with one line (exit 2) instead of an esbuild plugin trace.
 */
import { isFanoutError } from '../errors.js';
import { packagedTaskEntries, packagedTasksModule } from './packaged-tasks.js';

try {
  const entries = await packagedTaskEntries(process.argv[2] ?? process.cwd());
  process.stdout.write(packagedTasksModule(entries));
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(isFanoutError(err, 'EINPUT') ? 2 : 1);
}
