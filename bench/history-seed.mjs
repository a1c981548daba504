// history-seed.mjs - `make bench`: prints SQL (for the sqlite3 CLI, after `llmmeta
// migrate`, so that migration 6's triggers index every message) for two more users:
//   - "hist": 10 conversations of 20 messages (200 in all, the questions and answers
//     of conversation-seed.mjs), all on the first page of their history;
//   - "search": 100,000 messages in 1,000 conversations, each of about 60 words
//     drawn (by a fixed pseudo-random sequence) from a vocabulary of 5,000, so that a
//     word is in about 1.2% of the messages (some 1,200 hits to rank for one word).
// Sessions with fixed tokens, so that wrk can be pointed at the pages.
//   node bench/history-seed.mjs | sqlite3 w.db
import { createHash } from 'node:crypto';
import { question, answer } from './conversation-seed.mjs';

export const HIST_TOKEN = 'benchhistbenchhistbenchhistbenchhist1234567';
export const SEARCH_TOKEN = 'benchsearchbenchsearchbenchsearchbench12345';
export const SEARCH_WORD = 'w4242';
const VOCABULARY = 5000;
const MESSAGES = 100000;
const PER_CONV = 100;

const q = (s) => `'${s.replace(/'/g, "''")}'`;
const now = Date.UTC(2026, 10, 25, 12, 0, 0);

function* sql() {
  yield 'BEGIN;';
  let conv = 100; // conversation ids from here (conversation-seed.mjs uses 1)
  for (const [id, name, token] of [[2, 'hist', HIST_TOKEN], [3, 'search', SEARCH_TOKEN]]) {
    yield `INSERT INTO users (id, username, email, password_hash, is_admin, is_active, created_at) ` +
      `VALUES (${id}, '${name}', '${name}@example.org', '', 0, 1, ${now});`;
    yield `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ` +
      `(${q(createHash('sha256').update(token).digest('hex'))}, ${id}, ${now}, ${now + 10 * 365 * 86400e3});`;
  }
  // "hist": 10 conversations, one an hour (so the page has day groups), 20 messages each.
  for (let c = 0; c < 10; c++) {
    const t = now - c * 3600e3 * 5;
    yield `INSERT INTO conversations (id, uuid, user_id, title, source, created_at, updated_at) VALUES ` +
      `(${++conv}, '0b0e5c4a-6a1e-4c1e-9e1a-1000000000${String(c).padStart(2, '0')}', 2, ${q(`History bench ${c}: partial writes and short reads on sockets`)}, 'web', ${t}, ${t});`;
    for (let i = 1; i <= 10; i++) {
      yield `INSERT INTO messages (conversation_id, user_id, role, content, created_at, model, status) ` +
        `VALUES (${conv}, 2, 'user', ${q(question(i))}, ${t}, 'gpt-4o-mini', 'ok');`;
      yield `INSERT INTO messages (conversation_id, user_id, role, content, created_at, provider, model, ` +
        `total_tokens, elapsed_ms, finish_reason, status) VALUES (${conv}, 2, 'assistant', ${q(answer(i))}, ` +
        `${t}, 'openai', 'gpt-4o-mini', ${650 + i}, ${4000 + i}, 'stop', 'ok');`;
    }
  }
  // "search": 100,000 messages of pseudo-random words.
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let m = 0; m < MESSAGES; m++) {
    if (m % PER_CONV === 0) {
      const t = now - m * 1000;
      yield `INSERT INTO conversations (id, uuid, user_id, title, source, created_at, updated_at) VALUES ` +
        `(${++conv}, '0b0e5c4a-6a1e-4c1e-9e1a-2${String(m / PER_CONV).padStart(11, '0')}', 3, 'Search bench', 'web', ${t}, ${t});`;
    }
    const words = Array.from({ length: 60 }, () => `w${Math.floor(rand() * VOCABULARY)}`);
    yield `INSERT INTO messages (conversation_id, user_id, role, content, created_at, model, status) VALUES ` +
      `(${conv}, 3, '${m % 2 ? 'assistant' : 'user'}', '${words.join(' ')}.', ${now - m * 1000}, 'gpt-4o-mini', 'ok');`;
  }
  yield 'COMMIT;';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let chunk = [];
  for (const line of sql()) {
    chunk.push(line);
    if (chunk.length === 5000) { process.stdout.write(chunk.join('\n') + '\n'); chunk = []; }
  }
  process.stdout.write(chunk.join('\n') + '\n');
}
