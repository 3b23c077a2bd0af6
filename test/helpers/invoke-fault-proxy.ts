import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

/** Faults the proxy injects into Lambda Invoke calls, as AWS (or the network) would produce them. */
export type InvokeFault = '429' | '500' | 'unhandled' | 'lost-reply' | 'hang';

/** A running fault-injecting proxy in front of an Invoke API. */
export interface FaultProxy {
  /** Pass as the Lambda endpoint. */
  url: string;
  /** Faults injected so far, by kind. */
  injected: Record<InvokeFault, number>;
  /** Invokes forwarded to the emulator per batch id (a lost reply is forwarded: the function did run). */
  forwarded: Map<string, number>;
  close(): Promise<void>;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of serverless-offline's Invoke API. For each invoke it reads the batch id from
 * the event and asks `plan(batchId, attempt)` (attempt = how many invokes of that batch it has seen, from 1) for a
 * fault: `429` TooManyRequestsException, `500` ServiceException, `unhandled` an X-Amz-Function-Error reply from a
 * crashed runtime, `lost-reply` forwards the invoke (the function runs) and then drops the connection instead of the
 * reply, `hang` never answers. Anything else is forwarded unchanged.
 */
export async function startFaultProxy(
  target: string,
  plan: (batchId: string, attempt: number) => InvokeFault | undefined,
  /** Runs (and is awaited) before an invoke is forwarded, with its event: e.g. to tamper with an offloaded batch. */
  beforeForward?: (event: Record<string, unknown>, attempt: number) => Promise<void>,
): Promise<FaultProxy> {
  const upstream = new URL(target);
  const injected: Record<InvokeFault, number> = { '429': 0, '500': 0, unhandled: 0, 'lost-reply': 0, hang: 0 };
  const forwarded = new Map<string, number>();
  const seen = new Map<string, number>();

  const forward = (
    req: IncomingMessage,
    body: Buffer,
    onReply: (status: number, headers: object, data: Buffer) => void,
  ) => {
    const up = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host, 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => onReply(res.statusCode ?? 502, res.headers, Buffer.concat(chunks)));
      },
    );
    up.on('error', () => req.socket.destroy());
    up.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    let batchId: string | undefined;
    let event: Record<string, unknown> = {};
    try {
      event = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      batchId = typeof event.batchId === 'string' ? event.batchId : undefined;
    } catch {
      batchId = undefined;
    }
    const attempt = batchId === undefined ? 0 : (seen.get(batchId) ?? 0) + 1;
    if (batchId !== undefined) seen.set(batchId, attempt);
    const fault = batchId === undefined ? undefined : plan(batchId, attempt);
    if (fault) injected[fault]++;
    const json = { 'content-type': 'application/json' };
    if (fault === '429') {
      res.writeHead(429, { ...json, 'x-amzn-ErrorType': 'TooManyRequestsException' });
      res.end(JSON.stringify({ Reason: 'ConcurrentInvocationLimitExceeded', Type: 'User', message: 'Rate Exceeded.' }));
    } else if (fault === '500') {
      res.writeHead(500, { ...json, 'x-amzn-ErrorType': 'ServiceException' });
      res.end(JSON.stringify({ Type: 'Service', message: 'chaos: injected internal failure' }));
    } else if (fault === 'unhandled') {
      res.writeHead(200, { ...json, 'X-Amz-Function-Error': 'Unhandled' });
      res.end(JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: 'chaos: injected runtime exit' }));
    } else if (fault === 'hang') {
      // never answer: only the caller's deadline ends this invoke
    } else {
      if (batchId !== undefined) forwarded.set(batchId, (forwarded.get(batchId) ?? 0) + 1);
      const send = (): void =>
        forward(req, body, (status, headers, data) => {
          if (fault === 'lost-reply') {
            req.socket.destroy(); // the function ran; its reply never arrives
            return;
          }
          res.writeHead(status, headers as Record<string, string>).end(data);
        });
      if (beforeForward) void beforeForward(event, attempt).then(send, () => req.socket.destroy());
      else send();
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  const { url, close } = await listenOnLoopback(server);
  return { url, injected, forwarded, close };
}
