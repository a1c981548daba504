// answer.js - tools for the code blocks of the answers on a conversation page,
// including answers that arrive later (streamed in by ask.js): "Copy", "Download"
// and, when the block's text is a JSON object or array, "Open in JSON viewer",
// which posts the block to /json-viewer/ (a form post, so large blocks work) with
// the page's CSRF token. Without JavaScript the blocks are plain text, and the
// server's "Open in JSON viewer" buttons under each answer (conversation.c) post
// the answer's id instead.
'use strict';
(function () {
  const thread = document.getElementById('thread');
  if (!thread) return;

  function csrf() {
    const i = document.querySelector('input[name="csrf_token"]');
    return i ? i.value : '';
  }

  function isJson(s) {
    if (!/^\s*[[{]/.test(s)) return false;
    try {
      JSON.parse(s);
      return true;
    } catch (e) {
      return false;
    }
  }

  function button(label, bar, onclick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'secondary small';
    b.textContent = label;
    b.addEventListener('click', () => onclick(b));
    bar.appendChild(b);
    return b;
  }

  function flash(b, label) {
    const was = b.textContent;
    b.textContent = label;
    setTimeout(() => { b.textContent = was; }, 1500);
  }

  function copy(s, b) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(s).then(() => flash(b, 'Copied'), () => flash(b, 'Copy failed'));
      return;
    }
    const t = document.createElement('textarea');
    t.value = s;
    document.body.appendChild(t);
    t.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    t.remove();
    flash(b, ok ? 'Copied' : 'Copy failed');
  }

  function download(s, ext) {
    const url = URL.createObjectURL(new Blob([s], { type: ext === 'json' ? 'application/json' : 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'answer.' + ext;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function openInViewer(s) {
    const f = document.createElement('form');
    f.method = 'post';
    f.action = '/json-viewer/';
    f.enctype = 'multipart/form-data';
    f.hidden = true;
    for (const [k, v] of [['csrf_token', csrf()], ['json_text', s], ['filename', 'answer.json']]) {
      const field = document.createElement('textarea');
      field.name = k;
      field.value = v;
      f.appendChild(field);
    }
    document.body.appendChild(f);
    f.submit();
  }

  function decorate() {
    for (const code of thread.querySelectorAll('.answer:not(.live) pre:not([data-tools]) > code')) {
      const pre = code.parentNode;
      pre.dataset.tools = '1';
      const bar = document.createElement('div');
      bar.className = 'code-tools';
      const json = isJson(code.textContent);
      button('Copy', bar, (b) => copy(code.textContent, b));
      button('Download', bar, () => download(code.textContent, json ? 'json' : 'txt'));
      if (json) {
        button('Open in JSON viewer', bar, () => openInViewer(code.textContent));
        // The server's buttons under the answer (for browsers without JavaScript)
        // would say the same again; they stay for an answer that is JSON outside a
        // code block.
        const art = pre.closest('article');
        const plain = art && art.querySelector('.open-json');
        if (plain) plain.hidden = true;
      }
      pre.parentNode.insertBefore(bar, pre);
    }
  }

  decorate();
  if (window.MutationObserver) new MutationObserver(decorate).observe(thread, { childList: true, subtree: true });
})();
