// providers.test.mjs - provider configuration at start-up: models discovered from the
// provider's model list when none are configured, and a bad provider setting stops
// start-up with one line naming the variable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, runCli, freshDatabase, getCsrf } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

test("without LLM_MODELS the models come from the provider's model list", async () => {
  const fake = await startFakeProvider({ models: ['found-a', 'found-b'] });
  const server = await startServer({ env: { LLM_API_URL: fake.url, LLM_API_KEY: 'sk-discover' } });
  try {
    const { client } = await signedUpClient(server.url, 'disc');
    const page = await client.get('/ask/');
    assert.match(page.text, /<option selected>found-a<\/option>/, 'the first model is the default');
    assert.match(page.text, /<option>found-b<\/option>/);
    const r = await client.postMultipart('/ask/', { csrf_token: getCsrf(page.text), question: 'hi', model: 'found-b' });
    assert.equal(r.status, 303);
    assert.equal(fake.requests.at(-1).body.model, 'found-b');
  } finally {
    await server.stop();
    await fake.close();
  }
});

test('with no model at all, the ask form says so instead of failing later', async () => {
  const server = await startServer(); // the harness points LLM_API_URL at a closed port
  try {
    const { client } = await signedUpClient(server.url, 'none');
    const page = await client.get('/ask/');
    const r = await client.postMultipart('/ask/', { csrf_token: getCsrf(page.text), question: 'hi' });
    assert.equal(r.status, 400);
    assert.match(r.text, /No model is configured/);
  } finally {
    await server.stop();
  }
});

for (const [env, variable] of [
  [{ LLM_API_URL: 'ftp://example.org/v1', LLM_MODELS: 'x' }, 'LLM_API_URL'],
  [{ LLM_API_URL: 'http://127.0.0.1:9/v1', LLM_MODELS: 'x', LLM_UNSUPPORTED: 'top_z' }, 'LLM_UNSUPPORTED'],
  [{ LLM_API_URL: 'http://127.0.0.1:9/v1', LLM_MODELS: 'x', LLM_FIRST_TOKEN_TIMEOUT: 'soon' }, 'LLM_FIRST_TOKEN_TIMEOUT'],
  [{ LLMMETA_PROVIDERS: '/nonexistent/providers.ini' }, 'LLMMETA_PROVIDERS'],
]) {
  test(`a bad ${variable} stops start-up with one line naming it`, async () => {
    const db = freshDatabase();
    try {
      const r = await runCli(['serve'], { env: { DATABASE_URL: db.url, ...env } });
      assert.notEqual(r.code, 0);
      const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('llmmeta:'));
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], new RegExp(variable));
      assert.ok(!r.stdout.includes('listening'), 'nothing started');
    } finally {
      db.cleanup();
    }
  });
}

test('an INI file with an unknown setting is refused, naming the section', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmmeta-ini-'));
  const db = freshDatabase();
  try {
    const ini = join(dir, 'p.ini');
    writeFileSync(ini, '[p]\ntype = openai\nurl = http://127.0.0.1:9/v1\nmodels = x\ncolour = blue\n');
    const r = await runCli(['serve'], { env: { DATABASE_URL: db.url, LLMMETA_PROVIDERS: ini } });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /LLMMETA_PROVIDERS: .*\[p\] colour: unknown setting/);
  } finally {
    db.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
