// hostile-oidc.mjs - an OpenID Connect provider whose every answer a test controls,
// for what a real provider never does: ID tokens with the wrong nonce, expired,
// badly signed, signed with alg "none" or HS256, for another audience, or with a key
// the JWKS does not have yet (rotation). It still checks what llmmeta sends: the
// client's credentials (basic or post, as its discovery advertises), the redirect
// URI, and the PKCE verifier against the S256 challenge of the authorization request.
//
// Its authorization endpoint asks nothing: it sends the browser straight back with a
// code. Node's crypto signs the tokens.
import http from 'node:http';
import { createHash, createHmac, generateKeyPairSync, createSign, randomBytes } from 'node:crypto';

const b64u = (b) => Buffer.from(b).toString('base64url');

function newKey(kid) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' } };
}

/** A compact JWS of claims: RS256 with key, or alg "none", or HS256 under secret. */
export function signJwt(claims, { key, alg = 'RS256', kid = key?.kid, secret } = {}) {
  const header = { alg, typ: 'JWT', ...(kid ? { kid } : {}) };
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  if (alg === 'none') return `${input}.`;
  if (alg === 'HS256') return `${input}.${b64u(createHmac('sha256', secret).update(input).digest())}`;
  return `${input}.${b64u(createSign('RSA-SHA256').update(input).sign(key.privateKey))}`;
}

/**
 * Starts the provider. Returns { issuer, clientId, clientSecret, opts, requests, rotate(), stop() }.
 * opts (change between sign-ins):
 *   authMethods        token_endpoint_auth_methods_supported (default ['client_secret_basic'])
 *   claims(base)       returns the ID token's claims from the correct ones
 *   sign(claims, ctx)  returns the ID token (default: RS256 with the current key)
 *   tokenStatus/tokenBody  replace the token endpoint's answer
 *   discoveryBody      replaces the discovery document's text
 *   discoveryDelayMs   the discovery document is answered this late (a slow provider)
 *   discoveryStatus    the discovery document's answer is this error status instead
 *   issuerSlash        the issuer is named with a trailing '/' (as Auth0's is)
 *   jwksBody           replaces the JWKS
 *   userinfo           the userinfo endpoint's claims (sub added), or null for none
 */
export async function startHostileOidc({ clientId = 'llmmeta', clientSecret = 'hostile-secret-0123456789' } = {}) {
  const keys = [newKey('k1')];
  const published = [keys[0]];
  const codes = new Map();
  const requests = [];
  const opts = { authMethods: ['client_secret_basic'], userinfo: null };
  let issuer;
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, issuer);
    let body = '';
    for await (const c of req) body += c;
    requests.push({ method: req.method, path: url.pathname, headers: req.headers, body });
    const json = (status, obj) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(typeof obj === 'string' ? obj : JSON.stringify(obj)); };
    if (url.pathname === '/.well-known/openid-configuration') {
      if (opts.discoveryDelayMs) await new Promise((r) => setTimeout(r, opts.discoveryDelayMs));
      if (opts.discoveryStatus) return json(opts.discoveryStatus, { error: 'unavailable' });
      if (opts.discoveryBody !== undefined) return json(200, opts.discoveryBody);
      return json(200, {
        issuer: opts.issuerSlash ? `${issuer}/` : issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`, userinfo_endpoint: `${issuer}/userinfo`,
        token_endpoint_auth_methods_supported: opts.authMethods, response_types_supported: ['code'],
        id_token_signing_alg_values_supported: ['RS256'], subject_types_supported: ['public'],
      });
    }
    if (url.pathname === '/jwks') return json(200, opts.jwksBody ?? { keys: published.map((k) => k.jwk) });
    if (url.pathname === '/authorize') {
      const p = url.searchParams;
      const code = b64u(randomBytes(16));
      codes.set(code, { nonce: p.get('nonce'), challenge: p.get('code_challenge'), method: p.get('code_challenge_method'),
        redirectUri: p.get('redirect_uri'), clientId: p.get('client_id'), sub: opts.sub ?? 'hostile-user-1' });
      const back = new URL(p.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', p.get('state'));
      res.writeHead(302, { Location: back.href });
      return res.end();
    }
    if (url.pathname === '/token') {
      const form = new URLSearchParams(body);
      const basic = /^Basic (.+)$/.exec(req.headers.authorization || '');
      let id, secret;
      if (basic) [id, secret] = Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent);
      else { id = form.get('client_id'); secret = form.get('client_secret'); }
      const method = basic ? 'client_secret_basic' : 'client_secret_post';
      if (id !== clientId || secret !== clientSecret || !opts.authMethods.includes(method)) return json(401, { error: 'invalid_client' });
      const c = codes.get(form.get('code'));
      codes.delete(form.get('code'));
      if (!c || form.get('redirect_uri') !== c.redirectUri) return json(400, { error: 'invalid_grant' });
      const s256 = b64u(createHash('sha256').update(form.get('code_verifier') || '').digest());
      if (c.method !== 'S256' || s256 !== c.challenge) return json(400, { error: 'invalid_grant', error_description: 'PKCE' });
      if (opts.tokenStatus) return json(opts.tokenStatus, opts.tokenBody ?? { error: 'server_error' });
      if (opts.tokenBody !== undefined) return json(200, opts.tokenBody);
      const now = Math.floor(Date.now() / 1000);
      const base = { iss: opts.issuerSlash ? `${issuer}/` : issuer, sub: c.sub, aud: clientId, exp: now + 300, iat: now, nonce: c.nonce,
        email: opts.email ?? 'hostile@oidc.test', email_verified: opts.emailVerified ?? true };
      const claims = opts.claims ? opts.claims(base) : base;
      const idToken = opts.sign ? opts.sign(claims, { keys, published }) : signJwt(claims, { key: keys[keys.length - 1] });
      return json(200, { access_token: 'at-' + b64u(randomBytes(8)), token_type: 'Bearer', id_token: idToken });
    }
    if (url.pathname === '/userinfo') {
      if (!opts.userinfo) return json(404, { error: 'none' });
      return json(200, opts.userinfo);
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${server.address().port}`;
  return {
    issuer, clientId, clientSecret, opts, requests, keys,
    /** A new signing key, published in the JWKS (rotation). */
    rotate(kid) { const k = newKey(kid); keys.push(k); published.push(k); return k; },
    /** A key that signs but is not published. */
    unpublishedKey: (kid) => newKey(kid),
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}
