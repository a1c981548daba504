// api-embeddings.test.mjs - POST /v1/embeddings (docs/api.md, "Embeddings") driven
// by the official `openai` npm package, unchanged, against the fake provider: float
// and base64 answers (the client decodes base64 itself), every input shape,
// dimensions passed through, each refusal with its parameter, provider failures as
// the client's own exceptions, the embedding models apart from the chat models
// (listed in /v1/models, refused by chat completions and the ask form), the record
// (a summary and a hash of the input, never the vectors; the input text only with
// RECORD_EMBEDDING_INPUT=1) seen by its owner only, a client that leaves mid-call,
// and the route in /metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startServer, createUser, uniq, dbQuery, sleep, Client } from '../lib/server.mjs';
import { login } from '../lib/flows.mjs';
import { apiAccount, lastApiRecord } from '../lib/api.mjs';
import { startFakeProvider, fakeEmbedding } from '../lib/fake-provider.mjs';

const CAP = 100000; // MAX_API_BODY_BYTES
const TOKEN = 'metrics-token-embeddings-0123456789';
let fake, server, dir, alice, bob;


before(async () => {
  fake = await startFakeProvider();
  dir = mkdtempSync(join(tmpdir(), 'llmmeta-emb-'));
  const ini = join(dir, 'providers.ini');
  writeFileSync(ini, `[open]\ntype = openai\nurl = ${fake.url}\nkey = sk-embed-secret-77\nmodels = echo\n`
    + 'embedding_models = emb-small, fail-500, fail-401, rate-429, garbage-json, slow-20000\n\n'
    + `[anth]\ntype = anthropic\nurl = ${fake.url}\nmodels = claude-x\nembedding_models = anth-emb\n`);
  server = await startServer({ env: { LLMMETA_PROVIDERS: ini, MAX_API_BODY_BYTES: String(CAP), METRICS_TOKEN: TOKEN } });
  alice = await apiAccount(server, 'ealice');
  bob = await apiAccount(server, 'ebob');
});

