// json-viewer.test.mjs - /json-viewer/: pasted or uploaded JSON comes back with a
// 4-space indent in the text area; an array of objects as a table whose columns are
// the union of the keys in order of first appearance, 100 rows a page; invalid JSON
// with its line, column and the offending line marked; every key and value escaped;
// anonymous visitors up to 256 KiB, logged-in users up to MAX_UPLOAD_BYTES; the CSRF
// token required as on every form.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, getCsrf, decodeEntities, multipart } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';

const MiB = 1024 * 1024;
let server, anon, alice;

before(async () => {
  server = await startServer({ env: { MAX_UPLOAD_BYTES: String(30 * MiB) } });
  anon = new Client(server.url);
  alice = await signedUpClient(server.url, 'jv');
});
after(async () => { await server?.stop(); });

async function view(client, fields, files = []) {
  const csrf_token = getCsrf((await client.get('/json-viewer/')).text);
  return client.postMultipart('/json-viewer/', { csrf_token, ...fields }, files);
}
const textarea = (html) => decodeEntities(/<textarea id="jv-text" name="json_text"[^>]*>\n?([\s\S]*?)<\/textarea>/.exec(html)[1]);
const cellText = (s) => decodeEntities(s.replace(/<[^>]*>/g, ''));
function table(html) {
  const t = /<table class="json-table">([\s\S]*?)<\/table>/.exec(html);
  if (!t) return null;
  const head = [.../<thead>([\s\S]*?)<\/thead>/.exec(t[1])[1].matchAll(/<th>([\s\S]*?)<\/th>/g)].map((m) => cellText(m[1]));
  const rows = [...t[1].matchAll(/<tr>([\s\S]*?)<\/tr>/g)].slice(1)
    .map((r) => [...r[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => cellText(m[1])));
  return { head, rows };
}

test('GET shows the form to anyone; POST without the CSRF token is 403', async () => {
  const page = await anon.get('/json-viewer/');
  assert.equal(page.status, 200);
  assert.match(page.text, /<input id="jv-file" name="jsonFile" type="file"/);
  assert.match(page.text, /<textarea id="jv-text" name="json_text"/);
  assert.match(page.text, /<script src="\/static\/json-viewer\.js\?v=[^"]+" defer><\/script>/);
  const r = await anon.postForm('/json-viewer/', { json_text: '{}' });
  assert.equal(r.status, 403);
});

test('pasted JSON comes back indented by 4 spaces; numbers keep their form', async () => {
  const r = await view(anon, { json_text: '{"a":[1,2.5,0.1,1.0,{"b":null}],"c":"d\\"e","n":-3e-7}' });
  assert.equal(r.status, 200);
  assert.equal(textarea(r.text), [
    '{',
    '    "a": [',
    '        1,',
    '        2.5,',
    '        0.1,',
    '        1.0,',
    '        {',
    '            "b": null',
    '        }',
    '    ],',
    '    "c": "d\\"e",',
    '    "n": -3e-07',
    '}',
  ].join('\n'));
  assert.equal(table(r.text), null, 'an object is not a table');
});

test('an array of objects is a table: the union of keys in order of first appearance, nested values as compact JSON', async () => {
  const doc = [
    { name: 'steel', E: 210, tags: ['a', 'b'] },
    { E: 70, name: 'aluminium', density: 2.7 },
    { extra: { x: 1, y: [true, null] }, name: null },
  ];
  const r = await view(alice.client, {}, [{ name: 'jsonFile', filename: 'materials.json', contentType: 'application/json', content: JSON.stringify(doc) }]);
  assert.equal(r.status, 200);
  const t = table(r.text);
  assert.deepEqual(t.head, ['#', 'name', 'E', 'tags', 'density', 'extra']);
  assert.deepEqual(t.rows, [
    ['1', 'steel', '210', '["a","b"]', '', ''],
    ['2', 'aluminium', '70', '', '2.7', ''],
    ['3', 'null', '', '', '', '{"x":1,"y":[true,null]}'],
  ]);
  assert.match(r.text, /<input type="hidden" name="filename" value="materials\.json">/, 'the name is kept for Download');
});

test('invalid JSON: line and column, and the offending line with a marker under the column', async () => {
  const text = '{\n  "a": 1,\n  "bé": x\n}';
  const r = await view(anon, { json_text: text });
  assert.equal(r.status, 400);
  assert.match(r.text, /<p class="error">The JSON is not valid: invalid token near &#39;x&#39; at line 3, column 9\.<\/p>/);
  const pre = decodeEntities(/<pre class="json-error"><code>([\s\S]*?)<\/code><\/pre>/.exec(r.text)[1]);
  assert.equal(pre, '  "bé": x\n        ^');
  assert.equal(textarea(r.text), text, 'the text as sent, so that the position points into it');

  // A long minified line is cut around the column.
  const long = `[${'1,'.repeat(5000)}}]`;
  const r2 = await view(anon, { json_text: long });
  assert.equal(r2.status, 400);
  assert.match(r2.text, /at line 1, column 10002\./);
  const [line, marker] = decodeEntities(/<pre class="json-error"><code>([\s\S]*?)<\/code><\/pre>/.exec(r2.text)[1]).split('\n');
  assert.ok(line.length < 130, `the excerpt is cut (${line.length} characters)`);
  assert.equal(line[marker.length - 1], '}', 'the marker is under the offending character');
  assert.equal(marker.trim(), '^');

  const empty = await view(anon, { json_text: '  ' });
  assert.equal(empty.status, 400);
  assert.match(empty.text, /Choose a JSON file or paste a JSON document\./);
});

test('keys and values with markup are shown as text, in the table and the text area', async () => {
  const xss = '<script>alert(1)</script>';
  const img = '"><img src=x onerror=alert(1)>';
  const r = await view(anon, { json_text: JSON.stringify([{ [xss]: img, [img]: { [xss]: xss } }]) });
  assert.equal(r.status, 200);
  assert.ok(!r.text.includes('<script>alert'), 'no live script');
  assert.ok(!r.text.includes('<img src=x'), 'no live img');
  const t = table(r.text);
  assert.deepEqual(t.head, ['#', xss, img]);
  assert.deepEqual(t.rows[0], ['1', img, JSON.stringify({ [xss]: xss })]);
  assert.deepEqual(JSON.parse(textarea(r.text)), [{ [xss]: img, [img]: { [xss]: xss } }]);
});

test('Download sends the edited text back as an attachment', async () => {
  const text = '{"edited": true,  "x": [1]}';
  const r = await view(anon, { json_text: text, action: 'download', filename: 'my "data"\\1 é.json' });
  assert.equal(r.status, 200);
  assert.equal(r.text, text, 'as typed, not re-formatted');
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.equal(r.headers.get('content-disposition'), 'attachment; filename="my _data__1 __.json"; filename*=UTF-8\'\'my%20%22data%22%5C1%20%C3%A9.json');
});

test('anonymous visitors may post 256 KiB, logged-in users MAX_UPLOAD_BYTES', async () => {
  // A multipart body of exactly 256 KiB is the last accepted for an anonymous visitor.
  const KiB = 1024;
  const csrf_token = getCsrf((await anon.get('/json-viewer/')).text);
  const fill = (size) => {
    const probe = `--llmmetaboundary\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n${csrf_token}\r\n--llmmetaboundary\r\nContent-Disposition: form-data; name="json_text"\r\n\r\n""\r\n--llmmetaboundary--\r\n`;
    const s = `"${'a'.repeat(size - Buffer.byteLength(probe))}"`;
    return `--llmmetaboundary\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n${csrf_token}\r\n--llmmetaboundary\r\nContent-Disposition: form-data; name="json_text"\r\n\r\n${s}\r\n--llmmetaboundary--\r\n`;
  };
  assert.match((await anon.get('/json-viewer/')).text, /up to 0\.25 MiB; more when logged in\)/);
  assert.match((await alice.client.get('/json-viewer/')).text, /up to 30\.00 MiB\)/);
  const post = (c, body) => c.request('POST', '/json-viewer/', { headers: { 'Content-Type': 'multipart/form-data; boundary=llmmetaboundary' }, body });
  assert.equal(Buffer.byteLength(fill(256 * KiB)), 256 * KiB);
  const ok = await post(anon, fill(256 * KiB));
  assert.equal(ok.status, 200, ok.text.slice(0, 3000));
  assert.equal((await post(anon, fill(256 * KiB + 1))).status, 413, 'one byte more is refused');
  assert.equal((await post(anon, fill(MiB))).status, 413, 'the 1 MiB an anonymous visitor could post before');
  // The same 256 KiB + 1 from a logged-in user is accepted.
  const aliceToken = getCsrf((await alice.client.get('/json-viewer/')).text);
  const aliceBody = fill(256 * KiB + 1).replace(csrf_token, aliceToken);
  assert.equal((await post(alice.client, aliceBody)).status, 200, 'a logged-in user posts past the anonymous limit');
  // A file as large as the limit allows is read whole for an anonymous visitor too.
  const file = JSON.stringify([{ k: 'c'.repeat(250 * 1000) }]);
  const whole = await anon.postMultipart('/json-viewer/', { csrf_token }, [{ name: 'jsonFile', filename: 'near-limit.json', contentType: 'application/json', content: file }]);
  assert.equal(whole.status, 200, whole.text.slice(0, 500));
  assert.doesNotMatch(whole.text, /line \d+, column \d+/, 'the file was cut and read as invalid JSON');
  assert.match(whole.text, /near-limit\.json|ccccc/);
  const token = getCsrf((await alice.client.get('/json-viewer/')).text);
  const big = JSON.stringify('b'.repeat(5 * MiB));
  const r = await alice.client.postMultipart('/json-viewer/', { csrf_token: token, json_text: big });
  assert.equal(r.status, 200, 'a logged-in user posts more');
});

