// admin-messages.test.mjs - /admin/messages/ and a message's pages (docs/admin.md):
// every filter (its rows and total against the database, its links' counts), the
// search (content through the full-text index, and usernames), the sort by every
// column both ways (against the same ORDER BY in the database; anything not in the
// whitelist ignored), paging, the bulk deletion with its confirmation, a message's
// fields, file and thread, its edit (logged old -> new, the owner's page showing the
// new rendering) and its deletion. Runs on both backends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, dbQuery, dbExec, decodeEntities, getCsrf } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';
import { adminClient, ask, rowIds, total, facetCount, tokenOf, periods } from '../lib/admin.mjs';

let fake, server, admin, users = [];
const DAY = 86400000;
const ids = (sql) => dbQuery(server, sql).map((r) => Number(r.id));
const n = (sql) => Number(dbQuery(server, sql)[0].n);

before(async () => {
  fake = await startFakeProvider({ models: ['echo', 'no-usage', 'html', 'fail-500'] });
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo,no-usage,html,fail-500' } });
  admin = await adminClient(server);
  for (const p of ['ua', 'ub', 'uc']) users.push(await signedUpClient(server.url, p));
  // Questions of many lengths (so tokens differ), in a few conversations each.
  const words = ['apple', 'banana', 'cherry', 'damson', 'elder', 'fig', 'grape', 'hazel'];
  let path = '/ask/';
  for (let i = 0; i < 20; i++) {
    const q = `${words[i % 8]} ${'word '.repeat(i)}question ${i}${i === 3 ? ' zanzibar' : ''}`;
    path = await ask(server, users[0].client, { question: q }, i % 4 === 0 ? '/ask/' : path);
  }
  for (let i = 0; i < 8; i++) {
    await ask(server, users[1].client, { question: `${words[7 - i]} from b ${i}${i === 5 ? ' Zanzibar' : ''}`, model: i % 2 ? 'no-usage' : 'html' });
  }
  for (let i = 0; i < 4; i++) {
    const csrf_token = getCsrf((await users[2].client.get('/ask/')).text);
    await users[2].client.postMultipart('/ask/', { csrf_token, model: 'fail-500', question: `failing ${i}` });
  }
  // Dates and sources as an import would leave them.
  const all = ids('SELECT id FROM messages ORDER BY id');
  const now = Date.now();
  const set = (i, sql) => dbExec(server, `UPDATE messages SET ${sql} WHERE id = ${all[i]}`);
  set(0, `created_at = ${now - 3 * DAY}`);
  set(1, `created_at = ${now - 10 * DAY}`);
  set(2, `created_at = ${now - 40 * DAY}`);
  set(3, `created_at = ${now - 400 * DAY}`);
  set(4, "source = 'import'");
  set(5, "source = 'import'");
  set(6, "source = 'api'");
});
after(async () => { await server?.stop(); await fake?.close(); });

const list = async (query = '') => {
  const r = await admin.client.get(`/admin/messages/${query}`);
  assert.equal(r.status, 200, r.text.slice(0, 500));
  return r.text;
};

