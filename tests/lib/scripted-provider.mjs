// scripted-provider.mjs - a provider whose every answer the test writes itself
// (for what fake-provider.mjs has no model for: the key quoted back, split across
// events, hostile bytes), and a user with an API key for /v1/ calls.
import http from 'node:http';
import assert from 'node:assert/strict';
import { createUser, runCli, uniq } from './server.mjs';

/** Starts a provider that calls answer(req, res, body) with the request's JSON body
 * ({} when it is not JSON). Resolves with { url (…/v1), close() }. */
export async function startScriptedProvider(answer) {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => { let j = {}; try { j = JSON.parse(body); } catch {} answer(req, res, j); });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/v1`, close: () => server.close() };
}

/** A new user of server with an API key: { username, key }. */
export async function apiKeyHolder(server, prefix = 'k') {
  const username = uniq(prefix);
  assert.equal((await createUser(server, { username, email: `${username}@example.org`, password: 'a-long-password-42' })).code, 0);
  const r = await runCli(['apikey', '--username', username, '--name', 't'], { env: server.env });
  return { username, key: r.stdout.trim() };
}
