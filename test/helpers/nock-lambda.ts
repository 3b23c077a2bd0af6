import nock from 'nock';
import { handler } from '../../functions/worker.js';

/** Fake endpoint: nock answers before any DNS lookup, and `disableNetConnect` guarantees nothing leaves the machine. */
export const ENDPOINT = 'http://lambda.nock.test:3002';
/** The Invoke API path of the default function. */
export const INVOKE_PATH = '/2015-03-31/functions/fanout-dev-worker/invocations';

/** An invoke event as the backend sent it. */
export interface SentEvent {
  task: string;
  batchId: string;
  batch: unknown;
}

/** Parses the request body nock hands to a reply function (a string for octet-stream payloads). */
export function eventOf(body: unknown): SentEvent {
  return (typeof body === 'string' ? JSON.parse(body) : body) as SentEvent;
}

/** Runs the real worker handler for a sent event: the stand-in replies exactly what the function would. */
export async function workerReply(body: unknown): Promise<[number, string]> {
  return [200, JSON.stringify(await handler(eventOf(body)))];
}

/** A nock scope for the Invoke API of `fanout-dev-worker`. */
export function lambdaScope(): nock.Scope {
  return nock(ENDPOINT);
}
