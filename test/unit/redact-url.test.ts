import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../orchestrator/redact-url.js';

describe('redactUrl', () => {
  it.each([
    ['http://user:pass@example.org/a', 'http://user:***@example.org/a'],
    ['https://TOKEN@example.org/', 'https://***@example.org/'],
    ['http://u:p%40ss@127.0.0.1:9/x?q=1#h', 'http://u:***@127.0.0.1:9/x?q=1#h'],
    ['http://example.org/a@b', 'http://example.org/a@b'],
    ['http://example.org/?mail=a@b.c', 'http://example.org/?mail=a@b.c'],
    ['no url at all, a@b', 'no url at all, a@b'],
    [
      'Could not read `http://a:b@h/list` nor `https://c:d@i/` (ECONNREFUSED)',
      'Could not read `http://a:***@h/list` nor `https://c:***@i/` (ECONNREFUSED)',
    ],
  ])('%s → %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('never leaves the secret anywhere in the output', () => {
    const secret = 'S3cr3t-Value';
    for (const url of [`http://me:${secret}@h/`, `https://${secret}@h/`, `ftp://x:${secret}@h`]) {
      expect(redactUrl(`error at ${url}: refused`)).not.toContain(secret);
    }
  });
});
