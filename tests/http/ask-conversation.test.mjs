// ask-conversation.test.mjs - a conversation page as a new user meets it: "Save
// question as prompt" saves and asks nothing; a reopened conversation's form keeps
// its last model and parameters; the page is titled with the conversation's title;
// provider failures read as whole sentences naming the model and the provider, on
// the page and in the NDJSON error line; a conversation page whose saved prompts
// cannot be read is a 500 without an ETag, not a page to cache without them, and
// so is /ask/ (not a form without the user's saved prompts). The
// provider is tests/lib/fake-provider.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, dbQuery, dbExec, PSQL, getCsrf, errorTexts, decodeEntities, multipart, freePort } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

let fake, server, alice;

before(async () => {
  fake = await startFakeProvider();
  // top_k is not sent to this provider: recorded NULL.
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo,chunky,fail-500', LLM_UNSUPPORTED: 'top_k' } });
  alice = await signedUpClient(server.url, 'alice');
});

after(async () => {
  await server?.stop();
  await fake?.close();
});

async function ask(client, fields, path = '/ask/') {
  const csrf_token = getCsrf((await client.get(path)).text);
  return client.postMultipart(path, { csrf_token, model: 'echo', ...fields });
}
const pathOf = (location) => new URL(location, server.url).pathname;
const messagesOf = (srv, uuid) => dbQuery(srv, `SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.uuid = '${uuid}' ORDER BY m.id`);
const uuidOf = (location) => /\/conversation\/([0-9a-f-]{36})\//.exec(location)[1];
const field = (html, name) => new RegExp(`<input id="f-${name}" name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1];
const alerts = (html) => [...html.matchAll(/<p class="error" role="alert">([^<]*)<\/p>/g)].map((m) => decodeEntities(m[1]));
const selected = (html) => /<option selected>([^<]*)<\/option>/.exec(html)?.[1];

test('"Save question as prompt" on a conversation page saves it and asks nothing', async () => {
  const first = await ask(alice.client, { question: 'Start here' });
  assert.equal(first.status, 303);
  const path = pathOf(first.location);
  const uuid = uuidOf(path);
  const before = messagesOf(server, uuid).length;
  const sent = fake.requests.length;
  const csrf_token = getCsrf((await alice.client.get(path)).text);
  const r = await alice.client.postMultipart(path, {
    csrf_token, intent: 'save_prompt', question: 'Reusable <prompt> from a conversation', model: 'chunky', temperature: '0.2',
  });
  assert.equal(r.status, 200, 'the conversation page again, not a redirect after asking');
  assert.match(r.text, /<p class="notice" role="status">The question was saved as a prompt\.<\/p>/);
  assert.match(r.text, /<h1 id="title">Start here<\/h1>/, 'still the conversation');
  assert.match(r.text, /<textarea[^>]*>Reusable &lt;prompt&gt; from a conversation<\/textarea>/, 'the question stays in the form');
  assert.equal(selected(r.text), 'chunky', 'the model as the user left it');
  assert.equal(field(r.text, 'temperature'), '0.2');
  assert.equal(messagesOf(server, uuid).length, before, 'no message recorded');
  assert.equal(fake.requests.length, sent, 'nothing sent to the model');
  const prompts = dbQuery(server, "SELECT p.title, p.text FROM saved_prompts p JOIN users u ON u.id = p.user_id WHERE p.text LIKE 'Reusable%'");
  assert.deepEqual(prompts, [{ title: 'Reusable <prompt> from a conversation', text: 'Reusable <prompt> from a conversation' }]);
  assert.match((await alice.client.get('/ask/')).text, /href="\/ask\/\?prompt=\d+" title="[^"]*">Reusable &lt;prompt&gt; from a conversation</);

  // A blank question is refused there too, beside the field; still nothing asked.
  const blank = await alice.client.postMultipart(path, { csrf_token, intent: 'save_prompt', question: '  ' });
  assert.equal(blank.status, 400);
  assert.ok(errorTexts(blank.text).includes('Write the question to save first.'));
  assert.equal(messagesOf(server, uuid).length, before);
  assert.equal(fake.requests.length, sent);
});

test('a reopened conversation keeps its last model and parameters; unsent ones take the default', async () => {
  const r = await ask(alice.client, { question: 'Settings?', model: 'chunky', max_tokens: '123', temperature: '0.35', top_k: '7', top_p: '0.123456789' });
  const path = pathOf(r.location);
  const page = (await alice.client.get(path)).text;
  assert.equal(selected(page), 'chunky', 'not the first model (echo)');
  assert.equal(field(page, 'max_tokens'), '123');
  assert.equal(field(page, 'temperature'), '0.35');
  assert.equal(field(page, 'top_k'), '40', 'top_k was not sent to this provider (NULL): the default');
  assert.equal(field(page, 'top_p'), '0.123456789', 'as typed, not rounded to six digits');

  // The last question decides, not the first.
  await ask(alice.client, { question: 'Again', model: 'echo', max_tokens: '99', temperature: '1', top_p: '0' }, path);
  const again = (await alice.client.get(path)).text;
  assert.equal(selected(again), 'echo');
  assert.equal(field(again, 'max_tokens'), '99');
  assert.equal(field(again, 'temperature'), '1');
  assert.equal(field(again, 'top_p'), '0');

  // A new conversation still starts from the defaults.
  const fresh = (await alice.client.get('/ask/')).text;
  assert.equal(selected(fresh), 'echo');
  assert.equal(field(fresh, 'max_tokens'), '600');
});

test("a conversation whose last model is no longer configured offers the first configured one", async () => {
  const fake2 = await startFakeProvider();
  let first = await startServer({ env: { LLM_API_URL: fake2.url, LLM_MODELS: 'echo,gone' } });
  let second;
  try {
    const { client } = await signedUpClient(first.url, 'gone');
    const r = await ask(client, { question: 'Soon gone', model: 'gone', max_tokens: '77' });
    assert.equal(r.status, 303);
    await first.stop({ cleanup: false });
    second = await startServer({ env: { LLM_API_URL: fake2.url, LLM_MODELS: 'chunky,echo' }, db: first.db, migrate: false });
    client.base = second.url;
    const page = (await client.get(r.location.replace(first.url, ''))).text;
    assert.equal(selected(page), 'chunky', 'the first configured model');
    assert.ok(!page.includes('>gone<'), 'the model that went is not offered');
    assert.equal(field(page, 'max_tokens'), '77', 'the parameters still follow the conversation');
  } finally {
    await (second ?? first).stop();
    await fake2.close();
  }
});

test("the conversation page is titled with the conversation's title, escaped", async () => {
  const r = await ask(alice.client, { question: '<script>alert(1)</script> & "tensile"\nsecond line' });
  const page = (await alice.client.get(pathOf(r.location))).text;
  const escaped = '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;tensile&quot;';
  assert.ok(page.includes(`<title>${escaped} · llmmeta</title>`), 'the <title>');
  assert.ok(page.includes(`<h1 id="title">${escaped}</h1>`), 'the heading');
  assert.ok(!page.includes('<script>alert(1)'));
  assert.ok(!/<title>Conversation/.test(page));

  // A conversation without a title (an import, say) is "(untitled)".
  const plain = await ask(alice.client, { question: 'x' });
  const id = dbQuery(server, `SELECT id FROM conversations WHERE uuid = '${uuidOf(plain.location)}'`)[0].id;
  dbQueryWrite(`UPDATE conversations SET title = '' WHERE id = ${id}`);
  const untitled = (await alice.client.get(pathOf(plain.location))).text;
  assert.ok(untitled.includes('<title>(untitled) · llmmeta</title>'));
  assert.ok(untitled.includes('<h1 id="title">(untitled)</h1>'));
});

// Test set-up only: gives a conversation an empty title, which the web form never
// does (imports and the API may).
function dbQueryWrite(sql) {
  const { db } = server;
  const r = db.backend === 'postgres'
    ? spawnSync(PSQL, [db.url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { encoding: 'utf8' })
    : spawnSync('sqlite3', [db.url.replace(/^sqlite:\/\//, ''), sql], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

const FAIL_500 = 'The model "fail-500" (provider "default") did not answer: the provider returned HTTP 500 ("internal failure in the fake model").';

test('a provider failure reads as whole sentences naming the model and the provider, on the page', async () => {
  const r = await ask(alice.client, { question: 'fail please', model: 'fail-500' });
  const [q] = messagesOf(server, uuidOf(r.location));
  assert.equal(q.error, FAIL_500);
  const page = (await alice.client.get(pathOf(r.location))).text;
  assert.deepEqual(alerts(page), [`This question failed. ${FAIL_500}`]);
});

test('the NDJSON error line carries the same sentence', async () => {
  const csrf_token = getCsrf((await alice.client.get('/ask/')).text);
  const { body, contentType } = multipart({ csrf_token, question: 'fail streamed', model: 'fail-500' });
  const res = await fetch(`${server.url}/ask/`, {
    method: 'POST', body,
    headers: { 'Content-Type': contentType, Accept: 'application/x-ndjson', 'X-CSRF-Token': csrf_token, Cookie: alice.client.cookieHeader() },
  });
  const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
  const last = lines.at(-1);
  assert.equal(last.type, 'error');
  assert.equal(last.message, FAIL_500);
});

test('a provider that cannot be reached is named as configured, with the reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmmeta-prov-'));
  const ini = join(dir, 'providers.ini');
  writeFileSync(ini, `[local]\ntype = openai\nurl = http://127.0.0.1:${await freePort()}/v1\nmodels = llama3.2\n`);
  const srv = await startServer({ env: { LLMMETA_PROVIDERS: ini } });
  try {
    const { client } = await signedUpClient(srv.url, 'local');
    const r = await ask(client, { question: 'anyone there?', model: 'llama3.2' });
    assert.equal(r.status, 303);
    const [q] = messagesOf(srv, uuidOf(r.location));
    assert.equal(q.error, 'The model "llama3.2" (provider "local") could not be reached: the connection was refused or the host is unreachable.');
    const page = (await client.get(r.location.replace(/^https?:\/\/[^/]+/, ''))).text;
    assert.deepEqual(alerts(page), [`This question failed. ${q.error}`]);
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Last: it breaks the database under the shared server.
test('a conversation page whose saved prompts cannot be read is a 500, never cached', async () => {
  const first = await ask(alice.client, { question: 'Before the prompts went' });
  assert.equal(first.status, 303);
  const path = pathOf(first.location);
  const ok = await alice.client.get(path);
  assert.equal(ok.status, 200);
  assert.ok(ok.headers.get('etag'), 'the page is cacheable while it is whole');
  dbExec(server, 'DROP TABLE saved_prompts');
  const r = await alice.client.get(path);
  assert.equal(r.status, 500, 'the page was sent without its saved prompts');
  assert.equal(r.headers.get('etag'), null);
  const again = await alice.client.get(path, { headers: { 'If-None-Match': ok.headers.get('etag') } });
  assert.equal(again.status, 500, 'a page missing its prompts must not confirm a cached copy');
});

// Last too: it breaks the database under the shared server.
test('/ask/ whose saved prompts cannot be read is a 500, not a form without them', async () => {
  dbExec(server, 'DROP TABLE IF EXISTS saved_prompts');
  const r = await alice.client.get('/ask/');
  assert.equal(r.status, 500, 'the form was sent without the saved prompts');
  assert.match(r.text, /The saved prompts could not be read\./);
});
