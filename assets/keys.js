// keys.js - the API keys page: Copy puts the new key on the clipboard (the button
// is hidden without JavaScript), and Revoke asks first.
'use strict';
(function () {
  for (const b of document.querySelectorAll('button[data-copy]')) {
    const source = document.getElementById(b.dataset.copy);
    if (!source || !navigator.clipboard) continue;
    b.hidden = false;
    b.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(source.textContent);
        b.textContent = 'Copied';
      } catch (e) {
        b.textContent = 'Copy failed: select the key';
      }
    });
  }
  document.addEventListener('click', (ev) => {
    const b = ev.target.closest && ev.target.closest('button[data-confirm]');
    if (b && !window.confirm(b.dataset.confirm)) ev.preventDefault();
  });
})();
