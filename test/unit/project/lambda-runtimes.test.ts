import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverlessYml } from '../../../orchestrator/project/init-templates.js';
import {
  checkLambdaRuntime,
  DEFAULT_LAMBDA_RUNTIME,
  NODE_RUNTIMES,
  SUPPORTED_LAMBDA_RUNTIMES,
} from '../../../orchestrator/project/lambda-runtimes.js';
import { fanoutPackageRoot } from '../../../orchestrator/project/service-dir.js';

describe('Lambda runtime dates', () => {
  it.each([
    // [runtime, day, verdict, message part]
    ['nodejs20.x', '2026-12-05', 'refuse', 'refused to create functions on it since 2026-08-31'],
    ['nodejs20.x', '2026-08-31', 'refuse', 'since 2026-08-31'],
    ['nodejs20.x', '2027-03-01', 'refuse', 'and updating them since 2027-03-01'],
    ['nodejs20.x', '2026-08-30', 'warn', 'deprecated on 2026-04-30'],
    ['nodejs20.x', '2026-04-29', 'warn', 'is deprecated on 2026-04-30'],
    ['nodejs22.x', '2026-12-05', 'warn', 'is deprecated on 2027-04-30 and refuses new functions from 2027-06-01'],
    ['nodejs22.x', '2026-10-31', 'ok', ''],
    ['nodejs22.x', '2027-06-01', 'refuse', 'since 2027-06-01'],
    ['nodejs24.x', '2026-12-05', 'ok', ''],
    ['nodejs18.x', '2026-12-05', 'refuse', 'older than nodejs20.x'],
    ['nodejs16.x', '2020-01-01', 'refuse', 'older than nodejs20.x'],
    ['python3.12', '2026-12-05', 'refuse', 'is not a Node.js runtime'],
    ['nodejs26.x', '2026-12-05', 'warn', "is not in fanout's table"],
  ] as const)('%s on %s: %s', (runtime, day, kind, part) => {
    // Act
    const verdict = checkLambdaRuntime(runtime, day);
    // Assess
    expect(verdict.kind).toBe(kind);
    if (verdict.kind !== 'ok') {
      expect(verdict.message).toContain(part);
      expect(verdict.message).not.toContain('\n');
    }
    if (verdict.kind === 'refuse') expect(verdict.message).toContain('set the runtime to nodejs24.x or nodejs22.x');
  });

  it('every supported runtime is in the table, the default first, and accepted today', () => {
    // Assess
    expect(SUPPORTED_LAMBDA_RUNTIMES[0]).toBe(DEFAULT_LAMBDA_RUNTIME);
    for (const r of SUPPORTED_LAMBDA_RUNTIMES) {
      expect(NODE_RUNTIMES[r]).toBeDefined();
      expect(checkLambdaRuntime(r, '2026-12-05').kind).not.toBe('refuse');
    }
  });
});

describe('the serverless.yml fanout ships and the one init writes', () => {
  const own = readFileSync(join(fanoutPackageRoot(), 'serverless.yml'), 'utf8');
  const written = serverlessYml('node_modules/fanout');

  it.each([
    ['fanout', own],
    ['init', written],
  ])('%s: runtime from a param defaulting to the default runtime, arm64, and the fanout plugin first', (_, yml) => {
    // Assess
    expect(yml).toMatch(new RegExp(`\\n    runtime: ${DEFAULT_LAMBDA_RUNTIME.replace('.', '\\.')}\\n`));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: serverless.yml's own variable syntax, not a template
    expect(yml).toContain('  runtime: ${param:runtime}\n');
    expect(yml).toContain('    architecture: arm64\n');
    expect(yml).toMatch(
      /plugins:\n {2}- fanout\/serverless-plugin\n {2}- serverless-esbuild\n {2}- serverless-offline\n/,
    );
    expect(yml).not.toMatch(/^\s*(runtime: nodejs20|target:)/m);
  });

  it('the two agree on every default param', () => {
    // Prepare
    const params = (yml: string): string => /params:\n {2}default:\n((?: {4}.*\n| *#.*\n)+)/.exec(yml)?.[1] ?? '';
    const values = (block: string): string[] => block.split('\n').filter((l) => /^ {4}\w+:/.test(l));
    // Assess
    expect(values(params(written))).toEqual(values(params(own)));
    expect(values(params(own)).length).toBeGreaterThanOrEqual(5);
  });
});

describe("fanout's package.json", () => {
  const pkg = JSON.parse(readFileSync(join(fanoutPackageRoot(), 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
    peerDependenciesMeta: Record<string, { optional?: boolean }>;
  };

  it('declares the Serverless tooling as optional peers at the versions its own tests use', () => {
    for (const name of ['osls', 'serverless-esbuild', 'serverless-offline']) {
      expect(pkg.peerDependencies[name]).toBe(pkg.devDependencies[name]);
      expect(pkg.peerDependenciesMeta[name]?.optional).toBe(true);
    }
  });
});
