/* {% raw %} — piaudit report script (included inline by report.html).
   Vanilla JS, no network, nothing random or time-based written to the DOM.
   - language switch: toggles html[data-lang] between "zh" and "en"; CSS hides
     the inactive language; attributes that cannot hold <span lang> (placeholder,
     <option> text, <title>) carry data-zh / data-en / data-ph-* copies.
   - PI inventory filters: text, category, system, sensitive. The table is
     complete without JS; filtering only adds the class "filtered-out" to rows.
   - lineage diagram: SVG laid out here (layers of boxes), search, focus,
     collapse; see setupLineage.
   - URL hash: #lang=en|zh switches language (through the button), and
     find=TEXT fills the lineage search.
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
    var sys = document.getElementById('inv-sys');
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
      var wantSys = sys ? sys.value : '';
      var count = 0;
      for (var r = 0; r < rows.length; r++) {
        var row = rows[r];
        var ok = true;
        if (wantCat && row.el.getAttribute('data-category') !== wantCat) { ok = false; }
        if (ok && wantSens && row.el.getAttribute('data-sensitive') !== wantSens) { ok = false; }
        if (ok && wantSys && row.el.getAttribute('data-system') !== wantSys) { ok = false; }
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
    if (sys) { sys.addEventListener('change', apply); }
    // Form state may be restored by the browser on reload: honour it.
    apply();
  }


  // ---- lineage diagram: layered layout of datasets (boxes) and fields (rows),
  // drawn as SVG. Data comes from the hidden <pre id="lineage-data"> (JSON, as
  // text so the markup stays escaped). Boxes collapse to their title; a search
  // highlights matching fields with their upstream and downstream, and the
  // focus switch hides every box not connected to a match.
  var SVG_NS = 'http://www.w3.org/2000/svg';

  function svgEl(name, attrs, parent) {
    var el = document.createElementNS(SVG_NS, name);
    for (var k in attrs) {
      if (Object.prototype.hasOwnProperty.call(attrs, k)) { el.setAttribute(k, String(attrs[k])); }
    }
    if (parent) { parent.appendChild(el); }
    return el;
  }

  function layerGroups(groups, nodes, edges) {
    var n = groups.length;
    var succ = [], indeg = [], layer = [], seen = [];
    for (var i = 0; i < n; i++) { succ.push({}); indeg.push(0); layer.push(0); seen.push(false); }
    for (var e = 0; e < edges.length; e++) {
      var a = nodes[edges[e][0]].g, b = nodes[edges[e][1]].g;
      if (a !== b && !succ[a][b]) { succ[a][b] = true; indeg[b]++; }
    }
    var queue = [], done = 0;
    for (i = 0; i < n; i++) { if (indeg[i] === 0) { queue.push(i); } }
    while (done < n) {
      while (queue.length) {
        var g = queue.shift();
        if (seen[g]) { continue; }
        seen[g] = true; done++;
        for (var s in succ[g]) {
          var t = +s;
          if (seen[t]) { continue; }
          if (layer[t] < layer[g] + 1) { layer[t] = layer[g] + 1; }
          indeg[t]--;
          if (indeg[t] === 0) { queue.push(t); }
        }
      }
      // A cycle is left: start again from its first box.
      for (i = 0; i < n && done < n; i++) { if (!seen[i]) { queue.push(i); break; } }
    }
    return layer;
  }

  function setupLineage() {
    var dataEl = document.getElementById('lineage-data');
    var canvas = document.getElementById('lg-canvas');
    if (!dataEl || !canvas) { return; }
    var data;
    try { data = JSON.parse(dataEl.textContent || '{}'); } catch (err) { return; }
    var groups = data.groups || [], nodes = data.nodes || [], edges = data.edges || [];
    if (!groups.length) { return; }
    var members = [], out = [], inc = [];
    var g, i;
    for (g = 0; g < groups.length; g++) { members.push([]); }
    for (i = 0; i < nodes.length; i++) { members[nodes[i].g].push(i); out.push([]); inc.push([]); }
    for (i = 0; i < edges.length; i++) { out[edges[i][0]].push(edges[i][1]); inc[edges[i][1]].push(edges[i][0]); }
    var layer = layerGroups(groups, nodes, edges);
    var collapsed = [];
    var startCollapsed = nodes.length > 150;
    for (g = 0; g < groups.length; g++) { collapsed.push(startCollapsed); }
    var q = document.getElementById('lg-q');
    var focus = document.getElementById('lg-focus');
    var shown = document.getElementById('lg-shown');
    var BOX_W = 230, GAP_X = 90, HEAD = 26, ROW = 20, PAD = 6, GAP_Y = 16;

    function reach(start, adj) {
      var seenN = {}, stack = start.slice();
      for (var k = 0; k < stack.length; k++) { seenN[stack[k]] = true; }
      while (stack.length) {
        var v = stack.pop();
        for (var j = 0; j < adj[v].length; j++) {
          var w = adj[v][j];
          if (!seenN[w]) { seenN[w] = true; stack.push(w); }
        }
      }
      return seenN;
    }

    function draw() {
      var needle = q ? q.value.trim().toLowerCase() : '';
      var hits = [], hitSet = {}, related = null;
      if (needle) {
        for (i = 0; i < nodes.length; i++) {
          var gName = String(groups[nodes[i].g].name).toLowerCase();
          if (String(nodes[i].name).toLowerCase().indexOf(needle) !== -1 || gName.indexOf(needle) !== -1) {
            hits.push(i); hitSet[i] = true;
          }
        }
        var down = reach(hits, out), up = reach(hits, inc);
        related = {};
        for (var k in down) { related[k] = true; }
        for (k in up) { related[k] = true; }
      }
      var visible = [];
      for (g = 0; g < groups.length; g++) { visible.push(!(related && focus && focus.checked)); }
      if (related && focus && focus.checked) {
        for (k in related) { visible[nodes[+k].g] = true; }
      }
      var open = [];
      for (g = 0; g < groups.length; g++) { open.push(!collapsed[g]); }
      for (k in hitSet) { open[nodes[+k].g] = true; }
      // Columns: visible layers only, ordered; boxes in a column by the mean
      // position of their predecessors (one sweep), then by name.
      var layers = {}, layerKeys = [];
      for (g = 0; g < groups.length; g++) {
        if (!visible[g]) { continue; }
        if (!layers[layer[g]]) { layers[layer[g]] = []; layerKeys.push(layer[g]); }
        layers[layer[g]].push(g);
      }
      layerKeys.sort(function (a, b) { return a - b; });
      var pos = {}, boxes = {}, height = 0, count = 0;
      for (var c = 0; c < layerKeys.length; c++) {
        var col = layers[layerKeys[c]];
        var key = {};
        for (var m = 0; m < col.length; m++) {
          var gg = col[m], sum = 0, nPred = 0;
          for (var r = 0; r < members[gg].length; r++) {
            var preds = inc[members[gg][r]];
            for (var p = 0; p < preds.length; p++) {
              var pg = nodes[preds[p]].g;
              if (pos[pg] !== undefined) { sum += pos[pg]; nPred++; }
            }
          }
          key[gg] = nPred ? sum / nPred : 1e9;
        }
        col.sort(function (a, b) {
          if (key[a] !== key[b]) { return key[a] - key[b]; }
          var na = String(groups[a].name), nb = String(groups[b].name);
          return na < nb ? -1 : (na > nb ? 1 : a - b);
        });
        var y = 8;
        for (m = 0; m < col.length; m++) {
          gg = col[m];
          pos[gg] = m;
          var h = HEAD + (open[gg] ? members[gg].length * ROW + PAD : 0);
          boxes[gg] = { x: 8 + c * (BOX_W + GAP_X), y: y, h: h };
          y += h + GAP_Y;
          count++;
        }
        if (y > height) { height = y; }
      }
      var width = 16 + layerKeys.length * (BOX_W + GAP_X) - GAP_X;
      function anchor(nodeIx, right) {
        var gi = nodes[nodeIx].g, b = boxes[gi];
        if (!b) { return null; }
        var x = right ? b.x + BOX_W : b.x;
        if (!open[gi]) { return [x, b.y + HEAD / 2]; }
        return [x, b.y + HEAD + members[gi].indexOf(nodeIx) * ROW + ROW / 2];
      }
      while (canvas.firstChild) { canvas.removeChild(canvas.firstChild); }
      var svg = svgEl('svg', { width: Math.max(width, 200), height: Math.max(height, 40),
        viewBox: '0 0 ' + Math.max(width, 200) + ' ' + Math.max(height, 40), class: 'lg-svg' }, canvas);
      var edgeLayer = svgEl('g', { class: 'lg-edges' }, svg);
      var drawn = {};
      for (i = 0; i < edges.length; i++) {
        var a = anchor(edges[i][0], true), b2 = anchor(edges[i][1], false);
        if (!a || !b2) { continue; }
        var id = a.join(',') + '>' + b2.join(',') + edges[i][2];
        if (drawn[id]) { continue; }
        drawn[id] = true;
        var dx = Math.max(30, (b2[0] - a[0]) / 2);
        var cls = 'lg-edge t-' + edges[i][2];
        if (related) { cls += (related[edges[i][0]] && related[edges[i][1]]) ? ' hl' : ' dim'; }
        svgEl('path', { d: 'M' + a[0] + ',' + a[1] + ' C' + (a[0] + dx) + ',' + a[1] + ' ' + (b2[0] - dx) + ',' + b2[1] + ' ' + b2[0] + ',' + b2[1], class: cls }, edgeLayer);
      }
      for (g = 0; g < groups.length; g++) {
        var bx = boxes[g];
        if (!bx) { continue; }
        var grp = groups[g];
        var box = svgEl('g', { class: 'lg-box' + (grp.kind === 'endpoint' ? ' endpoint' : '') + (grp.outbound ? ' outbound' : ''), transform: 'translate(' + bx.x + ',' + bx.y + ')' }, svg);
        svgEl('rect', { width: BOX_W, height: bx.h, rx: 4, class: 'lg-frame' }, box);
        var head = svgEl('g', { class: 'lg-head', 'data-g': g, tabindex: 0, role: 'button' }, box);
        svgEl('rect', { width: BOX_W, height: HEAD, rx: 4, class: 'lg-head-bg' }, head);
        var title = svgEl('text', { x: 8, y: 17, class: 'lg-title' }, head);
        var label = String(grp.name);
        title.textContent = (open[g] ? '▾ ' : '▸ ') + (label.length > 28 ? label.slice(0, 27) + '…' : label) + (open[g] ? '' : ' (' + members[g].length + ')');
        var tip = svgEl('title', {}, head);
        tip.textContent = grp.id;
        if (!open[g]) { continue; }
        for (r = 0; r < members[g].length; r++) {
          var ni = members[g][r], nd = nodes[ni];
          var rc = 'lg-field' + (nd.sens ? ' sens' : '') + (nd.cat ? ' pi' : '');
          if (related) { rc += hitSet[ni] ? ' hit' : (related[ni] ? ' hl' : ' dim'); }
          var t = svgEl('text', { x: 10, y: HEAD + r * ROW + 14, class: rc }, box);
          var fl = String(nd.name) + (nd.cat ? ' · ' + nd.cat : '');
          t.textContent = fl.length > 31 ? fl.slice(0, 30) + '…' : fl;
          var ft = svgEl('title', {}, t);
          ft.textContent = nd.id;
        }
      }
      if (shown) { shown.textContent = String(count); }
    }

    canvas.addEventListener('click', function (ev) {
      var el = ev.target;
      while (el && el !== canvas && !(el.getAttribute && el.getAttribute('data-g') !== null)) { el = el.parentNode; }
      if (!el || el === canvas) { return; }
      var gi = +el.getAttribute('data-g');
      collapsed[gi] = !collapsed[gi];
      draw();
    });
    canvas.addEventListener('keydown', function (ev) {
      if (ev.key !== 'Enter' && ev.key !== ' ') { return; }
      var gi = ev.target.getAttribute && ev.target.getAttribute('data-g');
      if (gi === null || gi === undefined) { return; }
      ev.preventDefault();
      collapsed[+gi] = !collapsed[+gi];
      draw();
    });
    function setAll(v) { for (var x = 0; x < collapsed.length; x++) { collapsed[x] = v; } draw(); }
    var ex = document.getElementById('lg-expand'), co = document.getElementById('lg-collapse');
    if (ex) { ex.addEventListener('click', function () { setAll(false); }); }
    if (co) { co.addEventListener('click', function () { setAll(true); }); }
    if (q) { q.addEventListener('input', draw); }
    if (focus) { focus.addEventListener('change', draw); }
    draw();
  }

  root.classList.add('js');
  setLang(currentLang());
  setupLangToggle();
  setupInventoryFilter();
  setupLineage();
  // Links may choose the language and a lineage search: report.html#lang=en&find=phone.
  // The language goes through the switch button, exactly as a click would.
  (function applyHash() {
    var hash = String(window.location.hash || '').replace(/^#/, '');
    var parts = hash.split('&');
    for (var i = 0; i < parts.length; i++) {
      var kv = parts[i].split('=');
      var value = '';
      try { value = kv.length > 1 ? decodeURIComponent(kv[1]) : ''; } catch (err) { value = ''; }
      if (kv[0] === 'lang' && (value === 'en' || value === 'zh') && value !== currentLang()) {
        var btn = document.getElementById('lang-toggle');
        if (btn) { btn.click(); }
      } else if (kv[0] === 'find' && value) {
        var q = document.getElementById('lg-q');
        if (q) {
          q.value = value;
          q.dispatchEvent(new Event('input'));
        }
      }
    }
  })();
  // Printing (or saving as PDF) shows every draft assessment and every
  // finding's details, opened or not.
  window.addEventListener('beforeprint', function () {
    each('details.pia, details.fd', function (d) { d.open = true; });
  });
  document.body.dataset.ready = '1';
})();
/* {% endraw %} */
