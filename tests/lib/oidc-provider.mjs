// oidc-provider.mjs - a real OpenID Connect provider for the sign-in tests: the
// certified `oidc-provider` (8.x) on 127.0.0.1 with one client registered for
// llmmeta, its development login and consent pages, and accounts whose claims a
// test chooses. Also drives a browser-less sign-in through those pages with a
// cookie jar of its own (the provider's cookies never mix with llmmeta's).
import Provider from 'oidc-provider';
import { Client, forms } from './client.mjs';
import { freePort } from './server.mjs';

/**
 * Starts the provider. accounts: { login: { email, email_verified, preferred_username } }
 * (a login not listed gets `<login>@oidc.test`, verified). Returns { issuer, clientId,
 * clientSecret, stop() }.
 */
export async function startOidcProvider({ redirectUris, accounts = {}, clientId = 'llmmeta',
  clientSecret = 'llmmeta-test-secret-0123456789', authMethod = 'client_secret_basic' } = {}) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId, client_secret: clientSecret, redirect_uris: redirectUris,
      response_types: ['code'], grant_types: ['authorization_code'], token_endpoint_auth_method: authMethod,
    }],
    async findAccount(ctx, id) {
      const a = accounts[id] ?? { email: `${id}@oidc.test`, email_verified: true };
      return { accountId: id, async claims() { return { sub: id, ...a }; } };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username', 'name'] },
    cookies: { keys: ['oidc-test-cookie-key-0123456789'] },
    pkce: { required: () => true },
  });
  // The development pages warn once on stderr that they are for development: they are.
  const server = await new Promise((resolve) => { const s = provider.listen(port, '127.0.0.1', () => resolve(s)); });
  return {
    issuer, clientId, clientSecret, provider,
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

/**
 * From llmmeta's redirect to the provider, walks the provider's pages as a user would:
 * the login form (any login, any password), then the consent form ("Continue"), or
 * the Cancel link when deny is set. Returns the URL the provider sends the browser back
 * to (llmmeta's callback). `jar` is the provider's cookie jar (reuse it for a second
 * sign-in, as the same browser would).
 */
export async function providerSignIn(authorizeUrl, { login, jar, deny = false, max = 20 }) {
  const origin = new URL(authorizeUrl).origin;
  const c = jar ?? new Client(origin);
  let r = await c.get(authorizeUrl);
  for (let i = 0; i < max; i++) {
    if (r.status >= 300 && r.status < 400) {
      const next = new URL(r.location, r.url);
      if (next.origin !== origin) return next.href;
      r = await c.get(next.href);
      continue;
    }
    if (r.status !== 200) throw new Error(`provider answered ${r.status}: ${r.text.slice(0, 500)}`);
    if (deny) {
      const cancel = /<a href="([^"]+\/abort)"/.exec(r.text);
      if (!cancel) throw new Error(`no Cancel link on the provider's page:\n${r.text.slice(0, 1500)}`);
      r = await c.get(new URL(cancel[1], r.url).href);
      continue;
    }
    const f = forms(r.text)[0];
    if (!f) throw new Error(`no form on the provider's page:\n${r.text.slice(0, 1500)}`);
    const fields = { ...f.hidden };
    if (f.inputs.some((x) => x.name === 'login')) Object.assign(fields, { login, password: 'any password' });
    r = await c.postForm(new URL(f.attrs.action, r.url).href, fields);
  }
  throw new Error('the provider did not send the browser back');
}
