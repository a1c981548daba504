// ask.test.mjs - asking a model: what llmmeta sends to the provider (model,
// every parameter, the key header, the whole conversation in order, the file's text),
// what it records (every field of §5.4), invalid input that must never reach the
// provider, provider failures, streaming, cancellation, and that slow answers block
// nobody. The provider is tests/lib/fake-provider.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, dbQuery, Client, getCsrf, errorTexts, decodeEntities, sleep } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

const KEY = 'sk-test-secret-key-4242';
const MODELS = 'echo,chunky,html,fail-500,fail-401,garbage,garbage-json,cut,hang,slow-3000,no-usage,whole,drip';
let fake, server, alice;

before(async () => {
  fake = await startFakeProvider();
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_API_KEY: KEY, LLM_MODELS: MODELS, LLM_FIRST_TOKEN_TIMEOUT: '2' } });
  alice = await signedUpClient(server.url, 'alice');
});

after(async () => {
  await server?.stop();
  await fake?.close();
});

async function csrfOf(client, path = '/ask/') {
  const page = await client.get(path);
  assert.equal(page.status, 200, `GET ${path}`);
  return getCsrf(page.text);
}

/** Posts the ask form as a browser without JavaScript would. */
async function ask(client, fields, { path = '/ask/', files = [] } = {}) {
  const csrf_token = await csrfOf(client, path);
  return client.postMultipart(path, { csrf_token, model: 'echo', ...fields }, files);
}

const lastRequest = () => fake.requests[fake.requests.length - 1];
const uuidOf = (location) => /\/conversation\/([0-9a-f-]{36})\//.exec(location)[1];
const messagesOf = (uuid) => dbQuery(server, `SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.uuid = '${uuid}' ORDER BY m.id`);

test('the parameters reach the provider exactly as entered, and every field is recorded', async () => {
  const q = 'Create a metadata schema, please.';
  const r = await ask(alice.client, { question: q, max_tokens: 123, temperature: 0.35, top_k: 7, top_p: 0.55 });
  assert.equal(r.status, 303, r.text.slice(0, 500));
  const sent = lastRequest();
  assert.equal(sent.url, '/v1/chat/completions');
  assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
  assert.equal(sent.body.model, 'echo');
  assert.equal(sent.body.max_tokens, 123);
  assert.equal(sent.body.temperature, 0.35);
  assert.equal(sent.body.top_k, 7);
  assert.equal(sent.body.top_p, 0.55);
  assert.equal(sent.body.stream, true);
  assert.equal(sent.body.stream_options.include_usage, true);
  assert.deepEqual(sent.body.messages, [{ role: 'user', content: q }]);

  const [question, answer] = messagesOf(uuidOf(r.location));
  assert.equal(question.role, 'user');
  assert.equal(question.content, q);
  assert.equal(question.status, 'ok');
  assert.equal(question.source, 'web');
  assert.equal(question.model, 'echo');
  assert.equal(question.max_tokens, 123);
  assert.equal(answer.role, 'assistant');
  assert.equal(answer.content, `Answer to: ${q}`);
  assert.equal(answer.provider, 'default');
  assert.equal(answer.model, 'echo');
  assert.equal(answer.model_reported, 'echo-2026');
  assert.equal(answer.max_tokens, 123);
  assert.equal(answer.temperature, 0.35);
  assert.equal(answer.top_k, 7);
  assert.equal(answer.top_p, 0.55);
  assert.equal(answer.prompt_tokens, 5); // the fake counts words
  assert.equal(answer.completion_tokens, 7);
  assert.equal(answer.total_tokens, 12);
  assert.equal(answer.finish_reason, 'stop');
  assert.equal(answer.status, 'ok');
  assert.equal(answer.error, null);
  assert.ok(answer.elapsed_ms >= 0 && answer.ttft_ms >= 0 && answer.ttft_ms <= answer.elapsed_ms);
  assert.ok(Math.abs(answer.created_at - Date.now()) < 60000, 'created_at is now, in ms');

  const page = await alice.client.get(r.location);
  assert.equal(page.status, 200);
  assert.match(page.text, /echo-2026/);
  assert.match(page.text, /<dt>Total tokens<\/dt><dd>12<\/dd>/);
});

