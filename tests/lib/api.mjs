// api.mjs - what the HTTP tests of the /v1 API share: a user with an API key and
// the official client pointed at llmmeta, and the record of the user's last call.
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { createUser, runCli, uniq, dbQuery } from './server.mjs';

/** A new user with a key: { username, password, key, client }. */
export async function apiAccount(srv, prefix) {
  const username = uniq(prefix);
  const password = 'a-long-password-42';
  const r = await createUser(srv, { username, email: `${username}@example.org`, password });
  assert.equal(r.code, 0, r.stderr);
  const key = (await runCli(['apikey', '--username', username, '--name', 'k'], { env: srv.env })).stdout.trim();
  return { username, password, key, client: new OpenAI({ apiKey: key, baseURL: `${srv.url}/v1`, maxRetries: 0 }) };
}

/** The messages of the conversation holding the user's last call of that source. */
export function lastApiRecord(srv, username, source) {
  const [q] = dbQuery(srv, `SELECT m.* FROM messages m JOIN users u ON u.id = m.user_id WHERE u.username = '${username}'
    AND m.source = '${source}' AND m.role = 'user' ORDER BY m.id DESC LIMIT 1`);
  return q ? dbQuery(srv, `SELECT * FROM messages WHERE conversation_id = ${q.conversation_id} ORDER BY id`) : [];
}
