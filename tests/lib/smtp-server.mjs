// A real SMTP server for the tests (the `smtp-server` package) on 127.0.0.1: it
// requires AUTH with one user, offers STARTTLS or speaks TLS from the start with a
// self-signed certificate made here with openssl (its PEM is the CA file the client
// must trust), and keeps every message it receives, parsed enough to read it.
import { SMTPServer } from 'smtp-server';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A self-signed certificate for the IP address host: { dir, keyFile, certFile, key, cert }. */
export function selfSignedCert(host = '127.0.0.1') {
  const dir = mkdtempSync(join(tmpdir(), 'llmmeta-smtp-tls-'));
  const keyFile = join(dir, 'key.pem'), certFile = join(dir, 'cert.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '1', '-subj', `/CN=${host}`, '-addext', `subjectAltName=IP:${host}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr || r.error}`);
  return { dir, keyFile, certFile, key: readFileSync(keyFile), cert: readFileSync(certFile) };
}

/** Headers (lower-case names, unfolded) and the body (quoted-printable decoded) of a raw message. */
export function parseMessage(raw) {
  const cut = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, cut), rawBody = raw.slice(cut + 4);
  const headers = {};
  const order = [];
  for (const line of head.replace(/\r\n[ \t]/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    const name = line.slice(0, i).toLowerCase();
    order.push(name);
    headers[name] = line.slice(i + 1).trim();
  }
  let body = rawBody;
  if (/quoted-printable/i.test(headers['content-transfer-encoding'] || '')) {
    const bytes = Buffer.from(rawBody.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))), 'latin1');
    body = bytes.toString('utf8');
  }
  return { headers, order, body, head };
}

/**
 * Starts the server. tls: 'starttls' (offered on a clear connection), 'implicit'
 * (smtps), or 'none' (STARTTLS not offered). auth: { user, pass } required of every
 * client, or null for none. host: the IPv4 address it listens on (and its
 * certificate names), 127.0.0.1 unless a test needs a relay across a network. Returns { port, url(scheme, { user, pass, starttls }),
 * caFile, messages, authFailures, nextMessage(timeoutMs), close() }.
 */
export async function startSmtpServer({ tls = 'starttls', auth = { user: 'llmmeta', pass: 'smtp-secret-Pa55' }, host = '127.0.0.1' } = {}) {
  const cert = tls === 'none' ? null : selfSignedCert(host);
  const messages = [];
  const authFailures = [];
  const waiters = [];
  const server = new SMTPServer({
    secure: tls === 'implicit',
    ...(cert ? { key: cert.key, cert: cert.cert } : {}),
    disabledCommands: tls === 'none' ? ['STARTTLS'] : [],
    authOptional: !auth,
    // Authentication over a clear connection is the client's choice (smtp:// without
    // ?starttls); this server allows it so that the test can see what the client does.
    allowInsecureAuth: true,
    disableReverseLookup: true,
    logger: false,
    onAuth(a, session, cb) {
      if (auth && a.username === auth.user && a.password === auth.pass) return cb(null, { user: a.username });
      authFailures.push({ username: a.username, secure: session.secure });
      return cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const m = {
          raw, ...parseMessage(raw),
          from: session.envelope.mailFrom && session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure, user: session.user,
        };
        messages.push(m);
        const w = waiters.shift();
        if (w) w(m);
        cb();
      });
    },
  });
  server.on('error', () => {}); // a client that hangs up is not the test's failure
  await new Promise((res, rej) => { server.once('error', rej); server.listen(0, host, res); });
  const { port } = server.server.address();
  let taken = 0; // messages handed out by nextMessage
  return {
    port, messages, authFailures, caFile: cert?.certFile,
    url({ user = auth?.user, pass = auth?.pass, starttls = tls === 'starttls' } = {}) {
      const scheme = tls === 'implicit' ? 'smtps' : 'smtp';
      const cred = user ? `${encodeURIComponent(user)}:${encodeURIComponent(pass)}@` : '';
      return `${scheme}://${cred}${host}:${port}${starttls ? '?starttls' : ''}`;
    },
    /** The next message not yet handed out, waiting at most timeoutMs (null when none came). */
    nextMessage(timeoutMs = 10000) {
      if (taken < messages.length) return Promise.resolve(messages[taken++]);
      return new Promise((res) => {
        const w = (m) => { clearTimeout(t); taken++; res(m); };
        const t = setTimeout(() => { const i = waiters.indexOf(w); if (i >= 0) waiters.splice(i, 1); res(null); }, timeoutMs);
        waiters.push(w);
      });
    },
    async close() {
      await new Promise((res) => server.close(res));
      if (cert) rmSync(cert.dir, { recursive: true, force: true });
    },
  };
}
