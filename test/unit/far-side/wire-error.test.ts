import { describe, expect, it } from 'vitest';
import { FanoutError, inputError } from '../../../orchestrator/errors.js';
import {
  decodeFarSideError,
  type LambdaErrorDoc,
  lambdaErrorFrom,
  toWireError,
  wireErrorFromLambda,
} from '../../../orchestrator/far-side/wire-error.js';

/** What the Lambda runtime makes of an error the handler throws: its name, message and stack lines. */
function lambdaDoc(err: Error): LambdaErrorDoc {
  return { errorType: err.name, errorMessage: err.message, trace: (err.stack ?? '').split('\n') };
}

describe('an error across the wire (threads, processes, inline)', () => {
  it('keeps a fanout code and its retryability, on the batch it belongs to', () => {
    // Act
    const input = decodeFarSideError(toWireError(inputError('Expected `ms` to be a number')), '4');
    const stale = decodeFarSideError(toWireError(new FanoutError('EVERSION', 'stale', { retryable: false })), '5');
    // Assess
    expect(input).toMatchObject({ code: 'EINPUT', retryable: false, batchId: '4' });
    expect(input.message).toBe('Expected `ms` to be a number');
    expect(stale).toMatchObject({ code: 'EVERSION', retryable: false, batchId: '5', message: 'stale' });
  });

  it("makes the task's own throw ETASK with its message, and an uncoded error outside a batch EINTERNAL", () => {
    // Act
    const thrown = decodeFarSideError(toWireError(new TypeError('bad row 7')), '7');
    const atStart = decodeFarSideError(toWireError('no task here'), undefined);
    // Assess
    expect(thrown).toMatchObject({ code: 'ETASK', retryable: true, batchId: '7', message: 'bad row 7' });
    expect(thrown.stack).toContain('[remote] TypeError: bad row 7');
    expect(atStart).toMatchObject({ code: 'EINTERNAL', retryable: false, message: 'no task here' });
  });

  it("does not take a system error's code (ENOENT) for a fanout code", () => {
    // Prepare
    const enoent = Object.assign(new Error('no such file'), { code: 'ENOENT' });
    // Act
    const err = decodeFarSideError(toWireError(enoent), '1');
    // Assess
    expect(err).toMatchObject({ code: 'ETASK', message: 'no such file' });
  });
});

describe('an error across Lambda (name, message and trace only)', () => {
  it('carries the code and finality in the name, from AWS errorType or from the first trace line', () => {
    // Prepare
    const thrown = lambdaErrorFrom(
      new FanoutError('EVERSION', 'the worker function has task x at v1', { retryable: false }),
    );
    // Act
    const fromAws = decodeFarSideError(wireErrorFromLambda(lambdaDoc(thrown)), '2', { otherwise: 'EREMOTE' });
    const fromOffline = decodeFarSideError(wireErrorFromLambda({ ...lambdaDoc(thrown), errorType: 'Error' }), '2', {
      otherwise: 'EREMOTE',
    });
    // Assess
    expect(thrown.name).toBe('FanoutError.EVERSION.final');
    for (const err of [fromAws, fromOffline]) {
      expect(err).toMatchObject({ code: 'EVERSION', retryable: false, batchId: '2' });
      expect(err.message).toBe('the worker function has task x at v1');
    }
  });

  it("makes the task's plain throw ETASK, and an error the handler never made EREMOTE naming where", () => {
    // Act
    const task = decodeFarSideError(wireErrorFromLambda(lambdaDoc(lambdaErrorFrom(new Error('boom')))), '3', {
      otherwise: 'EREMOTE',
    });
    const runtime = decodeFarSideError(
      wireErrorFromLambda({ errorType: 'Runtime.ExitError', errorMessage: 'exited' }),
      '3',
      { otherwise: 'EREMOTE', where: 'Lambda function error (Unhandled) on batch 3' },
    );
    const oversize = decodeFarSideError(wireErrorFromLambda({ errorType: 'Function.ResponseSizeTooLarge' }), '3', {
      otherwise: 'EREMOTE',
    });
    // Assess
    expect(task).toMatchObject({ code: 'ETASK', retryable: true, message: 'boom' });
    expect(runtime).toMatchObject({
      code: 'EREMOTE',
      retryable: true,
      message: 'Lambda function error (Unhandled) on batch 3: Runtime.ExitError: exited',
    });
    expect(oversize).toMatchObject({ code: 'EPAYLOAD', retryable: false, message: '(no message)' });
  });
});

describe("a failed batch's output on its way back", () => {
  it('rides with a wire error (threads, processes, inline)', () => {
    // Prepare
    const err = new Error('boom');
    const output = { text: 'printed before\n', cutBytes: 3 };
    // Act
    const decoded = decodeFarSideError({ ...toWireError(err), output }, '2');
    // Assess
    expect(decoded).toMatchObject({ code: 'ETASK', output });
  });

  it('rides in the last trace line of a Lambda error with the instance id, and leaves the trace as it was', async () => {
    // Prepare: an error thrown by a map that printed
    const { captureTaskOutput } = await import('../../../orchestrator/far-side/task-output.js');
    const thrown = await captureTaskOutput(async () => {
      console.log('line one');
      throw new Error('boom');
    }).catch((e: unknown) => e);
    // Act
    const doc = lambdaDoc(lambdaErrorFrom(thrown, 'abcd1234'));
    const remote = wireErrorFromLambda(doc);
    const fromOffline = wireErrorFromLambda({ ...doc, errorType: 'Error' });
    const plain = wireErrorFromLambda(lambdaDoc(lambdaErrorFrom(new Error('no output'))));
    // Assess
    expect(remote).toMatchObject({ name: 'FanoutError.ETASK', output: { text: 'line one\n' }, instanceId: 'abcd1234' });
    expect(remote.stack).not.toContain('fanout-attempt');
    expect(remote.stack?.split('\n')[0]).toBe('FanoutError.ETASK: boom');
    expect(fromOffline).toMatchObject({ name: 'FanoutError.ETASK', output: { text: 'line one\n' } });
    expect(plain.output).toBeUndefined();
    expect(plain.instanceId).toBeUndefined();
  });
});
