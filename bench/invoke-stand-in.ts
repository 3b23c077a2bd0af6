/**
 * A minimal stand-in for the Lambda Invoke API, for the client-overhead benchmark: it replies to
 * `POST /2015-03-31/functions/<name>/invocations` after sleeping the batch's `ms`, with the worker's reply shape, and does
 * no compute. Run as its own process (`node dist/bench/invoke-stand-in.js`) so the server does not share the client's
 * event loop; it prints `listening <port>` on stdout.
 */
import { createServer } from 'node:http';

const PATH = /^\/2015-03-31\/functions\/[^/]+\/invocations$/;

/** Starts the stand-in on 127.0.0.1 and resolves with its port. */
export function startStandIn(port = 0): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || !PATH.test(req.url ?? '')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"Message":"not found"}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { batchId: string; batch: { ms?: number } };
      const ms = event.batch.ms ?? 0;
      setTimeout(() => {
        const body = JSON.stringify({
          batchId: event.batchId,
          partial: { batches: 1, sleptMs: ms },
          cpuMs: 0,
          durationMs: ms,
          coldStart: false,
          instanceId: 'standin0',
        });
        res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' }).end(body);
      }, ms);
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

if (process.argv[1]?.endsWith('invoke-stand-in.js')) {
  const { port } = await startStandIn();
  console.log(`listening ${port}`);
}