test('a 25 MB array of 200,000 objects is shown 100 rows a page; page re-posts the document', async () => {
  const rows = [];
  for (let i = 0; i < 200000; i++) rows.push({ id: i, name: `item ${i}`, value: i * 0.5, tags: ['x', 'y'], note: 'n'.repeat(60) });
  const doc = JSON.stringify(rows);
  assert.ok(doc.length > 25e6 && doc.length < 30 * MiB, `${doc.length} bytes`);
  const started = Date.now();
  const r = await view(alice.client, { page: '1234' }, [{ name: 'jsonFile', filename: 'big.json', contentType: 'application/json', content: doc }]);
  const ms = Date.now() - started;
  assert.equal(r.status, 200);
  const t = table(r.text);
  assert.equal(t.rows.length, 100, 'one page, not 200,000 rows');
  assert.deepEqual(t.rows[0].slice(0, 3), ['123301', '123300', 'item 123300']);
  assert.match(r.text, /Page 1234 of 2000 \(rows 123301–123400 of 200000\)/);
  assert.match(r.text, /<button type="submit" form="jv" name="page" value="1235" class="secondary">Next ›<\/button>/);
  assert.match(r.text, /<button type="submit" form="jv" name="page" value="2000" class="secondary">Last »<\/button>/);
  console.log(`25 MB document: ${ms} ms, page of ${(r.text.length / MiB).toFixed(1)} MiB`);
  // Past the last page: the last page.
  const last = await view(alice.client, { page: '999999', json_text: JSON.stringify(rows.slice(0, 150)) });
  assert.deepEqual(table(last.text).rows.map((x) => x[0]), Array.from({ length: 50 }, (_, i) => String(101 + i)));
});

