// delete.test.mjs - /delete_conversation/<uuid>/: GET shows the confirmation (title,
// message count, the POST form); POST with the CSRF token deletes the conversation,
// its messages and the files no other message uses, then 303 to /conversation/.
// Another user's uuid is 404 and nothing is deleted; without the token 403 and
// nothing is deleted. Also /uploads/<id>/: the stored type, a safe filename, owner
// only; and file names with markup shown as text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, getCsrf, errorTexts, dbQuery, dbExec, Client, forms, decodeEntities } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

let fake, server, alice, bob;

async function ask(client, fields, files = [], path = '/ask/') {
  const csrf_token = getCsrf((await client.get(path)).text);
  const r = await client.postMultipart(path, { csrf_token, model: 'echo', ...fields }, files);
  assert.equal(r.status, 303, errorTexts(r.text).join(' / '));
  return new URL(r.location, server.url).pathname;
}
const uuidOf = (path) => /\/conversation\/([0-9a-f-]{36})\//.exec(path)[1];
const count = (sql) => dbQuery(server, sql)[0].n;
const rowsOf = (uuid) => ({
  conv: count(`SELECT count(*) AS n FROM conversations WHERE uuid = '${uuid}'`),
  msgs: count(`SELECT count(*) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.uuid = '${uuid}'`),
});

before(async () => {
  fake = await startFakeProvider();
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo' } });
  alice = await signedUpClient(server.url, 'alice');
  bob = await signedUpClient(server.url, 'bob');
});
after(async () => { await server?.stop(); await fake?.close(); });

test('the conversation page links to the confirmation page, which shows the title and message count', async () => {
  const path = await ask(alice.client, { question: 'Delete <me> please' });
  await ask(alice.client, { question: 'second' }, [], path);
  const uuid = uuidOf(path);
  const page = await alice.client.get(path);
  assert.match(page.text, new RegExp(`<a class="button danger" href="/delete_conversation/${uuid}/" data-delete-title="Delete &lt;me&gt; please">Delete</a>`));
  const confirm = await alice.client.get(`/delete_conversation/${uuid}/`);
  assert.equal(confirm.status, 200);
  assert.match(confirm.text, /<h1>Delete this conversation\?<\/h1>/);
  assert.match(confirm.text, /“<a href="\/conversation\/[0-9a-f-]+\/">Delete &lt;me&gt; please<\/a>” and its 4 messages will be deleted/);
  const form = forms(confirm.text).find((f) => f.attrs.class === 'delete-confirm');
  assert.ok(form.hidden.csrf_token, 'the form carries the token');
  assert.equal(form.attrs.action, `/delete_conversation/${uuid}/`);
  assert.equal(form.attrs.method, 'post');
  assert.deepEqual(rowsOf(uuid), { conv: 1, msgs: 4 }, 'GET deletes nothing');
});

test("another user's uuid is 404 and nothing is deleted; without the CSRF token 403", async () => {
  const path = await ask(alice.client, { question: 'Mine' });
  const uuid = uuidOf(path);
  const url = `/delete_conversation/${uuid}/`;
  assert.equal((await bob.client.get(url)).status, 404, 'the confirmation page');
  const bobToken = getCsrf((await bob.client.get('/ask/')).text);
  assert.equal((await bob.client.postForm(url, { csrf_token: bobToken })).status, 404, 'the deletion');
  assert.deepEqual(rowsOf(uuid), { conv: 1, msgs: 2 });
  assert.equal((await alice.client.postForm(url, {})).status, 403, 'no token');
  assert.equal((await alice.client.postForm(url, { csrf_token: bobToken })).status, 403, "another session's token");
  assert.deepEqual(rowsOf(uuid), { conv: 1, msgs: 2 });
  const unknown = '00000000-0000-4000-8000-000000000000';
  assert.equal((await alice.client.postForm(`/delete_conversation/${unknown}/`, { csrf_token: getCsrf((await alice.client.get('/ask/')).text) })).status, 404);
  assert.equal((await new Client(server.url).get(url)).status, 302, 'anonymous visitors log in first');
});

