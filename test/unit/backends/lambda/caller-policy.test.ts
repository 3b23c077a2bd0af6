import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OFFLOAD_PREFIX } from '../../../../orchestrator/offload/offload-keys.js';

interface Policy {
  Statement: { Effect: string; Action: string[]; Resource: string[] }[];
}

describe('infra/caller-policy.json', () => {
  it('allows invoking (and reading the configuration of) the one worker function, objects under the offload prefix, and starting, following and stopping runs of the coordinator', () => {
    // Act
    const policy = JSON.parse(
      readFileSync(new URL('../../../../infra/caller-policy.json', import.meta.url), 'utf8'),
    ) as Policy;
    const actions = policy.Statement.flatMap((s) => s.Action);
    const resources = policy.Statement.flatMap((s) => s.Resource);
    // Assess
    expect(policy.Statement).toHaveLength(3);
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
    expect(policy.Statement[2]).toEqual({
      Sid: 'StartFollowStopFanoutCoordinator',
      Effect: 'Allow',
      Action: [
        'lambda:InvokeFunction',
        'lambda:GetDurableExecution',
        'lambda:GetDurableExecutionHistory',
        'lambda:ListDurableExecutionsByFunction',
        'lambda:StopDurableExecution',
      ],
      // durable execution actions are authorized against the execution's ARN, under the qualified function ARN
      Resource: [
        'arn:aws:lambda:REGION:ACCOUNT_ID:function:fanout-STAGE-coordinator',
        'arn:aws:lambda:REGION:ACCOUNT_ID:function:fanout-STAGE-coordinator:*',
      ],
    });
    // no wildcard action, and no resource wider than the functions (and their executions) or the prefix
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(
      resources.filter(
        (r) =>
          r.endsWith('*') && !r.endsWith(`/${OFFLOAD_PREFIX}*`) && !r.endsWith('function:fanout-STAGE-coordinator:*'),
      ),
    ).toEqual([]);
  });
});