test('each filter: its rows, its total, and the counts of its links', async () => {
  const all = await list();
  assert.ok(n('SELECT count(*) AS n FROM messages') > 50, 'more than a page');
  const p = periods();
  const filters = {
    role: { user: "role = 'user'", assistant: "role = 'assistant'", system: "role = 'system'", tool: "role = 'tool'" },
    status: { ok: "status = 'ok'", error: "status = 'error'", cancelled: "status = 'cancelled'", interrupted: "status = 'interrupted'" },
    source: { web: "source = 'web'", api: "source = 'api'", 'api-embeddings': "source = 'api-embeddings'", 'api-responses': "source = 'api-responses'", import: "source = 'import'" },
    date: Object.fromEntries(Object.entries(p).map(([k, v]) => [k, `created_at >= ${v}`])),
    model: { echo: "model = 'echo'", 'no-usage': "model = 'no-usage'", html: "model = 'html'", 'fail-500': "model = 'fail-500'" },
  };
  for (const [name, values] of Object.entries(filters)) {
    for (const [value, cond] of Object.entries(values)) {
      const want = n(`SELECT count(*) AS n FROM messages WHERE ${cond}`);
      assert.equal(facetCount(all, name, value), want, `${name}=${value}: the link's count`);
      const page = await list(`?${name}=${encodeURIComponent(value)}`);
      assert.equal(total(page), want, `${name}=${value}: the total`);
      // Newest first: by id, by time under a period (which its index serves).
      const order = name === 'date' ? 'created_at DESC, id DESC' : 'id DESC';
      assert.deepEqual(rowIds(page), ids(`SELECT id FROM messages WHERE ${cond} ORDER BY ${order} LIMIT 50`), `${name}=${value}: the rows`);
    }
  }
  // The date filter's periods differ (the data has one message in each).
  assert.ok(facetCount(all, 'date', 'today') < facetCount(all, 'date', 'year'));
  // Two filters at once; the other filters' counts follow.
  const both = await list('?role=user&model=echo');
  assert.deepEqual(rowIds(both), ids("SELECT id FROM messages WHERE role = 'user' AND model = 'echo' ORDER BY id DESC LIMIT 50"));
  assert.equal(facetCount(both, 'status', 'ok'), n("SELECT count(*) AS n FROM messages WHERE model = 'echo' AND role = 'user' AND status = 'ok'"));
  assert.equal(facetCount(both, 'role', 'assistant'), n("SELECT count(*) AS n FROM messages WHERE model = 'echo' AND role = 'assistant'"));
  // A user, in any case; an unknown one matches nothing.
  const ub = users[1].user.username;
  const byUser = await list(`?user=${ub.toUpperCase()}`);
  assert.deepEqual(rowIds(byUser), ids(`SELECT m.id FROM messages m JOIN users u ON u.id = m.user_id WHERE u.username = '${ub}' ORDER BY m.id DESC`));
  assert.equal(rowIds(await list('?user=nobody_at_all')).length, 0);
  // Values outside the lists are no filter at all.
  assert.deepEqual(rowIds(await list("?role=admin&status=x&source=%27&date=week")), rowIds(all));
});

test('the search: words of the content through the index, and usernames', async () => {
  const want = ids("SELECT id FROM messages WHERE lower(content) LIKE '%zanzibar%' ORDER BY id DESC");
  assert.ok(want.length >= 3, 'questions and their answers');
  const page = await list('?q=zanzibar');
  assert.deepEqual(rowIds(page), want);
  assert.equal(total(page), want.length);
  // With a filter, and its counts under the search.
  const users_ = await list('?q=zanzibar&role=user');
  assert.deepEqual(rowIds(users_), ids("SELECT id FROM messages WHERE lower(content) LIKE '%zanzibar%' AND role = 'user' ORDER BY id DESC"));
  assert.equal(facetCount(page, 'role', 'assistant'), n("SELECT count(*) AS n FROM messages WHERE lower(content) LIKE '%zanzibar%' AND role = 'assistant'"));
  // A part of a username: that user's messages (no content holds it).
  const uc = users[2].user.username;
  const part = uc.slice(1, 8);
  const byName = await list(`?q=${part}`);
  assert.deepEqual(rowIds(byName), ids(`SELECT m.id FROM messages m JOIN users u ON u.id = m.user_id WHERE u.username = '${uc}' ORDER BY m.id DESC`));
  assert.match(byName, new RegExp(`users whose name holds the text: ${uc}`));
  // A prefix, a phrase, and text that is no query: said so, not an error.
  assert.deepEqual(rowIds(await list('?q=zanz*')), want);
  assert.deepEqual(rowIds(await list('?q=%22question+3%22')), ids("SELECT id FROM messages WHERE content LIKE '%question 3%' ORDER BY id DESC"));
  const bad = await list('?q=%22unclosed');
  assert.match(bad, /A quotation mark is not closed/);
  assert.equal(rowIds(bad).length, 0);
  // Longest search taken, and one character more refused.
  assert.equal((await admin.client.get(`/admin/messages/?q=${'a'.repeat(1000)}`)).status, 200);
  assert.equal((await admin.client.get(`/admin/messages/?q=${'a'.repeat(1001)}`)).status, 400);
});

