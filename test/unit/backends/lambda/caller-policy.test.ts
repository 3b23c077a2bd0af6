import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OFFLOAD_PREFIX } from '../../../../orchestrator/offload/offload-keys.js';

interface Policy {
  Statement: { Effect: string; Action: string[]; Resource: string[] }[];
}

describe('infra/caller-policy.json', () => {
  it('allows invoking (and reading the configuration of) the one worker function, and objects under the offload prefix', () => {
    // Act
    const policy = JSON.parse(
      readFileSync(new URL('../../../../infra/caller-policy.json', import.meta.url), 'utf8'),
    ) as Policy;
    const actions = policy.Statement.flatMap((s) => s.Action);
    const resources = policy.Statement.flatMap((s) => s.Resource);
    // Assess
    expect(policy.Statement).toHaveLength(2);
    expect(policy.Statement[0]).toMatchObject({
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
      Resource: ['arn:aws:lambda:REGION:ACCOUNT_ID:function:fanout-STAGE-worker'],
    });
    expect(policy.Statement[1]).toMatchObject({
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: [`arn:aws:s3:::BUCKET/${OFFLOAD_PREFIX}*`],
    });
    // no wildcard action, and no resource wider than the function or the prefix
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(resources.filter((r) => r.endsWith('*') && !r.endsWith(`/${OFFLOAD_PREFIX}*`))).toEqual([]);
  });
});
