// HTTP client for black-box tests: a cookie jar, manual redirects, HTML form helpers
// (csrf token, hidden fields, form action), urlencoded and multipart posts, raw sockets.
import net from 'node:net';
import { randomBytes } from 'node:crypto';

/** Decode the few HTML entities a server puts in attribute values. */
export function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (m, e) => {
    const l = e.toLowerCase();
    if (l === 'amp') return '&';
    if (l === 'lt') return '<';
    if (l === 'gt') return '>';
    if (l === 'quot') return '"';
    if (l === 'apos') return "'";
    if (l.startsWith('#x')) return String.fromCodePoint(parseInt(l.slice(2), 16));
    return String.fromCodePoint(parseInt(l.slice(1), 10));
  });
}

/** Attributes of one start tag, e.g. '<input type="hidden" name=a value="b">'. */
export function parseAttrs(tag) {
  const attrs = {};
  const re = /([^\s"'<>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  const body = tag.replace(/^<\w+/, '').replace(/\/?>$/, '');
  let m;
  while ((m = re.exec(body))) attrs[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  return attrs;
}

/** All <input> tags as attribute objects. */
export function inputs(html) {
  return [...html.matchAll(/<input\b[^>]*>/gi)].map((m) => parseAttrs(m[0]));
}

/** The hidden csrf_token value of the (first) form in the page, or null. */
export function getCsrf(html) {
  const i = inputs(html).find((a) => a.name === 'csrf_token');
  return i ? i.value : null;
}

/** The forms of a page: [{ attrs, html, hidden: {name: value}, inputs }]. */
export function forms(html) {
  return [...html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/gi)].map((m) => {
    const attrs = parseAttrs(/^<form\b[^>]*>/i.exec(m[0])[0]);
    const ins = inputs(m[0]);
    const hidden = {};
    for (const i of ins) if ((i.type || '').toLowerCase() === 'hidden' && i.name) hidden[i.name] = i.value ?? '';
    return { attrs, html: m[0], hidden, inputs: ins };
  });
}

/** The first form containing a field named `field` (input, textarea or select). */
export function findForm(html, field) {
  const re = new RegExp(`<(input|textarea|select)\\b[^>]*\\bname\\s*=\\s*["']?${field}["'\\s>]`, 'i');
  return forms(html).find((f) => re.test(f.html)) ?? null;
}

/** Raw HTML shows an element with class "error" that has some text. */
export function errorTexts(html) {
  const out = [];
  const re = /<(\w+)\b[^>]*\bclass\s*=\s*["'][^"']*\berror\b[^"']*["'][^>]*>([\s\S]*?)<\/\1>/gi;
  let m;
  while ((m = re.exec(html))) out.push(decodeEntities(m[2].replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim());
  return out.filter(Boolean);
}

export function encodeForm(fields) {
  const p = new URLSearchParams();
  for (const [k, v] of Array.isArray(fields) ? fields : Object.entries(fields)) p.append(k, String(v));
  return p.toString();
}

/** multipart/form-data body: fields {name: value}, files [{name, filename, contentType, content}]. */
export function multipart(fields = {}, files = []) {
  const boundary = `----llmmetatest${randomBytes(12).toString('hex')}`;
  const parts = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  for (const f of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"; filename="${f.filename}"\r\n` +
      `Content-Type: ${f.contentType || 'application/octet-stream'}\r\n\r\n`));
    parts.push(Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content));
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A browser-like client: cookie jar, no automatic redirects. */
export class Client {
  constructor(baseUrl) {
    this.base = baseUrl.replace(/\/+$/, '');
    this.cookies = new Map();
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** Request: returns { status, headers, text, location, setCookies, url }. */
  async request(method, path, { headers = {}, body } = {}) {
    const url = new URL(path, this.base + '/').href;
    const h = { ...headers };
    const c = this.cookieHeader();
    if (c && !Object.keys(h).some((k) => k.toLowerCase() === 'cookie')) h.Cookie = c;
    const res = await fetch(url, { method, headers: h, body, redirect: 'manual' });
    const setCookies = res.headers.getSetCookie();
    for (const sc of setCookies) this.storeCookie(sc);
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, location: res.headers.get('location'), setCookies, url };
  }

  storeCookie(sc) {
    const [pair, ...attrs] = sc.split(';');
    const eq = pair.indexOf('=');
    if (eq < 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attrs.some((a) => {
      const [k, v = ''] = a.split('=').map((s) => s.trim());
      if (k.toLowerCase() === 'max-age') return Number(v) <= 0;
      if (k.toLowerCase() === 'expires') return Date.parse(v) < Date.now();
      return false;
    });
    if (expired || value === '') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }

  get(path, opts) { return this.request('GET', path, opts); }

  postForm(path, fields, { headers = {} } = {}) {
    return this.request('POST', path, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: encodeForm(fields),
    });
  }

  postMultipart(path, fields, files = [], { headers = {} } = {}) {
    const { body, contentType } = multipart(fields, files);
    return this.request('POST', path, { headers: { 'Content-Type': contentType, ...headers }, body });
  }

  /** GET `path` and return the form that has field `field` (throws if none). */
  async getForm(path, field) {
    const page = await this.get(path);
    const form = findForm(page.text, field);
    if (!form) throw new Error(`GET ${path} (HTTP ${page.status}): no form with field "${field}"\n${page.text.slice(0, 2000)}`);
    return { page, form };
  }

  /**
   * As a browser would: GET `path`, find the form with field `field`, keep its hidden
   * fields, set `values`, and POST it (urlencoded) to its action (default: `path`).
   */
  async submitForm(path, field, values) {
    const { form } = await this.getForm(path, field);
    const action = form.attrs.action ? new URL(form.attrs.action, new URL(path, this.base + '/')).href : new URL(path, this.base + '/').href;
    if (new URL(action).origin !== new URL(this.base).origin) throw new Error(`form action goes off-site: ${action}`);
    return this.postForm(action, { ...form.hidden, ...values });
  }

  /** Follow redirects (GET) from a response, up to `max`. */
  async follow(res, max = 10) {
    let r = res;
    for (let i = 0; i < max && r.status >= 300 && r.status < 400 && r.location; i++) {
      const next = new URL(r.location, r.url);
      if (next.origin !== new URL(this.base).origin) return r;
      r = await this.get(next.href);
    }
    return r;
  }
}

/**
 * Send a raw HTTP request over a socket; `body` is a Buffer or {size, chunk} (a body of
 * `size` bytes written in chunks). Resolves with { status, head, body } as soon as the
 * response is complete or the connection ends; write errors after a response are ignored.
 * Node drops unread input when a write fails (EPIPE after the server answered early and
 * closed), so a request that got no response that way is retried up to `retries` times.
 */
export async function rawRequest(port, head, body, { timeout = 60000, retries = 3 } = {}) {
  for (let i = 0; ; i++) {
    try {
      return await rawRequestOnce(port, head, body, timeout);
    } catch (e) {
      if (i >= retries || !['EPIPE', 'ECONNRESET'].includes(e.code)) throw e;
    }
  }
}

async function rawRequestOnce(port, head, body, timeout) {
  const c = rawConnection(port, { timeout });
  c.response.catch(() => {}); // awaited below, after the writes
  await c.connected;
  await c.write(head);
  await c.writeBody(body);
  return c.response;
}

/**
 * One raw HTTP/1.1 connection driven step by step, for tests that decide when each
 * part of a request goes out (every head before any body, say). `connected` resolves
 * once the socket is open; write(buf) resolves once the bytes are handed to the
 * kernel; writeBody(body) writes a Buffer or {size, chunk} in 64 KiB pieces, waiting
 * for each; both stop writing once the response is complete or the connection is
 * gone. `response` resolves with { status, head, body } as soon as a response is
 * complete (Content-Length) or the connection ends after one; it rejects if the
 * connection ends (or `timeout` passes) without one.
 */
export function rawConnection(port, { timeout = 60000, host = '127.0.0.1' } = {}) {
  const sock = net.connect(port, host);
  let data = Buffer.alloc(0);
  let done = false;
  let resolveResponse, rejectResponse;
  const response = new Promise((res, rej) => { resolveResponse = res; rejectResponse = rej; });
  const finish = (err) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    sock.destroy();
    const text = data.toString('latin1');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
    if (m) {
      const i = text.indexOf('\r\n\r\n');
      resolveResponse({ status: Number(m[1]), head: text.slice(0, i < 0 ? undefined : i), body: i < 0 ? '' : text.slice(i + 4) });
    } else rejectResponse(err || new Error(`no HTTP response (got ${JSON.stringify(text.slice(0, 200))})`));
  };
  const timer = setTimeout(() => finish(new Error('raw request timed out')), timeout);
  sock.on('data', (d) => {
    data = Buffer.concat([data, d]);
    const text = data.toString('latin1');
    const i = text.indexOf('\r\n\r\n');
    if (i >= 0) {
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, i));
      if (cl && data.length >= i + 4 + Number(cl[1])) finish();
    }
  });
  let sockErr = null;
  sock.on('end', () => finish());
  sock.on('close', () => finish(sockErr));
  // A write error (EPIPE/ECONNRESET) after the server answered early is expected: the
  // response read so far counts; give pending reads a moment before giving up.
  sock.on('error', (e) => { sockErr = e; setTimeout(() => finish(e), 50); });
  const connected = new Promise((res, rej) => {
    sock.once('connect', res);
    response.catch(rej); // gone before it connected
  });
  const live = () => !done && !sock.destroyed;
  const write = (buf) => new Promise((r) => { if (!live()) r(); else sock.write(buf, () => setImmediate(r)); });
  const writeBody = async (body) => {
    if (Buffer.isBuffer(body)) {
      for (let off = 0; off < body.length && live(); off += 65536) await write(body.subarray(off, off + 65536));
    } else if (body) {
      for (let left = body.size; left > 0 && live(); left -= body.chunk.length) {
        await write(left >= body.chunk.length ? body.chunk : body.chunk.subarray(0, left));
      }
    }
  };
  return { connected, write, writeBody, response, destroy: () => finish(new Error('closed by the test')) };
}

