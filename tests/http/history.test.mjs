// history.test.mjs - /conversation/: the user's conversations grouped by day (UTC in
// the page), each with its models, message count, total tokens and exchanges in
// short, a Delete button and a link; paged by a keyset cursor that a new
// conversation does not shift; ?page= sent to that cursor; only the user's own; every
// title, question and answer shown as text. Runs on both backends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, getCsrf, errorTexts, dbQuery, dbExec, decodeEntities } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

let fake, server;
const DAY = 86400000;

export async function ask(server, client, fields, path = '/ask/') {
  const csrf_token = getCsrf((await client.get(path)).text);
  const r = await client.postMultipart(path, { csrf_token, model: 'echo', ...fields });
  assert.equal(r.status, 303, errorTexts(r.text).join(' / '));
  return new URL(r.location, server.url).pathname;
}
const uuidOf = (path) => /\/conversation\/([0-9a-f-]{36})\//.exec(path)[1];
const convIds = (html) => [...html.matchAll(/<article class="hist-conv" data-at="\d+"><h3><a href="\/conversation\/([0-9a-f-]{36})\/">/g)].map((m) => m[1]);
const headings = (html) => [...html.matchAll(/<section class="day"><h2>([^<]*)<\/h2>/g)].map((m) => m[1]);
const setUpdated = (uuid, ms) => dbExec(server, `UPDATE conversations SET updated_at = ${ms} WHERE uuid = '${uuid}'`);
const entryOf = (html, uuid) => {
  const start = html.indexOf(`<a href="/conversation/${uuid}/">`);
  assert.ok(start > 0, `conversation ${uuid} is on the page`);
  return html.slice(start, html.indexOf('</article>', start));
};

before(async () => {
  fake = await startFakeProvider({ models: ['echo', 'no-usage', 'html'] });
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo,no-usage,html' } });
});
after(async () => { await server?.stop(); await fake?.close(); });

test('each conversation: title cut at a word, models, message count, total tokens, exchanges, link and Delete', async () => {
  const { client } = await signedUpClient(server.url, 'hist');
  const path = await ask(server, client, { question: 'First question about **tides**' });
  await ask(server, client, { question: 'Second one\n\nwith `code` and a paragraph', model: 'no-usage' }, path);
  const uuid = uuidOf(path);
  const long = 'word '.repeat(40).trim() + ' tail';
  dbExec(server, `UPDATE conversations SET title = '${long}' WHERE uuid = '${uuid}'`);
  const tokens = dbQuery(server, `SELECT sum(m.total_tokens) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.uuid = '${uuid}'`)[0].n;
  assert.ok(tokens > 0, 'the echo model reports tokens');
  const page = await client.get('/conversation/');
  assert.equal(page.status, 200);
  const entry = entryOf(page.text, uuid);
  // 80 characters of "word word ...", cut after a whole word.
  assert.match(entry, new RegExp(`^<a href="/conversation/${uuid}/">(word ){15}word…</a></h3>`));
  assert.match(entry, new RegExp(`<time datetime="\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z" class="t-time">\\d\\d:\\d\\d UTC</time> · echo, no-usage · 4 messages · ${tokens} tokens</p>`));
  // Each exchange: the question (Markdown marks dropped), the answer's start, its metadata.
  assert.match(entry, /<li><p class="q">First question about tides<\/p><p class="a">Answer to: First question about tides<\/p><p class="hist-meta">echo · \d+ tokens · \d+ ms<\/p><\/li>/);
  assert.match(entry, /<li><p class="q">Second one with code and a paragraph<\/p><p class="a">Answer to: [^<]*<\/p><p class="hist-meta">no-usage · tokens not reported · \d+ ms<\/p><\/li>/);
  assert.match(entry, new RegExp(`<a class="link danger" href="/delete_conversation/${uuid}/" data-delete-title="${long}">Delete</a>`));
  assert.match(page.text, /<script src="\/static\/delete\.js\?v=[^"]+" defer><\/script>/);
  assert.match(page.text, /<script src="\/static\/history\.js\?v=[^"]+" defer><\/script>/);
  assert.match(page.text, /<input type="hidden" name="csrf_token" value="[^"]+">/, 'delete.js posts with the token');
  assert.match(page.text, /<a href="\/export\/messages\.csv">CSV<\/a>/);
  assert.match(page.text, /<a href="\/export\/messages\.jsonl">JSONL<\/a>/);
  // A long answer is cut at a word with "…".
  await ask(server, client, { question: 'x'.repeat(10) + ' ' + 'lorem ipsum '.repeat(60) }, path);
  const again = entryOf((await client.get('/conversation/')).text, uuid);
  const answers = [...again.matchAll(/<p class="a">([^<]*)<\/p>/g)].map((m) => m[1]);
  assert.match(answers[2], /^Answer to: x{10} (lorem ipsum ){7,}(lorem|lorem ipsum)…$/);
  assert.ok([...answers[2]].length <= 201, `cut to 200 characters and the mark: ${answers[2].length}`);
});

