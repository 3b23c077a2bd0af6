import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fanoutPackageRoot } from '../../orchestrator/project/service-dir.js';

/** Repository root (where serverless.yml is). */
export const root = fanoutPackageRoot();

/**
 * Runs `sls <args>` through the real osls entry, under `timeout 60` (a handler that fails to load can hang
 * `invoke local`), with dummy AWS credentials and a build folder of its own (see serverless.yml).
 */
export async function sls(
  args: string[],
  buildDir: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(
    'timeout',
    ['60', process.execPath, join(root, 'node_modules', 'osls', 'bin', 'serverless.js'), ...args],
    {
      cwd: root,
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'x',
        AWS_REGION: 'us-east-1',
        FANOUT_ESBUILD_DIR: buildDir,
        ...env,
      },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
}
