// conversation-tools.test.mjs - what a user does with one conversation besides
// continuing it: rename it (POST /conversation/<uuid>/rename/: one line of 1 to 200
// characters, counted in characters, not bytes) and export it alone
// (/conversation/<uuid>/export.md, .csv, .jsonl: only its messages). Another user's
// uuid is 404 on every route, and nothing changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, getCsrf, dbQuery, dbExec, Client, forms } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';
import { ask as askAs } from '../lib/admin.mjs';

let fake, server, alice, bob;

const ask = (client, fields, path) => askAs(server, client, fields, path);
const uuidOf = (path) => /\/conversation\/([0-9a-f-]{36})\//.exec(path)[1];
const titleOf = (uuid) => dbQuery(server, `SELECT title FROM conversations WHERE uuid = '${uuid}'`)[0].title;

async function rename(client, uuid, title) {
  const csrf_token = getCsrf((await client.get('/ask/')).text);
  return client.postForm(`/conversation/${uuid}/rename/`, { csrf_token, title });
}

before(async () => {
  fake = await startFakeProvider();
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo' } });
  alice = await signedUpClient(server.url, 'alice');
  bob = await signedUpClient(server.url, 'bob');
});
after(async () => { await server?.stop(); await fake?.close(); });

test('rename: the form on the page, the new title stored and shown escaped', async () => {
  const path = await ask(alice.client, { question: 'First title' });
  const uuid = uuidOf(path);
  const page = await alice.client.get(path);
  assert.match(page.text, new RegExp(`<form method="post" action="/conversation/${uuid}/rename/"`));
  assert.match(page.text, /name="title" type="text" value="First title" maxlength="200" required/);
  const r = await rename(alice.client, uuid, '  Tensile <script>alert(1)</script> & "co"  ');
  assert.equal(r.status, 303);
  assert.equal(r.location, `/conversation/${uuid}/`);
  assert.equal(titleOf(uuid), 'Tensile <script>alert(1)</script> & "co"', 'stored trimmed, as typed');
  const after = await alice.client.get(path);
  assert.match(after.text, /<h1 id="title">Tensile &lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;co&quot;<\/h1>/);
  assert.ok(!after.text.includes('<script>alert(1)'), 'the title is text, never markup');
  const history = await alice.client.get('/conversation/');
  assert.match(history.text, /Tensile &lt;script&gt;/);
});

test('rename: 200 characters (400 bytes) accepted, 201 refused; blank and two lines refused; nothing changed', async () => {
  const uuid = uuidOf(await ask(alice.client, { question: 'Limits' }));
  const r200 = await rename(alice.client, uuid, 'é'.repeat(200));
  assert.equal(r200.status, 303, r200.text);
  assert.equal(titleOf(uuid), 'é'.repeat(200));
  for (const bad of ['é'.repeat(201), '   ', 'two\nlines', 'a\ttab']) {
    const r = await rename(alice.client, uuid, bad);
    assert.equal(r.status, 400, JSON.stringify(bad));
    assert.match(r.text, /A title is one line of 1 to 200 characters\./);
    assert.equal(titleOf(uuid), 'é'.repeat(200), `${JSON.stringify(bad)} changed the title`);
  }
});

test("rename: another user's conversation is 404, without the CSRF token 403, anonymous to login", async () => {
  const uuid = uuidOf(await ask(alice.client, { question: 'Not yours' }));
  assert.equal((await rename(bob.client, uuid, 'Taken')).status, 404);
  assert.equal((await alice.client.postForm(`/conversation/${uuid}/rename/`, { title: 'No token' })).status, 403);
  const anon = await new Client(server.url).postForm(`/conversation/${uuid}/rename/`, { title: 'Anon' });
  assert.ok([302, 403].includes(anon.status), `anonymous rename answered ${anon.status}`);
  assert.equal(titleOf(uuid), 'Not yours');
  assert.equal((await rename(alice.client, '00000000-0000-4000-8000-000000000000', 'Nothing')).status, 404);
});

