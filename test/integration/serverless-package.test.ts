import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { root, sls } from '../helpers/serverless-cli.js';

const buildDir = join('.esbuild', `package-test-${process.pid}`);

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

describe('sls package (offline)', () => {
  let resources: Record<string, Resource>;

  beforeAll(async () => {
    // Prepare: a clean slate, so the template read below is the one this run wrote
    rmSync(join(root, '.serverless'), { recursive: true, force: true });
    rmSync(join(root, buildDir), { recursive: true, force: true });
    await sls(['package'], buildDir);
    const template = JSON.parse(
      readFileSync(join(root, '.serverless', 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as { Resources: Record<string, Resource> };
    resources = template.Resources;
  });

  it('declares the worker function: nodejs24.x, arm64, 1024 MB, 60 s', () => {
    // Act
    const fn = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::Function');
    // Assess
    expect(fn?.Properties).toMatchObject({
      FunctionName: 'fanout-dev-worker',
      Handler: 'dist/functions/worker.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 60,
    });
  });

  it('gives the function a role with logs actions only and no wildcard actions', () => {
    // Act
    const roles = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Role');
    const statements = roles.flatMap((r) =>
      (r.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
        (p) => p.PolicyDocument.Statement,
      ),
    );
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    // Assess
    expect(roles).toHaveLength(1);
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(actions.every((a) => a.startsWith('logs:'))).toBe(true);
  });

  it('packages one small zip holding just the bundled handler', () => {
    // Act
    const zip = statSync(join(root, '.serverless', 'worker.zip'));
    // Assess: the handler, the tasks and zod/mini zip to ~10 KB; undici (pulled in by wordcount's fetch stage) makes
    // it ~200 KB. The AWS SDK or another large dependency slipping in would break this bound.
    expect(zip.size).toBeGreaterThan(1000);
    expect(zip.size).toBeLessThan(400 * 1024);
  });

  it('takes nodejs22.x by a param, warning of its deprecation date', async () => {
    // Act
    const { stdout, stderr } = await sls(['package', '--param=runtime=nodejs22.x'], buildDir);
    const template = JSON.parse(
      readFileSync(join(root, '.serverless', 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as { Resources: Record<string, Resource> };
    const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function');
    // Assess
    expect(fn?.Properties.Runtime).toBe('nodejs22.x');
    expect(`${stdout}${stderr}`).toContain('fanout: runtime nodejs22.x is deprecated on 2027-04-30');
  });

  it('refuses nodejs20.x at package time with one line naming the runtime, the date and the fix', async () => {
    // Prepare
    rmSync(join(root, '.serverless'), { recursive: true, force: true });
    // Act
    const failed = await sls(['package', '--param=runtime=nodejs20.x'], buildDir).then(
      () => undefined,
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    // Assess: non-zero, one line with the date and the fix, and nothing packaged
    expect(failed?.code).toBe(1);
    const lines = `${failed?.stdout}${failed?.stderr}`.split('\n').filter((l) => l.includes('nodejs20.x'));
    expect(lines).toEqual([
      expect.stringMatching(
        /^fanout: runtime nodejs20\.x: Lambda has refused to create functions on it since 2026-08-31 .*set the runtime to nodejs24\.x or nodejs22\.x in serverless\.yml/,
      ),
    ]);
    expect(existsSync(join(root, '.serverless', 'worker.zip'))).toBe(false);
  });
});