// The same order in SQL: NULL first going up and last going down, as the page.
const SORTS = {
  id: 'm.id', role: 'm.role', content: 'substr(m.content, 1, 50)', model: 'm.model', tokens: 'm.total_tokens',
  elapsed: 'm.elapsed_ms', time: 'm.created_at', username: 'lower(u.username)', conversation: 'm.conversation_id',
};
const ordered = (expr, desc, offset = 0) => ids(`SELECT m.id FROM messages m JOIN users u ON u.id = m.user_id ORDER BY (${expr} IS NULL) ${desc ? 'ASC' : 'DESC'}, ${expr} ${desc ? 'DESC' : 'ASC'}, m.id ${desc ? 'DESC' : 'ASC'} LIMIT 50 OFFSET ${offset}`);

test('sort by every column, both ways; a header sorts by its column, again the other way', async () => {
  const def = rowIds(await list());
  assert.deepEqual(def, ordered('m.id', true), 'newest first by default');
  for (const [name, expr] of Object.entries(SORTS)) {
    const up = await list(`?sort=${name}`);
    const down = await list(`?sort=-${name}`);
    assert.deepEqual(rowIds(up), ordered(expr, false), `sort=${name}`);
    assert.deepEqual(rowIds(down), ordered(expr, true), `sort=-${name}`);
    assert.notDeepEqual(rowIds(up), rowIds(down), `${name}: the two ways differ`);
    // The header links: to sort=name from elsewhere, to -name from sort=name.
    assert.match(await list(), new RegExp(`<a href="/admin/messages/\\?sort=${name}">${name}</a>`));
    assert.match(up, new RegExp(`<th scope="col" aria-sort="ascending"><a href="/admin/messages/\\?sort=-${name}">${name}</a>`));
  }
  // The second page of a sort.
  assert.deepEqual(rowIds(await list('?sort=tokens&page=2')), ordered('m.total_tokens', false, 50));
  // Anything else is ignored: the default order, never an error.
  for (const s of ['password_hash', 'm.id', 'id;DROP TABLE users', '--id', 'TIME', 'created_at', '-', '']) {
    const r = await admin.client.get(`/admin/messages/?sort=${encodeURIComponent(s)}`);
    assert.equal(r.status, 200, s);
    assert.deepEqual(rowIds(r.text), def, `sort=${s} is ignored`);
  }
  assert.equal(n('SELECT count(*) AS n FROM users'), 4, 'nothing dropped');
});

test('paging: 50 a page, links to the next and previous, a bad page number is page 1', async () => {
  const count = n('SELECT count(*) AS n FROM messages');
  const first = await list();
  assert.equal(rowIds(first).length, 50);
  assert.match(first, /<a rel="next" href="\/admin\/messages\/\?page=2">Next<\/a>/);
  assert.doesNotMatch(first, /rel="prev"/);
  const second = await list('?page=2');
  assert.deepEqual(rowIds(second), ordered('m.id', true, 50));
  assert.equal(rowIds(second).length, count - 50);
  assert.doesNotMatch(second, /rel="next"/);
  assert.match(second, /<a rel="prev" href="\/admin\/messages\/\?page=1">Previous<\/a>/);
  // Filters stay in the links.
  assert.match(await list('?role=user&sort=-tokens'), /href="\/admin\/messages\/\?role=user&amp;sort=-tokens&amp;page=2"|<span>Page 1<\/span><\/nav>/);
  for (const bad of ['0', '-1', 'x', '2.5', '99999999999999999999']) assert.deepEqual(rowIds(await list(`?page=${bad}`)), rowIds(first), `page=${bad}`);
  assert.deepEqual(rowIds(await list('?page=3')), []);
});

