import { fileURLToPath } from 'node:url';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HybridBackend } from '../../../../orchestrator/backends/hybrid/hybrid-backend.js';
import { InlineBackend } from '../../../../orchestrator/backends/inline/inline-backend.js';
import { LambdaBackend } from '../../../../orchestrator/backends/lambda/lambda-backend.js';
import { fanout, resolveTask } from '../../../../orchestrator/fanout.js';
import { ENDPOINT } from '../../../helpers/nock-lambda.js';

const BLOBS = fileURLToPath(new URL('../../../fixtures/blob-tasks/blobs.ts', import.meta.url));

describe('hybrid: a batch too large for Lambda', () => {
  beforeAll(() => {
    nock.disableNetConnect();
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'x');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'x');
  });
  afterAll(() => {
    nock.enableNetConnect();
    vi.unstubAllEnvs();
  });

  // either order of the sides: with both idle and unmeasured, the first side listed would get the first batch
  it.each(['local', 'remote'] as const)(
    'runs whole on the other side (Lambda as %s), neither cut to Lambda’s limit nor sent there',
    async (lambdaAs) => {
      // Prepare: no interceptor and no network: an invoke would fail with a network error, in the records on lambda
      const { ref } = await resolveTask(BLOBS);
      const lambda = new LambdaBackend({ endpoint: ENDPOINT, concurrency: 2 });
      const inline = new InlineBackend(1);
      const hybrid = new HybridBackend(
        lambdaAs === 'local' ? { local: lambda, remote: inline } : { local: inline, remote: lambda },
      );
      await hybrid.start({ task: ref });
      try {
        // Act: one batch of 8 × 1 MiB strings, over the 6 MB the Lambda backend reports
        const { result, stats } = await fanout(BLOBS, { items: 8 }, { backend: hybrid });
        // Assess: the local side has no limit, so neither has the hybrid; the batch kept its id (not cut into 0.0, 0.1)
        expect(lambda.maxPayloadBytes).toBeLessThan(8 << 20);
        expect(hybrid.maxPayloadBytes).toBeUndefined();
        expect(result).toEqual({ items: 8, chars: 8 << 20 });
        expect(stats.records.map((r) => [r.batchId, r.side, r.status])).toEqual([['0', 'inline', 'ok']]);
      } finally {
        await hybrid.stop();
      }
    },
  );
});
