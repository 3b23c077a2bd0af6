import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveFetchOptions } from '../../../orchestrator/fetch/fetch-options.js';
import { fetchUrl } from '../../../orchestrator/fetch/fetch-url.js';

/**
 * fetchUrl with the guard on and off, through undici's MockAgent: no socket is ever opened (net connect disabled), so
 * the metadata address can be "answered" without a packet leaving the machine.
 */
describe('fetchUrl and the link-local guard', () => {
  let agent: MockAgent | undefined;
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
  });

  function metadataAgent(): MockAgent {
    const a = new MockAgent();
    a.disableNetConnect();
    a.get('http://169.254.169.254').intercept({ path: '/latest/meta-data/' }).reply(200, 'role-name');
    a.get('http://127.0.0.1:9')
      .intercept({ path: '/hop' })
      .reply(302, '', {
        headers: { location: 'http://169.254.169.254/latest/meta-data/' },
      });
    return a;
  }

  it('refuses the metadata address directly and after a redirect, for good (one attempt, no retry)', async () => {
    agent = metadataAgent();
    const o = resolveFetchOptions({ retries: 3 });
    const direct = await fetchUrl('http://169.254.169.254/latest/meta-data/', o, { dispatcher: agent });
    expect(direct).toMatchObject({ ok: false, attempts: 1 });
    expect(direct.ok === false && direct.reason).toMatch(/^refused to connect: 169\.254\.169\.254 is a cloud metadata/);
    const hop = await fetchUrl('http://127.0.0.1:9/hop', o, { dispatcher: agent });
    expect(hop.ok === false && hop.reason).toMatch(/^redirect: refused to connect: 169\.254\.169\.254/);
    expect(hop.attempts).toBe(1);
  });

  it('with allowLinkLocal the same URLs are fetched', async () => {
    agent = metadataAgent();
    const o = resolveFetchOptions({ allowLinkLocal: true });
    const hop = await fetchUrl('http://127.0.0.1:9/hop', o, { dispatcher: agent });
    expect(hop.ok).toBe(true);
    expect(hop.ok && Buffer.from(hop.body).toString()).toBe('role-name');
  });
});
