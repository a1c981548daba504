// thread-cache.test.mjs - the conversation page keeps its rendered thread between
// views (src/web/thread_cache.c) and never shows a stale one: a new question and its
// answer, a failed question, a change made in the database by someone else (another
// instance: the row changed and the conversation's revision moved), and a question
// asked through a second server on the same database all show on the next view.
// And the keeping is real: a row changed behind the server's back without moving the
// revision is not read again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, dbQuery, dbExec, getCsrf, decodeEntities } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

let fake, server, alice;

before(async () => {
  fake = await startFakeProvider();
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo,fail-500' } });
  alice = await signedUpClient(server.url, 'alice');
});

after(async () => {
  await server?.stop();
  await fake?.close();
});

async function ask(client, fields, path = '/ask/') {
  const csrf_token = getCsrf((await client.get(path)).text);
  const r = await client.postMultipart(path, { csrf_token, model: 'echo', ...fields });
  assert.equal(r.status, 303);
  return new URL(r.location, server.url).pathname;
}
const questions = (html) => [...html.matchAll(/<div class="question">([^<]*)<\/div>/g)].map((m) => decodeEntities(m[1]));
const answers = (html) => [...html.matchAll(/<div class="answer">([\s\S]*?)<\/div>\n/g)].map((m) => m[1]);
const alerts = (html) => [...html.matchAll(/<p class="error" role="alert">([^<]*)<\/p>/g)].map((m) => decodeEntities(m[1]));
const textarea = (html) => decodeEntities(/<textarea[^>]*>([^<]*)<\/textarea>/.exec(html)?.[1] ?? '');
const convId = (path) => dbQuery(server, `SELECT id FROM conversations WHERE uuid = '${path.split('/')[2]}'`)[0].id;

test('a new question and its answer show on the next view of a page already seen', async () => {
  const path = await ask(alice.client, { question: 'first question' });
  const seen = (await alice.client.get(path)).text;
  assert.deepEqual(questions(seen), ['first question']);
  assert.equal((await alice.client.get(path)).text, seen, 'the same page again');

  await ask(alice.client, { question: 'second question' }, path);
  const next = (await alice.client.get(path)).text;
  assert.deepEqual(questions(next), ['first question', 'second question']);
  assert.equal(answers(next).length, 2);
  assert.match(answers(next)[1], /Answer to: second question/);
});

test('a failed question shows, and is offered again, on the next view', async () => {
  const path = await ask(alice.client, { question: 'fine' });
  const seen = (await alice.client.get(path)).text;
  assert.deepEqual(alerts(seen), []);
  await ask(alice.client, { question: 'this one fails', model: 'fail-500' }, path);
  const next = (await alice.client.get(path)).text;
  assert.deepEqual(questions(next), ['fine', 'this one fails']);
  assert.equal(alerts(next).length, 1);
  assert.match(alerts(next)[0], /^This question failed\. /);
  assert.equal(textarea(next), 'this one fails', 'offered again in the form');
  // Viewed again (the thread now kept): the same failure, still offered.
  const again = (await alice.client.get(path)).text;
  assert.deepEqual(alerts(again), alerts(next));
  assert.equal(textarea(again), 'this one fails');
});

test('a change made elsewhere shows once the revision moves, and only then is the thread read again', async () => {
  const path = await ask(alice.client, { question: 'original text' });
  assert.deepEqual(questions((await alice.client.get(path)).text), ['original text']);
  const id = convId(path);
  // Behind the server's back, without the revision: the kept thread is shown, which
  // is how we know a view of an unchanged conversation does not read its messages.
  dbExec(server, `UPDATE messages SET content = 'edited quietly' WHERE conversation_id = ${id} AND role = 'user'`);
  assert.deepEqual(questions((await alice.client.get(path)).text), ['original text']);
  // As another instance's model functions do it: the change, then the revision.
  dbExec(server, `UPDATE messages SET content = 'edited elsewhere' WHERE conversation_id = ${id} AND role = 'user';` +
    ` UPDATE conversations SET revision = revision + 1 WHERE id = ${id}`);
  assert.deepEqual(questions((await alice.client.get(path)).text), ['edited elsewhere']);
});

test('a question asked through a second server on the same database shows on the first', async () => {
  const path = await ask(alice.client, { question: 'asked on one' });
  assert.deepEqual(questions((await alice.client.get(path)).text), ['asked on one']);
  const other = await startServer({ env: server.env, db: server.db, migrate: false });
  try {
    const base = alice.client.base;
    alice.client.base = other.url;
    try {
      await ask(alice.client, { question: 'asked on two' }, path);
    } finally {
      alice.client.base = base;
    }
  } finally {
    await other.stop({ cleanup: false });
  }
  const page = (await alice.client.get(path)).text;
  assert.deepEqual(questions(page), ['asked on one', 'asked on two']);
  assert.match(answers(page)[1], /Answer to: asked on two/);
});
