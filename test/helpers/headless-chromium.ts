import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium, used when it is installed. */
const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/**
 * The flags every browser test launches with: headless, no sandbox (root in CI), no GPU, and nothing that phones home
 * (QUIC, background networking, component updates, sync) — the machine has no network but loopback.
 */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the browser came from: the system package or the copy inside `@sparticuz/chromium`. */
export type ChromiumSource = 'system' | 'package';

/** A launched headless Chromium with its own fresh profile; `close()` stops it and deletes the profile. */
export interface HeadlessChromium {
  context: BrowserContext;
  source: ChromiumSource;
  executablePath: string;
  close(): Promise<void>;
}

/**
 * Launches headless Chromium: Debian's where present, otherwise the one shipped (brotli-packed) inside the
 * `@sparticuz/chromium` package, unpacked to the temp directory on first use — so a fresh `npm ci` is enough.
 * The profile is a fresh `--user-data-dir` (playwright's persistent context owns that flag).
 */
export async function launchHeadlessChromium(): Promise<HeadlessChromium> {
  let executablePath = SYSTEM_CHROMIUM;
  let source: ChromiumSource = 'system';
  if (!existsSync(SYSTEM_CHROMIUM)) {
    const packaged = (await import('@sparticuz/chromium')).default;
    executablePath = await packaged.executablePath();
    source = 'package';
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'fanout-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      args: FLAGS,
      viewport: { width: 1280, height: 800 },
    });
    return {
      context,
      source,
      executablePath,
      async close() {
        await context.close();
        rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
}