test('bulk deletion: a confirmation page listing them, then deletion with confirm=yes, logged', async () => {
  const { client } = await signedUpClient(server.url, 'bulk');
  await ask(server, client, { question: 'bulk one' });
  await ask(server, client, { question: 'bulk two' });
  const mine = ids(`SELECT m.id FROM messages m JOIN users u ON u.id = m.user_id WHERE u.username LIKE 'bulk%' ORDER BY m.id`);
  assert.equal(mine.length, 4);
  const pick = [mine[0], mine[1], mine[3]];
  const token = await tokenOf(admin.client, '/admin/messages/');
  const confirm = await admin.client.postForm('/admin/messages/delete/', [['csrf_token', token], ...pick.map((id) => ['ids', id])]);
  assert.equal(confirm.status, 200);
  assert.match(confirm.text, /<h1>Delete 3 messages\?<\/h1>/);
  const listed = [...confirm.text.matchAll(/<input type="hidden" name="ids" value="(\d+)">/g)].map((m) => Number(m[1]));
  assert.deepEqual(listed, pick);
  assert.match(confirm.text, /<input type="hidden" name="confirm" value="yes">/);
  assert.equal(n(`SELECT count(*) AS n FROM messages WHERE id IN (${pick})`), 3, 'nothing deleted yet');
  // The confirmation form as the browser posts it.
  const form = /<form method="post" action="\/admin\/messages\/delete\/" class="delete-confirm">[\s\S]*?<\/form>/.exec(confirm.text)[0];
  const fields = [...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], decodeEntities(m[2])]);
  const done = await admin.client.postForm('/admin/messages/delete/', fields);
  assert.equal(done.status, 303);
  assert.equal(done.location, '/admin/messages/?deleted=3');
  assert.match(await list('?deleted=3'), /3 messages deleted\./);
  // From a filtered list, the deletion comes back to it; an address that is not the
  // list's own is not followed.
  const filtered = await admin.client.get('/admin/messages/?role=assistant&q=bulk');
  assert.match(filtered.text, /<input type="hidden" name="back" value="\/admin\/messages\/\?q=bulk&amp;role=assistant&amp;">|<input type="hidden" name="back" value="\/admin\/messages\/\?role=assistant&amp;q=bulk&amp;">/);
  const back = decodeEntities(/name="back" value="([^"]*)"/.exec(filtered.text)[1]);
  const kept = await admin.client.postForm('/admin/messages/delete/', [['csrf_token', token], ['confirm', 'yes'], ['back', back], ['ids', 999998]]);
  assert.equal(kept.status, 303);
  assert.equal(kept.location, `${back}deleted=0`);
  for (const hostile of ['https://evil.example/?', '//evil.example/?', '/admin/messages/?a=1&"><script>&', '/admin/messages/?x y&', '/admin/log/?']) {
    const r = await admin.client.postForm('/admin/messages/delete/', [['csrf_token', token], ['confirm', 'yes'], ['back', hostile], ['ids', 999999]]);
    assert.equal(r.status, 303, hostile);
    assert.equal(r.location, '/admin/messages/?deleted=0', hostile);
  }
  assert.deepEqual(ids(`SELECT id FROM messages WHERE id IN (${mine})`), [mine[2]]);
  // The first conversation lost all its messages and went; the second stays.
  assert.equal(n(`SELECT count(*) AS n FROM conversations c JOIN users u ON u.id = c.user_id WHERE u.username LIKE 'bulk%'`), 1);
  const log = dbQuery(server, `SELECT object_id, admin_name FROM admin_log WHERE action = 'message_delete' AND object_id IN (${pick}) ORDER BY object_id`);
  assert.deepEqual(log.map((r) => Number(r.object_id)), pick);
  assert.ok(log.every((r) => r.admin_name === admin.user.username));
  // Who deleted what, on the log page.
  const page = await admin.client.get('/admin/log/?action=message_delete');
  assert.match(page.text, new RegExp(`<td>${admin.user.username}</td><td data-action="message_delete">deleted a message</td><td><a href="/admin/messages/${pick[0]}/">message ${pick[0]}</a>`));
  // None selected, a bad id, or more than 500: refused.
  assert.equal((await admin.client.postForm('/admin/messages/delete/', { csrf_token: token })).status, 400);
  assert.equal((await admin.client.postForm('/admin/messages/delete/', [['csrf_token', token], ['ids', 'x']])).status, 400);
  const many = (k) => [['csrf_token', token], ...Array.from({ length: k }, (_, i) => ['ids', 900000 + i])];
  const at500 = await admin.client.postForm('/admin/messages/delete/', many(500));
  assert.equal(at500.status, 200, 'the last accepted number');
  assert.match(at500.text, /500 of the selected messages no longer exist/);
  assert.equal((await admin.client.postForm('/admin/messages/delete/', many(501))).status, 400);
});

