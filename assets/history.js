// history.js - the history page and search results in the browser's time zone: each
// <time datetime> shown in local time (the page writes UTC), and the conversations
// regrouped under local day headings ("Today", "Yesterday", then dates), since a
// conversation of 23:30 UTC may be tomorrow's here.
'use strict';
(function () {
  const key = (d) => `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
  const now = new Date();
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  const heading = (d) => {
    if (key(d) === key(now)) return 'Today';
    if (key(d) === key(yesterday)) return 'Yesterday';
    return d.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  };
  for (const t of document.querySelectorAll('time[datetime]')) {
    const d = new Date(t.getAttribute('datetime'));
    if (Number.isNaN(d.getTime())) continue;
    const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    t.textContent = t.classList.contains('t-full') ? `${d.toLocaleDateString()} ${time}` : time;
    t.title = d.toString();
  }
  const list = document.getElementById('history');
  if (!list) return;
  const sections = [];
  let last = null;
  for (const conv of list.querySelectorAll('article.hist-conv[data-at]')) {
    const d = new Date(Number(conv.dataset.at));
    if (key(d) !== last) {
      const s = document.createElement('section');
      s.className = 'day';
      const h = document.createElement('h2');
      h.textContent = heading(d);
      s.appendChild(h);
      sections.push(s);
      last = key(d);
    }
    sections[sections.length - 1].appendChild(conv);
  }
  list.replaceChildren(...sections);
})();