test('the form defaults (max_tokens 600, temperature 0.7, top_k 40, top_p 0.9) are sent when the fields are left as the form offers them', async () => {
  const page = await alice.client.get('/ask/');
  for (const [name, value] of [['max_tokens', '600'], ['temperature', '0.7'], ['top_k', '40'], ['top_p', '0.9']]) {
    assert.match(page.text, new RegExp(`name="${name}"[^>]*value="${value}"`), `${name} defaults to ${value}`);
  }
  const r = await ask(alice.client, { question: 'defaults?', max_tokens: 600, temperature: 0.7, top_k: 40, top_p: 0.9 });
  assert.equal(r.status, 303);
  assert.deepEqual(
    ['max_tokens', 'temperature', 'top_k', 'top_p'].map((k) => lastRequest().body[k]), [600, 0.7, 40, 0.9]);
});

test('the second question of a conversation carries the first question and answer, in order', async () => {
  const first = await ask(alice.client, { question: 'First question' });
  const path = first.location.replace(/^https?:\/\/[^/]+/, '');
  const second = await ask(alice.client, { question: 'Second question' }, { path });
  assert.equal(second.status, 303);
  assert.equal(uuidOf(second.location), uuidOf(first.location));
  assert.deepEqual(lastRequest().body.messages, [
    { role: 'user', content: 'First question' },
    { role: 'assistant', content: 'Answer to: First question' },
    { role: 'user', content: 'Second question' },
  ]);
  assert.equal(messagesOf(uuidOf(first.location)).length, 4);
});

test("the file's text reaches the provider, marked as context, and the file is stored with its SHA-256", async () => {
  const csv = 'strain,stress\n0.001,200\n0.002,390\n';
  const r = await ask(alice.client, { question: 'Schema for this test?' },
    { files: [{ name: 'file_upload', filename: 'tensile.csv', contentType: 'application/x-evil', content: csv }] });
  assert.equal(r.status, 303, r.text.slice(0, 500));
  const content = lastRequest().body.messages[0].content;
  assert.ok(content.startsWith('Schema for this test?'));
  assert.ok(content.includes(csv.trimEnd()), 'the file text is in the message');
  assert.match(content, /Context: the attached file "tensile\.csv"/);
  const [up] = dbQuery(server, "SELECT name, size, sha256, content_type FROM uploads WHERE name = 'tensile.csv'");
  assert.equal(up.size, Buffer.byteLength(csv));
  assert.equal(up.sha256, createHash('sha256').update(csv).digest('hex'));
  assert.equal(up.content_type, 'text/csv', 'the type comes from the extension, not the client');
  // The owner downloads it as an attachment; another user gets 404.
  const page = await alice.client.get(r.location);
  const href = /href="(\/uploads\/\d+\/)"/.exec(page.text)[1];
  const dl = await alice.client.get(href);
  assert.equal(dl.status, 200);
  assert.equal(dl.text, csv);
  assert.match(dl.headers.get('content-disposition'), /^attachment; filename="tensile\.csv"/);
  assert.equal(dl.headers.get('content-type'), 'text/csv; charset=utf-8', 'the stored type (from the extension)');
  const bob = await signedUpClient(server.url, 'bob');
  assert.equal((await bob.client.get(href)).status, 404);
  assert.equal((await bob.client.get(r.location)).status, 404, "another user's conversation is 404");
  const csrf_token = await csrfOf(bob.client);
  const path = r.location.replace(/^https?:\/\/[^/]+/, '');
  const before = fake.requests.length;
  assert.equal((await bob.client.postMultipart(path, { csrf_token, question: 'hijack', model: 'echo' })).status, 404);
  assert.equal(fake.requests.length, before);
});

test('invalid input never reaches a provider and is shown next to its field, with the input kept', async () => {
  const before = fake.requests.length;
  const count = dbQuery(server, 'SELECT count(*) AS n FROM messages')[0].n;
  const cases = [
    [{ question: 'q', temperature: '1.5' }, 'temperature', /less than or equal to 1/],
    [{ question: 'q', max_tokens: '99999' }, 'max_tokens', /less than or equal to 3000/],
    [{ question: 'q', max_tokens: '0' }, 'max_tokens', /greater than or equal to 1/],
    [{ question: 'q', top_k: '101' }, 'top_k', /less than or equal to 100/],
    [{ question: 'q', top_p: 'abc' }, 'top_p', /Enter a number/],
    [{ question: 'q', temperature: 'NaN' }, 'temperature', /Enter a number/],
    [{ question: 'q', model: 'gpt-unknown' }, 'model', /not one of the available choices/],
    [{ question: '   ' }, 'question', /required/],
  ];
  for (const [fields, field, reason] of cases) {
    const r = await ask(alice.client, fields);
    assert.equal(r.status, 400, JSON.stringify(fields));
    const err = new RegExp(`id="e-${field}"[^>]*>([^<]*)<`).exec(r.text);
    assert.ok(err, `an error beside ${field} for ${JSON.stringify(fields)}`);
    assert.match(err[1], reason);
  }
  const kept = await ask(alice.client, { question: 'keep <this> text', temperature: '1.5' });
  assert.match(kept.text, /keep &lt;this&gt; text<\/textarea>/);
  assert.match(kept.text, /name="temperature"[^>]*value="1.5"/);
  const files = [
    [{ filename: 'report.doc', content: Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0xff]) }, /not UTF-8 text/],
    [{ filename: 'setup.exe', content: 'MZ' }, /not accepted \(\.exe\)/],
  ];
  for (const [f, reason] of files) {
    const r = await ask(alice.client, { question: 'q' }, { files: [{ name: 'file_upload', contentType: 'application/octet-stream', ...f }] });
    assert.equal(r.status, 400);
    assert.match(errorTexts(r.text).join(' '), reason);
  }
  assert.equal(fake.requests.length, before, 'nothing reached the provider');
  assert.equal(dbQuery(server, 'SELECT count(*) AS n FROM messages')[0].n, count, 'nothing was stored');
});

