// api-provider-text.test.mjs - what a provider sends that reaches the client or the
// record through /v1/chat/completions (docs/api.md, "Errors"): never the provider's
// key (in a streamed error event, a whole body, an error message cut to 300 bytes,
// an Anthropic stream's error), never text cut inside a UTF-8 character, never an
// SSE line of the provider's own making, and no unbounded error tail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startServer, dbQuery } from '../lib/server.mjs';
import { startScriptedProvider, apiKeyHolder } from '../lib/scripted-provider.mjs';

// Not shaped like an sk- key or a long token: only the exact key scrub removes it.
const KEY = 'prov-secret-4242-abcdefgh';
const sse = (res, obj, event) => res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof obj === 'string' ? obj : JSON.stringify(obj)}\n\n`);
const chunk = (model, content) => ({ id: 'x', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: { content } }] });

let prov, openaiServer, anthropicServer, ou, au;

function provider(req, res, j) {
  const m = j.model;
  if (req.url === '/v1/messages') {
    // Anthropic: a stream that starts, then an error event quoting the key
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    sse(res, { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: m, content: [], usage: { input_tokens: 1, output_tokens: 0 } } }, 'message_start');
    sse(res, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start');
    sse(res, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } }, 'content_block_delta');
    sse(res, { type: 'error', error: { type: 'authentication_error', message: `bad key ${KEY} here` } }, 'error');
    return res.end();
  }
  if (m === 'leak-stream') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    sse(res, chunk(m, 'hi'));
    sse(res, { error: { message: `Invalid API key: ${KEY}`, type: 'invalid_request_error' } });
    return res.end();
  }
  if (m === 'leak-whole') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ id: 'c', object: 'chat.completion', model: m, choices: [{ index: 0, message: { role: 'assistant', content: `your key is ${KEY}` }, finish_reason: 'stop' }] }));
  }
  if (m === 'leak-cut') { // the key across the 300-byte cut of the message
    res.writeHead(401, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ error: { message: 'x'.repeat(290) + KEY, type: 'auth' } }));
  }
  if (m === 'utf8-cut') { // a 2-byte character across the 300-byte cut
    res.writeHead(400, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ error: { message: 'x'.repeat(299) + 'ééééé', type: 'bad' } }));
  }
  if (m === 'utf8-stream') { // the same, as a stream's error event (the record's error)
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    sse(res, chunk(m, 'hi'));
    sse(res, { error: { message: 'x'.repeat(299) + 'ééééé', type: 'bad' } });
    return res.end();
  }
  if (m === 'inject') { // one event whose data has lines of its own, one an event of its own
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: ${JSON.stringify(chunk(m, 'a'))}\ndata: \ndata: data: ${JSON.stringify({ ...chunk(m, 'INJECTED'), id: 'inj' })}\n\n`);
    sse(res, '[DONE]');
    return res.end();
  }
  if (m === 'error-flood') { // 16 MiB of error events
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const e = JSON.stringify({ error: { message: 'e'.repeat(65536), type: 'flood' } });
    for (let i = 0; i < 256; i++) res.write(`data: ${e}\n\n`);
    return res.end();
  }
  res.writeHead(500, { 'content-type': 'application/json' });
  res.end('{}');
}

const keyHolder = (server) => apiKeyHolder(server, 'pt');

before(async () => {
  prov = await startScriptedProvider(provider);
  const url = prov.url.replace(/\/v1$/, '');
  openaiServer = await startServer({ env: { LLM_API_URL: `${url}/v1`, LLM_API_KEY: KEY,
    LLM_MODELS: 'leak-stream,leak-whole,leak-cut,utf8-cut,utf8-stream,inject,error-flood' } });
  anthropicServer = await startServer({ env: { LLM_API_URL: `${url}/v1`, LLM_API_TYPE: 'anthropic', LLM_API_KEY: KEY, LLM_MODELS: 'claude-x' } });
  ou = await keyHolder(openaiServer);
  au = await keyHolder(anthropicServer);
});
after(async () => { await openaiServer?.stop(); await anthropicServer?.stop(); prov?.close(); });

