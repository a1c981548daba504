// The manual page stays true to the code: llmmeta(1) (man/llmmeta.1) is mandoc-lint
// clean, and describes every command of main.c's table, every long option main.c
// parses, and every environment variable the program reads (env_or and getenv
// calls, and the provider timeouts' table), so that adding one without documenting
// it fails here. Reads the sources; starts no server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../lib/server.mjs';

const MAN = join(REPO_ROOT, 'man', 'llmmeta.1');
const page = readFileSync(MAN, 'utf8');
const main = readFileSync(join(REPO_ROOT, 'src', 'main.c'), 'utf8');

/** The text of the section `name` of the page (up to the next .Sh). */
function section(name) {
  const m = new RegExp(`^\\.Sh ${name}\\n([\\s\\S]*?)(?=^\\.Sh |$(?![\\s\\S]))`, 'm').exec(page);
  assert.ok(m, `no .Sh ${name} in ${MAN}`);
  return m[1];
}
/** mdoc escapes '-' as '\-': compare without it. */
const plain = (s) => s.replace(/\\-/g, '-');

function sources(dir = join(REPO_ROOT, 'src')) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : f.endsWith('.c') ? [p] : [];
  });
}

/**
 * Every environment variable the program reads. The files that read the environment
 * (they call env_or or getenv) name variables, and nothing else, in string literals
 * of capitals, digits and '_' alone ("PORT", "LLM_API_URL"): whether passed to
 * env_or, getenv, a loader of their own (load_size, load_client) or a table.
 */
function variablesRead() {
  const names = new Set();
  for (const f of sources()) {
    const c = readFileSync(f, 'utf8');
    if (!/\b(env_or|getenv)\(/.test(c)) continue;
    if (/^const char \*env_or\(/m.test(c)) continue; // its definition
    for (const m of c.matchAll(/"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)"/g)) names.add(m[1]);
  }
  return [...names].sort();
}

test('mandoc -T lint finds nothing in man/llmmeta.1', () => {
  const r = spawnSync('mandoc', ['-T', 'lint', MAN], { encoding: 'utf8' });
  assert.ok(!r.error, `mandoc cannot run (scripts/bootstrap.sh test installs it): ${r.error}`);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout + r.stderr, '');
});

test('every command of main.c (and help) is described under COMMANDS and in the SYNOPSIS', () => {
  const table = /\bcmds\[\]\s*=\s*\{([\s\S]*?)\};/.exec(main);
  assert.ok(table, 'main.c has no cmds[] table');
  const cmds = [...table[1].matchAll(/\{"([a-z-]+)",/g)].map((m) => m[1]);
  assert.ok(cmds.length >= 7 && cmds.includes('serve') && cmds.includes('apikey'), `commands read: ${cmds}`);
  const described = plain(section('COMMANDS')), synopsis = plain(section('SYNOPSIS'));
  for (const cmd of [...cmds, 'help']) {
    assert.match(described, new RegExp(`^\\.It Cm ${cmd}\\b`, 'm'), `COMMANDS does not describe ${cmd}`);
    assert.match(synopsis, new RegExp(`^\\.Cm ${cmd}$`, 'm'), `SYNOPSIS lacks ${cmd}`);
  }
  // Each command's usage line names the same command (the overview lists it too).
  const usage = /static const char usage\[\] =([\s\S]*?);\n/.exec(main)[1];
  for (const cmd of cmds) assert.match(usage, new RegExp(`"  ${cmd}\\b`), `the overview lacks ${cmd}`);
});

test('every long option main.c parses appears as Fl \\-NAME (--NAME) in the SYNOPSIS and under COMMANDS', () => {
  const opts = [...new Set([...main.matchAll(/\{"([a-z][a-z-]*)",\s*(?:required|no)_argument/g)].map((m) => m[1]))];
  assert.ok(opts.includes('port') && opts.includes('expires-days'), `options read: ${opts}`);
  const synopsis = plain(section('SYNOPSIS')), described = plain(section('COMMANDS'));
  for (const o of [...opts, 'help', 'version']) {
    assert.match(synopsis, new RegExp(`Fl -${o}\\b`), `SYNOPSIS lacks --${o}`);
    if (o !== 'help' && o !== 'version') assert.match(described, new RegExp(`Fl -${o}\\b`), `COMMANDS does not describe --${o}`);
  }
});

test('every environment variable the program reads is described under ENVIRONMENT, each with its default', () => {
  const vars = variablesRead();
  for (const known of ['PORT', 'DATABASE_URL', 'SECRET_KEY', 'LLM_TOTAL_TIMEOUT', 'OAUTH_GOOGLE_CLIENT_ID', 'MAIL_FROM', 'NOTIFY_SOCKET', 'LISTEN_FDS'])
    assert.ok(vars.includes(known), `the scan of the sources missed ${known}: ${vars}`);
  const env = section('ENVIRONMENT');
  const missing = vars.filter((v) => !new RegExp(`\\bEv ${v}\\b`).test(env));
  assert.deepEqual(missing, [], `ENVIRONMENT does not describe ${missing.join(', ')}`);
  // Each variable's entry (.It line up to the next .It) says its default, but those set by systemd.
  const entries = env.split(/^\.It /m).slice(1);
  for (const e of entries) {
    if (/^Ev (NOTIFY_SOCKET|LISTEN_FDS)\b/.test(e)) continue;
    assert.match(e, /Default/, `no default given for: ${e.split('\n')[0]}`);
  }
});
