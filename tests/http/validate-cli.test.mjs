// `llmmeta validate SCHEMA [DATA...]` (no server, no database): the exit codes (0 all
// valid, 1 some data invalid or unreadable, 2 the schema invalid or unreadable, or a
// usage error), the error lines "FILE: /instance/path: message (keyword location)",
// --json's one object per data file, CSV data as row objects, --draft and --formats.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, assertNoSanitizerReport } from '../lib/server.mjs';

let dir;
const f = (name) => join(dir, name);
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'llmmeta-validate-'));
  writeFileSync(f('schema.json'), JSON.stringify({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'array',
    items: {
      type: 'object',
      required: ['specimen', 'force_kN'],
      properties: {
        specimen: { type: 'string', minLength: 1 },
        force_kN: { type: 'number', minimum: 0 },
        broken: { type: ['boolean', 'null'] },
      },
      additionalProperties: false,
    },
  }));
  writeFileSync(f('good.json'), JSON.stringify([{ specimen: 'S1', force_kN: 12.5, broken: true }]));
  writeFileSync(f('bad.json'), JSON.stringify([{ specimen: 'S1', force_kN: -1 }, { force_kN: 2, 'x/y': 1 }]));
  writeFileSync(f('good.csv'), 'specimen,force_kN,broken\r\nS1,12.5,true\r\nS2,3,\r\n');
  writeFileSync(f('bad.csv'), 'specimen,force_kN,broken\nS1,abc,false\n');
  writeFileSync(f('latin1.csv'), Buffer.from('specimen,force_kN\nS\xe9,1\n', 'latin1'));
  writeFileSync(f('not-a-schema.json'), JSON.stringify({ type: 'strnig' }));
  writeFileSync(f('broken.json'), '{"type": ');
  writeFileSync(f('draft7.json'), JSON.stringify({ items: [{ type: 'string' }], additionalItems: false }));
  writeFileSync(f('pair.json'), JSON.stringify(['a', 'b']));
  writeFileSync(f('date.json'), JSON.stringify({ format: 'date' }));
  writeFileSync(f('baddate.json'), JSON.stringify('2024-02-30'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function validate(...args) {
  const r = await runCli(['validate', ...args]);
  assertNoSanitizerReport(r.stderr, 'llmmeta validate');
  return r;
}

test('all data valid: exit 0, one "valid" line per file, JSON and CSV alike', async () => {
  const r = await validate(f('schema.json'), f('good.json'), f('good.csv'));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, `${f('good.json')}: valid\n${f('good.csv')}: valid\n`);
});

test('a schema alone: checked against its meta-schema, exit 0', async () => {
  const r = await validate(f('schema.json'));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, `${f('schema.json')}: a valid schema (2020-12)\n`);
});

test('invalid data: exit 1, one line per error with instance path, message and keyword location', async () => {
  const r = await validate(f('schema.json'), f('bad.json'), f('good.csv'));
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.equal(r.stdout, [
    `${f('bad.json')}: /0/force_kN: -1 is less than the minimum 0 (/items/properties/force_kN/minimum)`,
    `${f('bad.json')}: /1: required property "specimen" is missing (/items/required)`,
    `${f('bad.json')}: /1/x~1y: the schema false allows nothing (/items/additionalProperties)`,
    `${f('good.csv')}: valid`,
    '',
  ].join('\n'));
});

test('CSV: cells are typed, so a number column holding text is an error at its row', async () => {
  const r = await validate(f('schema.json'), f('bad.csv'));
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stdout, `${f('bad.csv')}: /0/force_kN: expected number, got string (/items/properties/force_kN/type)\n`);
});

test('CSV with invalid UTF-8: exit 1, the message names row and column', async () => {
  const r = await validate(f('schema.json'), f('latin1.csv'));
  assert.equal(r.code, 1);
  assert.match(r.stdout, /latin1\.csv: row 2, column 1: invalid UTF-8/);
});

test('--json: one object per data file with file, valid and the "basic" errors', async () => {
  const r = await validate('--json', f('schema.json'), f('bad.json'), f('good.csv'), f('missing.json'));
  assert.equal(r.code, 1);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  assert.deepEqual(Object.keys(lines[0]), ['file', 'valid', 'errors']);
  assert.equal(lines[0].file, f('bad.json'));
  assert.equal(lines[0].valid, false);
  assert.deepEqual(lines[0].errors[0], {
    instanceLocation: '/0/force_kN', keywordLocation: '/items/properties/force_kN/minimum', error: '-1 is less than the minimum 0',
  });
  assert.deepEqual(lines[1], { file: f('good.csv'), valid: true, errors: [] });
  assert.equal(lines[2].valid, false);
  assert.match(lines[2].errors[0].error, /cannot read/);
});

test('a schema that fails its meta-schema: exit 2, its errors listed, no data read', async () => {
  const r = await validate(f('not-a-schema.json'), f('good.json'));
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stdout, /not-a-schema\.json: \/type: .*\(\/allOf\/3\/\$ref\/properties\/type\/anyOf\)/);
  assert.doesNotMatch(r.stdout, /good\.json/);
});

test('an unreadable or unparsable schema: exit 2 with the reason', async () => {
  let r = await validate(f('nowhere.json'), f('good.json'));
  assert.equal(r.code, 2);
  assert.match(r.stdout, /nowhere\.json: cannot read: No such file/);
  r = await validate(f('broken.json'));
  assert.equal(r.code, 2);
  assert.match(r.stdout, /broken\.json: not JSON: line 1/);
  r = await validate('--json', f('broken.json'));
  assert.equal(r.code, 2);
  assert.equal(JSON.parse(r.stdout).valid, false);
});

test('--draft 7 reads a schema as draft-07 (items as a tuple); the default 2020-12 refuses that form', async () => {
  let r = await validate('--draft', '7', f('draft7.json'), f('pair.json'));
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, /pair\.json: \/1: the schema false allows nothing \(\/additionalItems\)/);
  r = await validate(f('draft7.json'), f('pair.json'));
  assert.equal(r.code, 2, r.stdout);
  r = await validate('--draft', '6', f('draft7.json'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--draft takes 7 or 2020-12/);
});

test('--formats asserts formats; without it a format is an annotation', async () => {
  let r = await validate(f('date.json'), f('baddate.json'));
  assert.equal(r.code, 0, r.stdout);
  r = await validate('--formats', f('date.json'), f('baddate.json'));
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, /baddate\.json: : is not a valid date \(\/format\)/);
});

test('usage errors exit 2; validate --help exits 0', async () => {
  let r = await validate();
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Usage: llmmeta validate/);
  r = await validate('--help');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: llmmeta validate/);
});
