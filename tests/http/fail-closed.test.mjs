// fail-closed.test.mjs - when a write that guards something fails, the guarded thing
// does not happen: a login whose attempt cannot be counted is refused (503), and a
// question whose attached file cannot be read is recorded as failed and never sent.
// Faults are injected into the real database (a trigger, a row moved out of reach).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, dbQuery, dbExec, failingInsertSql, dropFailingInsertSql, Client, getCsrf, 
} from '../lib/server.mjs';
import { login, isLoggedIn, signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

let fake, server;
before(async () => {
  fake = await startFakeProvider();
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo' } });
});
after(async () => {
  await server?.stop();
  await fake?.close();
});

test('a login whose attempt cannot be recorded is refused with 503, even with the right password', async () => {
  const { user } = await signedUpClient(server.url, 'closed');
  dbExec(server, failingInsertSql(server.db.backend, 'login_failures'));
  try {
    for (const password of [user.password, 'Wrong-password-1!']) {
      const c = new Client(server.url);
      const r = await login(c, user.username, password);
      assert.equal(r.status, 503, `password ${password === user.password ? 'right' : 'wrong'}: HTTP ${r.status}`);
      assert.match(r.text, /not possible right now/);
      assert.ok(!r.setCookies.some((s) => /^llmmeta_session=[^;]/.test(s)), 'a session cookie was set');
      assert.equal(await isLoggedIn(c), false);
    }
  } finally {
    dbExec(server, dropFailingInsertSql(server.db.backend, 'login_failures'));
  }
  const c = new Client(server.url);
  assert.equal((await login(c, user.username, user.password)).status, 302, 'login after the fault is gone');
  assert.equal(await isLoggedIn(c), true);
  // A successful login leaves no failure behind for its account or address.
  const rows = dbQuery(server, `SELECT count(*) AS n FROM login_failures WHERE scope LIKE 'acct:id:%'`);
  assert.equal(rows[0].n, 0);
});

test('a file whose text cannot be read fails the question: recorded with the reason, nothing sent', async () => {
  const { client } = await signedUpClient(server.url, 'filer');
  const ask = async (path, question, files = []) => {
    const csrf_token = getCsrf((await client.get(path)).text);
    return client.postMultipart(path, { csrf_token, model: 'echo', question }, files);
  };
  const first = await ask('/ask/', 'Describe this file.', [{ name: 'file_upload', filename: 'data.csv', content: 'a,b\n1,2\n' }]);
  assert.equal(first.status, 303, first.text.slice(0, 300));
  const uuid = /\/conversation\/([0-9a-f-]{36})\//.exec(first.location)[1];
  const path = `/conversation/${uuid}/`;

  // The stored file goes out of this user's reach (as if it could not be read).
  const other = newUserId();
  dbExec(server, `UPDATE uploads SET user_id = ${other} WHERE id = (SELECT upload_id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.uuid = '${uuid}' AND m.upload_id IS NOT NULL)`);
  const sentBefore = fake.requests.length;
  const second = await ask(path, 'And the second column?');
  assert.equal(second.status, 500);
  assert.match(second.text, /attached file (&quot;|")data\.csv(&quot;|") could not be read/);
  assert.equal(fake.requests.length, sentBefore, 'the provider was asked without the file');

  const msgs = dbQuery(server, `SELECT m.role, m.content, m.status, m.error FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.uuid = '${uuid}' ORDER BY m.id`);
  const last = msgs.at(-1);
  assert.equal(last.role, 'user');
  assert.equal(last.content, 'And the second column?');
  assert.equal(last.status, 'error');
  assert.match(last.error, /data\.csv" could not be read/);
  // The page offers the failed question again.
  const page = await client.get(path);
  assert.match(page.text, /could not be read/);
});

let made = 0;
function newUserId() {
  const name = `owner${process.pid}x${++made}`;
  dbExec(server, `INSERT INTO users (username, email, password_hash, created_at) VALUES ('${name}', '${name}@mail.test', '', 0)`);
  return dbQuery(server, `SELECT id FROM users WHERE username = '${name}'`)[0].id;
}
