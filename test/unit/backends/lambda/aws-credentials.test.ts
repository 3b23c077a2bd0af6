import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  hasAwsCredentials,
  looksLikeAwsAccessKeyId,
} from '../../../../orchestrator/backends/lambda/aws-credentials.js';

/** A home with no ~/.aws, so only the environment decides. */
const emptyHome = mkdtempSync(join(tmpdir(), 'fanout-home-'));

describe('AWS credentials: real AWS by default only when real credentials are configured', () => {
  it.each([
    ['AKIAIOSFODNN7EXAMPLE', true],
    ['ASIAIOSFODNN7EXAMPLE', true],
    ['x', false],
    ['local', false],
    ['test', false],
    ['AKIA', false],
    ['akiaiosfodnn7example', false],
  ])('access key id %s looks real: %s', (id, real) => {
    expect(looksLikeAwsAccessKeyId(id)).toBe(real);
  });

  it('dummy env keys (x/x) are not credentials: a run without an endpoint goes to the emulator', () => {
    expect(hasAwsCredentials({ AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' }, emptyHome)).toBe(false);
  });

  it('real-looking env keys, a profile or a shared credentials file are', () => {
    const keys = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
    expect(hasAwsCredentials(keys, emptyHome)).toBe(true);
    expect(hasAwsCredentials({ AWS_PROFILE: 'dev' }, emptyHome)).toBe(true);
    expect(hasAwsCredentials({ AWS_SHARED_CREDENTIALS_FILE: fileURLToPath(import.meta.url) }, emptyHome)).toBe(true);
    expect(hasAwsCredentials({}, emptyHome)).toBe(false);
  });
});