test('export one conversation: Markdown, CSV and JSONL hold its messages only', async () => {
  const other = uuidOf(await ask(alice.client, { question: 'Another conversation' }));
  const path = await ask(alice.client, { question: 'Export =SUM(A1) me' });
  await ask(alice.client, { question: '=SUM(A1) Second question' }, path);
  const uuid = uuidOf(path);
  const page = await alice.client.get(path);
  for (const ext of ['md', 'csv', 'jsonl']) assert.ok(page.text.includes(`href="/conversation/${uuid}/export.${ext}"`), ext);

  const md = await alice.client.get(`/conversation/${uuid}/export.md`);
  assert.equal(md.status, 200);
  assert.match(md.headers.get('content-type'), /^text\/markdown; charset=utf-8/);
  assert.equal(md.headers.get('content-disposition'), `attachment; filename="conversation-${uuid}.md"`);
  assert.match(md.text, /^# Export =SUM\(A1\) me\n/);
  assert.equal((md.text.match(/^## Question · /gm) || []).length, 2);
  assert.equal((md.text.match(/^## Answer · \S+ · echo/gm) || []).length, 2, md.text);
  assert.ok(md.text.includes('Second question'));
  assert.ok(!md.text.includes('Another conversation'), 'another conversation leaked into the transcript');

  const csv = await alice.client.get(`/conversation/${uuid}/export.csv`);
  assert.equal(csv.status, 200);
  assert.equal(csv.headers.get('content-disposition'), `attachment; filename="conversation-${uuid}.csv"`);
  const lines = csv.text.trimEnd().split('\r\n');
  assert.equal(lines.length, 1 + 4, 'the header and four messages');
  assert.ok(lines.slice(1).every((l) => l.includes(uuid)), 'only this conversation');
  assert.ok(csv.text.includes("'=SUM(A1) Second question"), 'formulas neutralised as in every export');
  assert.ok(!/(^|,|")=SUM/m.test(csv.text), 'a cell starts with =');

  const jsonl = await alice.client.get(`/conversation/${uuid}/export.jsonl`);
  assert.equal(jsonl.status, 200);
  const rows = jsonl.text.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(rows.length, 4);
  assert.ok(rows.every((row) => row.conversation_id === uuid));
  assert.deepEqual(rows.map((row) => row.role), ['user', 'assistant', 'user', 'assistant']);
  assert.ok(!jsonl.text.includes(other));
});

test("export one conversation: another user's is 404 for every format; anonymous visitors log in", async () => {
  const uuid = uuidOf(await ask(alice.client, { question: 'Private export' }));
  for (const ext of ['md', 'csv', 'jsonl']) {
    const r = await bob.client.get(`/conversation/${uuid}/export.${ext}`);
    assert.equal(r.status, 404, ext);
    assert.ok(!r.text.includes('Private export'), ext);
    assert.equal((await new Client(server.url).get(`/conversation/${uuid}/export.${ext}`)).status, 302, ext);
  }
  assert.equal((await alice.client.get(`/conversation/${uuid}/export.txt`)).status, 404, 'no other format');
});

test("an answer's metadata: one line (model, tokens, time), the rest folded; a stopped answer's status said once", async () => {
  const path = await ask(alice.client, { question: 'Stopped later' });
  const uuid = uuidOf(path);
  await ask(alice.client, { question: 'No answer at all' }, path);
  const ids = dbQuery(server, `SELECT m.id, m.role FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.uuid = '${uuid}' ORDER BY m.id`);
  assert.deepEqual(ids.map((m) => m.role), ['user', 'assistant', 'user', 'assistant']);
  dbExec(server, `UPDATE messages SET status = 'cancelled' WHERE id IN (${ids[0].id}, ${ids[1].id})`);
  dbExec(server, `UPDATE messages SET status = 'error', error = 'The provider failed.' WHERE id = ${ids[2].id}`);
  dbExec(server, `DELETE FROM messages WHERE id = ${ids[3].id}`);
  dbExec(server, `UPDATE conversations SET revision = revision + 1 WHERE uuid = '${uuid}'`);
  const page = (await alice.client.get(path)).text;
  assert.match(page, /<p class="meta-line"><span class="model">echo-2026<\/span> · \d+ tokens · \d+(\.\d)? m?s<\/p>\n<details class="meta-more"><summary>Details<\/summary><dl class="meta">/);
  assert.match(page, /The answer is incomplete \(cancelled\)/);
  assert.doesNotMatch(page, /This question was cancelled/, 'said once, by the answer');
  assert.match(page, /This question failed\. The provider failed\./, 'a question without an answer still says why');
});

test('regenerate the last answer: the same question and settings asked again as a new exchange; edit and resend fills the form', async () => {
  const path = await ask(alice.client, { question: 'Regenerate <me>\nplease', temperature: '0.3', top_k: '7' });
  const uuid = uuidOf(path);
  const page = (await alice.client.get(path)).text;
  const form = forms(page).find((f) => f.attrs.class === 'regenerate');
  assert.ok(form, 'the regenerate form');
  assert.equal(form.hidden.question, 'Regenerate <me>\nplease');
  assert.equal(form.hidden.model, 'echo');
  assert.equal(form.hidden.temperature, '0.3');
  assert.equal(form.hidden.top_k, '7');
  const r = await alice.client.postMultipart(path, form.hidden);
  assert.equal(r.status, 303, r.text.slice(0, 300));
  const rows = dbQuery(server, `SELECT m.role, m.content, m.temperature, m.top_k FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.uuid = '${uuid}' ORDER BY m.id`);
  assert.deepEqual(rows.map((m) => m.role), ['user', 'assistant', 'user', 'assistant'], 'a new exchange; the first answer stays');
  assert.equal(rows[2].content, rows[0].content);
  assert.deepEqual([Number(rows[3].temperature), Number(rows[3].top_k)], [0.3, 7], 'asked with the same settings');

  // Edit and resend: each question links to the form filled with it.
  const qid = dbQuery(server, `SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.uuid = '${uuid}' AND m.role = 'user' ORDER BY m.id LIMIT 1`)[0].id;
  const again = (await alice.client.get(path)).text;
  assert.ok(again.includes(`<a href="?edit=${qid}#f-question">Edit and resend</a>`));
  const edit = (await alice.client.get(`${path}?edit=${qid}`)).text;
  assert.match(edit, /<textarea id="f-question" name="question" rows="6" required>Regenerate &lt;me&gt;\nplease<\/textarea>/);
  // An id that is not one of this conversation's questions fills nothing.
  const aid = rows.length && dbQuery(server, `SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.uuid = '${uuid}' AND m.role = 'assistant' ORDER BY m.id LIMIT 1`)[0].id;
  const other = uuidOf(await ask(bob.client, { question: 'Bob secret question' }));
  const bobQ = dbQuery(server, `SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.uuid = '${other}' AND m.role = 'user'`)[0].id;
  for (const id of [aid, bobQ, 'x', '0']) {
    const t = (await alice.client.get(`${path}?edit=${id}`)).text;
    assert.match(t, /<textarea id="f-question" name="question" rows="6" required><\/textarea>/, `edit=${id}`);
    assert.ok(!t.includes('Bob secret question'));
  }
});

test('a failed attempt can be dismissed: the question and its partial answer go, the rest stays; owner only', async () => {
  const path = await ask(alice.client, { question: 'Keep me' });
  await ask(alice.client, { question: 'This one fails' }, path);
  await ask(alice.client, { question: 'Keep me too' }, path);
  const uuid = uuidOf(path);
  const rows = () => dbQuery(server, `SELECT m.id, m.role, m.content, m.status FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.uuid = '${uuid}' ORDER BY m.id`);
  const all = rows();
  const [failedQ, failedA] = [all[2], all[3]];
  dbExec(server, `UPDATE messages SET status = 'error' WHERE id IN (${failedQ.id}, ${failedA.id})`);
  dbExec(server, `UPDATE conversations SET revision = revision + 1 WHERE uuid = '${uuid}'`);
  const page = (await alice.client.get(path)).text;
  assert.ok(page.includes(`formaction="dismiss/${failedQ.id}/"`), 'the failed question offers it');
  assert.equal((page.match(/Dismiss this failed attempt/g) || []).length, 1, 'only the failed one');
  const token = getCsrf(page);
  // Refused: another user's, an answer's id, an ok question's, no token.
  const bobToken = getCsrf((await bob.client.get('/ask/')).text);
  assert.equal((await bob.client.postForm(`/conversation/${uuid}/dismiss/${failedQ.id}/`, { csrf_token: bobToken })).status, 404);
  assert.equal((await alice.client.postForm(`/conversation/${uuid}/dismiss/${failedA.id}/`, { csrf_token: token })).status, 404);
  assert.equal((await alice.client.postForm(`/conversation/${uuid}/dismiss/${all[0].id}/`, { csrf_token: token })).status, 404);
  assert.equal((await alice.client.postForm(`/conversation/${uuid}/dismiss/${failedQ.id}/`, {})).status, 403);
  assert.equal(rows().length, 6, 'nothing went');
  const r = await alice.client.postForm(`/conversation/${uuid}/dismiss/${failedQ.id}/`, { csrf_token: token });
  assert.equal(r.status, 303);
  assert.equal(r.location, `/conversation/${uuid}/`);
  assert.deepEqual(rows().map((m) => m.content.slice(0, 12)), ['Keep me', 'Answer to: K', 'Keep me too', 'Answer to: K']);
  const after = (await alice.client.get(path)).text;
  assert.ok(!after.includes('This one fails'), 'the page is the new one, not the kept thread');
});
