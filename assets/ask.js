// ask.js - streams the answer into the page as the model writes it. Progressive
// enhancement only: without this script the same form posts normally and the page
// reloads with the answer. The server sends NDJSON lines: start (the conversation's
// address, and its title when the server gives it), delta..., then done (with the
// answer rendered as HTML) or error; "wait" lines are heartbeats.
//
// While the model has not written anything yet the answer says so; a Stop button
// (kept in view) aborts the request for as long as the answer streams. The page
// follows the answer down unless the reader has scrolled up; Ctrl/Cmd+Enter in the
// question box sends it, and the box has the focus again once the answer is in. The server notices the
// closed connection (on its next heartbeat) and records the question as cancelled,
// with what had arrived.
'use strict';
(function () {
  const form = document.querySelector('form.ask');
  const thread = document.getElementById('thread');
  if (!form || !thread || !window.fetch || !window.ReadableStream || !window.TextDecoder || !window.AbortController) return;
  const question = form.querySelector('textarea[name="question"]');
  const file = form.querySelector('input[type="file"]');
  const ask = form.querySelector('button[type="submit"]:not([name])');
  const actions = ask.parentNode;

  function block(tag, cls, parent) {
    const el = document.createElement(tag);
    el.className = cls;
    parent.appendChild(el);
    return el;
  }

  // Messages from the server are sentences; make sure the next one does not run on.
  const sentence = (s) => (/[.!?]$/.test(s) ? s : s + '.');

  // The reader is at the end of the page (within a line or two): keep them there.
  const atEnd = () => window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 48;

  function problem(where, text) {
    const p = block('p', 'error', where);
    p.setAttribute('role', 'alert');
    p.textContent = text;
  }

  // The server names a new conversation after its question's first line.
  function firstLine(text) {
    const line = String(text || '').split(/\r?\n/).map((l) => l.trim()).find((l) => l) || '';
    return line.slice(0, 80) || '(untitled)';
  }

  // The page has become the conversation's page: its heading and title say so.
  function retitle(title) {
    const h1 = document.querySelector('main h1');
    if (h1) h1.textContent = title;
    document.title = title + ' · llmmeta';
  }

  async function send(data) {
    const q = block('article', 'msg user', thread);
    block('div', 'question', q).textContent = data.get('question');
    const a = block('article', 'msg assistant streaming', thread);
    a.setAttribute('aria-busy', 'true');
    const waiting = block('p', 'waiting', a);
    waiting.setAttribute('role', 'status');
    waiting.setAttribute('aria-live', 'polite');
    waiting.textContent = 'Waiting for ' + (data.get('model') || 'the model') + '…';
    const live = block('div', 'answer live', a);

    const ctl = new AbortController();
    let stopped = false;
    const stop = block('button', 'stop secondary', actions);
    stop.type = 'button';
    stop.textContent = 'Stop';
    stop.addEventListener('click', () => {
      stopped = true;
      ctl.abort();
    });
    const halted = () => {
      waiting.remove();
      a.classList.remove('streaming');
      a.classList.add('stopped');
      const p = block('p', 'error', a);
      p.setAttribute('role', 'status');
      p.textContent = 'Stopped. What had arrived is kept and recorded as cancelled; the question is back in the form.';
      question.value = data.get('question');
    };

    try {
      let res;
      try {
        res = await fetch(form.getAttribute('action'), {
          method: 'POST', body: data, credentials: 'same-origin', signal: ctl.signal,
          headers: { Accept: 'application/x-ndjson', 'X-CSRF-Token': data.get('csrf_token') },
        });
      } catch (e) {
        if (stopped) return halted();
        a.remove();
        problem(q, 'The server cannot be reached: ' + sentence(e.message));
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
        problem(q, sentence(why ? why.textContent : 'The server answered ' + res.status) + ' The question is still in the form.');
        return;
      }
      const handle = (m) => {
        if (m.type === 'start') {
          const moved = location.pathname !== m.url;
          form.setAttribute('action', m.url);
          history.replaceState(null, '', m.url);
          if (m.title) retitle(m.title);
          else if (moved) retitle(firstLine(data.get('question')));
        } else if (m.type === 'delta') {
          const follow = atEnd();
          waiting.remove();
          live.textContent += m.text;
          if (follow) window.scrollTo(0, document.documentElement.scrollHeight);
        } else if (m.type === 'done') {
          a.outerHTML = m.html;
          question.value = '';
          if (file) file.value = '';
          question.focus({ preventScroll: true });
        } else if (m.type === 'error') {
          if (m.html) a.outerHTML = m.html; else a.remove();
          problem(q, sentence(m.message) + ' You can try again: the question is still in the form.');
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
        if (stopped) return halted();
        waiting.remove();
        problem(q, 'The answer was interrupted: ' + sentence(e.message));
      }
    } finally {
      stop.remove();
      a.removeAttribute('aria-busy');
    }
  }

  question.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey) && !ask.disabled) {
      ev.preventDefault();
      form.requestSubmit(ask);
    }
  });

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