test('a file longer than MAX_CONTEXT_CHARS is refused with its size and the limit', async () => {
  const small = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo', MAX_CONTEXT_CHARS: '100' } });
  try {
    const { client } = await signedUpClient(small.url, 'carol');
    const csrf_token = getCsrf((await client.get('/ask/')).text);
    const before = fake.requests.length;
    const r = await client.postMultipart('/ask/', { csrf_token, question: 'q', model: 'echo' },
      [{ name: 'file_upload', filename: 'long.txt', content: 'é'.repeat(150) }]);
    assert.equal(r.status, 400);
    assert.match(errorTexts(r.text).join(' '), /150 characters long; the limit is 100/);
    assert.equal(fake.requests.length, before);
  } finally {
    await small.stop();
  }
});

for (const [model, reason] of [
  ['fail-500', /^The model "fail-500" \(provider "default"\) did not answer: the provider returned HTTP 500 \("internal failure in the fake model"\)\.$/],
  ['garbage', /^The model "garbage" \(provider "default"\) sent a malformed answer: it is not the stream or JSON this API sends\.$/],
  ['garbage-json', /^The model "garbage-json" \(provider "default"\) sent a malformed answer: HTTP 200, but not the JSON this API sends\.$/],
  ['cut', /^The model "cut" \(provider "default"\) (stopped answering: the connection broke|did not finish its answer: the stream ended) before the answer was complete\.$/],
  ['hang', /^The model "hang" \(provider "default"\) did not answer: nothing came within 2 s \(the first-token timeout\)\.$/],
]) {
  test(`a provider that answers ${model} gives a clear message and an error record`, async () => {
    const r = await ask(alice.client, { question: `try ${model}`, model });
    assert.equal(r.status, 303);
    const [q, a] = messagesOf(uuidOf(r.location));
    assert.equal(q.status, 'error');
    assert.match(q.error, reason);
    if (a) assert.equal(a.status, 'error', 'a partial answer is kept as error');
    const page = await alice.client.get(r.location);
    const alerts = [...page.text.matchAll(/<p class="error" role="alert">([^<]*)<\/p>/g)].map((m) => decodeEntities(m[1]));
    assert.equal(alerts[0], `This question failed. ${q.error}`, 'two sentences, not one run-on');
    assert.match(page.text, /<textarea[^>]*>try [a-z0-9-]+<\/textarea>/, 'the failed question is offered again');
    assert.equal((await alice.client.get('/health/')).status, 200, 'the server stays up');
  });
}

test("the provider's key never shows, even when the provider quotes it back", async () => {
  const r = await ask(alice.client, { question: 'key?', model: 'fail-401' });
  const [q] = messagesOf(uuidOf(r.location));
  assert.match(q.error, /HTTP 401 \("Incorrect API key provided: \[key\]"\)\.$/);
  const page = await alice.client.get(r.location);
  assert.ok(!page.text.includes(KEY));
  assert.ok(!server.stderr().includes(KEY), 'not in the log either');
});

test('tokens the provider does not report are recorded as NULL, never invented', async () => {
  const r = await ask(alice.client, { question: 'no usage here', model: 'no-usage' });
  const a = messagesOf(uuidOf(r.location))[1];
  assert.equal(a.status, 'ok');
  assert.equal(a.prompt_tokens, null);
  assert.equal(a.completion_tokens, null);
  assert.equal(a.total_tokens, null);
  const page = await alice.client.get(r.location);
  assert.match(page.text, /Total tokens<\/dt><dd class="unknown">not reported/);
});

