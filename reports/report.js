/* {% raw %} — piaudit report script (included inline by report.html).
   Vanilla JS, no network, nothing random or time-based written to the DOM.
   - language switch: toggles html[data-lang] between "zh" and "en"; CSS hides
     the inactive language; attributes that cannot hold <span lang> (placeholder,
     <option> text, <title>) carry data-zh / data-en / data-ph-* copies.
   - PI inventory filters: text, category, sensitive. The table is complete
     without JS; filtering only adds the class "filtered-out" to rows.
   Ends by setting document.body.dataset.ready = "1". */
(function () {
  'use strict';

  var root = document.documentElement;

  function each(selector, fn) {
    var list = document.querySelectorAll(selector);
    for (var i = 0; i < list.length; i++) { fn(list[i]); }
  }

  function currentLang() {
    return root.getAttribute('data-lang') === 'en' ? 'en' : 'zh';
  }

  function setLang(lang) {
    var l = lang === 'en' ? 'en' : 'zh';
    root.setAttribute('data-lang', l);
    root.setAttribute('lang', l === 'en' ? 'en' : 'zh-CN');
    each('[data-zh][data-en]', function (el) {
      var text = el.getAttribute('data-' + l);
      if (text !== null && el.textContent !== text) { el.textContent = text; }
    });
    each('[data-ph-zh][data-ph-en]', function (el) {
      el.setAttribute('placeholder', el.getAttribute('data-ph-' + l) || '');
    });
    var btn = document.getElementById('lang-toggle');
    if (btn) {
      btn.setAttribute('aria-label', l === 'en' ? '切换到中文' : 'Switch to English');
    }
  }

  function setupLangToggle() {
    var btn = document.getElementById('lang-toggle');
    if (!btn) { return; }
    btn.addEventListener('click', function () {
      setLang(currentLang() === 'en' ? 'zh' : 'en');
    });
  }

  function setupInventoryFilter() {
    var table = document.getElementById('inv-table');
    if (!table) { return; }
    var q = document.getElementById('inv-q');
    var cat = document.getElementById('inv-cat');
    var sens = document.getElementById('inv-sens');
    var shown = document.getElementById('inv-shown');
    var noMatch = document.getElementById('inv-nomatch');
    var rows = [];
    var body = table.tBodies[0];
    if (!body) { return; }
    for (var i = 0; i < body.rows.length; i++) {
      var tr = body.rows[i];
      if (tr === noMatch) { continue; }
      rows.push({ el: tr, text: (tr.textContent || '').toLowerCase() });
    }

    function apply() {
      var needle = q ? q.value.trim().toLowerCase() : '';
      var terms = needle ? needle.split(/\s+/) : [];
      var wantCat = cat ? cat.value : '';
      var wantSens = sens ? sens.value : '';
      var count = 0;
      for (var r = 0; r < rows.length; r++) {
        var row = rows[r];
        var ok = true;
        if (wantCat && row.el.getAttribute('data-category') !== wantCat) { ok = false; }
        if (ok && wantSens && row.el.getAttribute('data-sensitive') !== wantSens) { ok = false; }
        for (var t = 0; ok && t < terms.length; t++) {
          if (row.text.indexOf(terms[t]) === -1) { ok = false; }
        }
        if (ok) {
          row.el.classList.remove('filtered-out');
          count++;
        } else {
          row.el.classList.add('filtered-out');
        }
      }
      if (shown) { shown.textContent = String(count); }
      if (noMatch) { noMatch.hidden = count !== 0; }
    }

    if (q) { q.addEventListener('input', apply); }
    if (cat) { cat.addEventListener('change', apply); }
    if (sens) { sens.addEventListener('change', apply); }
    // Form state may be restored by the browser on reload: honour it.
    apply();
  }

  root.classList.add('js');
  setLang(currentLang());
  setupLangToggle();
  setupInventoryFilter();
  document.body.dataset.ready = '1';
})();
/* {% endraw %} */
