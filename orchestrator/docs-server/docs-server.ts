import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isAbsolute, join, relative, sep } from 'node:path';
import { inputError } from '../errors.js';
import { type FaultOptions, FaultPlan, RUN_ID_HEADER } from './fault-plan.js';

/** Options of {@link startDocsServer}. */
export interface DocsServerOptions {
  /**
   * Folder of text files to serve: regular files directly inside it; hidden files skipped, and so is a symlink whose
   * target lies outside the folder (it would publish any file the user can read).
   */
  dir: string;
  /** 0 picks a free port; otherwise 1–65535. @default 0 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Delay before every document response, ms (simulates a remote server). @default 0 */
  latencyMs?: number;
  /** Fault injection for tests and demos. */
  faults?: FaultOptions;
}

/** A running document server. */
export interface DocsServer {
  /** Base URL, e.g. `http://127.0.0.1:4321`. */
  url: string;
  /** URL of the index: the document URLs, one a line. */
  indexUrl: string;
  /** Document URLs, in index order. */
  documents: string[];
  /** Document texts by file name, as served. */
  files: ReadonlyMap<string, Buffer>;
  /** Entries not served because they are symlinks leading out of the folder. */
  skipped: readonly string[];
  /** Requests answered so far (all paths). */
  readonly requests: number;
  /** Faults injected so far, by kind. */
  readonly injected: FaultPlan['injected'];
  close(): Promise<void>;
}

/**
 * Serves a folder of text files on 127.0.0.1 for the wordcount demo and tests, with no network involved:
 * `GET /index.txt` lists the document URLs, `GET /docs/<name>` serves a file (the query string is ignored, so a test
 * can make any number of distinct URLs for the same text), `GET /redirect/<name>` answers 302 to the document.
 * Files are read once at start.
 */
export async function startDocsServer(options: DocsServerOptions): Promise<DocsServer> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw inputError(`Expected \`port\` to be an integer from 0 to 65535, got \`${port}\``);
  }
  const { files, skipped } = readDocs(options.dir);
  const latencyMs = options.latencyMs ?? 0;
  const plan = new FaultPlan(options.faults);
  const sockets = new Set<Socket>();
  let requests = 0;
  let base = '';
  let index = '';

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    requests++;
    const url = new URL(req.url ?? '/', base);
    if (url.pathname === '/index.txt') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(index);
      return;
    }
    const redirect = /^\/redirect\/(.+)$/.exec(url.pathname);
    if (redirect) {
      res.writeHead(302, { location: `/docs/${redirect[1]}${url.search}` }).end();
      return;
    }
    const m = /^\/docs\/(.+)$/.exec(url.pathname);
    const body = m ? files.get(safeDecode(m[1] as string)) : undefined;
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const runId = req.headers[RUN_ID_HEADER];
    const fault = plan.next(url.pathname + url.search, typeof runId === 'string' ? runId.slice(0, 64) : '');
    const wait = latencyMs + (fault === 'slow' ? plan.slowMs : 0);
    const send = (): void => {
      if (res.destroyed) return;
      if (fault === '503') {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable\n');
      } else if (fault === '429') {
        res.writeHead(429, { 'retry-after': String(plan.retryAfterS) }).end('slow down\n');
      } else if (fault === 'reset') {
        // Promise the full length, send half, then drop the connection: a reset mid-body.
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length });
        res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
      } else {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length }).end(body);
      }
    };
    if (wait > 0) setTimeout(send, wait);
    else send();
  };

  const server = createServer(handle);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, port, options.host ?? '127.0.0.1')));
    server.listen(port, options.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  base = `http://${host}:${addr.port}`;
  const documents = [...files.keys()].map((name) => `${base}/docs/${encodeURIComponent(name)}`);
  index = documents.map((d) => `${d}\n`).join('');
  return {
    url: base,
    indexUrl: `${base}/index.txt`,
    documents,
    files,
    skipped,
    get requests() {
      return requests;
    },
    injected: plan.injected,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function readDocs(dir: string): { files: Map<string, Buffer>; skipped: string[] } {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    throw inputError(
      `Expected \`dir\` to be a readable folder of text files, got \`${dir}\` (${(err as Error).message})`,
    );
  }
  const root = realpathSync(dir);
  const files = new Map<string, Buffer>();
  const skipped: string[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    let real: string;
    try {
      real = realpathSync(join(dir, name));
    } catch {
      continue; // a dangling symlink
    }
    const rel = relative(root, real);
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      skipped.push(name);
      continue;
    }
    if (statSync(real).isFile()) files.set(name, readFileSync(real));
  }
  if (files.size === 0) throw inputError(`Expected \`dir\` to hold at least one file, got an empty folder \`${dir}\``);
  return { files, skipped };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A listen failure as one line naming the setting (EADDRINUSE, EACCES, a bad host), not Node's raw message. */
function listenError(err: NodeJS.ErrnoException, port: number, host: string): Error {
  if (err.code === 'EADDRINUSE') return inputError(`Expected \`port\` to be free, but ${host}:${port} is in use`);
  if (err.code === 'EACCES')
    return inputError(`Not allowed to listen on ${host}:${port} (ports below 1024 need privileges)`);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    return inputError(`Expected \`host\` to be an address of this machine, got \`${host}\` (${err.code})`);
  }
  return err;
}
