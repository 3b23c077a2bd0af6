import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

/** Word counts of `texts` computed directly (the reference every wordcount test compares with). */
export function referenceWordcount(texts: Iterable<string>, top = 10) {
  const m = new Map<string, number>();
  let totalWords = 0;
  for (const t of texts) {
    for (const w of t.match(/[A-Za-z]+/g) ?? []) {
      const k = w.toLowerCase();
      m.set(k, (m.get(k) ?? 0) + 1);
      totalWords++;
    }
  }
  const sorted = [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return { totalWords, distinctWords: m.size, top: sorted.slice(0, top).map(([word, count]) => ({ word, count })) };
}

/** Reads files as the docs server serves them. */
export function texts(dir: string, names: Iterable<string>): string[] {
  return [...names].map((n) => readFileSync(`${dir}/${n}`, 'utf8'));
}

/** A server for what the docs server does not do: `/hang` never answers, `/gzip` sends a gzip body, `/big` 64 KiB. */
export async function startOddServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    if (req.url === '/hang') return; // never answers: only the client's deadline ends this
    if (req.url === '/gzip') {
      res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('Zipped words zipped'));
      return;
    }
    if (req.url === '/big') {
      res.writeHead(200).end('x'.repeat(64 * 1024));
      return;
    }
    res.writeHead(404).end();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