const api = (server, u) => new OpenAI({ apiKey: u.key, baseURL: `${server.url}/v1`, maxRetries: 0 });
const ask = (model, stream = false) => api(openaiServer, ou).chat.completions.create({ model, stream, messages: [{ role: 'user', content: 'x' }] });
async function drain(stream) { let text = ''; for await (const c of stream) text += c.choices[0]?.delta?.content || ''; return text; }
const lastErrors = (server, n = 1) => dbQuery(server, `SELECT error FROM messages WHERE error IS NOT NULL ORDER BY id DESC LIMIT ${n}`).map((r) => r.error);

test("a provider's streamed error event reaches the client without the key", async () => {
  const e = await ask('leak-stream', true).then(drain).catch((err) => err);
  assert.ok(e instanceof OpenAI.APIError, String(e));
  assert.match(e.message, /Invalid API key: \[key\]/);
  assert.ok(!e.message.includes(KEY));
  for (const t of lastErrors(openaiServer, 2)) assert.ok(!t.includes(KEY), t);
});

test("a provider's whole answer reaches the client and the record without the key", async () => {
  const r = await ask('leak-whole');
  assert.equal(r.choices[0].message.content, 'your key is [key]');
  const rows = dbQuery(openaiServer, "SELECT content FROM messages WHERE role = 'assistant' ORDER BY id DESC LIMIT 1");
  assert.ok(!rows[0].content.includes(KEY));
});

test('a key across the 300-byte cut of an error message leaves nothing of itself', async () => {
  const e = await ask('leak-cut').catch((err) => err);
  assert.equal(e.status, 502);
  assert.ok(!e.message.includes(KEY.slice(0, 6)), e.message);
  assert.match(e.message, /x{200}\[key\]/);
});

test('an Anthropic stream error quoting the key reaches client and record without it', async () => {
  const e = await api(anthropicServer, au).chat.completions.create({ model: 'claude-x', stream: true, messages: [{ role: 'user', content: 'x' }] })
    .then(drain).catch((err) => err);
  assert.ok(e instanceof OpenAI.APIError, String(e));
  assert.ok(!e.message.includes(KEY), e.message);
  assert.match(e.message, /bad key \[key\] here/);
  for (const t of lastErrors(anthropicServer, 2)) assert.ok(!t.includes(KEY), t);
});

test('a text cut inside a UTF-8 character: the real error, whole characters, recorded', async () => {
  let e = await api(openaiServer, ou).chat.completions.create({ model: 'a'.repeat(199) + 'é', messages: [{ role: 'user', content: 'x' }] }).catch((err) => err);
  assert.equal(e.status, 404);
  assert.match(e.message, new RegExp(`The model 'a{199}' does not exist`));
  e = await ask('utf8-cut').catch((err) => err);
  assert.equal(e.status, 400);
  assert.match(e.message, /x{299}\.\.\./);
  assert.doesNotMatch(e.message, /out of memory/i);
  e = await ask('utf8-stream', true).then(drain).catch((err) => err);
  assert.ok(e instanceof OpenAI.APIError, String(e));
  const [recorded] = lastErrors(openaiServer);
  assert.match(recorded, /x{299}\.\.\./);
  assert.ok(!recorded.includes('\uFFFD'), 'valid UTF-8 in the record');
});

test("a provider's data with line breaks stays one event", async () => {
  // (The engine finds such an event malformed and ends the call; what matters here
  // is that the client's stream gets no event the provider made up.)
  const r = await fetch(`${openaiServer.url}/v1/chat/completions`, { method: 'POST',
    headers: { authorization: `Bearer ${ou.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'inject', stream: true, messages: [{ role: 'user', content: 'x' }] }) });
  const text = await r.text();
  // Events as an SSE client reads them: blocks of lines, data lines joined.
  const events = text.split(/\n\n/).map((b) => b.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n')).filter(Boolean);
  assert.ok(events.length >= 2, text);
  assert.ok(events.some((d) => d.includes('INJECTED')), text);
  assert.ok(!events.some((d) => d.startsWith('{"id":"inj"')), text);
});

test('a provider flooding error events is cut off with a clear 502', async () => {
  const e = await ask('error-flood', true).then(drain).catch((err) => err);
  assert.ok(e instanceof OpenAI.APIError, String(e));
  assert.equal(e.status, 502);
  assert.match(e.message, /8 MiB/);
});