test('limits: 100 rows make one page and 101 two; 200 columns are all shown and the 201st is counted', async () => {
  const rowsOf = (n) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ i })));
  const one = await view(anon, { json_text: rowsOf(100) });
  assert.equal(table(one.text).rows.length, 100);
  assert.ok(!one.text.includes('class="pager"'), 'no pages for 100 rows');
  const two = await view(anon, { json_text: rowsOf(101) });
  assert.equal(table(two.text).rows.length, 100);
  assert.match(two.text, /Page 1 of 2 \(rows 1–100 of 101\)/);
  const wide = (n) => JSON.stringify([Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))]);
  const w200 = await view(anon, { json_text: wide(200) });
  assert.equal(table(w200.text).head.length, 201, '# and 200 columns');
  assert.match(w200.text, /1 row, 200 columns\.<\/p>/);
  const w201 = await view(anon, { json_text: wide(201) });
  assert.equal(table(w201.text).head.length, 201, '# and the first 200 columns');
  assert.equal(table(w201.text).head.at(-1), 'k199');
  assert.match(w201.text, /1 row, 201 columns\. The first 200 columns are shown\.<\/p>/);
  // Not an array of objects: no table.
  for (const doc of ['[]', '[1, 2]', '[{"a": 1}, 2]', '"text"', '42']) {
    const r = await view(anon, { json_text: doc });
    assert.equal(r.status, 200, doc);
    assert.equal(table(r.text), null, doc);
  }
});

