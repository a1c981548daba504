// sign-in.mjs - the llmmeta side of the sign-in tests: a server on a known port (the
// redirect URI must be registered at the provider before it starts), and the steps
// a browser takes: press a provider's button, come back to the callback.
import assert from 'node:assert/strict';
import { startServer, freePort, forms } from './server.mjs';

/** A port for llmmeta and the callback URL a provider must accept for it. */
export async function reservePort(provider = 'oidc') {
  const port = await freePort();
  return { port, callback: `http://127.0.0.1:${port}/accounts/${provider}/login/callback/` };
}

/** llmmeta on `port`, with PUBLIC_URL to match. */
export function startOn(port, env = {}) {
  return startServer({ env: { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ...env } });
}

/**
 * Presses the provider's button on `page` (default the login page) as a browser
 * would; returns llmmeta's answer (302 to the provider when all is well).
 */
export async function pressButton(client, provider, { page = '/accounts/login/' } = {}) {
  const p = await client.get(page);
  const f = forms(p.text).find((x) => x.attrs.action === `/accounts/${provider}/login/`);
  assert.ok(f, `no ${provider} button on ${page}:\n${p.text.slice(0, 2000)}`);
  return client.postForm(f.attrs.action, f.hidden);
}

/** No live session cookie was set by response r. */
export function assertNoSession(r) {
  assert.ok(!r.setCookies.some((c) => /^llmmeta_session=[^;]+/.test(c)), `a session cookie was set: ${r.setCookies}`);
}
