// admin.js - the messages list's "select all": a checkbox in the table's head
// (hidden without JavaScript, where it could do nothing) that ticks or clears every
// row's box; it shows "some" when only some rows are ticked.
'use strict';
(function () {
  const all = document.getElementById('select-all');
  if (!all) return;
  const boxes = () => [...document.querySelectorAll('#messages input[type="checkbox"][name="ids"]')];
  all.hidden = false;
  all.addEventListener('change', () => { for (const b of boxes()) b.checked = all.checked; });
  document.getElementById('messages').addEventListener('change', (ev) => {
    if (ev.target === all) return;
    const ticked = boxes().filter((b) => b.checked).length;
    all.checked = ticked > 0 && ticked === boxes().length;
    all.indeterminate = ticked > 0 && ticked < boxes().length;
  });
})();