test('the indented text is what jansson writes: escapes, unicode, empty containers, spacing, deep nesting', async () => {
  const doc = '[ {"s":"a\\"b\\\\c\\/d\\n\\t\\u00e9\\u0001\\ud83d\\ude00", "e":{ }, "a":[ ], "n":[0,-0,12345678901234,1.5e300,-2.50E-3,1E2]},\n\ttrue , false,null ,"é",[[[[1]]]] ]';
  const r = await view(anon, { json_text: doc });
  assert.equal(r.status, 200);
  assert.equal(textarea(r.text), [
    '[',
    '    {',
    '        "s": "a\\"b\\\\c/d\\n\\té\\u0001😀",',
    '        "e": {},',
    '        "a": [],',
    '        "n": [',
    '            0,',
    '            0,',
    '            12345678901234,',
    '            1.5e+300,',
    '            -0.0025,',
    '            100.0',
    '        ]',
    '    },',
    '    true,',
    '    false,',
    '    null,',
    '    "é",',
    '    [',
    '        [',
    '            [',
    '                [',
    '                    1',
    '                ]',
    '            ]',
    '        ]',
    '    ]',
    ']',
  ].join('\n'));
  // Nested so deep that indenting would multiply it: shown as sent.
  const deep = `${'['.repeat(1500)}${']'.repeat(1500)}`;
  const d = await view(alice.client, { json_text: deep });
  assert.equal(d.status, 200);
  assert.match(d.text, /nested too deeply to indent/);
  assert.equal(textarea(d.text), deep);
});

test('bodies read or shown at once hold at most 8 MiB: the last that fits is shown, one byte more is 503 with Retry-After', async () => {
  const http = await import('node:http');
  const token = getCsrf((await alice.client.get('/json-viewer/')).text);
  const overhead = multipart({ csrf_token: token, json_text: '' }).body.length;
  const doc = (bodySize) => JSON.stringify('x'.repeat(bodySize - overhead - 2)); // a body of bodySize bytes
  // A 5 MiB body whose page the client does not read: it keeps its share.
  const { body, contentType } = multipart({ csrf_token: token, json_text: doc(5 * MiB) });
  assert.equal(body.length, 5 * MiB);
  const u = new URL('/json-viewer/', server.url);
  let req;
  const res = await new Promise((resolve, reject) => {
    req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false, headers: {
      'Content-Type': contentType, 'Content-Length': body.length, Cookie: alice.client.cookieHeader(), 'X-CSRF-Token': token } }, resolve);
    req.on('error', reject);
    req.end(body);
  });
  try {
    assert.equal(res.statusCode, 200, 'the held document is being shown');
    const over = await alice.client.postMultipart('/json-viewer/', { csrf_token: token, json_text: doc(3 * MiB + 1) });
    assert.equal(over.status, 503, `5 MiB held + 3 MiB + 1 byte: ${over.status}`);
    assert.match(over.headers.get('retry-after') || '', /^\d+$/);
    const fits = await alice.client.postMultipart('/json-viewer/', { csrf_token: token, json_text: doc(3 * MiB) });
    assert.equal(fits.status, 200, '5 MiB held + 3 MiB is the budget');
    assert.equal(textarea(fits.text).length, 3 * MiB - overhead, 'the whole document was sent');
  } finally {
    res.destroy();
    req.destroy();
  }
  // Once the held page's client has gone, its share is back; a body larger than the
  // whole budget goes through alone.
  let again;
  for (let i = 0; i < 50; i++) {
    again = await alice.client.postMultipart('/json-viewer/', { csrf_token: token, json_text: doc(12 * MiB) });
    if (again.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(again.status, 200, 'the budget was not given back');
});