test("a message's page: every field, its file, its thread; an edit saved, logged and shown to its owner", async () => {
  const { client } = await signedUpClient(server.url, 'edit');
  const path = await ask(server, client, { question: 'about the file' });
  const csrf_token = getCsrf((await client.get(path)).text);
  const r = await client.postMultipart(path, { csrf_token, model: 'echo', question: 'and this one' },
    [{ name: 'file_upload', filename: 'notes.txt', contentType: 'text/plain', content: 'file line <b>bold</b>\n' }]);
  assert.equal(r.status, 303);
  const [q, a] = dbQuery(server, `SELECT m.id, m.upload_id FROM messages m JOIN users u ON u.id = m.user_id WHERE u.username = '${(await client.get('/')).text.match(/<span class="who">([^<]*)</)[1]}' ORDER BY m.id DESC LIMIT 2`).reverse();
  assert.ok(q.upload_id, 'the question has the file');
  const page = await admin.client.get(`/admin/messages/${q.id}/`);
  assert.equal(page.status, 200);
  for (const f of ['id', 'user', 'conversation', 'role', 'status', 'source', 'time', 'provider', 'model', 'model reported',
    'max tokens', 'temperature', 'top k', 'top p', 'prompt tokens', 'completion tokens', 'total tokens', 'words (imported)',
    'elapsed ms', 'time to first token ms', 'finish reason', 'error', 'file']) assert.ok(page.text.includes(`<dt>${f}</dt>`), f);
  assert.match(page.text, /notes\.txt \(text\/plain, 22 bytes, SHA-256 [0-9a-f]{64}\)/);
  assert.match(page.text, /<pre class="admin-text" id="file-text">file line &lt;b&gt;bold&lt;\/b&gt;\n<\/pre>/);
  assert.match(page.text, /<li id="m\d+" class=""><p[^>]*>.*about the file/s, 'the thread before it');
  assert.match(page.text, new RegExp(`<li id="m${q.id}" class="here">`));

  // Edit the answer: content in Markdown, and the model.
  const before = dbQuery(server, `SELECT c.revision, c.uuid, m.content, m.model FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = ${a.id}`)[0];
  const token = getCsrf(page.text);
  const saved = await admin.client.postForm(`/admin/messages/${a.id}/`, { csrf_token: token, content: 'Now **bold** and <script>x</script>', role: 'assistant', model: 'edited-model' });
  assert.equal(saved.status, 303);
  assert.equal(saved.location, `/admin/messages/${a.id}/?saved=1`);
  const after = dbQuery(server, `SELECT c.revision, m.content, m.model, m.rendered FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = ${a.id}`)[0];
  assert.equal(after.content, 'Now **bold** and <script>x</script>');
  assert.equal(after.model, 'edited-model');
  assert.ok(Number(after.revision) > Number(before.revision), 'the revision moved');
  assert.match(after.rendered, /<strong>bold<\/strong>/);
  // The owner sees the new answer, rendered (not the cached old page).
  const own = await client.get(`/conversation/${before.uuid}/`);
  assert.match(own.text, /Now <strong>bold<\/strong>/);
  assert.doesNotMatch(own.text, /<script>x<\/script>/);
  const log = dbQuery(server, `SELECT field, old_value, new_value, admin_name, object_label FROM admin_log WHERE action = 'message_edit' AND object_id = ${a.id} ORDER BY id`);
  assert.deepEqual(log.map((e) => [e.field, e.old_value, e.new_value]), [
    ['content', before.content, 'Now **bold** and <script>x</script>'], ['model', before.model, 'edited-model']]);
  assert.ok(log.every((e) => e.admin_name === admin.user.username));
  // The log page shows an edit as its change: the common part as context, the old
  // text struck, the new one inserted, all as text.
  const logPage = (await admin.client.get('/admin/log/?action=message_edit')).text;
  const cell = new RegExp(`<td>model</td><td colspan="2"><span class="admin-value diff"><del>${before.model}</del><ins>edited-model</ins></span></td>`);
  assert.match(logPage, cell);
  assert.match(logPage, /<ins>Now \*\*bold\*\* and &lt;script&gt;x&lt;\/script&gt;<\/ins>/);
  assert.doesNotMatch(logPage, /<script>x<\/script>/);
  // The same values again change nothing and log nothing.
  assert.equal((await admin.client.postForm(`/admin/messages/${a.id}/`, { csrf_token: token, content: after.content, role: 'assistant', model: 'edited-model' })).status, 303);
  assert.equal(n(`SELECT count(*) AS n FROM admin_log WHERE object_id = ${a.id} AND action = 'message_edit'`), 2);
  // Refused: another role, empty content, a model too long (200 taken).
  for (const [fields, why] of [[{ role: 'root' }, /The role must be/], [{ content: '  ' }, /The content cannot be empty/], [{ model: 'm'.repeat(201) }, /at most 200/]]) {
    const bad = await admin.client.postForm(`/admin/messages/${a.id}/`, { csrf_token: token, content: 'x', role: 'user', model: '', ...fields });
    assert.equal(bad.status, 400);
    assert.match(bad.text, why);
  }
  assert.equal((await admin.client.postForm(`/admin/messages/${a.id}/`, { csrf_token: token, content: 'x', role: 'user', model: 'm'.repeat(200) })).status, 303);
  assert.deepEqual(dbQuery(server, `SELECT old_value, new_value FROM admin_log WHERE object_id = ${a.id} AND field = 'role'`), [{ old_value: 'assistant', new_value: 'user' }]);
  // No such message: 404 on each of its URLs.
  assert.equal((await admin.client.get('/admin/messages/999999/')).status, 404);
  assert.equal((await admin.client.postForm('/admin/messages/999999/', { csrf_token: token, content: 'x', role: 'user' })).status, 404);
  assert.equal((await admin.client.postForm('/admin/messages/999999/delete/', { csrf_token: token })).status, 404);
  // Deleting it: gone, logged, its conversation's revision moved.
  const del = await admin.client.postForm(`/admin/messages/${a.id}/delete/`, { csrf_token: token });
  assert.equal(del.status, 303);
  assert.equal(n(`SELECT count(*) AS n FROM messages WHERE id = ${a.id}`), 0);
  assert.equal(n(`SELECT count(*) AS n FROM admin_log WHERE object_id = ${a.id} AND action = 'message_delete'`), 1);
  assert.equal((await admin.client.get(`/admin/messages/${a.id}/`)).status, 404);
});
