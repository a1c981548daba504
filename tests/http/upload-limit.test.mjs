// Request body limit: a body over MAX_UPLOAD_BYTES answers 413 (default 30 MiB, and a
// configured smaller limit), and the server keeps serving afterwards.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, rawRequest, multipart, getCsrf } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';

const servers = [];
after(async () => { for (const s of servers) await s.stop(); });

const MiB = 1024 * 1024;
const chunk = Buffer.alloc(64 * 1024, 'a');

function bigPost(port, path, size, { contentType = 'application/x-www-form-urlencoded', cookie = '' } = {}) {
  const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: ${contentType}\r\n` +
    `${cookie ? `Cookie: ${cookie}\r\n` : ''}Content-Length: ${size}\r\nConnection: close\r\n\r\n`;
  return rawRequest(port, head, { size, chunk });
}

test('a 31 MiB body answers 413 and the server keeps serving', async () => {
  const server = await startServer();
  servers.push(server);
  const r = await bigPost(server.port, '/accounts/login/', 31 * MiB);
  assert.equal(r.status, 413, r.head);
  const { client } = await signedUpClient(server.url, 'big');
  const cookie = client.cookieHeader();
  const r2 = await bigPost(server.port, '/ask/', 31 * MiB, { contentType: 'multipart/form-data; boundary=xyz', cookie });
  assert.equal(r2.status, 413, r2.head);
  const c = new Client(server.url);
  assert.equal((await c.get('/')).status, 200);
  assert.equal((await c.get('/health/')).status, 200);
  assert.equal((await client.get('/ask/')).status, 200, 'the user is still logged in');
});

test('MAX_UPLOAD_BYTES is honoured: 2 MiB over a 1 MiB limit is 413, 0.5 MiB is not', async () => {
  const server = await startServer({ env: { MAX_UPLOAD_BYTES: String(MiB) } });
  servers.push(server);
  const { client } = await signedUpClient(server.url, 'limit');
  const over = multipart({ question: 'hi' }, [{ name: 'file_upload', filename: 'a.txt', contentType: 'text/plain', content: Buffer.alloc(2 * MiB, 'b') }]);
  const csrf = getCsrf((await client.get('/ask/')).text) ?? '';
  const head = `POST /ask/ HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: ${over.contentType}\r\n` +
    `Cookie: ${client.cookieHeader()}\r\nContent-Length: ${over.body.length}\r\nConnection: close\r\n\r\n`;
  const r = await rawRequest(server.port, head, over.body);
  assert.equal(r.status, 413);
  const small = await client.postMultipart('/ask/', { csrf_token: csrf, question: '' }, [{ name: 'file_upload', filename: 'a.txt', contentType: 'text/plain', content: Buffer.alloc(MiB / 2, 'c') }]);
  assert.notEqual(small.status, 413, 'half the limit was refused as too large');
  assert.ok(small.status < 500, `0.5 MiB upload answered ${small.status}`);
  const login = await bigPost(server.port, '/accounts/login/', 2 * MiB);
  assert.equal(login.status, 413);
  assert.equal((await new Client(server.url).get('/about/')).status, 200);
});

test('a bad Content-Length is a 4xx, not a crash', async () => {
  const server = await startServer();
  servers.push(server);
  for (const cl of ['-1', 'abc', '99999999999999999999999', '1, 2']) {
    const head = `POST /accounts/login/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${cl}\r\nConnection: close\r\n\r\n`;
    const r = await rawRequest(server.port, head, Buffer.from('login=a'));
    assert.ok(r.status >= 400 && r.status < 500, `Content-Length: ${cl} → ${r.status}`);
  }
  assert.equal((await new Client(server.url).get('/')).status, 200);
});