test('a provider that ignores stream:true and answers whole JSON still works', async () => {
  const r = await ask(alice.client, { question: 'whole please', model: 'whole' });
  const a = messagesOf(uuidOf(r.location))[1];
  assert.equal(a.content, 'Answer to: whole please');
  assert.equal(a.total_tokens, 6);
});

test('an answer containing <script> is shown as text; only http(s) links are links', async () => {
  const r = await ask(alice.client, { question: 'html please', model: 'html' });
  const page = await alice.client.get(r.location);
  assert.ok(!/<script>alert/.test(page.text));
  assert.match(page.text, /&lt;script&gt;alert/);
  assert.ok(!/href="javascript:/i.test(page.text));
  assert.match(page.text, /<a href="https:\/\/example\.org\/" rel="nofollow noopener noreferrer">good<\/a>/);
  assert.match(page.text, /<strong>bold<\/strong>/);
  assert.match(page.text, /<code class="language-json">/);
});

test('with JavaScript the answer streams as NDJSON: start, deltas, done with the rendered answer', async () => {
  const csrf_token = await csrfOf(alice.client);
  const { body, contentType } = (await import('../lib/client.mjs')).multipart({ csrf_token, question: 'stream me', model: 'chunky' });
  const res = await fetch(`${server.url}/ask/`, {
    method: 'POST', body,
    headers: { 'Content-Type': contentType, Accept: 'application/x-ndjson', 'X-CSRF-Token': csrf_token, Cookie: alice.client.cookieHeader() },
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /application\/x-ndjson/);
  const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines[0].type, 'start');
  assert.match(lines[0].url, /^\/conversation\/[0-9a-f-]{36}\/$/);
  const deltas = lines.filter((l) => l.type === 'delta');
  assert.ok(deltas.length > 1, 'the answer came in pieces');
  assert.equal(deltas.map((d) => d.text).join(''), 'Answer to: stream me');
  const done = lines[lines.length - 1];
  assert.equal(done.type, 'done');
  assert.match(done.html, /Answer to: stream me/);
  assert.match(done.html, /chunky-2026/);
});

test('when the browser goes away mid-answer the call is cancelled and recorded as cancelled', async () => {
  const csrf_token = await csrfOf(alice.client);
  const { body, contentType } = (await import('../lib/client.mjs')).multipart({ csrf_token, question: 'drip slowly', model: 'drip' });
  const ctl = new AbortController();
  const res = await fetch(`${server.url}/ask/`, {
    method: 'POST', body, signal: ctl.signal,
    headers: { 'Content-Type': contentType, Accept: 'application/x-ndjson', 'X-CSRF-Token': csrf_token, Cookie: alice.client.cookieHeader() },
  });
  const reader = res.body.getReader();
  let text = '';
  while (!text.includes('"delta"')) text += new TextDecoder().decode((await reader.read()).value);
  const uuid = JSON.parse(text.split('\n')[0]).conversation;
  ctl.abort();
  let rows = [];
  for (let i = 0; i < 50 && !(rows.length === 2 && rows[0].status === 'cancelled'); i++) {
    await sleep(100);
    rows = messagesOf(uuid);
  }
  assert.equal(rows[0].status, 'cancelled');
  assert.equal(rows[1].status, 'cancelled');
  assert.match(rows[1].content, /^drop0 /, 'what had arrived is kept');
  assert.ok(!rows[1].content.includes('drop39'), 'the answer was not complete');
  assert.equal(rows[1].total_tokens, null, 'tokens never reported are NULL, not 0');
  assert.equal(rows[1].prompt_tokens, null);
  assert.ok(rows[1].elapsed_ms > 0, 'the time until the browser left');
  assert.ok(rows[1].ttft_ms > 0 && rows[1].ttft_ms <= rows[1].elapsed_ms, 'the first piece did arrive');
});

test('while a dozen slow answers are pending, other pages answer at once', async () => {
  let finished = 0;
  const slow = [];
  const sent = fake.requests.length;
  for (let i = 0; i < 12; i++) {
    slow.push(ask(alice.client, { question: `slow ${i}`, model: 'drip' }).then((r) => { finished++; return r; }));
  }
  // Waited for, not slept on: all twelve are with the provider, which takes 8 s over
  // each answer (drip), so the pages below have seconds to spare on a loaded machine.
  for (const end = Date.now() + 30000; fake.requests.length < sent + 12 && Date.now() < end;) await sleep(50);
  assert.equal(fake.requests.length - sent, 12, 'the slow questions did not all reach the provider');
  for (const path of ['/about/', '/health/', '/', '/ask/']) {
    assert.equal((await alice.client.get(path)).status, 200);
  }
  assert.equal(finished, 0, 'the pages answered while every slow answer was still pending');
  const results = await Promise.all(slow);
  assert.ok(results.every((r) => r.status === 303));
});

test('saved prompts: the predefined one, saving, using and deleting; only the owner sees them', async () => {
  const pre = await alice.client.get('/ask/?prompt=predefined');
  assert.match(pre.text, /<textarea[^>]*>Create a non-populated metadata schema for a tensile test/);
  const csrf_token = await csrfOf(alice.client);
  const saved = await alice.client.postMultipart('/ask/', { csrf_token, question: 'My <own> prompt\nsecond line', intent: 'save_prompt' });
  assert.equal(saved.status, 200);
  const id = /href="\/ask\/\?prompt=(\d+)" title="My &lt;own&gt; prompt">My &lt;own&gt; prompt</.exec(saved.text)[1];
  // Listed after the question's form: the question is what the page is for.
  assert.ok(saved.text.indexOf('class="saved"') > saved.text.indexOf('name="question"'), 'saved prompts after the form');
  const use = await alice.client.get(`/ask/?prompt=${id}`);
  assert.match(use.text, /<textarea[^>]*>My &lt;own&gt; prompt\nsecond line<\/textarea>/);
  const bob = await signedUpClient(server.url, 'bob');
  const theirs = await bob.client.get(`/ask/?prompt=${id}`);
  assert.ok(!theirs.text.includes('My &lt;own&gt; prompt'));
  const bobToken = await csrfOf(bob.client);
  assert.equal((await bob.client.postForm(`/prompts/${id}/delete/`, { csrf_token: bobToken })).status, 404);
  assert.equal((await alice.client.postForm(`/prompts/${id}/delete/`, { csrf_token })).status, 303);
  assert.ok(!(await alice.client.get('/ask/')).text.includes('My &lt;own&gt; prompt'));
});

test("the history lists the user's own conversations, newest first, titles escaped", async () => {
  const first = await ask(alice.client, { question: 'Older <b>one</b>' });
  const second = await ask(alice.client, { question: 'Newer one' });
  const page = await alice.client.get('/conversation/');
  assert.equal(page.status, 200);
  const at = (r) => page.text.indexOf(`/conversation/${uuidOf(r.location)}/`);
  assert.ok(at(second) >= 0 && at(first) > at(second), 'newest first');
  assert.match(page.text, /Older &lt;b&gt;one&lt;\/b&gt;/);
  const bob = await signedUpClient(server.url, 'bob');
  const theirs = await bob.client.get('/conversation/');
  assert.ok(!theirs.text.includes(uuidOf(first.location)), "nobody sees another's conversations");
  assert.equal((await alice.client.get('/conversation/?page=0')).status, 400);
  assert.equal((await new Client(server.url).get('/conversation/')).status, 302, 'anonymous visitors log in first');
});

test('a silent model: heartbeats keep the stream alive, and a browser that leaves before the first word is noticed', async () => {
  const patient = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'slow-9000' } });
  try {
    const { client } = await signedUpClient(patient.url, 'patient');
    const csrf_token = getCsrf((await client.get('/ask/')).text);
    const { body, contentType } = (await import('../lib/client.mjs')).multipart({ csrf_token, question: 'think long', model: 'slow-9000' });
    const ctl = new AbortController();
    const res = await fetch(`${patient.url}/ask/`, {
      method: 'POST', body, signal: ctl.signal,
      headers: { 'Content-Type': contentType, Accept: 'application/x-ndjson', 'X-CSRF-Token': csrf_token, Cookie: client.cookieHeader() },
    });
    const reader = res.body.getReader();
    let text = '';
    while (!text.includes('"wait"')) text += new TextDecoder().decode((await reader.read()).value);
    assert.ok(!text.includes('"delta"'), 'the heartbeat came before any word of the answer');
    const uuid = JSON.parse(text.split('\n')[0]).conversation;
    ctl.abort();
    let rows = [];
    for (let i = 0; i < 80 && !(rows[0] && rows[0].status === 'cancelled'); i++) {
      await sleep(100);
      rows = dbQuery(patient, `SELECT m.status FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.uuid = '${uuid}'`);
    }
    assert.equal(rows[0].status, 'cancelled', 'noticed at the next heartbeat, before the model answered');
  } finally {
    await patient.stop();
  }
});
