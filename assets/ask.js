// ask.js - streams the answer into the page as the model writes it. Progressive
// enhancement only: without this script the same form posts normally and the page
// reloads with the answer. The server sends NDJSON lines: start, delta..., then
// done (with the answer rendered as HTML) or error; "wait" lines are heartbeats.
'use strict';
(function () {
  const form = document.querySelector('form.ask');
  const thread = document.getElementById('thread');
  if (!form || !thread || !window.fetch || !window.ReadableStream || !window.TextDecoder) return;
  const question = form.querySelector('textarea[name="question"]');
  const file = form.querySelector('input[type="file"]');
  const ask = form.querySelector('button[type="submit"]:not([name])');

  function block(tag, cls, parent) {
    const el = document.createElement(tag);
    el.className = cls;
    parent.appendChild(el);
    return el;
  }

  function problem(where, text) {
    const p = block('p', 'error', where);
    p.setAttribute('role', 'alert');
    p.textContent = text;
  }

  async function send(data) {
    const q = block('article', 'msg user', thread);
    block('div', 'question', q).textContent = data.get('question');
    const a = block('article', 'msg assistant streaming', thread);
    a.setAttribute('aria-busy', 'true');
    const live = block('div', 'answer live', a);
    let res;
    try {
      res = await fetch(form.getAttribute('action'), {
        method: 'POST', body: data, credentials: 'same-origin',
        headers: { Accept: 'application/x-ndjson', 'X-CSRF-Token': data.get('csrf_token') },
      });
    } catch (e) {
      a.remove();
      problem(q, 'The server cannot be reached: ' + e.message);
      return;
    }
    if (res.status === 400) {
      // A refused form (nothing was stored): let the server's page show each field's error.
      q.remove();
      a.remove();
      form.submit();
      return;
    }
    if (!res.ok || !(res.headers.get('content-type') || '').includes('ndjson')) {
      // Anything else is said in words; posting again could record the question twice.
      const page = new DOMParser().parseFromString(await res.text(), 'text/html');
      const why = page.querySelector('main p');
      a.remove();
      problem(q, (why ? why.textContent : 'The server answered ' + res.status + '.') + ' The question is still in the form.');
      return;
    }
    const handle = (m) => {
      if (m.type === 'start') {
        form.setAttribute('action', m.url);
        history.replaceState(null, '', m.url);
      } else if (m.type === 'delta') {
        live.textContent += m.text;
      } else if (m.type === 'done') {
        a.outerHTML = m.html;
        question.value = '';
        if (file) file.value = '';
      } else if (m.type === 'error') {
        if (m.html) a.outerHTML = m.html; else a.remove();
        problem(q, m.message + ' You can try again: the question is still in the form.');
      }
    };
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let pending = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        pending += dec.decode(value, { stream: true });
        for (let nl; (nl = pending.indexOf('\n')) >= 0; pending = pending.slice(nl + 1)) {
          handle(JSON.parse(pending.slice(0, nl)));
        }
      }
    } catch (e) {
      problem(q, 'The answer was interrupted: ' + e.message);
    }
    a.removeAttribute('aria-busy');
  }

  form.addEventListener('submit', async (ev) => {
    if (ev.submitter && ev.submitter.name === 'intent') return; // saving a prompt: a plain post
    ev.preventDefault();
    ask.disabled = true;
    try {
      await send(new FormData(form));
    } finally {
      ask.disabled = false;
    }
  });
})();
