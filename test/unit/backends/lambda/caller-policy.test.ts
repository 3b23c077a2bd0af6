import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Policy {
  Statement: { Effect: string; Action: string[]; Resource: string[] }[];
}

describe('infra/caller-policy.json', () => {
  it('allows lambda:InvokeFunction on the one worker function and nothing else', () => {
    // Act
    const policy = JSON.parse(
      readFileSync(new URL('../../../../infra/caller-policy.json', import.meta.url), 'utf8'),
    ) as Policy;
    // Assess
    expect(policy.Statement).toHaveLength(1);
    expect(policy.Statement[0]).toMatchObject({
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: ['arn:aws:lambda:REGION:ACCOUNT_ID:function:fanout-STAGE-worker'],
    });
  });
});
