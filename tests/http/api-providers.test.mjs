// api-providers.test.mjs - model names across providers in the API (docs/api.md):
// a model two providers offer is listed as "provider/model" (once per provider), a
// model only one offers by its bare name; both forms are accepted; the provider
// gets its own name of the model and the client its own back, in whole answers and
// in every chunk, the rest of the bytes as the provider sent them; GET /v1/models/{id}
// finds a model by either name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startServer, createUser, runCli, uniq, dbQuery } from '../lib/server.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

let fakeA, fakeB, server, client, dir;

before(async () => {
  fakeA = await startFakeProvider();
  fakeB = await startFakeProvider();
  dir = mkdtempSync(join(tmpdir(), 'llmmeta-prov-'));
  const ini = join(dir, 'providers.ini');
  writeFileSync(ini, `[alpha]\ntype = openai\nurl = ${fakeA.url}\nmodels = echo, received\n\n[beta]\ntype = openai\nurl = ${fakeB.url}\nmodels = echo, tool\n`);
  server = await startServer({ env: { LLMMETA_PROVIDERS: ini } });
  const username = uniq('prov');
  await createUser(server, { username, email: `${username}@example.org`, password: 'a-long-password-42' });
  const key = (await runCli(['apikey', '--username', username, '--name', 'k'], { env: server.env })).stdout.trim();
  client = new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await server?.stop();
  await fakeA?.close();
  await fakeB?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a shared model name is listed as provider/model, the others bare', async () => {
  const list = [];
  for await (const m of client.models.list()) list.push([m.id, m.owned_by]);
  assert.deepEqual(list, [['alpha/echo', 'alpha'], ['received', 'alpha'], ['beta/echo', 'beta'], ['tool', 'beta']]);
});

test('GET /v1/models/{id} (models.retrieve) finds a model by either name and names it back as asked; 404 otherwise', async () => {
  for (const [id, owner] of [['alpha/echo', 'alpha'], ['beta/echo', 'beta'], ['echo', 'alpha'], ['tool', 'beta'], ['beta/tool', 'beta']]) {
    const m = await client.models.retrieve(id);
    assert.deepEqual({ id: m.id, object: m.object, owned_by: m.owned_by }, { id, object: 'model', owned_by: owner }, id);
  }
  for (const id of ['gamma/echo', 'alpha/tool', 'nothing', '<script>x</script>']) {
    await assert.rejects(client.models.retrieve(id), (e) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found'
      && e.param === 'model' && e.message.includes(id), id);
  }
  // The raw path, without the client's encoding, and without a key.
  const res = await fetch(`${server.url}/v1/models/beta/echo`, { headers: { authorization: `Bearer ${client.apiKey}` } });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).id, 'beta/echo');
  const anon = await fetch(`${server.url}/v1/models/echo`);
  assert.equal(anon.status, 401);
  assert.equal((await anon.json()).error.code, 'invalid_api_key');
});

test('provider/model reaches that provider under the provider\'s name and comes back as asked', async () => {
  const a = fakeA.requests.length;
  const r = await client.chat.completions.create({ model: 'beta/echo', messages: [{ role: 'user', content: 'to beta' }] });
  assert.equal(r.model, 'beta/echo');
  assert.equal(fakeA.requests.length, a, 'alpha got nothing');
  assert.equal(fakeB.requests.at(-1).body.model, 'echo');
  const stream = await client.chat.completions.create({ model: 'beta/echo', stream: true, messages: [{ role: 'user', content: 'to beta' }] });
  for await (const c of stream) assert.equal(c.model, 'beta/echo');
  // The bare name of a shared model goes to the first provider offering it.
  await client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'bare' }] });
  assert.equal(fakeA.requests.at(-1).body.messages[0].content, 'bare');
  const [row] = dbQuery(server, "SELECT provider, model FROM messages WHERE content = 'Answer to: to beta' ORDER BY id LIMIT 1");
  assert.deepEqual(row, { provider: 'beta', model: 'echo' });
});