after(async () => {
  await server?.stop();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The messages of the conversation holding the user's last call. */
const lastRecord = (username) => lastApiRecord(server, username, 'api-embeddings');

const sha = (input) => createHash('sha256').update(JSON.stringify(input)).digest('hex');

test('embeddings.create: a float vector per input, as the provider computed it, named as asked', async () => {
  const r = await alice.client.embeddings.create({ model: 'emb-small', input: 'The quick brown fox', encoding_format: 'float' });
  assert.equal(r.object, 'list');
  assert.equal(r.model, 'emb-small');
  assert.equal(r.data.length, 1);
  assert.deepEqual(r.data[0].embedding, fakeEmbedding('The quick brown fox'));
  assert.deepEqual(r.usage, { prompt_tokens: 4, total_tokens: 4 });
  const sent = fake.requests.at(-1);
  assert.equal(sent.url, '/v1/embeddings');
  assert.equal(sent.headers.authorization, 'Bearer sk-embed-secret-77');
  assert.deepEqual(sent.body, { model: 'emb-small', input: 'The quick brown fox', encoding_format: 'float' });
});

test('base64 (the client\'s default) decodes to the same values as float', async () => {
  const input = ['first document', 'second one'];
  const b64 = await alice.client.embeddings.create({ model: 'emb-small', input }); // the client asks for base64 itself
  assert.equal(fake.requests.at(-1).body.encoding_format, 'base64');
  const flt = await alice.client.embeddings.create({ model: 'emb-small', input, encoding_format: 'float' });
  assert.equal(b64.data.length, 2);
  for (const i of [0, 1]) {
    assert.deepEqual(Array.from(b64.data[i].embedding), flt.data[i].embedding);
    assert.deepEqual(flt.data[i].embedding, fakeEmbedding(input[i]));
  }
});

test('every input shape, and dimensions and user passed through', async () => {
  for (const input of ['one string', ['a', 'list', 'of strings'], [1, 2, 3, 4], [[5, 6], [7, 8, 9]]]) {
    const r = await alice.client.embeddings.create({ model: 'emb-small', input, dimensions: 8, user: 'u-1', encoding_format: 'float' });
    const n = typeof input === 'string' || typeof input[0] === 'number' ? 1 : input.length;
    assert.equal(r.data.length, n, JSON.stringify(input));
    assert.equal(r.data[0].embedding.length, 8);
    const sent = fake.requests.at(-1).body;
    assert.deepEqual(sent, { model: 'emb-small', input, dimensions: 8, user: 'u-1', encoding_format: 'float' });
  }
});

test('each refusal is a 400 naming its parameter, before the provider is called', async () => {
  const before = fake.requests.length;
  const cases = [
    [{ model: 'emb-small' }, 'input'],
    [{ model: 'emb-small', input: '' }, 'input'],
    [{ model: 'emb-small', input: [] }, 'input'],
    [{ model: 'emb-small', input: 42 }, 'input'],
    [{ model: 'emb-small', input: ['ok', 3] }, 'input[1]'],
    [{ model: 'emb-small', input: [[1], 'x'] }, 'input[1]'],
    [{ model: 'emb-small', input: [1, -2] }, 'input'],
    [{ model: 'emb-small', input: 'x', encoding_format: 'int8' }, 'encoding_format'],
    [{ model: 'emb-small', input: 'x', dimensions: 0 }, 'dimensions'],
    [{ model: 'emb-small', input: 'x', dimensions: 1.5 }, 'dimensions'],
    [{ model: 'emb-small', input: 'x', user: 7 }, 'user'],
    [{ input: 'x' }, 'model'],
    [{ model: 'echo', input: 'x' }, 'model'],
    [{ model: 'anth-emb', input: 'x' }, 'model'],
    [{ model: 'emb-small', input: Array(2049).fill('x') }, 'input'],
  ];
  for (const [body, param] of cases) {
    await assert.rejects(alice.client.embeddings.create(body), (e) => e instanceof OpenAI.BadRequestError && e.param === param,
      JSON.stringify(body).slice(0, 80));
  }
  await assert.rejects(alice.client.embeddings.create({ model: 'echo', input: 'x' }),
    (e) => /'echo' is a chat model, not an embedding model/.test(e.message));
  await assert.rejects(alice.client.embeddings.create({ model: 'anth-emb', input: 'x' }),
    (e) => /provider 'anth' is of type anthropic, which does not offer embeddings/.test(e.message));
  await assert.rejects(alice.client.embeddings.create({ model: 'nothing', input: 'x' }),
    (e) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found' && e.param === 'model');
  assert.equal(fake.requests.length, before, 'no refused call reached the provider');
  const anon = await fetch(`${server.url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'emb-small', input: 'x' }) });
  assert.equal(anon.status, 401);
  assert.equal((await anon.json()).error.code, 'invalid_api_key');
  assert.equal(lastRecord(alice.username).every((m) => m.content !== 'x'), true);
});

/** A body of exactly n bytes: an input string padded to fill it. */
function padded(n) {
  const base = JSON.stringify({ model: 'emb-small', input: '', encoding_format: 'float' });
  return JSON.stringify({ model: 'emb-small', input: 'y'.repeat(n - base.length), encoding_format: 'float' });
}

test('a body of MAX_API_BODY_BYTES is taken, one byte more is refused with 413', async () => {
  const post = (body) => fetch(`${server.url}/v1/embeddings`, { method: 'POST',
    headers: { authorization: `Bearer ${bob.key}`, 'content-type': 'application/json' }, body });
  assert.equal(padded(CAP).length, CAP);
  const ok = await post(padded(CAP));
  assert.equal(ok.status, 200, await ok.clone().text());
  assert.equal((await ok.json()).data.length, 1);
  const big = await post(padded(CAP + 1));
  assert.equal(big.status, 413);
});

test('a provider failure raises the client\'s own exception and is recorded as an error', async () => {
  const cases = [['fail-500', OpenAI.InternalServerError, 502], ['rate-429', OpenAI.RateLimitError, 429],
    ['garbage-json', OpenAI.InternalServerError, 502], ['fail-401', OpenAI.InternalServerError, 502]];
  for (const [model, cls, status] of cases) {
    await assert.rejects(alice.client.embeddings.create({ model, input: `for ${model}` }),
      (e) => e instanceof cls && e.status === status && !e.message.includes('sk-embed-secret-77'), model);
    const [q] = lastRecord(alice.username);
    assert.equal(q.status, 'error', model);
    assert.equal(q.model, model);
    assert.ok(q.error.includes(model), q.error);
    assert.ok(!q.error.includes('sk-embed-secret-77'), 'the key is scrubbed from the record');
  }
});

test('the record: source, a summary with the input\'s size and hash, tokens and the vectors\' shape; not the input', async () => {
  const input = ['secret document one', 'secret document two'];
  await alice.client.embeddings.create({ model: 'emb-small', input, dimensions: 12 });
  const [q, a] = lastRecord(alice.username);
  assert.equal(q.role, 'user');
  assert.equal(q.source, 'api-embeddings');
  assert.equal(q.status, 'ok');
  assert.equal(q.content, `Embeddings of 2 inputs, 38 characters, SHA-256 ${sha(input)}`);
  assert.equal(q.provider, 'open');
  assert.equal(q.model, 'emb-small');
  assert.ok(q.api_key_id > 0);
  const params = JSON.parse(q.request_json);
  assert.deepEqual(params.input, { count: 2, size: 38, unit: 'characters', sha256: sha(input) });
  assert.equal(params.dimensions, 12);
  assert.equal(a.role, 'assistant');
  assert.equal(a.source, 'api-embeddings');
  assert.equal(a.content, '2 vectors of 12 dimensions');
  assert.equal(a.prompt_tokens, 6);
  assert.equal(a.total_tokens, 6);
  assert.equal(a.model_reported, 'emb-small');
  assert.ok(a.elapsed_ms >= 0);
  const all = dbQuery(server, "SELECT content, request_json FROM messages WHERE source = 'api-embeddings'");
  assert.ok(all.every((m) => !m.content.includes('secret document') && !(m.request_json || '').includes('secret document')),
    'the input text is not kept');
  await alice.client.embeddings.create({ model: 'emb-small', input: [[1, 2, 3]] });
  assert.equal(lastRecord(alice.username)[0].content, `Embeddings of 1 input, 3 tokens, SHA-256 ${sha([[1, 2, 3]])}`);
});

test('shown to its owner in the history and export with its source; another user never sees it', async () => {
  await alice.client.embeddings.create({ model: 'emb-small', input: 'owner only' });
  const [q] = lastRecord(alice.username);
  const [conv] = dbQuery(server, `SELECT uuid FROM conversations WHERE id = ${q.conversation_id}`);
  const web = new Client(server.url);
  assert.equal((await login(web, alice.username, 'a-long-password-42')).status, 302);
  const history = await web.get('/conversation/');
  const entry = history.text.split('<article class="hist-conv"').find((x) => x.includes(`/conversation/${conv.uuid}/`));
  assert.ok(entry, 'in the history');
  assert.match(entry, /Embeddings of 1 input, 10 characters/);
  assert.match(entry, /<abbr class="via-api"[^>]*>API embeddings<\/abbr>/);
  const page = await web.get(`/conversation/${conv.uuid}/`);
  assert.match(page.text, /<dt>Via<\/dt><dd>API \(embeddings\)<\/dd>/);
  const csv = await web.get('/export/messages.csv');
  assert.ok(csv.text.split('\r\n').some((l) => l.includes(',api-embeddings,') && l.includes('Embeddings of 1 input, 10 characters')));
  // Found by the search (the full-text index, rebuilt with the table by migration 13).
  const found = await web.get(`/conversation/?q=${encodeURIComponent('Embeddings')}`);
  assert.ok(found.text.includes(`/conversation/${conv.uuid}/`), 'the search finds it');
  // The administrators' list, filtered by its source.
  const admin = uniq('eadmin');
  await createUser(server, { username: admin, email: `${admin}@example.org`, password: 'a-long-password-42', admin: true });
  const adm = new Client(server.url);
  await login(adm, admin, 'a-long-password-42');
  const listed = await adm.get('/admin/messages/?source=api-embeddings');
  assert.equal(listed.status, 200);
  assert.ok(listed.text.includes(`/admin/messages/${q.id}/`), 'in the admin list under its source');
  const other = new Client(server.url);
  assert.equal((await login(other, bob.username, 'a-long-password-42')).status, 302);
  assert.ok(!(await other.get('/conversation/')).text.includes(conv.uuid));
  assert.equal((await other.get(`/conversation/${conv.uuid}/`)).status, 404);
  const otherCsv = await other.get('/export/messages.csv');
  assert.ok(!otherCsv.text.includes('Embeddings of 1 input, 10 characters'));
  assert.ok(!otherCsv.text.includes(q.content));
});

test('/v1/models lists the embedding models after the chat models; chat completions and the ask form refuse them', async () => {
  const ids = [];
  for await (const m of alice.client.models.list()) ids.push([m.id, m.owned_by]);
  assert.deepEqual(ids, [['echo', 'open'], ['claude-x', 'anth'], ['emb-small', 'open'], ['fail-500', 'open'], ['fail-401', 'open'],
    ['rate-429', 'open'], ['garbage-json', 'open'], ['slow-20000', 'open'], ['anth-emb', 'anth']]);
  assert.equal((await alice.client.models.retrieve('emb-small')).owned_by, 'open');
  assert.equal((await alice.client.models.retrieve('open/emb-small')).id, 'open/emb-small');
  await assert.rejects(alice.client.chat.completions.create({ model: 'emb-small', messages: [{ role: 'user', content: 'hi' }] }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'model' && /is an embedding model/.test(e.message));
  const web = new Client(server.url);
  await login(web, alice.username, 'a-long-password-42');
  const form = await web.get('/ask/');
  assert.match(form.text, /<option[^>]*>echo<\/option>/);
  assert.ok(!/<option[^>]*>emb-small<\/option>/.test(form.text), 'the ask form does not offer an embedding model');
});

test('a client that leaves mid-call cancels the provider call; recorded as cancelled', async () => {
  const ac = new AbortController();
  const t0 = Date.now();
  const seen = fake.requests.length;
  const p = alice.client.embeddings.create({ model: 'slow-20000', input: 'left early' }, { signal: ac.signal }).catch(() => {});
  for (let i = 0; i < 100 && fake.requests.length === seen; i++) await sleep(50);
  ac.abort();
  await p;
  let q;
  for (let i = 0; i < 300; i++) {
    [q] = lastRecord(alice.username);
    if (q?.model === 'slow-20000' && q.status === 'cancelled') break;
    await sleep(50);
  }
  assert.equal(q.model, 'slow-20000');
  assert.equal(q.status, 'cancelled');
  assert.ok(Date.now() - t0 < 19500, 'the provider call was cancelled, not waited for');
});

test('/metrics counts the route /v1/embeddings', async () => {
  const text = await (await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } })).text();
  assert.match(text, /^llmmeta_http_requests_total\{route="\/v1\/embeddings",method="POST",status="200"\} [1-9]/m);
  assert.match(text, /^llmmeta_http_requests_total\{route="\/v1\/embeddings",method="POST",status="400"\} [1-9]/m);
});

test('RECORD_EMBEDDING_INPUT=1 keeps the input text; the single-provider setting LLM_EMBEDDING_MODELS names the models', async () => {
  const keep = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo', LLM_EMBEDDING_MODELS: 'emb-small',
    RECORD_EMBEDDING_INPUT: '1' } });
  try {
    const u = await apiAccount(keep, 'ekeep');
    const ids = [];
    for await (const m of u.client.models.list()) ids.push(m.id);
    assert.deepEqual(ids, ['echo', 'emb-small']);
    await u.client.embeddings.create({ model: 'emb-small', input: ['kept line one', 'kept line two'] });
    const [q] = dbQuery(keep, "SELECT content, request_json FROM messages WHERE source = 'api-embeddings' AND role = 'user'");
    assert.equal(q.content, `Embeddings of 2 inputs, 26 characters, SHA-256 ${sha(['kept line one', 'kept line two'])}\n\nkept line one\nkept line two`);
    assert.deepEqual(JSON.parse(q.request_json).input, ['kept line one', 'kept line two']);
  } finally {
    await keep.stop();
  }
});
