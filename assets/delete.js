// delete.js - a Delete link (a[data-delete-title], to /delete_conversation/<uuid>/)
// asks in a dialog and, when confirmed, posts the deletion with the page's CSRF
// token. Without JavaScript the link opens the confirmation page instead.
'use strict';
(function () {
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest && ev.target.closest('a[data-delete-title]');
    const token = document.querySelector('input[name="csrf_token"]');
    if (!a || !token) return;
    ev.preventDefault();
    const title = a.dataset.deleteTitle || '(untitled)';
    if (!window.confirm('Delete “' + title + '” with its messages and files? This cannot be undone.')) return;
    const f = document.createElement('form');
    f.method = 'post';
    f.action = a.getAttribute('href');
    f.hidden = true;
    const t = document.createElement('input');
    t.type = 'hidden';
    t.name = 'csrf_token';
    t.value = token.value;
    f.appendChild(t);
    document.body.appendChild(f);
    f.submit();
  });
})();
