import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { listenOnLoopback } from './loopback-server.js';

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
  return listenOnLoopback(server);
}
