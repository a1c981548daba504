// scaleout.test.mjs - two llmmeta instances behind nginx (round robin) on one
// PostgreSQL database, as docs/deploy.md lays out "Several instances": a user signed
// up on one continues on the other; a streamed answer passes nginx in pieces;
// MAX_ASKS_PER_USER and login throttling count across both; each instance restarted
// in turn (the new one listening on the port before the old one stops) under a
// steady client loses no request; a place given back that the database refused is
// written again; one killed with -9 mid-answer leaves every new
// request to the other, which marks the interrupted question. PostgreSQL only: on
// SQLite one instance serves (the tests are skipped, and counted as such).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PG_BASE, startServer, freshDatabase, freePort, sleep, dbQuery, dbExec, runCli, createUser, uniq, Client, getCsrf, multipart,
} from '../lib/server.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';
import { signedUpClient, login } from '../lib/flows.mjs';
import { ask } from '../lib/admin.mjs';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync('test', ['-x', p]).status === 0);
const skip = !PG_BASE ? 'PostgreSQL only (TEST_DATABASE_URL_BASE is not set)' : !NGINX ? 'nginx is not installed' : null;

let fake, db, nginx, front;
const ports = [];
const inst = []; // the instance serving on ports[i]

function env(port) {
  return {
    PORT: String(port), LLM_API_URL: fake.url, LLM_MODELS: 'echo,drip,hang', MAX_ASKS_PER_USER: '2', TRUST_PROXY: '1',
    THREADS: '2',
  };
}

const startInstance = (i) => startServer({ env: env(ports[i]), db, migrate: false });

/** nginx in the foreground with its own prefix, logs and temporary files, as root or
 * not (KEEP_NGINX=1 keeps its directory, and error log, for a look after a failure). max_fails=0: an instance that refused one connection is not taken out for 10 s,
 * so that what the steady client counts is whether each request found an instance. */
async function startNginx(upstreams) {
  const dir = mkdtempSync(join(tmpdir(), 'llmmeta-nginx-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const t = (name) => join(dir, name);
  writeFileSync(t('nginx.conf'), `
${process.getuid() === 0 ? 'user root;' : ''}
worker_processes 1;
daemon off;
pid ${t('nginx.pid')};
error_log ${t('error.log')} warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${t('client_body')};
  proxy_temp_path ${t('proxy')};
  fastcgi_temp_path ${t('fastcgi')};
  uwsgi_temp_path ${t('uwsgi')};
  scgi_temp_path ${t('scgi')};
  upstream llmmeta {
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=0;`).join('\n')}
    keepalive 16;
    keepalive_timeout 50s;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 30m;
    location / {
      proxy_pass http://llmmeta;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_buffering off;
      proxy_read_timeout 120s;
      proxy_next_upstream error timeout http_503;
    }
  }
}
`);
  const proc = spawn(NGINX, ['-p', dir, '-c', t('nginx.conf'), '-e', t('error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const url = `http://127.0.0.1:${port}`;
  for (const end = Date.now() + 10000; ;) {
    if (proc.exitCode !== null) throw new Error(`nginx exited (${proc.exitCode}): ${err}\n${readFileSync(t('error.log'), 'utf8')}`);
    try { await fetch(`${url}/nonexistent-nginx-probe`); break; } catch { /* not yet */ }
    if (Date.now() > end) throw new Error(`nginx not answering: ${err}`);
    await sleep(50);
  }
  return {
    url, proc,
    log: () => { try { return readFileSync(t('error.log'), 'utf8'); } catch { return ''; } },
    async stop() { proc.kill('SIGTERM'); await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('close', r))); if (!process.env.KEEP_NGINX) rmSync(dir, { recursive: true, force: true }); },
  };
}

async function apiKey() {
  const username = uniq('k');
  assert.equal((await createUser(inst[0], { username, email: `${username}@example.org`, password: 'a-long-password-42' })).code, 0);
  const r = await runCli(['apikey', '--username', username, '--name', 't'], { env: inst[0].env });
  assert.equal(r.code, 0, r.stderr);
  const id = dbQuery(inst[0], `SELECT id FROM users WHERE username = '${username}'`)[0].id;
  return { key: r.stdout.trim(), id };
}

const chat = (base, key, model, { signal, stream = true } = {}) => fetch(`${base}/v1/chat/completions`, {
  method: 'POST', signal,
  headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
  body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hello' }] }),
});

const places = (user) => Number(dbQuery(inst[0], `SELECT coalesce(sum(n), 0) AS n FROM call_places WHERE user_id = ${user}`)[0].n);

