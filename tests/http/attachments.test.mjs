// attachments.test.mjs - every attached part is either stored and sent, or the whole
// request is refused with a clear 400: file names as browsers and other clients send
// them (quoted, bare, RFC 5987 filename*), names that cannot be read (a raw quote, a
// NUL, invalid UTF-8), data without a name, a body cut short; and request lines that
// must not be cut at a NUL or lack their Host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, dbQuery, getCsrf, rawRequest, rawHeader } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

let fake, server, alice;
before(async () => {
  fake = await startFakeProvider();
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo' } });
  alice = await signedUpClient(server.url, 'attach');
});
after(async () => {
  await server?.stop();
  await fake?.close();
});

/** Posts /ask/ with a file part whose Content-Disposition is written out by hand. */
async function askWith(disposition, content = 'a,b\n1,2\n', { close = true } = {}) {
  const csrf = getCsrf((await alice.client.get('/ask/')).text);
  const b = 'XyZ' + Math.random().toString(16).slice(2);
  const field = (name, value) => `--${b}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const body = Buffer.concat([
    Buffer.from(field('csrf_token', csrf) + field('model', 'echo') + field('question', 'What is in the file?')),
    Buffer.from(`--${b}\r\nContent-Disposition: ${disposition}\r\nContent-Type: text/csv\r\n\r\n`, 'latin1'),
    Buffer.from(content),
    Buffer.from(close ? `\r\n--${b}--\r\n` : '\r\n'),
  ]);
  return alice.client.request('POST', '/ask/', { headers: { 'Content-Type': `multipart/form-data; boundary=${b}` }, body });
}

const uploads = () => dbQuery(server, 'SELECT count(*) AS n FROM uploads')[0].n;
const messages = () => dbQuery(server, 'SELECT count(*) AS n FROM messages')[0].n;
const lastUpload = () => dbQuery(server, 'SELECT name, size FROM uploads ORDER BY id DESC LIMIT 1')[0];

for (const [what, disposition, name] of [
  ['a quoted name', 'form-data; name="file_upload"; filename="quoted.csv"', 'quoted.csv'],
  ['a bare (unquoted) name', 'form-data; name="file_upload"; filename=plain.csv', 'plain.csv'],
  ['only filename* (RFC 5987, UTF-8)', "form-data; name=\"file_upload\"; filename*=UTF-8''na%C3%AFve%20data.csv", 'naïve data.csv'],
  ['filename* in ISO-8859-1', "form-data; name=\"file_upload\"; filename*=iso-8859-1''caf%E9.csv", 'café.csv'],
  ['filename and filename*: filename* wins', "form-data; name=\"file_upload\"; filename=\"fallback.csv\"; filename*=UTF-8''%E2%82%AC.csv", '€.csv'],
  ['an escaped quote in a quoted name', 'form-data; name="file_upload"; filename="say \\"hi\\".csv"', 'say "hi".csv'],
]) {
  test(`a file with ${what} is stored and sent`, async () => {
    const before = uploads();
    const sent = fake.requests.length;
    const r = await askWith(disposition);
    assert.equal(r.status, 303, r.text.slice(0, 400));
    assert.equal(uploads(), before + 1);
    assert.deepEqual(lastUpload(), { name, size: 8 });
    assert.equal(fake.requests.length, sent + 1);
    const content = fake.requests.at(-1).body.messages.at(-1).content;
    assert.ok(content.includes(`the attached file "${name}"`), content);
    assert.ok(content.includes('a,b\n1,2'), content);
  });
}

for (const [what, disposition, content, close, reason] of [
  ['a raw quote inside the quoted name', 'form-data; name="file_upload"; filename="a"b.csv"', 'x', true, /malformed/],
  ['a NUL in the name', 'form-data; name="file_upload"; filename="a\0b.csv"', 'x', true, /NUL/],
  ['a control character in the name', 'form-data; name="file_upload"; filename="a\x01b.csv"', 'x', true, /not valid text/],
  ['invalid UTF-8 in filename*', "form-data; name=\"file_upload\"; filename*=UTF-8''%FF%FE.csv", 'x', true, /not valid text/],
  ['an unknown charset in filename*', "form-data; name=\"file_upload\"; filename*=KOI8-R''x.csv", 'x', true, /could not be decoded/],
  ['data but an empty name', 'form-data; name="file_upload"; filename=""', 'x', true, /data but no name/],
  ['a part that is not form-data', 'attachment; name="file_upload"; filename="x.csv"', 'x', true, /not form-data/],
  ['a part without a name', 'form-data; filename="x.csv"', 'x', true, /no name/],
  ['a body without its closing boundary', 'form-data; name="file_upload"; filename="x.csv"', 'x', false, /closing boundary/],
]) {
  test(`a file part with ${what} is refused with 400, and nothing is stored or sent`, async () => {
    const [u, m, sent] = [uploads(), messages(), fake.requests.length];
    const r = await askWith(disposition, content, { close });
    assert.equal(r.status, 400, r.text.slice(0, 400));
    assert.match(r.text, reason);
    assert.equal(uploads(), u);
    assert.equal(messages(), m);
    assert.equal(fake.requests.length, sent);
  });
}

test('an empty file input (filename="" and no data) is no file: the question goes without one', async () => {
  const u = uploads();
  const r = await askWith('form-data; name="file_upload"; filename=""', '');
  assert.equal(r.status, 303, r.text.slice(0, 400));
  assert.equal(uploads(), u);
});

test('an encoded NUL in the path or the query is refused, never cut short', async () => {
  const css = await alice.client.get('/static/style.css');
  assert.equal(css.status, 200);
  for (const path of ['/static/style.css%00.js', '/ask/?prompt=%00', '/ask/?prompt=1%001', '/about/%00/']) {
    const r = await alice.client.get(path);
    assert.ok(r.status === 400 || r.status === 404, `${path}: ${r.status}`);
  }
  assert.equal((await alice.client.get('/static/style.css%00.js')).status, 400);
  assert.equal((await alice.client.get('/ask/?prompt=%00')).status, 400);
});

test('HTTP/1.1 without a Host header is a 400; HTTP/1.0 needs none', async () => {
  const r = await rawRequest(server.port, 'GET /about/ HTTP/1.1\r\nConnection: close\r\n\r\n');
  assert.equal(r.status, 400);
  const ok = await rawRequest(server.port, 'GET /about/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(ok.status, 200);
  const old = await rawRequest(server.port, 'GET /about/ HTTP/1.0\r\n\r\n');
  assert.equal(old.status, 200);
  assert.ok(rawHeader(old.head, 'content-type'));
});
