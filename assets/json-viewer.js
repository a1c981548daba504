// json-viewer.js - the JSON viewer's enhancements. Without this script every
// button still works by posting the form: "Format" re-checks and re-formats on the
// server, "Download" gets the text back as a file, the page buttons re-post the
// document with the page wanted.
//  - Download saves the text area as it is, edits included, without a round trip.
//  - Before the form is posted again (Format, a table page), a document that parses
//    is sent without its insignificant white space: the server indents it again
//    anyway, and the re-post of a large document stays about the size of the
//    original instead of growing by its indentation (which could pass the upload
//    limit). Strings and numbers are kept byte for byte (JSON.stringify would round
//    large numbers). Text that does not parse is sent as typed, so that the line
//    and column of the error point into it.
'use strict';
(function () {
  const form = document.getElementById('jv');
  if (!form || !window.Blob || !window.URL) return;
  const text = form.querySelector('textarea[name="json_text"]');
  const file = form.querySelector('input[type="file"]');
  const name = form.querySelector('input[name="filename"]');

  function save(content, filename) {
    const url = URL.createObjectURL(new Blob([content], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // White space outside strings removed; everything else as it was.
  function minify(s) {
    const parts = [];
    let inString = false, escaped = false, start = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true; // backslash
        else if (c === 34) inString = false;
      } else if (c === 34) {
        inString = true;
      } else if (c === 32 || c === 10 || c === 13 || c === 9) {
        if (i > start) parts.push(s.slice(start, i));
        start = i + 1;
      }
    }
    parts.push(s.slice(start));
    return parts.join('');
  }

  form.addEventListener('submit', (ev) => {
    const by = ev.submitter;
    const chosen = file && file.files && file.files.length > 0;
    if (by && by.value === 'download' && by.name === 'action') {
      if (chosen || !text.value) return; // the server reads the file
      ev.preventDefault();
      save(text.value, (name && name.value) || 'document.json');
      return;
    }
    if (chosen) return;
    try {
      JSON.parse(text.value);
    } catch (e) {
      return;
    }
    text.value = minify(text.value);
  });
})();