test('a conversation without any reported token says so', async () => {
  const { client } = await signedUpClient(server.url, 'hist');
  const uuid = uuidOf(await ask(server, client, { question: 'quiet', model: 'no-usage' }));
  assert.match(entryOf((await client.get('/conversation/')).text, uuid), /· no-usage · 2 messages · tokens not reported<\/p>/);
});

test('grouped by day of last activity, newest first: Today, Yesterday, then dates (UTC)', async () => {
  const { client } = await signedUpClient(server.url, 'hist');
  const a = uuidOf(await ask(server, client, { question: 'old one' }));
  const b = uuidOf(await ask(server, client, { question: 'yesterday one' }));
  const c = uuidOf(await ask(server, client, { question: 'today one' }));
  const d = uuidOf(await ask(server, client, { question: 'older today' }));
  const now = Date.now();
  const today0 = Math.floor(now / DAY) * DAY;
  setUpdated(a, Date.UTC(2024, 1, 29, 23, 59)); // a Thursday
  setUpdated(b, today0 - DAY + 5000);
  setUpdated(c, now - 1000);
  setUpdated(d, today0 + 1); // the first millisecond of today
  const page = (await client.get('/conversation/')).text;
  assert.deepEqual(convIds(page), [c, d, b, a]);
  assert.deepEqual(headings(page), ['Today', 'Yesterday', 'Thursday 29 February 2024']);
  assert.match(page, /<time datetime="2024-02-29T23:59:00\.000Z" class="t-time">23:59 UTC<\/time>/);
});

test('paging by a cursor: a new conversation does not shift page 2; ?page= redirects to the cursor', async () => {
  const { client } = await signedUpClient(server.url, 'pager');
  const uuids = [];
  for (let i = 0; i < 23; i++) uuids.push(uuidOf(await ask(server, client, { question: `conversation ${i}` })));
  // The last asked the newest; where two share a time the id breaks the tie, also
  // across the pages' boundary (the last of page 1 and the first of page 2).
  uuids.forEach((u, i) => setUpdated(u, 1700000000000 + i * 1000));
  setUpdated(uuids[1], 1700000000000);
  setUpdated(uuids[2], 1700000000000 + 3000);
  const expected = [...uuids].reverse();
  const first = await client.get('/conversation/');
  assert.deepEqual(convIds(first.text), expected.slice(0, 20));
  const older = /<a href="(\/conversation\/\?before=\d+:\d+)" rel="next">Older<\/a>/.exec(first.text)[1];
  const second = await client.get(decodeEntities(older));
  assert.equal(second.status, 200);
  assert.deepEqual(convIds(second.text), expected.slice(20));
  assert.doesNotMatch(second.text, /rel="next"/, 'no page after the last');
  assert.match(second.text, /<a href="\/conversation\/">Newest<\/a>/);
  // A new conversation goes first; page 2 by its cursor still holds the same ones.
  const fresh = uuidOf(await ask(server, client, { question: 'a new one' }));
  assert.deepEqual(convIds((await client.get('/conversation/')).text).slice(0, 2), [fresh, expected[0]]);
  assert.deepEqual(convIds((await client.get(decodeEntities(older))).text), expected.slice(20));
  // ?page=N: to the cursor that starts page N now; past the end 404; not a number 400.
  assert.equal((await client.get('/conversation/?page=1')).location, '/conversation/');
  const p2 = await client.get('/conversation/?page=2');
  assert.equal(p2.status, 302);
  assert.deepEqual(convIds((await client.get(p2.location)).text), expected.slice(19));
  assert.equal((await client.get('/conversation/?page=3')).status, 404);
  assert.equal((await client.get('/conversation/?page=0')).status, 400);
  for (const bad of ['x', '12', '12:', ':3', '-1:3', '1:2:3', '99999999999999999999:1'])
    assert.equal((await client.get(`/conversation/?before=${encodeURIComponent(bad)}`)).status, 400, bad);
  const past = await client.get('/conversation/?before=0:0');
  assert.equal(past.status, 200);
  assert.match(past.text, /No more conversations\./);
});

test("another user's conversations never appear", async () => {
  const alice = await signedUpClient(server.url, 'alice');
  const bob = await signedUpClient(server.url, 'bob');
  const uuid = uuidOf(await ask(server, alice.client, { question: 'alice private thing' }));
  const page = (await bob.client.get('/conversation/')).text;
  assert.ok(!page.includes(uuid));
  assert.doesNotMatch(page, /alice private thing/);
  assert.match(page, /No conversations yet\./);
});

