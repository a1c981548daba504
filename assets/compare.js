// compare.js - streams a comparison's columns into the page as the models write
// them. Progressive enhancement only: without this script the form posts normally
// and the page answers, with every column, once all are complete. The server sends
// NDJSON lines: start (the comparison's address and its columns' labels, with their
// models unless blind), delta (a column's text), done or error (a column's rendered
// answer or its reason), wait (a heartbeat), then end; at the end the page goes to
// the comparison, which adds the metadata table (and the vote when blind).
'use strict';
(function () {
  const form = document.querySelector('form.compare-form');
  const live = document.getElementById('compare-live');
  if (!form || !live || !window.fetch || !window.ReadableStream || !window.TextDecoder) return;
  const submit = form.querySelector('button[type="submit"]');

  function el(tag, cls, parent, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    parent.appendChild(e);
    return e;
  }

  function columns(start) {
    live.textContent = '';
    live.hidden = false;
    const grid = el('div', 'compare-grid cols-' + start.columns.length, live);
    return start.columns.map((c, i) => {
      const col = el('section', 'compare-col streaming', grid);
      col.dataset.column = String(i);
      col.setAttribute('aria-busy', 'true');
      const h = el('h2', '', col);
      el('span', 'label', h, c.label);
      if (c.model) el('span', 'model', h, ' ' + c.model);
      const waiting = el('p', 'waiting', col, 'Waiting for the model…');
      waiting.setAttribute('role', 'status');
      const text = el('div', 'answer live', col);
      return { col, waiting, text };
    });
  }

  function finish(c, line) {
    c.col.classList.remove('streaming');
    c.col.removeAttribute('aria-busy');
    c.waiting.remove();
    const answer = document.createElement('div');
    answer.className = 'answer';
    // The server's rendering of the stored answer: its Markdown made safe there.
    answer.innerHTML = line.html || '';
    c.text.replaceWith(answer);
    if (line.type === 'error') {
      const p = el('p', 'error', c.col, line.message || 'The model failed.');
      p.setAttribute('role', 'alert');
    }
  }

  async function send(data) {
    const csrf = data.get('csrf_token');
    const res = await fetch(form.action, {
      method: 'POST', body: data, credentials: 'same-origin',
      headers: { Accept: 'application/x-ndjson', 'X-CSRF-Token': csrf },
    });
    const type = res.headers.get('content-type') || '';
    if (!res.ok || !type.startsWith('application/x-ndjson')) {
      // A refusal (a wrong field, a limit) stored and asked nothing: the form posted
      // without the script gets the server's page saying why.
      form.submit();
      return;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let pending = '', cols = [], end = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = JSON.parse(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        if (line.type === 'start') {
          cols = columns(line);
          history.replaceState(null, '', line.url);
        } else if (line.type === 'delta' && cols[line.column]) {
          cols[line.column].waiting.hidden = true;
          cols[line.column].text.textContent += line.text;
        } else if ((line.type === 'done' || line.type === 'error') && cols[line.column]) {
          finish(cols[line.column], line);
        } else if (line.type === 'end') {
          end = line.url;
        }
      }
    }
    if (end) window.location.assign(end);
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    send(new FormData(form)).catch(() => {
      submit.disabled = false;
      const p = el('p', 'error', live, 'The comparison could not be completed: the connection was lost.');
      p.setAttribute('role', 'alert');
      live.hidden = false;
    });
  });
})();
