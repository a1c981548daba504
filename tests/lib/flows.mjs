// Account flows shared by the HTTP tests: sign up, log in, log out, "is logged in",
// and a generator of valid passwords and unique users.
import { Client, getCsrf, findForm } from './client.mjs';
import { uniq } from './server.mjs';

/**
 * A password that passes Django's validators: long, not numeric, not common, and mostly
 * symbols so that it shares (almost) no characters with any generated username/e-mail.
 */
export function goodPassword() {
  const sym = '#%&*+=~^!?_-';
  let r = '';
  for (let i = 0; i < 6; i++) r += sym[Math.floor(Math.random() * sym.length)];
  return `#~Zq%${r}!Vj&=`;
}

export function newUser(prefix = 'user') {
  const username = uniq(prefix);
  return { username, email: `${username}@mail.test`, password: goodPassword() };
}

/** Submit the signup form; returns the POST response. */
export function signup(client, { username, email, password, password1 = password, password2 = password1 }) {
  return client.submitForm('/accounts/signup/', 'password1', { username, email, password1, password2 });
}

/** Submit the login form (optionally with ?next=); returns the POST response. */
export function login(client, loginValue, password, { next } = {}) {
  const path = next === undefined ? '/accounts/login/' : `/accounts/login/?next=${encodeURIComponent(next)}`;
  return client.submitForm(path, 'password', { login: loginValue, password });
}

/** POST /accounts/logout/ with the csrf token of a page the user sees. */
export async function logout(client) {
  const page = await client.get('/');
  const form = findForm(page.text, 'csrf_token');
  const token = form?.hidden.csrf_token ?? getCsrf(page.text);
  return client.postForm('/accounts/logout/', { csrf_token: token });
}

/** True if the client's session is logged in (GET /ask/ answers 200, not a redirect). */
export async function isLoggedIn(client) {
  const r = await client.get('/ask/');
  if (r.status === 200) return true;
  if (r.status === 302) return false;
  throw new Error(`GET /ask/ answered ${r.status}, expected 200 or 302`);
}

/** A new client signed up (through the form) as a fresh user; returns { client, user }. */
export async function signedUpClient(baseUrl, prefix = 'user') {
  const client = new Client(baseUrl);
  const user = newUser(prefix);
  const r = await signup(client, user);
  if (r.status !== 302) throw new Error(`signup of ${user.username} answered ${r.status}\n${r.text.slice(0, 2000)}`);
  return { client, user };
}