/**
 * n copies of one request sent head first: opens n raw connections, writes every
 * head, awaits `ready()` (say, until the server has read them all), then writes every
 * body at once. For floods whose point is what the server holds while n bodies
 * arrive: a client that writes heads and bodies together may not get to some heads in
 * time on a busy machine, and the server rightly cuts those as slow clients. Resolves
 * with the n responses, { status, head, body }, or { status: 'failed', text } for a
 * connection that ended without one.
 */
export async function headsThenBodies(port, n, head, body, { ready = async () => {}, timeout = 300000 } = {}) {
  const conns = Array.from({ length: n }, () => rawConnection(port, { timeout }));
  const answers = conns.map((c) => c.response.catch((e) => ({ status: 'failed', text: `${e} ${e.code ?? ''}` })));
  try {
    await Promise.all(conns.map((c) => c.connected));
    await Promise.all(conns.map((c) => c.write(head)));
    await ready();
    await Promise.all(conns.map((c) => c.writeBody(body)));
    return await Promise.all(answers);
  } finally {
    for (const c of conns) c.destroy();
  }
}

/** GET a path exactly as written (no URL normalisation of "..", "%2e" or "//"). */
export function rawGet(port, path, headers = {}) {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}Connection: close\r\n\r\n`);
}

/** A header's value from a raw response head, or null. */
export function rawHeader(head, name) {
  const m = new RegExp(`\\r\\n${name}:[ \\t]*([^\\r\\n]*)`, 'i').exec(head);
  return m ? m[1] : null;
}