test('POST deletes the conversation, its messages and its own files; a file another message uses stays', async () => {
  const path = await ask(alice.client, { question: 'With a file' }, [{ name: 'file_upload', filename: 'one.txt', content: 'one' }]);
  const uuid = uuidOf(path);
  const keep = await ask(alice.client, { question: 'Keep me' }, [{ name: 'file_upload', filename: 'two.txt', content: 'two' }]);
  const [{ id: oneId }] = dbQuery(server, "SELECT id FROM uploads WHERE name = 'one.txt'");
  const [{ id: twoId }] = dbQuery(server, "SELECT id FROM uploads WHERE name = 'two.txt'");
  // Make a message of this conversation share the other conversation's file (the
  // model would let a future import or API do this): that file must stay.
  dbExec(server, `UPDATE messages SET upload_id = ${twoId} WHERE id = (SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.uuid = '${uuid}' AND m.role = 'assistant')`);
  const csrf_token = getCsrf((await alice.client.get(path)).text);
  const r = await alice.client.postForm(`/delete_conversation/${uuid}/`, { csrf_token });
  assert.equal(r.status, 303);
  assert.equal(r.location, '/conversation/?deleted=1');
  assert.match((await alice.client.get(r.location)).text, /<p class="notice" role="status">The conversation was deleted\.<\/p>/);
  assert.deepEqual(rowsOf(uuid), { conv: 0, msgs: 0 });
  assert.equal(count(`SELECT count(*) AS n FROM uploads WHERE id = ${oneId}`), 0, 'its own file is gone');
  assert.equal(count(`SELECT count(*) AS n FROM uploads WHERE id = ${twoId}`), 1, 'the shared file stays');
  assert.deepEqual(rowsOf(uuidOf(keep)), { conv: 1, msgs: 2 }, 'the other conversation is untouched');
  assert.equal((await alice.client.get(path)).status, 404);
  assert.equal((await alice.client.postForm(`/delete_conversation/${uuid}/`, { csrf_token })).status, 404, 'twice: gone');
});

test('/uploads/<id>/: the stored type, an attachment with a safe name, owner only; names with markup are text', async () => {
  // (A backslash in a multipart file name is a path separator to some parsers; the
  // JSON viewer's Download test covers it in Content-Disposition.)
  const name = '<img src=x onerror=alert(1)> résumé;x.csv';
  const path = await ask(alice.client, { question: 'A file' }, [{ name: 'file_upload', filename: name, content: 'a,b\n1,2\n' }]);
  const page = await alice.client.get(path);
  assert.ok(!page.text.includes('<img src=x'), 'the file name is not markup');
  const m = /<a href="(\/uploads\/\d+\/)">([^<]*)<\/a>/.exec(page.text);
  assert.equal(decodeEntities(m[2]), name);
  const dl = await alice.client.get(m[1]);
  assert.equal(dl.status, 200);
  assert.equal(dl.text, 'a,b\n1,2\n');
  assert.equal(dl.headers.get('content-type'), 'text/csv; charset=utf-8', 'the stored type');
  assert.equal(dl.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(dl.headers.get('content-disposition'),
    `attachment; filename="<img src=x onerror=alert(1)> r__sum__;x.csv"; filename*=UTF-8''${encodeURIComponent(name).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())}`);
  assert.equal((await bob.client.get(m[1])).status, 404, "another user's file");
  assert.equal((await bob.client.get(path)).status, 404, "another user's conversation");
  assert.equal((await alice.client.get('/uploads/999999/')).status, 404);
  // A stored type outside the accepted few is served as bytes.
  const id = /\/uploads\/(\d+)\//.exec(m[1])[1];
  dbExec(server, `UPDATE uploads SET content_type = 'text/html' WHERE id = ${id}`);
  assert.equal((await alice.client.get(m[1])).headers.get('content-type'), 'application/octet-stream');
});