async function until(what, fn, ms = 15000) {
  for (const end = Date.now() + ms; !(await fn());) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

before(async () => {
  if (skip) return;
  fake = await startFakeProvider({ models: ['echo', 'drip', 'hang'] });
  db = freshDatabase();
  const m = await runCli(['migrate'], { env: { DATABASE_URL: db.url } });
  assert.equal(m.code, 0, m.stderr);
  for (let i = 0; i < 2; i++) ports.push(await freePort());
  for (let i = 0; i < 2; i++) inst.push(await startInstance(i));
  nginx = await startNginx(ports);
  front = nginx.url;
});

after(async () => {
  if (skip) return;
  await nginx?.stop();
  for (const s of inst) await s?.stop({ cleanup: false }).catch(() => {});
  db?.cleanup();
  await fake?.close?.();
});

test('signed up through one instance, the conversation continues through the other', { skip: skip ?? false }, async () => {
  const { client } = await signedUpClient(inst[0].url, 'two');
  const path = await ask(inst[0], client, { question: 'first, on one' });
  const other = new Client(inst[1].url);
  other.cookies = client.cookies; // the same browser, sent to the other instance
  const page = await other.get(path);
  assert.equal(page.status, 200);
  assert.match(page.text, /Answer to: first, on one/);
  const again = await ask(inst[1], other, { question: 'second, on the other' }, path);
  assert.equal(again, path);
  const msgs = dbQuery(inst[0], `SELECT m.role, m.content FROM messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE c.uuid = '${path.split('/')[2]}' ORDER BY m.id`);
  assert.deepEqual(msgs.map((m) => m.role), ['user', 'assistant', 'user', 'assistant']);
  assert.equal(msgs[3].content, 'Answer to: second, on the other');
});

test('a streamed answer through nginx arrives in pieces, not at once at the end', { skip: skip ?? false }, async () => {
  const { key } = await apiKey();
  const res = await chat(front, key, 'drip');
  assert.equal(res.status, 200);
  const times = [];
  let text = '';
  for await (const piece of res.body) { times.push(Date.now()); text += Buffer.from(piece).toString(); }
  assert.match(text, /drop39/);
  assert.match(text, /data: \[DONE\]/);
  assert.ok(times.length >= 10, `${times.length} pieces`);
  // 40 pieces 200 ms apart: buffered, they would all come within a moment at the end
  assert.ok(times.at(-1) - times[0] >= 4000, `spread over ${times.at(-1) - times[0]} ms`);
});

test('MAX_ASKS_PER_USER=2 holds across both instances: the third call, on the other one, is refused', { skip: skip ?? false }, async () => {
  const { key, id } = await apiKey();
  const ctl = new AbortController();
  const held = [chat(inst[0].url, key, 'hang', { signal: ctl.signal }), chat(inst[0].url, key, 'hang', { signal: ctl.signal })];
  for (const h of held) h.catch(() => {});
  await until('two places taken', () => places(id) === 2);
  const third = await chat(inst[1].url, key, 'echo', { stream: false });
  const refusal = await third.text();
  assert.equal(third.status, 429, refusal);
  assert.match(refusal, /MAX_ASKS_PER_USER/);
  ctl.abort(); // the client leaves: the calls are cancelled, their places given back
  await until('the places given back', () => places(id) === 0);
  const fourth = await chat(inst[1].url, key, 'echo', { stream: false });
  assert.equal(fourth.status, 200, await fourth.text());
  assert.equal(places(id), 0);
});

test('login throttling counts the attempts made on both instances', { skip: skip ?? false }, async () => {
  const { client, user } = await signedUpClient(inst[0].url, 'thr');
  void client;
  for (let i = 0; i < 10; i++) {
    const r = await login(new Client(inst[i % 2].url), user.username, 'not-the-password-at-all');
    assert.equal(r.status, 400, `attempt ${i + 1} refused as a wrong password (${r.status})`);
    assert.match(r.text, /are not correct/);
  }
  for (const s of inst) {
    const r = await login(new Client(s.url), user.username, user.password);
    assert.equal(r.status, 429, `the right password after 10 failures on both (${r.status})`);
    assert.match(r.text, /Too many failed attempts/);
  }
});

test('a give the database refused is written again: the instance rewrites its rows before its next take', { skip: skip ?? false }, async () => {
  const u = await apiKey(), v = await apiKey();
  dbExec(inst[0], `CREATE FUNCTION refuse_give() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql;
    CREATE TRIGGER refuse_give BEFORE DELETE OR UPDATE ON call_places FOR EACH ROW EXECUTE FUNCTION refuse_give()`);
  try {
    const r = await chat(inst[0].url, u.key, 'echo', { stream: false });
    assert.equal(r.status, 200, await r.text());
    await sleep(1000); // the give's write, refused
    assert.equal(places(u.id), 1, 'the database still counts the call that ended');
  } finally {
    dbExec(inst[0], 'DROP TRIGGER refuse_give ON call_places; DROP FUNCTION refuse_give()');
  }
  // Another user's call on the same instance: its take rewrites the instance's rows first.
  const r = await chat(inst[0].url, v.key, 'echo', { stream: false });
  assert.equal(r.status, 200, await r.text());
  await until('the refused give written', () => places(u.id) === 0 && places(v.id) === 0);
});

/** A client asking nginx steadily (pages and API calls) until stop(): { ok, failed, stop() }. */
function steady(key) {
  let running = true, ok = 0;
  const failed = [];
  const one = async (path, headers = {}) => {
    try {
      const r = await fetch(`${front}${path}`, { headers });
      await r.arrayBuffer();
      if (r.status === 200) ok++; else failed.push(`${path}: ${r.status}`);
    } catch (e) { failed.push(`${path}: ${e.cause?.code || e.message}`); }
  };
  const loops = [0, 1, 2].map(async (k) => {
    while (running) {
      if (k === 2) await one('/v1/models', { Authorization: `Bearer ${key}` });
      else await one(k ? '/health/' : '/');
    }
  });
  return { ok: () => ok, failed, async stop() { running = false; await Promise.all(loops); } };
}

test('a rolling restart of each instance in turn under a steady client: no failed request', { skip: skip ?? false }, async () => {
  const { key } = await apiKey();
  const load = steady(key);
  try {
    await until('traffic', () => load.ok() >= 50);
    for (let i = 0; i < 2; i++) {
      const old = inst[i];
      inst[i] = await startInstance(i); // on the same port, before the old one stops
      const served = load.ok();
      await until('traffic with both on the port', () => load.ok() >= served + 30);
      await old.stop({ cleanup: false }); // SIGTERM: exit 0
      const after = load.ok();
      await until('traffic after the stop', () => load.ok() >= after + 30);
    }
  } finally { await load.stop(); }
  assert.deepEqual(load.failed.slice(0, 20), [], `${load.failed.length} failed of ${load.ok() + load.failed.length}\n${nginx.log().slice(-3000)}`);
  assert.ok(load.ok() >= 200, `${load.ok()} requests answered`);
});

test('one instance killed with -9 mid-answer: the other takes every new request and marks the question interrupted', { skip: skip ?? false }, async () => {
  const { client, user } = await signedUpClient(inst[0].url, 'kill');
  const uid = dbQuery(inst[0], `SELECT id FROM users WHERE username = '${user.username}'`)[0].id;
  const csrf_token = getCsrf((await client.get('/ask/')).text);
  const { body, contentType } = multipart({ csrf_token, question: 'drip, then die', model: 'drip' });
  const res = await fetch(`${inst[0].url}/ask/`, {
    method: 'POST', body,
    headers: { 'Content-Type': contentType, Accept: 'application/x-ndjson', 'X-CSRF-Token': csrf_token, Cookie: client.cookieHeader() },
  });
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  let text = '';
  while (!text.includes('"delta"')) text += new TextDecoder().decode((await reader.read()).value);
  const uuid = /\/conversation\/([0-9a-f-]{36})\//.exec(text)[1];
  assert.equal(places(uid), 1);
  inst[0].proc.kill('SIGKILL');
  await inst[0].exited;
  reader.cancel().catch(() => {});
  const { key } = await apiKey();
  const load = steady(key);
  try {
    await until('traffic after the kill', () => load.ok() >= 100);
  } finally { await load.stop(); }
  assert.deepEqual(load.failed.slice(0, 20), [], `${load.failed.length} failed after the kill\n${nginx.log().slice(-3000)}`);
  const status = () => dbQuery(inst[1], `SELECT m.status FROM messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE c.uuid = '${uuid}' AND m.role = 'user'`)[0].status;
  // the survivor's next lease renewal (every 10 s) finds the dead process on this host
  await until('the question marked interrupted', () => status() === 'interrupted', 25000);
  assert.equal(places(uid), 0, 'the dead instance\'s place went with its lease');
  inst[0] = null;
});
