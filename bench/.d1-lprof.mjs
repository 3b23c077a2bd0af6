import { spawn } from 'node:child_process';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import pLimit from 'p-limit';
import { LambdaBackend } from '/work/wt/d1/dist/orchestrator/backends/lambda/lambda-backend.js';
import { fanout } from '/work/wt/d1/dist/orchestrator/fanout.js';

Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' });
const child = spawn(process.execPath, ['/work/wt/d1/dist/bench/invoke-stand-in.js'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise((r) =>
  child.stdout.on('data', (c) => {
    const m = /listening (\d+)/.exec(c.toString());
    if (m) r(Number(m[1]));
  }),
);
const endpoint = `http://127.0.0.1:${port}`;
const mode = process.argv[2] ?? 'both';
async function viaFanout(n) {
  const b = new LambdaBackend({ endpoint, concurrency: 200 });
  await b.start({ task: { kind: 'builtin', name: 'sleep' } });
  const t0 = performance.now();
  await fanout('sleep', { batches: n, ms: 100 }, { backend: b });
  const ms = performance.now() - t0;
  await b.stop();
  return ms;
}
async function bare(n) {
  const limit = pLimit(200);
  const t0 = performance.now();
  const client = new LambdaClient({
    region: 'us-east-1',
    endpoint,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: { keepAlive: true, maxSockets: 200 } }),
  });
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      limit(async () => {
        const r = await client.send(
          new InvokeCommand({
            FunctionName: 'fanout-dev-worker',
            Payload: Buffer.from(JSON.stringify({ task: 'sleep', batchId: String(i), batch: { index: i, ms: 100 } })),
          }),
        );
        if (r.FunctionError) throw new Error('fe');
      }),
    ),
  );
  const ms = performance.now() - t0;
  client.destroy();
  return ms;
}
await bare(400);
await viaFanout(400);
const f = [],
  b = [];
for (let i = 0; i < 5; i++) {
  if (mode !== 'bare') f.push(Math.round(await viaFanout(2000)));
  if (mode !== 'fanout') b.push(Math.round(await bare(2000)));
}
console.log('fanout', f.join(' '), 'bare', b.join(' '));
child.kill();
