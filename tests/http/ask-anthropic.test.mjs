// ask-anthropic.test.mjs - several providers from an INI file (LLMMETA_PROVIDERS), the
// Anthropic Messages API (x-api-key, anthropic-version, max_tokens always, system apart),
// and a parameter the provider does not accept: never sent, recorded as NULL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, dbQuery, getCsrf } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

let fake, server, dir;

before(async () => {
  fake = await startFakeProvider();
  dir = mkdtempSync(join(tmpdir(), 'llmmeta-ini-'));
  const ini = join(dir, 'providers.ini');
  writeFileSync(ini, `[local]\ntype = openai\nurl = ${fake.url}\nmodels = echo\n\n` +
    `[claude]\ntype = anthropic\nurl = ${fake.url}\nkey_env = TEST_CLAUDE_KEY\nmodels = chunky, no-usage\nunsupported = top_p\n`);
  server = await startServer({ env: { LLMMETA_PROVIDERS: ini, TEST_CLAUDE_KEY: 'ak-test-999' } });
});

after(async () => {
  await server?.stop();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('models of both providers are offered, and each question goes to its own provider', async () => {
  const { client } = await signedUpClient(server.url, 'dora');
  const page = await client.get('/ask/');
  for (const m of ['echo', 'chunky', 'no-usage']) assert.match(page.text, new RegExp(`<option[^>]*>${m}</option>`));
  const csrf_token = getCsrf(page.text);

  let r = await client.postMultipart('/ask/', { csrf_token, question: 'to openai', model: 'echo', top_p: '0.5' });
  assert.equal(r.status, 303);
  let sent = fake.requests.at(-1);
  assert.equal(sent.url, '/v1/chat/completions');
  assert.equal(sent.headers.authorization, undefined, 'no key configured: none sent');
  assert.equal(sent.body.top_p, 0.5);

  r = await client.postMultipart('/ask/', { csrf_token, question: 'to claude', model: 'chunky', max_tokens: '77', temperature: '0.2', top_k: '5', top_p: '0.5' });
  assert.equal(r.status, 303, r.text.slice(0, 300));
  sent = fake.requests.at(-1);
  assert.equal(sent.url, '/v1/messages');
  assert.equal(sent.headers['x-api-key'], 'ak-test-999');
  assert.equal(sent.headers['anthropic-version'], '2023-06-01');
  assert.equal(sent.body.max_tokens, 77);
  assert.equal(sent.body.temperature, 0.2);
  assert.equal(sent.body.top_k, 5);
  assert.ok(!('top_p' in sent.body), 'top_p is not sent to a provider that refuses it');
  assert.deepEqual(sent.body.messages, [{ role: 'user', content: 'to claude' }]);

  const uuid = /\/conversation\/([0-9a-f-]{36})\//.exec(r.location)[1];
  const rows = dbQuery(server, `SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.uuid = '${uuid}' ORDER BY m.id`);
  assert.equal(rows[1].provider, 'claude');
  assert.equal(rows[1].top_p, null, 'recorded as not sent');
  assert.equal(rows[1].top_k, 5);
  assert.equal(rows[1].content, 'Answer to: to claude');
  assert.equal(rows[1].model_reported, 'chunky-2026');
  assert.equal(rows[1].finish_reason, 'end_turn');
  assert.equal(rows[1].prompt_tokens, 2);
  assert.equal(rows[1].completion_tokens, 4);
  assert.equal(rows[1].total_tokens, 6);
});
