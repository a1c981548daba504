// conversation-seed.mjs - `make bench`: prints SQL (for the sqlite3 CLI, after
// `llmmeta migrate`) that creates a user, a session and one conversation of 200
// messages: 100 questions of about 400 characters and 100 Markdown answers of about
// 1 KB, each with a list and a code block, like a real model's. The session token and
// the conversation's uuid are fixed so that wrk can be pointed at the page.
//   node bench/conversation-seed.mjs | sqlite3 w.db
//   then: Cookie: llmmeta_session=<TOKEN>, GET /conversation/<UUID>/
import { createHash } from 'node:crypto';

export const TOKEN = 'benchbenchbenchbenchbenchbenchbenchbench123'; // 43 base64url characters
export const UUID = '0b0e5c4a-6a1e-4c1e-9e1a-000000000200';

const q = (s) => `'${s.replace(/'/g, "''")}'`;

export function question(i) {
  return `Question ${i}: I have a C program that reads "records" from a file & writes them to a socket; ` +
    `when the input is larger than 64 KiB, the output is truncated at <exactly> 65,536 bytes. ` +
    `I use fread() in a loop and send() with the count it returned. Is it the socket buffer, ` +
    `the loop's condition, or something about partial writes that I'm missing? What's the usual fix?`;
}

export function answer(i) {
  return `The truncation comes from **partial writes**: \`send()\` may accept fewer bytes than you ` +
    `asked for, and your loop (answer ${i}) treats the return value as if it were the whole chunk.\n\n` +
    `Things to check:\n\n` +
    `1. Loop on \`send()\` until the chunk is gone, advancing the pointer by what it returned.\n` +
    `2. Handle \`EINTR\` and, on a non-blocking socket, \`EAGAIN\` (wait with \`poll()\`).\n` +
    `3. Check \`ferror()\` after the read loop: a short \`fread()\` is not always the end.\n` +
    `4. Don't \`close()\` before everything is sent, or set \`SO_LINGER\` if you must.\n\n` +
    '```c\n' +
    `static int send_all(int fd, const char *p, size_t n)\n{\n` +
    `\twhile (n > 0) {\n\t\tssize_t k = send(fd, p, n, 0);\n` +
    `\t\tif (k < 0 && errno == EINTR)\n\t\t\tcontinue;\n\t\tif (k < 0)\n\t\t\treturn -1;\n` +
    `\t\tp += k;\n\t\tn -= (size_t)k;\n\t}\n\treturn 0;\n}\n` +
    '```\n\n' +
    `With that, a 1 MiB file arrives whole. If it still stops at 65,536 bytes, look at the ` +
    `*receiving* side: it probably makes the same mistake with \`recv()\` & a fixed buffer.`;
}

const now = Date.UTC(2026, 10, 25, 12, 0, 0);
const out = ['BEGIN;'];
out.push(`INSERT INTO users (id, username, email, password_hash, is_admin, is_active, created_at) ` +
  `VALUES (1, 'bench', 'bench@example.org', '', 0, 1, ${now});`);
out.push(`INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ` +
  `(${q(createHash('sha256').update(TOKEN).digest('hex'))}, 1, ${now}, ${now + 10 * 365 * 86400e3});`);
out.push(`INSERT INTO conversations (id, uuid, user_id, title, source, created_at, updated_at) ` +
  `VALUES (1, ${q(UUID)}, 1, 'Partial writes', 'web', ${now}, ${now});`);
for (let i = 1; i <= 100; i++) {
  const t = now + i * 60e3;
  out.push(`INSERT INTO messages (conversation_id, user_id, role, content, created_at, status, source) ` +
    `VALUES (1, 1, 'user', ${q(question(i))}, ${t}, 'ok', 'web');`);
  out.push(`INSERT INTO messages (conversation_id, user_id, role, content, created_at, provider, model, ` +
    `model_reported, max_tokens, temperature, prompt_tokens, completion_tokens, total_tokens, elapsed_ms, ` +
    `ttft_ms, finish_reason, status, source) VALUES (1, 1, 'assistant', ${q(answer(i))}, ${t + 5000}, ` +
    `'openai', 'gpt-4o-mini', 'gpt-4o-mini-2024-07-18', 1024, 0.7, ${400 + i}, ${250 + i}, ${650 + 2 * i}, ` +
    `${4000 + i}, ${300 + i}, 'stop', 'ok', 'web');`);
}
out.push('COMMIT;');
if (import.meta.url === `file://${process.argv[1]}`) console.log(out.join('\n'));
