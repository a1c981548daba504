// "Open in JSON viewer" without JavaScript (docs/json-viewer.md): a conversation page
// gives each JSON document of an answer (a code block holding a JSON object or
// array) a submit button of one form that posts the answer's id and the document's
// number to /json-viewer/, which loads that document from the database for the
// answer's owner and shows it formatted, with its table. Another user, an anonymous
// visitor, a question's id, a number past the last document or a malformed value get
// 404. The provider is tests/lib/fake-provider.mjs ("echo" answers with the question).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, getCsrf, dbQuery, decodeEntities, Client } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

let fake, server, alice, bob;
let answerId, questionId, convPath;

// The echo model answers "Answer to: " and the question: two JSON blocks, a block that is not JSON.
const QUESTION = 'Two:\n```json\n{"a": 1, "b": [1, 2]}\n```\nand\n```\n[{"x": "<script>y</script>"}, {"z": 2}]\n```\nnot:\n```\nfoo {\n```\n';

before(async () => {
  fake = await startFakeProvider();
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo' } });
  alice = await signedUpClient(server.url, 'alice');
  bob = await signedUpClient(server.url, 'bob');
  const csrf_token = getCsrf((await alice.client.get('/ask/')).text);
  const r = await alice.client.postMultipart('/ask/', { csrf_token, model: 'echo', question: QUESTION });
  assert.equal(r.status, 303);
  convPath = new URL(r.location, server.url).pathname;
  const rows = dbQuery(server, `SELECT m.id, m.role FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.uuid = '${convPath.split('/')[2]}' ORDER BY m.id`);
  questionId = rows.find((m) => m.role === 'user').id;
  answerId = rows.find((m) => m.role === 'assistant').id;
});

after(async () => {
  await server?.stop();
  await fake?.close();
});

/** POST /json-viewer/ with `answer` (and more fields) as client, with its CSRF token. */
async function open(client, answer, extra = {}) {
  const csrf_token = getCsrf((await client.get('/json-viewer/')).text);
  return client.postForm('/json-viewer/', { csrf_token, answer, ...extra });
}

const textarea = (html) => decodeEntities(/<textarea id="jv-text" name="json_text"[^>]*>\n([\s\S]*?)<\/textarea>/.exec(html)[1]);

test('each JSON document of an answer gets a button of the page\'s form, which carries the CSRF token', async () => {
  const page = await alice.client.get(convPath);
  assert.equal(page.status, 200);
  const form = /<form id="open-json" method="post" action="\/json-viewer\/"><input type="hidden" name="csrf_token" value="([^"]+)"><\/form>/.exec(page.text);
  assert.ok(form, 'no #open-json form on the page');
  assert.equal(form[1], getCsrf(page.text));
  const buttons = [...page.text.matchAll(/<button type="submit" form="open-json" name="answer" value="([^"]+)"[^>]*>([^<]+)<\/button>/g)];
  assert.deepEqual(buttons.map((b) => [b[1], b[2]]), [
    [`${answerId}-0`, 'Open JSON 1 in JSON viewer'],
    [`${answerId}-1`, 'Open JSON 2 in JSON viewer'],
  ]);
  // The buttons sit in the kept thread: the same for another session of the same user.
  const other = new Client(server.url);
  const { login } = await import('../lib/flows.mjs');
  assert.equal((await login(other, alice.user.username, alice.user.password)).status, 302);
  const again = await other.get(convPath);
  assert.equal([...again.text.matchAll(/form="open-json"/g)].length, 2);
  assert.notEqual(getCsrf(again.text), form[1], 'a session has its own token');
});

test('the button\'s post shows that document formatted, with its table', async () => {
  const second = await open(alice.client, `${answerId}-1`);
  assert.equal(second.status, 200);
  assert.equal(textarea(second.text), '[\n    {\n        "x": "<script>y</script>"\n    },\n    {\n        "z": 2\n    }\n]');
  assert.ok(!second.text.includes('<script>y'), 'the document reached the page unescaped');
  assert.match(second.text, /<th>x<\/th><th>z<\/th>/);
  assert.match(second.text, /<td>&lt;script&gt;y&lt;\/script&gt;<\/td>/);
  assert.match(second.text, /name="filename" value="answer.json"/);
  const first = await open(alice.client, `${answerId}-0`);
  assert.equal(first.status, 200);
  assert.equal(textarea(first.text), '{\n    "a": 1,\n    "b": [\n        1,\n        2\n    ]\n}');
  // Download works from the answer too.
  const dl = await open(alice.client, `${answerId}-0`, { action: 'download' });
  assert.equal(dl.status, 200);
  assert.match(dl.headers.get('content-disposition'), /attachment; filename="answer.json"/);
  assert.equal(dl.text, '{"a": 1, "b": [1, 2]}\n');
});

test('another user, an anonymous visitor and every malformed or missing value get 404', async () => {
  const missing = await open(alice.client, `${answerId + 1000}-0`);
  assert.equal(missing.status, 404);
  const theirs = await open(bob.client, `${answerId}-0`);
  assert.equal(theirs.status, 404, 'another user opened the answer');
  assert.equal(theirs.text, (await open(bob.client, `${answerId + 1000}-0`)).text, 'another user\'s answer answers as one that does not exist');
  assert.ok(!theirs.text.includes('"a"'));
  assert.equal((await open(new Client(server.url), `${answerId}-0`)).status, 404, 'anonymous');
  for (const v of [`${answerId}-2`, `${answerId}-20`, `${answerId}--1`, `${answerId}-`, `-${answerId}-0`, `${answerId}`, 'x-0',
    `${questionId}-0`, `0-0`, `${answerId}-1x`, `${'9'.repeat(30)}-0`, '']) {
    assert.equal((await open(alice.client, v)).status, 404, JSON.stringify(v));
  }
  // Without the CSRF token the form is refused, as every form is.
  assert.equal((await alice.client.postForm('/json-viewer/', { answer: `${answerId}-0` })).status, 403);
});

test('an answer without JSON gets no button; the pasted-text viewer is unchanged', async () => {
  const csrf_token = getCsrf((await alice.client.get('/ask/')).text);
  const r = await alice.client.postMultipart('/ask/', { csrf_token, model: 'echo', question: 'no json here {"a": 1}' });
  const page = await alice.client.get(new URL(r.location, server.url).pathname);
  assert.ok(!page.text.includes('form="open-json"'));
  const pasted = await alice.client.postForm('/json-viewer/', { csrf_token: getCsrf((await alice.client.get('/json-viewer/')).text), json_text: '[1,2]' });
  assert.equal(pasted.status, 200);
  assert.equal(textarea(pasted.text), '[\n    1,\n    2\n]');
});
