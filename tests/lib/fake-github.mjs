// fake-github.mjs - a stand-in for GitHub's OAuth 2.0 and REST API, as much of them
// as signing in uses: /login/oauth/authorize (sends the browser straight back with a
// code), /login/oauth/access_token, /user and /user/emails. One server plays both
// OAUTH_GITHUB_URL and OAUTH_GITHUB_API_URL. A test sets who signs in and how the
// server fails through `opts`; every request is recorded.
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';

/**
 * opts: user ({id, login}), emails ([{email, primary, verified}]), fail
 * ({path: status}), garbage ({path: true}: 200 with a body that is not JSON).
 * Returns { url, clientId, clientSecret, opts, requests, stop() }.
 */
export async function startFakeGitHub({ clientId = 'gh-client', clientSecret = 'gh-secret-0123456789' } = {}) {
  const opts = { user: { id: 4242, login: 'octo-cat' }, emails: [], fail: {}, garbage: {} };
  const codes = new Map();
  const tokens = new Set();
  const requests = [];
  let base;
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, base);
    let body = '';
    for await (const c of req) body += c;
    requests.push({ method: req.method, path: url.pathname, headers: req.headers, body });
    const json = (status, obj) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(obj)); };
    if (opts.fail[url.pathname]) return json(opts.fail[url.pathname], { message: 'Server Error' });
    if (opts.garbage[url.pathname]) { res.writeHead(200, { 'Content-Type': 'application/json' }); return res.end('<html>not json'); }
    if (url.pathname === '/login/oauth/authorize') {
      const p = url.searchParams;
      const code = randomBytes(10).toString('hex');
      codes.set(code, { challenge: p.get('code_challenge'), redirectUri: p.get('redirect_uri'), user: opts.user, emails: opts.emails });
      const back = new URL(p.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', p.get('state'));
      res.writeHead(302, { Location: back.href });
      return res.end();
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      const f = new URLSearchParams(body);
      const c = codes.get(f.get('code'));
      codes.delete(f.get('code'));
      // GitHub answers a bad code with 200 and an error field.
      if (f.get('client_id') !== clientId || f.get('client_secret') !== clientSecret) return json(200, { error: 'incorrect_client_credentials' });
      if (!c || f.get('redirect_uri') !== c.redirectUri) return json(200, { error: 'bad_verification_code' });
      const s256 = createHash('sha256').update(f.get('code_verifier') || '').digest('base64url');
      if (s256 !== c.challenge) return json(200, { error: 'bad_verification_code' });
      const token = `gho_${randomBytes(12).toString('hex')}`;
      tokens.add(token);
      codes.set(token, c);
      return json(200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
    }
    const auth = /^Bearer (.+)$/i.exec(req.headers.authorization || '');
    const who = auth && tokens.has(auth[1]) ? codes.get(auth[1]) : null;
    if (!who) return json(401, { message: 'Bad credentials' });
    if (!req.headers['user-agent']) return json(403, { message: 'User-Agent required' });
    if (url.pathname === '/user') return json(200, { ...who.user, email: null });
    if (url.pathname === '/user/emails') return json(200, who.emails);
    return json(404, { message: 'Not Found' });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
  return {
    url: base, clientId, clientSecret, opts, requests,
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}
