import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OFFLOAD_PREFIX } from '../../orchestrator/offload/offload-keys.js';
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
  let outputs: Record<string, { Value: unknown }>;

  beforeAll(async () => {
    // Prepare: a clean slate, so the template read below is the one this run wrote
    rmSync(join(root, '.serverless'), { recursive: true, force: true });
    rmSync(join(root, buildDir), { recursive: true, force: true });
    await sls(['package'], buildDir);
    const template = JSON.parse(
      readFileSync(join(root, '.serverless', 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as { Resources: Record<string, Resource>; Outputs: Record<string, { Value: unknown }> };
    resources = template.Resources;
    outputs = template.Outputs;
  });

  it('declares the worker function: nodejs24.x, arm64, 1024 MB, 60 s', () => {
    // Act
    const fn = resources.WorkerLambdaFunction;
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

  it('gives the function a role with its logs and the offload prefix only, and no wildcard actions', () => {
    // Act
    // the worker's role (the coordinator has its own, checked below)
    const roles = Object.values(resources).filter(
      (r) => r.Type === 'AWS::IAM::Role' && r !== resources.CoordinatorRole,
    );
    const statements = roles.flatMap((r) =>
      (r.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
        (p) => p.PolicyDocument.Statement,
      ),
    );
    const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
    const actions = statements.flatMap(actionsOf);
    const s3 = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    // Assess
    expect(roles).toHaveLength(1);
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(actions.filter((a) => !a.startsWith('logs:')).sort()).toEqual([
      's3:DeleteObject',
      's3:GetObject',
      's3:PutObject',
    ]);
    // the S3 actions reach objects under the bucket's fanout-offload/ prefix and nothing wider
    expect(s3).toHaveLength(1);
    expect(s3[0]?.Resource).toEqual([
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['OffloadBucket', 'Arn'] }, `/${OFFLOAD_PREFIX}*`]] },
    ]);
  });

  it('creates the offload bucket: public access blocked, encrypted, leftovers expired after a day', () => {
    // Act
    const buckets = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::S3::Bucket');
    const offload = resources.OffloadBucket?.Properties;
    const fn = resources.WorkerLambdaFunction;
    // Assess
    expect(buckets.map(([name]) => name).sort()).toEqual(['OffloadBucket', 'ServerlessDeploymentBucket']);
    expect(offload?.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(offload?.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(offload?.LifecycleConfiguration).toEqual({
      Rules: [expect.objectContaining({ Status: 'Enabled', Prefix: OFFLOAD_PREFIX, ExpirationInDays: 1 })],
    });
    // the caller finds the bucket in the function's configuration, or in the stack's output
    expect(fn?.Properties.Environment).toEqual({ Variables: { FANOUT_OFFLOAD_BUCKET: { Ref: 'OffloadBucket' } } });
    expect(outputs.OffloadBucketName?.Value).toEqual({ Ref: 'OffloadBucket' });
  });

  it('declares the durable coordinator: its durable config, and a role that may invoke the worker and nothing else', () => {
    // Act
    const fn = resources.CoordinatorLambdaFunction?.Properties;
    const statements = (
      (resources.CoordinatorRole?.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]
    ).flatMap((p) => p.PolicyDocument.Statement);
    const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
    const invoke = statements.filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
    const arn = (what: string) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${what}`,
    });
    // Assess
    expect(fn).toMatchObject({
      FunctionName: 'fanout-dev-coordinator',
      Handler: 'dist/functions/coordinator.handler',
      Runtime: 'nodejs24.x',
      DurableConfig: { ExecutionTimeout: 86400, RetentionPeriodInDays: 14 },
      Role: { 'Fn::GetAtt': ['CoordinatorRole', 'Arn'] },
      Environment: { Variables: { FANOUT_WORKER_FUNCTION: 'fanout-dev-worker' } },
    });
    expect(invoke).toHaveLength(1);
    expect(actionsOf(invoke[0] as Statement)).toEqual(['lambda:InvokeFunction']);
    expect(invoke[0]?.Resource).toEqual([arn('fanout-dev-worker'), arn('fanout-dev-worker:*')]);
    expect(statements.flatMap(actionsOf).sort()).toEqual([
      'lambda:CheckpointDurableExecution',
      'lambda:GetDurableExecutionState',
      'lambda:InvokeFunction',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    const checkpoint = statements.find((s) => actionsOf(s).includes('lambda:CheckpointDurableExecution'));
    expect(checkpoint?.Resource).toEqual([arn('fanout-dev-coordinator:*')]);
  });

  it('packages one small zip holding just the bundled handler', () => {
    // Act
    const zip = statSync(join(root, '.serverless', 'worker.zip'));
    // Assess: the handler, the tasks and zod/mini zip to ~10 KB; the S3 client for the offload (loaded on a function's
    // first offload only) makes it ~210 KB. The whole AWS SDK or another large dependency slipping in would break this.
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