test('the client\'s JSON goes through byte for byte but for the model: numbers and spacing as sent', async () => {
  const raw = '{ "model" : "alpha/received", "messages":[{"role":"user","content":"x"}], "temperature": 0.1, "seed": 12345678901234567, "x": 1.0e0 }';
  const r = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/json' }, body: raw });
  assert.equal(r.status, 200);
  const got = await r.json();
  assert.equal(got.model, 'alpha/received');
  assert.equal(got.system_fingerprint, 'fp_fake');
  // The fake parsed what it got: the numbers are the ones sent, the model the provider's name.
  assert.deepEqual(JSON.parse(got.choices[0].message.content), { ...JSON.parse(raw), model: 'received' });
  assert.equal(fakeA.requests.at(-1).raw, raw.replace('"alpha/received"', '"received"'), 'the bytes as sent');
  const [q] = dbQuery(server, "SELECT request_json FROM messages WHERE role = 'user' ORDER BY id DESC LIMIT 1");
  assert.equal(q.request_json, raw, 'recorded as the client sent it');
});

test('a "model" key spelled with escapes still reaches the provider as its own name; duplicate keys are refused', async () => {
  const post = (body) => fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/json' }, body });
  // JSON's "mod\u0065l" is "model": the provider must get "received", never the client's "alpha/received".
  const escaped = '{"mod\\u0065l":"alpha/received","messages":[{"role":"user","content":"esc"}]}';
  const r = await post(escaped);
  assert.equal(r.status, 200);
  assert.equal((await r.json()).model, 'alpha/received');
  assert.equal(fakeA.requests.at(-1).body.model, 'received');
  // Two "model" members: which one a parser keeps differs, so neither is guessed.
  const before = dbQuery(server, 'SELECT count(*) AS n FROM messages')[0].n;
  const dup = await post('{"model":"alpha/received","model":"beta/echo","messages":[{"role":"user","content":"dup"}]}');
  assert.equal(dup.status, 400);
  assert.match((await dup.json()).error.message, /duplicate/i);
  assert.equal(dbQuery(server, 'SELECT count(*) AS n FROM messages')[0].n, before, 'a refused request is not recorded');
});

test('the body and context limits at the last accepted and first refused value; no key, no body read', async () => {
  const fake = await startFakeProvider();
  const small = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo', MAX_UPLOAD_BYTES: '4096', MAX_CONTEXT_CHARS: '100' } });
  try {
    const username = uniq('lim');
    await createUser(small, { username, email: `${username}@example.org`, password: 'a-long-password-42' });
    const key = (await runCli(['apikey', '--username', username, '--name', 'k'], { env: small.env })).stdout.trim();
    const post = (body, auth = `Bearer ${key}`) => fetch(`${small.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body });
    const sized = (n) => { // a body of exactly n bytes, its text within MAX_CONTEXT_CHARS
      const base = JSON.stringify({ model: 'echo', messages: [{ role: 'user', content: 'é'.repeat(50) }], pad: '' });
      return base.replace('"pad":""', `"pad":"${'x'.repeat(n - Buffer.byteLength(base))}"`);
    };
    assert.equal(Buffer.byteLength(sized(4096)), 4096);
    assert.equal((await post(sized(4096))).status, 200);
    const over = await post(sized(4097));
    assert.equal(over.status, 413);
    assert.equal((await over.json()).error.code, 'request_too_large');
    // 100 characters of text (the é are two bytes each) are the last accepted
    const text = (n) => JSON.stringify({ model: 'echo', messages: [{ role: 'system', content: 'é'.repeat(40) }, { role: 'user', content: 'é'.repeat(n - 40) }] });
    assert.equal((await post(text(100))).status, 200);
    const long = await post(text(101));
    assert.equal(long.status, 400);
    const e = (await long.json()).error;
    assert.equal(e.code, 'context_length_exceeded');
    assert.equal(e.param, 'messages');
    // Without a key, a large body is refused before it is read: 401, not 413.
    assert.equal((await post(sized(100000), 'Bearer nope')).status, 401);
  } finally {
    await small.stop();
    await fake.close();
  }
});
