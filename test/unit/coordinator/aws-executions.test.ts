import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaClient } from '../../../orchestrator/backends/lambda/lambda-client.js';
import { getExecution, startExecution, stopExecution } from '../../../orchestrator/coordinator/aws-executions.js';
import { executionError } from '../../../orchestrator/coordinator/execution-view.js';
import { ENDPOINT } from '../../helpers/nock-lambda.js';

const ARN =
  'arn:aws:lambda:us-east-1:123456789012:function:fanout-dev-coordinator:$LATEST/durable-execution/fanout-primes-1/abc';
const path = (tail = '') => `/2025-12-01/durable-executions/${encodeURIComponent(ARN)}${tail}`;
const client = createLambdaClient({ endpoint: ENDPOINT, region: 'us-east-1', concurrency: 2 });
const event = { task: 'primes', version: 'fanout-0.1.0', input: { limit: 100 }, concurrency: 8, retries: 2 };

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => {
  nock.enableNetConnect();
  client.destroy();
});

describe('the deployed coordinator through the Lambda API (nock)', () => {
  it('starts a named execution of $LATEST asynchronously and returns its ARN', async () => {
    // Prepare
    let sent: { headers: Record<string, string>; body: unknown } | undefined;
    const scope = nock(ENDPOINT)
      .post('/2015-03-31/functions/fanout-dev-coordinator/invocations')
      .query({ Qualifier: '$LATEST' })
      .reply(function (_uri, body) {
        sent = { headers: this.req.headers as Record<string, string>, body };
        return [202, '', { 'X-Amz-Durable-Execution-Arn': ARN }];
      });
    // Act
    const id = await startExecution(client, 'fanout-dev-coordinator', event);
    // Assess
    expect(scope.isDone()).toBe(true);
    expect(id).toBe(ARN);
    expect(sent?.headers['x-amz-invocation-type']).toBe('Event');
    expect(sent?.headers['x-amz-durable-execution-name']).toMatch(/^fanout-primes-[0-9a-f]{8}$/);
    expect(JSON.parse(String(sent?.body))).toEqual(event);
  });

  it('reads progress from the history: the split step’s count and the batch invokes that succeeded', async () => {
    // Prepare: 2 of 3 batches done, one of them on its retry; the probe does not count
    const scope = nock(ENDPOINT)
      .get(path())
      .reply(200, { DurableExecutionArn: ARN, Status: 'RUNNING', StartTimestamp: 1_700_000_000 })
      .get(path('/history'))
      .query(true)
      .reply(200, {
        Events: [
          { EventType: 'StepSucceeded', Name: 'split', StepSucceededDetails: { Result: { Payload: '{"count":3}' } } },
          { EventType: 'ChainedInvokeSucceeded', Name: 'probe' },
          { EventType: 'ChainedInvokeSucceeded', Name: 'batch-0' },
          { EventType: 'ChainedInvokeFailed', Name: 'batch-1' },
        ],
        NextMarker: 'm1',
      })
      .get(path('/history'))
      .query((q) => q.Marker === 'm1')
      .reply(200, { Events: [{ EventType: 'ChainedInvokeSucceeded', Name: 'batch-1-retry-1' }] });
    // Act
    const view = await getExecution(client, ARN);
    // Assess
    expect(scope.isDone()).toBe(true);
    expect(view).toMatchObject({ id: ARN, status: 'RUNNING', done: 2, total: 3 });
  });

  it('turns a failed execution back into the run’s typed error, and stops one', async () => {
    // Prepare
    const scope = nock(ENDPOINT)
      .get(path())
      .reply(200, {
        DurableExecutionArn: ARN,
        Status: 'FAILED',
        Error: { ErrorType: 'FanoutError.ETASK.final', ErrorMessage: 'batch 3 failed after 3 attempts: boom' },
      })
      .get(path('/history'))
      .query(true)
      .reply(200, { Events: [] })
      .post(path('/stop'))
      .reply(200, {});
    // Act
    const view = await getExecution(client, ARN);
    await stopExecution(client, ARN);
    const err = executionError(view);
    // Assess
    expect(scope.isDone()).toBe(true);
    expect(err.code).toBe('ETASK');
    expect(err.message).toBe('batch 3 failed after 3 attempts: boom');
    expect(err.retryable).toBe(false);
  });
});