test('a stopped answer shows its partial text and its status once; a question without an answer says so', async () => {
  const { client } = await signedUpClient(server.url, 'stopped');
  const partial = uuidOf(await ask(server, client, { question: 'Stopped halfway' }));
  const none = uuidOf(await ask(server, client, { question: 'Never answered' }));
  const msgs = (uuid) => `SELECT id FROM messages WHERE conversation_id = (SELECT id FROM conversations WHERE uuid = '${uuid}')`;
  dbExec(server, `UPDATE messages SET status = 'cancelled' WHERE id IN (${msgs(partial)})`);
  dbExec(server, `DELETE FROM messages WHERE role = 'assistant' AND id IN (${msgs(none)})`);
  dbExec(server, `UPDATE messages SET status = 'error' WHERE id IN (${msgs(none)})`);
  dbExec(server, `UPDATE conversations SET revision = revision + 1 WHERE uuid IN ('${partial}', '${none}')`);
  const page = (await client.get('/conversation/')).text;
  const stopped = entryOf(page, partial);
  assert.match(stopped, /<p class="a">/, 'the partial answer is shown');
  assert.doesNotMatch(stopped, /got no answer/, 'not "no answer" above an answer');
  assert.equal((stopped.match(/cancelled/g) || []).length, 1, `"cancelled" said once: ${stopped}`);
  assert.match(entryOf(page, none), /<p class="hist-meta error">This question got no answer\.<\/p>/);
});

test('titles, questions and answers with markup are shown as text', async () => {
  const { client } = await signedUpClient(server.url, 'xss');
  const payload = '<img src=x onerror=alert(1)> "quoted" \'single\' & <script>alert(2)</script>';
  const uuid = uuidOf(await ask(server, client, { question: payload }));
  await ask(server, client, { question: 'render some html', model: 'html' }, `/conversation/${uuid}/`);
  const page = (await client.get('/conversation/')).text;
  assert.doesNotMatch(page, /<img src=x/);
  assert.doesNotMatch(page, /<script>alert/);
  assert.match(page, /&lt;img src=x onerror=alert\(1\)&gt; &quot;quoted&quot; &#39;single&#39; &amp; &lt;script&gt;alert\(2\)&lt;\/script&gt;/);
  // The html model's answer: its raw <script> shown as text, its Markdown marks dropped.
  assert.match(page, /<p class="a">Here is bold and &lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; and \[bad\]\(javascript:alert\(1\)\)/);
  assert.match(page, /data-delete-title="&lt;img src=x onerror=alert\(1\)&gt; &quot;quoted&quot;/);
});

test('the page is revalidated: ETag and 304', async () => {
  const { client } = await signedUpClient(server.url, 'etag');
  await ask(server, client, { question: 'cache me' });
  const first = await client.get('/conversation/');
  const etag = first.headers.get('etag');
  assert.ok(etag);
  assert.equal((await client.get('/conversation/', { headers: { 'If-None-Match': etag } })).status, 304);
  await ask(server, client, { question: 'a change' });
  assert.equal((await client.get('/conversation/', { headers: { 'If-None-Match': etag } })).status, 200);
});

test("an entry is kept by its conversation's revision: not read again until that moves", async () => {
  const { client } = await signedUpClient(server.url, 'kept');
  const uuid = uuidOf(await ask(server, client, { question: 'kept question' }));
  assert.match(entryOf((await client.get('/conversation/')).text, uuid), /<p class="q">kept question<\/p>/);
  // Changed behind the model's back, revision unmoved: the kept entry is shown...
  dbExec(server, `UPDATE messages SET content = 'changed question' WHERE content = 'kept question'`);
  const kept = entryOf((await client.get('/conversation/')).text, uuid);
  assert.match(kept, /<p class="q">kept question<\/p>/);
  // ...but the title and time around it are read on every view.
  dbExec(server, `UPDATE conversations SET title = 'new title', updated_at = ${Date.UTC(2025, 0, 2, 3, 4)} WHERE uuid = '${uuid}'`);
  const page = (await client.get('/conversation/')).text;
  assert.match(page, new RegExp(`<a href="/conversation/${uuid}/">new title</a></h3>\\n<p class="hist-meta"><time datetime="2025-01-02T03:04:00.000Z" class="t-time">03:04 UTC</time> · echo`));
  assert.match(page, new RegExp(`href="/delete_conversation/${uuid}/" data-delete-title="new title"`));
  // Once the revision moves (as every change through the model moves it), it is read again.
  dbExec(server, `UPDATE conversations SET revision = revision + 1 WHERE uuid = '${uuid}'`);
  assert.match(entryOf((await client.get('/conversation/')).text, uuid), /<p class="q">changed question<\/p>/);
});
