// provider-key.test.mjs - the provider's key (LLM_API_KEY) never reaches a user, the
// record or an export, whichever way the model was asked: the ask form (streamed
// and without JavaScript) and /v1/chat/completions alike. A provider may quote the
// key back in its answer, split across two pieces of a stream, or in the fields
// it reports (the model's name, the finish reason); all of it is shown and stored
// as "[key]".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startServer, dbQuery, getCsrf } from '../lib/server.mjs';
import { startScriptedProvider, apiKeyHolder } from '../lib/scripted-provider.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { multipart } from '../lib/client.mjs';

// Not shaped like an sk- key or a long token: only the exact key scrub removes it.
const KEY = 'prov-secret-4242-abcdefgh';
const SPLIT = ['your key is prov-sec', 'ret-4242-abcdefgh. Bye'];
const SCRUBBED = 'your key is [key]. Bye';
const sse = (res, obj) => res.write(`data: ${typeof obj === 'string' ? obj : JSON.stringify(obj)}\n\n`);

let prov, server, alice, apiUser;

// 'split': the key across two events; 'meta': the key in the reported model and
// the finish reason (streamed or whole).
function provider(req, res, j) {
  const meta = j.model === 'meta';
  const model = meta ? `m-${KEY}` : j.model;
  const finish = meta ? `end ${KEY}` : 'stop';
  const pieces = meta ? ['plain answer'] : SPLIT;
  if (!j.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ id: 'c', object: 'chat.completion', model, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      choices: [{ index: 0, message: { role: 'assistant', content: pieces.join('') }, finish_reason: finish }] }));
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const p of pieces) sse(res, { id: 'x', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: { content: p }, finish_reason: null }] });
  sse(res, { id: 'x', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: {}, finish_reason: finish }] });
  sse(res, { id: 'x', object: 'chat.completion.chunk', model, choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
  sse(res, '[DONE]');
  res.end();
}

before(async () => {
  prov = await startScriptedProvider(provider);
  server = await startServer({ env: { LLM_API_URL: prov.url, LLM_API_KEY: KEY, LLM_MODELS: 'split,meta' } });
  alice = await signedUpClient(server.url, 'pk');
  apiUser = (await apiKeyHolder(server, 'pkapi')).key;
});
after(async () => { await server?.stop(); prov?.close(); });

const lastAnswer = () => dbQuery(server, "SELECT content, rendered, model_reported, finish_reason, error FROM messages WHERE role = 'assistant' ORDER BY id DESC LIMIT 1")[0];
const noKey = (row) => { for (const [k, v] of Object.entries(row)) assert.ok(!String(v ?? '').includes(KEY), `${k}: ${v}`); };

async function formPost(model, stream) {
  const csrf_token = getCsrf((await alice.client.get('/ask/')).text);
  const { body, contentType } = multipart({ csrf_token, question: 'tell me', model });
  return fetch(`${server.url}/ask/`, { method: 'POST', body, redirect: 'manual',
    headers: { 'Content-Type': contentType, 'X-CSRF-Token': csrf_token, Cookie: alice.client.cookieHeader(), ...(stream ? { Accept: 'application/x-ndjson' } : {}) } });
}

test('form without JavaScript: a key split across two pieces is shown and stored as [key]', async () => {
  const res = await formPost('split', false);
  assert.equal(res.status, 303);
  const page = await alice.client.get(res.headers.get('location'));
  assert.equal(page.status, 200);
  assert.ok(!page.text.includes(KEY), 'the conversation page shows the key');
  assert.match(page.text, /your key is \[key\]\. Bye/);
  const row = lastAnswer();
  assert.equal(row.content, SCRUBBED);
  noKey(row);
  const jsonl = await alice.client.get('/export/messages.jsonl');
  assert.equal(jsonl.status, 200);
  assert.match(jsonl.text, /your key is \[key\]/);
  assert.ok(!jsonl.text.includes(KEY), 'the export has the key');
});

test('form streamed: the deltas, the done line and the record hold [key], never the key', async () => {
  const res = await formPost('split', true);
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.ok(!text.includes(KEY), 'the stream carries the key');
  const lines = text.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.filter((l) => l.type === 'delta').map((l) => l.text).join(''), SCRUBBED);
  assert.equal(lines[lines.length - 1].type, 'done');
  assert.equal(lastAnswer().content, SCRUBBED);
});

test('form: the reported model and finish reason are stored without the key', async () => {
  const res = await formPost('meta', true);
  assert.equal(res.status, 200);
  assert.ok(!(await res.text()).includes(KEY));
  const row = lastAnswer();
  assert.equal(row.content, 'plain answer');
  assert.equal(row.model_reported, 'm-[key]');
  assert.equal(row.finish_reason, 'end [key]');
  noKey(row);
});

const api = () => new OpenAI({ apiKey: apiUser, baseURL: `${server.url}/v1`, maxRetries: 0 });

test('API stream: a key split across two events reaches the client as [key]', async () => {
  const stream = await api().chat.completions.create({ model: 'split', stream: true, messages: [{ role: 'user', content: 'x' }] });
  let text = '';
  let finish = null;
  for await (const c of stream) {
    text += c.choices[0]?.delta?.content || '';
    finish = c.choices[0]?.finish_reason || finish;
  }
  assert.equal(text, SCRUBBED);
  assert.equal(finish, 'stop');
  assert.equal(lastAnswer().content, SCRUBBED);
});

test('API: the reported model and finish reason are stored and exported without the key', async () => {
  for (const stream of [true, false]) {
    const r = await api().chat.completions.create({ model: 'meta', stream, messages: [{ role: 'user', content: 'x' }] });
    if (stream) for await (const c of r) assert.ok(!JSON.stringify(c).includes(KEY));
    else assert.ok(!JSON.stringify(r).includes(KEY));
    const row = lastAnswer();
    assert.equal(row.model_reported, 'm-[key]', `stream ${stream}`);
    assert.equal(row.finish_reason, 'end [key]', `stream ${stream}`);
    noKey(row);
  }
});
