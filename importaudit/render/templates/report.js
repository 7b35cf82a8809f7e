/* importaudit report: icicle chart, module table, findings, cycles, before/after.
   Vanilla JS, no network. Text from the report goes into the page only through
   textContent / createTextNode, never as HTML, so module names, paths and messages
   from the user's code cannot execute. */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("ia-data").textContent);
  /* The data comes packed (importaudit.render.html.pack): modules as rows under one
     list of field names, modules named by their row index, file paths as
     [folder index, file name], the tree as each row's children. Unpack once. */
  DATA.reports.forEach(function (r) {
    var fields = r.modules.fields, list = r.modules.rows.map(function (row) {
      var m = {};
      for (var i = 0; i < fields.length; i++) m[fields[i]] = row[i];
      return m;
    });
    function name(ref) { return typeof ref === "number" ? list[ref].name : ref; }
    var flagged = {};
    r.findings.forEach(function (f) { flagged[f.module] = true; });
    var nodes = list.map(function (m) {
      m.importer = name(m.importer);
      m.imports = m.imports.map(function (edge) { return [name(edge[0]), r.kinds[edge[1]]]; });
      if (m.origin !== null) m.origin = r.dirs[m.origin[0]] + m.origin[1];
      if (m.self_range === null) m.self_range = [m.self_ns, m.self_ns];
      if (m.cumulative_range === null) m.cumulative_range = [m.cumulative_ns, m.cumulative_ns];
      return { n: m.name, v: [Math.max(0, m.cumulative_ns), m.heap_bytes, m.rss_bytes], c: null, f: !!flagged[m.name] };
    });
    list.forEach(function (m, i) {
      nodes[i].c = m.kids.map(function (k) { return nodes[k]; });
      delete m.kids;
    });
    r.modules = list;
    r.tree = { n: "all imports", v: r.tree.v, c: r.tree.roots.map(function (k) { return nodes[k]; }), f: false, synthetic: true };
  });
  var SVGNS = "http://www.w3.org/2000/svg";
  var METRICS = ["time", "heap", "RSS"];
  var ROW = 20, TABLE_ROWS = 300;
  var state = { report: 0, metric: 0, zoom: null, sortKey: "cumulative_ns", sortDir: -1, filter: "", search: "",
                diffSide: 1, diffMetric: 0 };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) { for (var k in attrs) { if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, attrs[k]); } }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVGNS, tag);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function three(v) {
    var a = Math.abs(v);
    return a >= 99.95 ? v.toFixed(0) : a >= 9.995 ? v.toFixed(1) : v.toFixed(2);
  }
  function fmtNs(ns) {
    if (ns === null || ns === undefined) return "-";
    var a = Math.abs(ns);
    if (a >= 1e9 * 0.9995) return three(ns / 1e9) + " s";
    if (a >= 1e6 * 0.9995) return three(ns / 1e6) + " ms";
    if (a >= 1e3 * 0.9995) return three(ns / 1e3) + " us";
    return ns + " ns";
  }
  function fmtBytes(b) {
    if (b === null || b === undefined) return "-";
    var a = Math.abs(b), steps = [[1099511627776, "TiB"], [1073741824, "GiB"], [1048576, "MiB"], [1024, "KiB"]];
    for (var i = 0; i < steps.length; i++) { if (a >= steps[i][0] * 0.9995) return three(b / steps[i][0]) + " " + steps[i][1]; }
    return b + " B";
  }
  function fmt(metric, v) { return metric === 0 ? fmtNs(v) : fmtBytes(v); }
  function report() { return DATA.reports[state.report]; }
  function colours() {
    var map = {}, other = null;
    report().legend.forEach(function (entry) { if (entry.package) map[entry.package] = entry; else other = entry; });
    return { map: map, other: other || { fill: "#BBBBBB", text: "#111111" } };
  }
  function colourOf(name, palette) { return palette.map[name.split(".")[0]] || palette.other; }
  function byName() {
    var r = report();
    if (!r.byName) { r.byName = {}; r.modules.forEach(function (m) { r.byName[m.name] = m; }); }
    return r.byName;
  }

  /* ---------------------------------------------------------------- chart */
  function value(node) { var v = node.v[state.metric]; return v && v > 0 ? v : 0; }
  function pathTo(target) {
    var path = [], found = null;
    (function walk(node, trail) {
      if (found) return;
      trail = trail.concat([node]);
      if (node === target) { found = trail; return; }
      for (var i = 0; i < node.c.length; i++) walk(node.c[i], trail);
    })(report().tree, path);
    return found || [report().tree];
  }
  function layout(root, width) {
    var boxes = [], stack = [[root, 0, width, 0]];
    while (stack.length) {
      var item = stack.pop(), node = item[0], x = item[1], w = item[2], depth = item[3];
      boxes.push({ node: node, x: x, w: w, depth: depth });
      var total = value(node), kids = 0, i;
      for (i = 0; i < node.c.length; i++) kids += value(node.c[i]);
      if (total <= 0 || kids <= 0) continue;
      var scale = w / Math.max(total, kids), cx = x;
      for (i = 0; i < node.c.length; i++) {
        var cw = value(node.c[i]) * scale;
        if (cw >= 0.5) stack.push([node.c[i], cx, cw, depth + 1]);
        cx += cw;
      }
    }
    return boxes;
  }
  var CHAR = 6.4;  /* average width of one 11px label character, in pixels */
  function fitLabel(text, width) {
    var chars = Math.floor((width - 6) / CHAR);
    if (chars >= text.length) return text;
    if (chars < 2) return null;
    /* keep the end of a dotted name: "...orm.session" says more than "sqlalchemy.o..." */
    return "\u2026" + text.slice(text.length - chars + 1);
  }
  function drawChart() {
    var chart = document.getElementById("ia-chart"), box = document.getElementById("ia-chart-box");
    clear(chart);
    hideTip();
    var root = state.zoom || report().tree, width = Math.max(box.clientWidth, 320);
    var boxes = layout(root, width), depth = 0, palette = colours();
    boxes.forEach(function (b) { depth = Math.max(depth, b.depth); });
    var height = (depth + 1) * ROW;
    chart.setAttribute("viewBox", "0 0 " + width + " " + height);
    chart.setAttribute("width", String(width));
    chart.setAttribute("height", String(height));
    chart.dataset.root = root.n;
    chart.dataset.metric = METRICS[state.metric];
    var frag = document.createDocumentFragment();
    boxes.forEach(function (b) {
      var colour = b.node.synthetic ? { fill: "#d5d9e0", text: "#111111" } : colourOf(b.node.n, palette);
      var g = svg("g", { "class": "node" + (b.node.f ? " flagged" : ""), "data-name": b.node.n });
      g.appendChild(svg("rect", { x: b.x.toFixed(2), y: b.depth * ROW, width: Math.max(b.w - 1, 0.5).toFixed(2),
        height: ROW - 1, fill: colour.fill }));
      var text = fitLabel(b.node.n, b.w);
      if (text !== null) {
        var label = svg("text", { x: (b.x + 3).toFixed(2), y: b.depth * ROW + 15, fill: colour.text });
        label.textContent = text;
        g.appendChild(label);
      }
      g.__node = b.node;
      frag.appendChild(g);
    });
    chart.appendChild(frag);
    chart.__root = root;
    applySearch();
    drawCrumbs(root);
  }
  function nodeOf(target) {
    while (target && target !== document && !target.__node) target = target.parentNode;
    return target && target.__node ? target : null;
  }
  function onChartClick(event) {
    var g = nodeOf(event.target), root = document.getElementById("ia-chart").__root;
    if (!g) return;
    var node = g.__node;
    zoomTo(node === root ? parentOf(root) : node);
    if (!node.synthetic && node !== root) openPanel(node.n);
  }


  /* ---------------------------------------------------------------- keyboard on the chart */
  /* The chart is one tab stop; arrow keys move a highlighted bar through the tree:
     up to the importer, down to the first module it loaded, left and right among
     siblings (bars too narrow to draw are skipped). Enter zooms in and opens the
     panel, Backspace zooms out. The bar is described in a live region. */
  var kfocus = null, lastKey = null;
  function drawnGroup(node) {
    var groups = document.querySelectorAll("#ia-chart g.node");
    for (var i = 0; i < groups.length; i++) if (groups[i].__node === node) return groups[i];
    return null;
  }
  function setKeyFocus(node) {
    var old = kfocus && drawnGroup(kfocus);
    if (old) old.classList.remove("kfocus");
    kfocus = node;
    if (node) lastKey = node;
    var g = node && drawnGroup(node);
    if (!g) { hideTip(); return; }
    g.classList.add("kfocus");
    tipNode = node;
    drawTip();
    var tip = document.getElementById("ia-tip"), box = document.getElementById("ia-chart-box");
    var rect = g.querySelector("rect"), x = Number(rect.getAttribute("x")), y = Number(rect.getAttribute("y")) + ROW + 4;
    tip.hidden = false;
    tip.style.left = Math.max(0, Math.min(x, box.clientWidth - tip.offsetWidth - 4)) + "px";
    tip.style.top = y + "px";
    g.scrollIntoView({ block: "nearest" });
    document.getElementById("ia-chart-status").textContent = node.n + ": " +
      tipRows(node).slice(0, 4).map(function (r) { return r[0] + " " + r[1]; }).join("; ");
  }
  function onChartKey(event) {
    var root = state.zoom || report().tree, node = kfocus && drawnGroup(kfocus) ? kfocus : null, next = null;
    var drawn = function (n) { return !!drawnGroup(n); };
    if (event.key === "Backspace") { event.preventDefault(); zoomTo(parentOf(root)); setKeyFocus(state.zoom || report().tree); return; }
    if (!node) { if (/^Arrow/.test(event.key)) { event.preventDefault(); setKeyFocus(root); } return; }
    var parent = node === root ? null : parentOf(node);
    if (event.key === "ArrowDown") next = node.c.filter(drawn)[0] || null;
    else if (event.key === "ArrowUp") next = parent;
    else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      var sibs = parent ? parent.c.filter(drawn) : [node], i = sibs.indexOf(node);
      next = sibs[i + (event.key === "ArrowRight" ? 1 : -1)] || null;
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (!node.synthetic) { zoomTo(node); setKeyFocus(node); openPanel(node.n); }
      return;
    } else return;
    event.preventDefault();
    if (next) setKeyFocus(next);
  }

  /* ---------------------------------------------------------------- tooltip */
  var tipNode = null;
  function tipRows(node) {
    var m = byName()[node.n], rows = [], root = state.zoom || report().tree;
    var share = value(root) > 0 ? " (" + pct(value(node) / value(root)) + " of view)" : "";
    if (node.synthetic) {
      [0, 1, 2].forEach(function (i) { rows.push([METRICS[i], fmt(i, node.v[i]), i]); });
      return rows;
    }
    rows.push(["self time", fmtNs(m.self_ns), null]);
    rows.push(["cumulative time", fmtNs(m.cumulative_ns) + (state.metric === 0 ? share : ""), 0]);
    rows.push(["heap", fmtBytes(m.heap_bytes) + " (self " + fmtBytes(m.self_heap_bytes) + ")" + (state.metric === 1 ? share : ""), 1]);
    rows.push(["RSS", fmtBytes(m.rss_bytes) + (state.metric === 2 ? share : ""), 2]);
    rows.push(["modules", String(m.modules === null ? "-" : m.modules), null]);
    rows.push(["imported by", m.importer || "(a target)", null]);
    rows.push(["file", m.origin || "(no file)", null]);
    if (m.error) rows.push([m.caught_by ? "failed, caught by " + m.caught_by : m.skipped_with ? "skipped with " + m.skipped_with : "failed", m.error, null]);
    return rows;
  }
  function drawTip() {
    var tip = document.getElementById("ia-tip");
    clear(tip);
    if (!tipNode) return;
    tip.appendChild(el("strong", null, tipNode.n + (tipNode.f ? "  (has findings)" : "")));
    var table = el("table");
    tipRows(tipNode).forEach(function (row) {
      var tr = el("tr", { "class": row[2] === state.metric ? "selected" : null });
      tr.appendChild(el("th", null, row[0]));
      tr.appendChild(el("td", null, row[1]));
      table.appendChild(tr);
    });
    tip.appendChild(table);
  }
  function showTip(event) {
    var g = nodeOf(event.target), tip = document.getElementById("ia-tip");
    if (!g) { hideTip(); return; }
    if (g.__node !== tipNode) { tipNode = g.__node; drawTip(); }
    tip.hidden = false;
    var box = document.getElementById("ia-chart-box").getBoundingClientRect();
    var x = event.clientX - box.left + 14, y = event.clientY - box.top + 14;
    if (x + tip.offsetWidth > box.width) x = Math.max(0, event.clientX - box.left - tip.offsetWidth - 14);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  function hideTip() { tipNode = null; document.getElementById("ia-tip").hidden = true; }

  /* ---------------------------------------------------------------- search */
  function applySearch() {
    var needle = state.search.toLowerCase(), chart = document.getElementById("ia-chart");
    var out = document.getElementById("ia-search-result");
    chart.classList.toggle("searching", !!needle);
    var groups = chart.querySelectorAll("g.node");
    for (var i = 0; i < groups.length; i++) {
      var hit = !!needle && !groups[i].__node.synthetic && groups[i].__node.n.toLowerCase().indexOf(needle) >= 0;
      groups[i].classList.toggle("match", hit);
    }
    if (!needle) { out.textContent = ""; return; }
    /* count each match once and its cost once: a match inside a matching subtree is
       already part of that subtree's cumulative value */
    var root = state.zoom || report().tree, count = 0, sum = 0, stack = [[report().tree, false]];
    while (stack.length) {
      var item = stack.pop(), node = item[0], covered = item[1];
      var hit = !node.synthetic && node.n.toLowerCase().indexOf(needle) >= 0;
      if (hit) { count++; if (!covered) sum += value(node); }
      for (var k = 0; k < node.c.length; k++) stack.push([node.c[k], covered || hit]);
    }
    var total = value(report().tree);
    out.textContent = count + " module" + (count === 1 ? "" : "s") + " match" + (count === 1 ? "es" : "") +
      (total > 0 ? ": " + fmt(state.metric, sum) + ", " + pct(sum / total) + " of all " + METRICS[state.metric] : "");
  }
  function pct(ratio) {
    var p = 100 * ratio;
    return (p >= 99.95 && p < 100 ? "99.9" : p > 0 && p < 0.05 ? "<0.1" : p.toFixed(1)) + "%";
  }

  function parentOf(node) {
    var path = pathTo(node);
    return path.length > 1 ? path[path.length - 2] : null;
  }
  function zoomTo(node) {
    state.zoom = node && node !== report().tree ? node : null;
    drawChart();
  }
  function drawCrumbs(root) {
    var crumbs = document.getElementById("ia-crumbs");
    clear(crumbs);
    pathTo(root).forEach(function (node, i, all) {
      if (i) crumbs.appendChild(el("span", { "class": "sep" }, " \u203A "));
      var b = el("button", { type: "button" }, node.n);
      if (i === all.length - 1) b.setAttribute("aria-current", "true");
      b.addEventListener("click", function () { zoomTo(node); });
      crumbs.appendChild(b);
    });
  }
  function drawLegend() {
    var ul = document.getElementById("ia-legend");
    clear(ul);
    report().legend.forEach(function (entry) {
      var li = el("li", { "data-package": entry.package });
      li.appendChild(el("span", { "class": "swatch", style: "background:" + entry.fill, "aria-hidden": "true" }));
      li.appendChild(document.createTextNode(entry.package || "other packages"));
      ul.appendChild(li);
    });
  }
  function drawMetricButtons() {
    var buttons = document.querySelectorAll("#ia-metrics button");
    for (var i = 0; i < buttons.length; i++) {
      var m = Number(buttons[i].dataset.metric);
      buttons[i].disabled = !report().metrics[m];
      buttons[i].title = report().metrics[m] ? "" : "not measured in this report";
      buttons[i].setAttribute("aria-pressed", String(m === state.metric));
    }
  }



  /* ---------------------------------------------------------------- timeline */
  var LANE = 16;
  function niceStep(span, count) {
    var raw = span / count, mag = Math.pow(10, Math.floor(Math.log10(raw || 1))), n = raw / mag;
    return (n < 1.5 ? 1 : n < 3.5 ? 2 : n < 7.5 ? 5 : 10) * mag;
  }
  function drawTimeline() {
    var r = report(), chart = document.getElementById("ia-timeline"), box = document.getElementById("ia-timeline-box");
    clear(chart);
    box.hidden = !r.timeline;
    document.getElementById("ia-timeline-none").hidden = r.timeline;
    if (!r.timeline) return;
    var lanes = {}, order = [], end = 0;
    r.modules.slice().sort(function (a, b) { return a.start_ns - b.start_ns || a.order - b.order; }).forEach(function (m) {
      var key = m.thread === null ? "main thread" : "thread " + m.thread;
      if (!lanes[key]) { lanes[key] = { mods: [], depth: 0 }; order.push(key); }
      lanes[key].mods.push(m);
      lanes[key].depth = Math.max(lanes[key].depth, m.depth);
      end = Math.max(end, m.start_ns + Math.max(m.cumulative_ns, 0));
    });
    var width = Math.max(box.clientWidth, 320), left = 4, scale = (width - 2 * left) / (end || 1), y = 22;
    var palette = colours(), frag = document.createDocumentFragment();
    var step = niceStep(end, 8);
    for (var t = 0; t <= end; t += step) {
      var x = left + t * scale;
      frag.appendChild(svg("line", { "class": "tick", x1: x, x2: x, y1: 14, y2: 10000 }));
      var label = svg("text", { "class": "tick", x: x + 2, y: 10 });
      label.textContent = fmtNs(Math.round(t));
      frag.appendChild(label);
    }
    order.forEach(function (key) {
      var lane = lanes[key], head = svg("text", { "class": "lane", x: left, y: y + 12, "data-lane": key });
      head.textContent = key + " (" + lane.mods.length + " module" + (lane.mods.length === 1 ? "" : "s") + ")";
      frag.appendChild(head);
      y += LANE;
      lane.mods.forEach(function (m) {
        var x = left + m.start_ns * scale, w = Math.max(m.cumulative_ns, 0) * scale, colour = colourOf(m.name, palette);
        if (w < 0.5) return;  /* too short to see, as in the icicle; the table lists it */
        var g = svg("g", { "class": "bar", "data-name": m.name, "data-lane": key });
        var rect = svg("rect", { "class": "bar", x: x.toFixed(2), y: y + m.depth * LANE, width: Math.max(w, 1).toFixed(2), height: LANE - 1, fill: colour.fill });
        var title = svg("title", {});
        title.textContent = m.name + ": starts at " + fmtNs(m.start_ns) + ", takes " + fmtNs(m.cumulative_ns) + " (self " + fmtNs(m.self_ns) + ")";
        rect.appendChild(title);
        g.appendChild(rect);
        var text = fitLabel(m.name, w);
        if (text !== null) {
          var lab = svg("text", { x: (x + 3).toFixed(2), y: y + m.depth * LANE + 12, fill: colour.text });
          lab.textContent = text;
          g.appendChild(lab);
        }
        frag.appendChild(g);
      });
      y += (lane.depth + 1) * LANE + 8;
    });
    chart.appendChild(frag);
    chart.setAttribute("viewBox", "0 0 " + width + " " + y);
    chart.setAttribute("width", String(width));
    chart.setAttribute("height", String(y));
  }


  /* ---------------------------------------------------------------- cycle graph */
  function edgeKey(e) { return e.from + "\u0000" + e.to; }
  function shortName(name) { var parts = name.split("."); return parts.length > 2 ? "\u2026" + parts.slice(-2).join(".") : name; }
  function cycleGraph(c, index) {
    var names = [];
    function add(n) { if (names.indexOf(n) < 0) names.push(n); }
    c.path.forEach(function (e) { add(e.from); add(e.to); });
    c.cut.forEach(function (e) { add(e.from); add(e.to); });
    var cuts = {};
    c.cut.forEach(function (e) { cuts[edgeKey(e)] = true; });
    var W = 560, n = names.length, R = n <= 2 ? 70 : Math.min(110, 40 + n * 12), H = 2 * R + 70, cx = W / 2, cy = H / 2;
    var root = svg("svg", { "class": "cycle-graph", viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "group",
      "aria-label": "cycle: " + c.path.map(function (e) { return e.from; }).join(" to ") + (c.cut.length ? "; suggested cut: " + c.cut.map(function (e) { return e.from + " to " + e.to; }).join(", ") : "") });
    var defs = svg("defs", {});
    [["ia-arrow-" + index, "#2457c5"], ["ia-arrow-cut-" + index, "#a4161a"]].forEach(function (m) {
      var marker = svg("marker", { id: m[0], viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
      marker.appendChild(svg("path", { d: "M0,0 L10,5 L0,10 z", fill: m[1] }));
      defs.appendChild(marker);
    });
    root.appendChild(defs);
    var pos = {};
    names.forEach(function (name, i) {
      var a = -Math.PI / 2 + 2 * Math.PI * i / n;
      pos[name] = [cx + R * Math.cos(a) * 1.6, cy + R * Math.sin(a)];
    });
    var NODE = 7;
    function edge(e, cls, marker) {
      var p = pos[e.from], q = pos[e.to], dx = q[0] - p[0], dy = q[1] - p[1], len = Math.sqrt(dx * dx + dy * dy) || 1;
      var ux = dx / len, uy = dy / len, sx = p[0] + ux * NODE, sy = p[1] + uy * NODE, ex = q[0] - ux * (NODE + 2), ey = q[1] - uy * (NODE + 2);
      /* bend to the right of the direction, so a -> b and b -> a do not overlap */
      var mx = (sx + ex) / 2 - uy * 22, my = (sy + ey) / 2 + ux * 22;
      var path = svg("path", { "class": cls, d: "M" + sx.toFixed(1) + "," + sy.toFixed(1) + " Q" + mx.toFixed(1) + "," + my.toFixed(1) + " " + ex.toFixed(1) + "," + ey.toFixed(1),
        "marker-end": "url(#" + marker + ")", "data-from": e.from, "data-to": e.to });
      var title = svg("title", {});
      title.textContent = e.from + " \u2192 " + e.to + " (" + e.kind + ")" + (e.file ? " at " + e.file + (e.line ? ":" + e.line : "") : "") + (cls.indexOf("cut") >= 0 ? ": suggested cut" : "");
      path.appendChild(title);
      root.appendChild(path);
    }
    c.path.forEach(function (e) { edge(e, "witness" + (cuts[edgeKey(e)] ? " cut" : ""), cuts[edgeKey(e)] ? "ia-arrow-cut-" + index : "ia-arrow-" + index); });
    c.cut.forEach(function (e) {
      var onPath = c.path.some(function (p) { return edgeKey(p) === edgeKey(e); });
      if (!onPath) edge(e, "cut", "ia-arrow-cut-" + index);
    });
    names.forEach(function (name) {
      var p = pos[name], known = !!byName()[name];
      var g = svg("g", { "class": "cnode" + (known ? " known" : ""), "data-module": name });
      if (known) { g.setAttribute("tabindex", "0"); g.setAttribute("role", "button"); g.setAttribute("aria-label", name + ": details"); }
      g.appendChild(svg("circle", { cx: p[0].toFixed(1), cy: p[1].toFixed(1), r: NODE }));
      var t = svg("text", { x: p[0].toFixed(1), y: (p[1] < cy ? p[1] - NODE - 5 : p[1] + NODE + 13).toFixed(1), "text-anchor": "middle" });
      t.textContent = shortName(name);
      var title = svg("title", {});
      title.textContent = name;
      g.appendChild(title);
      g.appendChild(t);
      root.appendChild(g);
    });
    return root;
  }

  /* ---------------------------------------------------------------- why chains */
  /* The chains `importaudit why MODULE` lists (importaudit.views.find_chains), found
     here on demand: shipping them for every module would make a large page several
     times larger. Same graph (the load graph's edges, shipped per module: first loads,
     cache hits, parent packages), same starts (targets and measured roots), same order
     (the chain that loaded it first, then shortest first, then by the load order of
     the modules along the chain). Modules
     loaded before measurement are not in the page, so no chain here passes through one. */
  var CHAIN_LIMIT = 50, MAX_EXPANSIONS = 200000;
  function chainGraph() {
    var r = report();
    if (r.chainEdges) return r.chainEdges;
    var edges = {};
    r.modules.forEach(function (m) {
      var out = edges[m.name] = {};
      m.imports.forEach(function (edge) { out[edge[0]] = edge[1]; });
    });
    r.chainEdges = edges;
    return edges;
  }
  function compareKeys(a, b) {
    if (a[0] !== b[0]) return a[0] - b[0];
    var n = Math.min(a[1].length, b[1].length), i;
    for (i = 0; i < n; i++) if (a[1][i] !== b[1][i]) return a[1][i] - b[1][i];
    if (a[1].length !== b[1].length) return a[1].length - b[1].length;
    for (i = 0; i < Math.min(a[2].length, b[2].length); i++) if (a[2][i] !== b[2][i]) return a[2][i] < b[2][i] ? -1 : 1;
    return a[2].length - b[2].length;
  }
  function heapPush(heap, item) {
    heap.push(item);
    var i = heap.length - 1;
    while (i > 0) {
      var up = (i - 1) >> 1;
      if (compareKeys(heap[up], heap[i]) <= 0) break;
      var t = heap[up]; heap[up] = heap[i]; heap[i] = t; i = up;
    }
  }
  function heapPop(heap) {
    var top = heap[0], last = heap.pop();
    if (heap.length) {
      heap[0] = last;
      var i = 0;
      for (;;) {
        var l = 2 * i + 1, r = l + 1, m = i;
        if (l < heap.length && compareKeys(heap[l], heap[m]) < 0) m = l;
        if (r < heap.length && compareKeys(heap[r], heap[m]) < 0) m = r;
        if (m === i) break;
        var t = heap[m]; heap[m] = heap[i]; heap[i] = t; i = m;
      }
    }
    return top;
  }
  function chainsTo(module) {
    var r = report(), names = byName(), edges = chainGraph(), reverse = {}, dist = {}, k;
    for (var from in edges) for (var to in edges[from]) (reverse[to] = reverse[to] || []).push(from);
    dist[module] = 0;
    var queue = [module];
    for (var q = 0; q < queue.length; q++) {
      (reverse[queue[q]] || []).forEach(function (imp) {
        if (!(imp in dist)) { dist[imp] = dist[queue[q]] + 1; queue.push(imp); }
      });
    }
    var targets = {}, pre = {}, heap = [], found = [], expansions = 0, truncated = false;
    r.summary.targets.forEach(function (t) { targets[t] = true; });
    (r.preloaded || []).forEach(function (p) { pre[p] = true; });
    // views._chain_starts: a target, or a module no measured or preloaded module loaded
    var isStart = function (m) {
      return targets[m.name] || m.importer === null || (!names[m.importer] && !pre[m.importer]);
    };
    r.modules.forEach(function (m) {
      if (isStart(m) && m.name in dist) heapPush(heap, [dist[m.name], [m.order], [m.name]]);
    });
    while (heap.length) {
      if (found.length >= CHAIN_LIMIT || expansions >= MAX_EXPANSIONS) { truncated = true; break; }
      var item = heapPop(heap), path = item[2], last = path[path.length - 1];
      if (last === module) { found.push(path); continue; }
      expansions++;
      for (k in edges[last] || {}) {
        if (k in dist && path.indexOf(k) < 0) {
          heapPush(heap, [path.length + dist[k], item[1].concat([names[k].order]), path.concat([k])]);
        }
      }
    }
    // The chain that loaded it comes first, however long (views._loading_chain): each
    // module's importer, up to a start.
    var loading = names[module] ? [module] : null;
    while (loading) {
      var head = names[loading[0]];
      if (isStart(head)) break;
      if (head.via || !names[head.importer] || loading.indexOf(head.importer) >= 0) loading = null;
      else loading.unshift(head.importer);
    }
    if (loading) {
      var key = loading.join("\u0000"), at = -1;
      found.forEach(function (p, i) { if (p.join("\u0000") === key) at = i; });
      if (at >= 0) found.splice(at, 1);
      else if (found.length >= CHAIN_LIMIT) truncated = true;
      found.unshift(loading);
      if (found.length > CHAIN_LIMIT) found.length = CHAIN_LIMIT;
    }
    return { chains: found, truncated: truncated };
  }

  /* ---------------------------------------------------------------- side panel */
  var panelReturn = null;
  function moduleButton(name, extra) {
    var b = el("button", { type: "button", "class": "linkish", "data-module": name }, name);
    if (extra) b.setAttribute("aria-label", extra);
    return b;
  }
  function range(pair, format) {
    return pair && pair[0] !== pair[1] ? "  (" + format(pair[0]) + " .. " + format(pair[1]) + ")" : "";
  }
  function openPanel(name) {
    var r = report(), m = byName()[name];
    if (!m) return;
    var panel = document.getElementById("ia-panel"), body = document.getElementById("ia-panel-body");
    if (panel.hidden) panelReturn = document.activeElement;
    panel.dataset.module = name;
    document.getElementById("ia-panel-title").textContent = name;
    clear(body);
    body.appendChild(el("p", { "class": "where" }, m.origin || "(no file: namespace package or built-in)"));
    var skipped = (r.skipped || {})[name];
    if (skipped) body.appendChild(el("p", { "class": "where" }, "Skipped, not a failure (" + skipped + "): " + (m.error || "")));
    else if (m.error && m.skipped_with) body.appendChild(el("p", { "class": "where" }, "Skipped with " + m.skipped_with + ", whose import fails here, not a failure: " + m.error));
    else if (m.error && m.caught_by) body.appendChild(el("p", { "class": "where" }, "Import failed, caught by " + m.caught_by + " (an optional import), which went on: " + m.error));
    else if (m.error) body.appendChild(el("p", { "class": "err" }, "Import failed: " + m.error));
    var actions = el("div", { "class": "actions" });
    var inChart = el("button", { type: "button", "class": "linkish", "data-action": "chart" }, "Show in the chart");
    inChart.addEventListener("click", function () { showInChart(name); });
    var inTable = el("button", { type: "button", "class": "linkish", "data-action": "table" }, "Show in the table");
    inTable.addEventListener("click", function () { showInTable(name); });
    actions.appendChild(inChart); actions.appendChild(inTable);
    body.appendChild(actions);

    body.appendChild(el("h3", null, "Cost" + (m.runs > 1 ? " (median of " + m.runs + " runs, min .. max)" : m.runs === 1 ? " (one run)" : "")));
    var table = el("table", { "class": "metrics" });
    [["self time", fmtNs(m.self_ns) + range(m.self_range, fmtNs)],
     ["cumulative time", fmtNs(m.cumulative_ns) + range(m.cumulative_range, fmtNs)],
     ["heap", fmtBytes(m.heap_bytes) + " (self " + fmtBytes(m.self_heap_bytes) + ")"],
     ["RSS", fmtBytes(m.rss_bytes) + " (self " + fmtBytes(m.self_rss_bytes) + ")"],
     ["modules it loaded", m.modules === null ? "-" : String(m.modules - 1)],
     ["first imported by", m.importer && byName()[m.importer] ? moduleButton(m.importer) : m.importer || "(a target or a root)"]
    ].forEach(function (row) {
      var tr = el("tr"), td = el("td");
      tr.appendChild(el("th", null, row[0]));
      if (typeof row[1] === "string") td.textContent = row[1]; else td.appendChild(row[1]);
      tr.appendChild(td);
      table.appendChild(tr);
    });
    body.appendChild(table);

    var why = chainsTo(name);
    body.appendChild(el("h3", null, "Imported through " + why.chains.length + (why.truncated ? "+" : "") +
      " chain" + (why.chains.length === 1 ? "" : "s")));
    var ol = el("ol", { "class": "chains" });
    why.chains.forEach(function (path) {
      var li = el("li");
      path.forEach(function (step, i) {
        if (i) {
          var hit = chainGraph()[path[i - 1]][step] !== "load";
          li.appendChild(el("span", hit ? { "class": "cached", title: "already loaded: a cache hit" } : null,
            hit ? " \u2192 (already loaded) " : " \u2192 "));
        }
        li.appendChild(step === name ? el("strong", null, step) : moduleButton(step));
      });
      ol.appendChild(li);
    });
    body.appendChild(ol);
    if (why.truncated) body.appendChild(el("p", { "class": "hint" }, "The chain that loaded it, then the others shortest first: the first " + CHAIN_LIMIT + "."));

    var mine = [];
    r.findings.forEach(function (f, i) { if (f.module === name) mine.push([f, i]); });
    body.appendChild(el("h3", null, "Findings on it (" + mine.length + ")"));
    var ul = el("ul", { "class": "panel-findings" });
    mine.forEach(function (pair) {
      var li = el("li"), b = el("button", { type: "button", "class": "linkish" }, pair[0].code + " " + pair[0].title);
      b.addEventListener("click", function () { reveal(document.getElementById("ia-finding-" + pair[1])); });
      li.appendChild(el("span", { "class": "badge sev-" + pair[0].severity }, pair[0].severity));
      li.appendChild(b);
      ul.appendChild(li);
    });
    if (!mine.length) ul.appendChild(el("li", null, "None."));
    body.appendChild(ul);

    var cycles = [];
    r.cycles.forEach(function (c, i) { if (c.modules.indexOf(name) >= 0) cycles.push(i); });
    if (cycles.length) {
      body.appendChild(el("h3", null, "In import cycles (" + cycles.length + ")"));
      var cl = el("ul");
      cycles.forEach(function (i) {
        var li = el("li"), b = el("button", { type: "button", "class": "linkish" }, r.cycles[i].modules.join(", "));
        b.addEventListener("click", function () { reveal(document.getElementById("ia-cycle-" + i)); });
        li.appendChild(b);
        cl.appendChild(li);
      });
      body.appendChild(cl);
    }
    markSelected(name);
    if (panel.hidden) { document.body.classList.add("panel-open"); redraw(); }
    panel.hidden = false;
    document.getElementById("ia-panel-title").focus();
  }
  function closePanel() {
    var panel = document.getElementById("ia-panel");
    if (panel.hidden) return;
    panel.hidden = true;
    document.body.classList.remove("panel-open");
    redraw();
    markSelected(null);
    if (panelReturn && document.contains(panelReturn)) panelReturn.focus();
    panelReturn = null;
  }
  var relayoutTimer = null;
  /* The charts take the width of their boxes: drawn again when the room beside the
     panel changes as it opens or closes, and when the window is resized (once the
     changes of a moment have settled). */
  function redraw() {
    if (!document.getElementById("ia-single").hidden) { drawChart(); drawTimeline(); } else if (DATA.compare) drawDiff();
  }
  function relayout() {
    clearTimeout(relayoutTimer);
    relayoutTimer = setTimeout(redraw, 150);
  }
  function markSelected(name) {
    var rows = document.querySelectorAll("#ia-modules tbody tr");
    for (var i = 0; i < rows.length; i++) rows[i].classList.toggle("selected-row", rows[i].dataset.name === name);
  }
  function reveal(target) {
    if (!target) return;
    target.scrollIntoView({ block: "center" });
    target.classList.add("flash");
    setTimeout(function () { target.classList.remove("flash"); }, 1500);
    var focusable = target.querySelector("button, summary") || target;
    if (!focusable.hasAttribute("tabindex") && focusable === target) target.setAttribute("tabindex", "-1");
    focusable.focus({ preventScroll: true });
  }
  function findNode(name) {
    var stack = [report().tree];
    while (stack.length) {
      var node = stack.pop();
      if (node.n === name) return node;
      for (var i = 0; i < node.c.length; i++) stack.push(node.c[i]);
    }
    return null;
  }
  function showInChart(name) {
    var node = findNode(name);
    if (node) zoomTo(node);
    reveal(document.getElementById("ia-chart-section"));
  }
  function showInTable(name) {
    var input = document.getElementById("ia-filter");
    input.value = name;
    state.filter = name;
    drawTable();
    markSelected(name);
    reveal(document.querySelector('#ia-modules tbody tr[data-name="' + CSS.escape(name) + '"]'));
  }

  /* ---------------------------------------------------------------- table */
  var COLUMNS = [["name", false], ["self_ns", 0], ["cumulative_ns", 0], ["heap_bytes", 1],
                 ["rss_bytes", 1], ["modules", null], ["importer", false]];
  function drawTable() {
    var body = document.querySelector("#ia-modules tbody");
    clear(body);
    var needle = state.filter.toLowerCase(), key = state.sortKey, dir = state.sortDir;
    var rows = report().modules.filter(function (m) {
      return !needle || (m.name + " " + (m.importer || "") + " " + (m.origin || "")).toLowerCase().indexOf(needle) >= 0;
    });
    rows.sort(function (a, b) {
      var x = a[key], y = b[key];
      if (x === y) return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * dir;
    });
    /* a few hundred rows at first: laying out every row of a 5,000-module table would
       keep the page from becoming interactive for seconds; sorting and filtering still
       cover all modules, and one button shows the rest */
    var shown = state.tableAll ? rows : rows.slice(0, TABLE_ROWS), frag = document.createDocumentFragment();
    shown.forEach(function (m) {
      var tr = el("tr", { "data-name": m.name });
      COLUMNS.forEach(function (col) {
        var v = m[col[0]], kind = col[1];
        var text = kind === 0 ? fmtNs(v) : kind === 1 ? fmtBytes(v) : v === null || v === undefined ? "-" : v;
        var td = el("td", { "class": kind === false ? null : "num" }, col[0] === "name" ? null : text);
        if (col[0] === "name") {
          td.appendChild(moduleButton(m.name));
          if (m.error && !m.caught_by && !m.skipped_with) { td.className = "err"; td.title = m.error; }
          else if (m.error && m.caught_by) td.title = "failed, caught by " + m.caught_by + ": " + m.error;
          else if (m.error) td.title = "skipped with " + m.skipped_with + ": " + m.error;
          else if (m.origin) td.title = m.origin;
        }
        tr.appendChild(td);
      });
      frag.appendChild(tr);
    });
    body.appendChild(frag);
    var more = document.getElementById("ia-more");
    more.hidden = shown.length === rows.length;
    more.textContent = "Show all " + rows.length + " rows (" + (rows.length - shown.length) + " more)";
    document.getElementById("ia-modules-count").textContent = "(" + rows.length + " of " + report().modules.length + ")";
    var heads = document.querySelectorAll("#ia-modules th");
    for (var i = 0; i < heads.length; i++) {
      var on = heads[i].dataset.key === key;
      heads[i].setAttribute("aria-sort", on ? (dir > 0 ? "ascending" : "descending") : "none");
    }
  }

  /* ---------------------------------------------------------------- findings, cycles, meta */
  function impactText(imp) {
    var parts = [];
    if (imp.time_ns !== null) parts.push(fmtNs(imp.time_ns));
    if (imp.heap_bytes !== null) parts.push(fmtBytes(imp.heap_bytes) + " heap");
    if (imp.rss_bytes !== null) parts.push(fmtBytes(imp.rss_bytes) + " RSS");
    if (imp.modules !== null) parts.push(imp.modules + " module" + (imp.modules === 1 ? "" : "s"));
    return parts.length ? parts.join(", ") : "not measurable (a correctness problem, not a cost)";
  }
  function drawFindings() {
    var box = document.getElementById("ia-findings"), list = report().findings;
    clear(box);
    document.getElementById("ia-findings-count").textContent = "(" + list.length + ")";
    if (!list.length) { box.appendChild(el("p", null, "No findings.")); return; }
    list.forEach(function (f, i) {
      var card = el("article", { "class": "finding sev-" + f.severity, "data-code": f.code, id: "ia-finding-" + i });
      var h = el("h3");
      h.appendChild(el("span", { "class": "badge sev-" + f.severity }, f.severity));
      h.appendChild(document.createTextNode(f.code + " " + f.title));
      card.appendChild(h);
      var where = el("div", { "class": "where" });
      where.appendChild(moduleButton(f.module));
      if (f.file) where.appendChild(document.createTextNode("  \u2014  " + f.file + (f.line ? ":" + f.line : "")));
      card.appendChild(where);
      card.appendChild(el("div", { "class": "impact" }, "Measured impact: " + impactText(f.impact)));
      card.appendChild(el("p", null, f.message));
      if (f.chain.length > 1) card.appendChild(el("p", { "class": "where" }, "Chain: " + f.chain.join(" \u2192 ")));
      card.appendChild(el("p", null, "Fix: " + f.fix));
      if (f.example) card.appendChild(el("pre", null, f.example));
      var rule = DATA.rules[f.code];
      if (rule) {
        var more = el("details"), sum = el("summary", null, "About " + f.code);
        more.appendChild(sum);
        more.appendChild(el("p", null, rule.why));
        card.appendChild(more);
      }
      box.appendChild(card);
    });
  }
  function drawCycles() {
    var box = document.getElementById("ia-cycles"), list = report().cycles;
    clear(box);
    document.getElementById("ia-cycles-count").textContent = "(" + list.length + ")";
    if (!list.length) { box.appendChild(el("li", { style: "list-style: none" }, "No import cycles in the static graph.")); return; }
    list.forEach(function (c, i) {
      var li = el("li", { id: "ia-cycle-" + i });
      li.appendChild(el("strong", null, (c.cross ? "cross-package" : "in-package") + (c.claim ? ", " + c.claim : "") + ": "));
      c.path.map(function (e) { return e.from; }).concat(c.path.length ? [c.path[c.path.length - 1].to] : []).forEach(function (name, k) {
        if (k) li.appendChild(document.createTextNode(" \u2192 "));
        li.appendChild(byName()[name] ? moduleButton(name) : el("span", null, name));
      });
      li.appendChild(cycleGraph(c, i));
      var others = c.modules.filter(function (n) {
        return !c.path.some(function (e) { return e.from === n || e.to === n; }) && !c.cut.some(function (e) { return e.from === n || e.to === n; });
      });
      c.cut.forEach(function (e) {
        li.appendChild(el("p", { "class": "cut-note" }, "Suggested cut (dashed red): " + e.from + " \u2192 " + e.to + " (" + e.kind + ")" +
          (e.file ? " at " + e.file + (e.line ? ":" + e.line : "") : "") + ": make this import deferred or type-only."));
      });
      if (others.length) li.appendChild(el("p", { "class": "where" }, "Also in this cycle: " + others.join(", ")));
      var steps = el("ul");
      c.path.forEach(function (e) {
        steps.appendChild(el("li", { "class": "where" }, e.from + " \u2192 " + e.to + " (" + e.kind + ")" + (e.file ? " at " + e.file + (e.line ? ":" + e.line : "") : "")));
      });
      li.appendChild(steps);
      if (c.error) { li.appendChild(el("div", { "class": "where" }, c.error)); }
      box.appendChild(li);
    });
  }
  function drawMeta() {
    var r = report(), box = document.getElementById("ia-meta");
    clear(box);
    var ul = el("ul");
    r.meta.forEach(function (line) { ul.appendChild(el("li", null, line)); });
    box.appendChild(ul);
    var s = r.summary;
    var alone = s.alone.filter(function (a) { return a.cost; }).map(function (a) {
      return "; import " + a.target + " alone: " + fmtNs(a.cost[0]) + (a.cost[3] !== null ? ", " + a.cost[3] + " modules" : "");
    }).join("");
    document.getElementById("ia-summary").textContent = s.targets.join(", ") + " (" + s.scope + "): " + s.modules + " modules, " +
      fmtNs(s.total_ns) + " import time, heap " + fmtBytes(s.heap_bytes) + ", RSS " + fmtBytes(s.rss_bytes) + alone +
      "; " + r.findings.length + " finding(s), " + r.cycles.length + " cycle(s)";
  }

  /* ---------------------------------------------------------------- compare */
  /* Percent change, never rounded to a claim the numbers do not make: 553 ms -> 0.43 ms
     is -99.9%, not -100%, and a change too small for one decimal is "<0.1%". */
  function percent(a, b) {
    if (a === null || b === null || a === undefined || b === undefined || a <= 0) return null;
    var p = 100 * (b - a) / a, text = p.toFixed(1);
    if (b !== 0 && text === "-100.0") text = "-99.9";
    if (b !== a && Math.abs(p) < 0.05) text = (p < 0 ? "-" : "+") + "<0.1";
    else if (p > 0) text = "+" + text;
    return text + "%";
  }
  function change(a, b) {
    var text = percent(a, b);
    if (text === null) return ["-", ""];
    return [text, b < a ? "better" : b > a ? "worse" : ""];
  }
  /* two values in the unit of the larger, so "553 ms -> 0.43 ms" reads at a glance */
  function pair(metric, a, b) {
    if (a === null || a === undefined || b === null || b === undefined) return fmt(metric, a) + " \u2192 " + fmt(metric, b);
    var big = fmt(metric, Math.max(Math.abs(a), Math.abs(b))), unit = big.split(" ")[1];
    var scale = metric === 0 ? { s: 1e9, ms: 1e6, us: 1e3, ns: 1 } : { TiB: 1099511627776, GiB: 1073741824, MiB: 1048576, KiB: 1024, B: 1 };
    function inUnit(v) { return unit === "ns" || unit === "B" ? v + " " + unit : three(v / scale[unit]) + " " + unit; }
    /* a value under a tenth of the shared unit reads better in its own ("35.5 KiB") */
    var small = Math.min(Math.abs(a), Math.abs(b));
    if (small !== 0 && unit !== "ns" && unit !== "B" && small / scale[unit] < 0.0995) return fmt(metric, a) + " \u2192 " + fmt(metric, b);
    return inUnit(a) + " \u2192 " + inUnit(b);
  }
  function drawHeadlines() {
    var ul = document.getElementById("ia-headlines");
    clear(ul);
    DATA.compare.headlines.forEach(function (h) {
      var li = el("li", { "data-label": h.label }), b = h.before, a = h.after;
      var parts = [];
      if (b && a) {
        parts.push(pair(0, b[0], a[0]) + " (" + (percent(b[0], a[0]) || "-") + ")");
        if (b[3] !== null && a[3] !== null) parts.push(b[3] + " \u2192 " + a[3] + " modules");
        if (b[1] !== null && a[1] !== null) parts.push("heap " + pair(1, b[1], a[1]));
        if (b[2] !== null && a[2] !== null) parts.push("RSS " + pair(2, b[2], a[2]));
      } else {
        parts.push(b ? "only measured in " + DATA.labels[0] + " (" + fmtNs(b[0]) + ")" : "only measured in " + DATA.labels[1] + " (" + fmtNs(a[0]) + ")");
      }
      li.appendChild(el("strong", null, h.label + ": "));
      li.appendChild(document.createTextNode(parts.join(", ")));
      if (h.scope) {
        li.appendChild(el("span", { "class": "scope" }, h.scope[0] === h.scope[1] ? " \u2014 " + h.scope[0]
          : " \u2014 " + DATA.labels[0] + ": " + h.scope[0] + "; " + DATA.labels[1] + ": " + h.scope[1]));
      }
      ul.appendChild(li);
    });
  }

  /* ---------------------------------------------------------------- differential icicle */
  var OWN = ["self_ns", "self_heap_bytes", "self_rss_bytes"];
  function mix(from, to, t) {
    var f = parseInt(from.slice(1), 16), g = parseInt(to.slice(1), 16), out = "#";
    [16, 8, 0].forEach(function (shift) {
      var x = (f >> shift) & 255, y = (g >> shift) & 255, v = Math.round(x + (y - x) * t);
      out += (v < 16 ? "0" : "") + v.toString(16);
    });
    return out;
  }
  function diffColour(mine, other, metric) {
    if (!other) return { kind: "added", fill: "url(#ia-hatch)", text: "#111111", ratio: null };
    var a = other[OWN[metric]], b = mine[OWN[metric]];
    if (a === null || b === null || a === undefined || b === undefined) return { kind: "same", fill: "#f7f7f7", text: "#111111", ratio: null };
    a = Math.max(a, 0); b = Math.max(b, 0);
    var ratio = (b - a) / Math.max(a, b, 1);
    if (state.diffSide === 0) ratio = -ratio;  /* drawing "before": colour by what became of it */
    if (Math.abs(ratio) < 0.05) return { kind: "same", fill: "#f7f7f7", text: "#111111", ratio: ratio };
    var t = Math.min(1, Math.abs(ratio));
    return { kind: ratio < 0 ? "better" : "worse", fill: mix("#f7f7f7", ratio < 0 ? "#2166ac" : "#b2182b", t),
             text: t > 0.55 ? "#ffffff" : "#111111", ratio: ratio };
  }
  function drawDiff() {
    var chart = document.getElementById("ia-diff"), box = document.getElementById("ia-diff-box");
    var side = state.diffSide, metric = state.diffMetric, mineR = DATA.reports[side], otherR = DATA.reports[1 - side];
    clear(chart);
    var saved = state.metric;
    state.metric = metric;  /* layout() sizes by state.metric */
    var width = Math.max(box.clientWidth, 320), boxes = layout(mineR.tree, width), depth = 0;
    state.metric = saved;
    boxes.forEach(function (b) { depth = Math.max(depth, b.depth); });
    var height = (depth + 1) * ROW;
    chart.setAttribute("viewBox", "0 0 " + width + " " + height);
    chart.setAttribute("width", String(width));
    chart.setAttribute("height", String(height));
    chart.dataset.side = DATA.labels[side];
    var defs = svg("defs", {}), pattern = svg("pattern", { id: "ia-hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" });
    pattern.appendChild(svg("rect", { width: 6, height: 6, fill: "#ffffff" }));
    pattern.appendChild(svg("rect", { width: 2, height: 6, fill: "#8a8a8a" }));
    defs.appendChild(pattern);
    chart.appendChild(defs);
    var mineBy = {}, otherBy = {};
    mineR.modules.forEach(function (m) { mineBy[m.name] = m; });
    otherR.modules.forEach(function (m) { otherBy[m.name] = m; });
    var frag = document.createDocumentFragment();
    boxes.forEach(function (b) {
      var node = b.node, m = mineBy[node.n];
      var c = node.synthetic || !m ? { kind: "root", fill: "#d5d9e0", text: "#111111", ratio: null } : diffColour(m, otherBy[node.n], metric);
      if (c.kind === "added" && side === 0) c.kind = "removed";
      var g = svg("g", { "class": "node " + c.kind, "data-name": node.n, "data-change": c.kind });
      g.appendChild(svg("rect", { x: b.x.toFixed(2), y: b.depth * ROW, width: Math.max(b.w - 1, 0.5).toFixed(2), height: ROW - 1, fill: c.fill }));
      var title = svg("title", {});
      if (m) {
        var o = otherBy[node.n], own = OWN[metric];
        var before = side === 1 ? (o ? o[own] : null) : m[own], after = side === 1 ? m[own] : (o ? o[own] : null);
        title.textContent = node.n + ": own " + METRICS[metric] + " " + pair(metric, before, after) +
          (o ? " (" + (percent(before, after) || "-") + ")" : c.kind === "added" ? " (added)" : " (removed)");
      } else title.textContent = node.n;
      g.appendChild(title);
      var text = fitLabel((c.kind === "added" ? "+ " : c.kind === "removed" ? "\u2212 " : "") + node.n, b.w);
      if (text !== null) {
        var label = svg("text", { x: (b.x + 3).toFixed(2), y: b.depth * ROW + 15, fill: c.text });
        label.textContent = text;
        g.appendChild(label);
      }
      frag.appendChild(g);
    });
    chart.appendChild(frag);
    var sides = document.querySelectorAll("#ia-diff-sides button");
    for (var i = 0; i < sides.length; i++) sides[i].setAttribute("aria-pressed", String(Number(sides[i].dataset.side) === side));
    var ms = document.querySelectorAll("#ia-diff-metrics button");
    for (i = 0; i < ms.length; i++) {
      var k = Number(ms[i].dataset.metric);
      ms[i].disabled = !(DATA.reports[0].metrics[k] && DATA.reports[1].metrics[k]);
      ms[i].setAttribute("aria-pressed", String(k === metric));
    }
  }

  function drawCompare() {
    var cmp = DATA.compare, body = document.querySelector("#ia-compare-table tbody");
    clear(body);
    var heads = document.querySelectorAll("#ia-compare-table th[data-label]");
    for (var i = 0; i < heads.length; i++) heads[i].textContent += " " + DATA.labels[Number(heads[i].dataset.label)];
    cmp.rows.forEach(function (row) {
      var tr = el("tr", { "data-name": row.module });
      tr.appendChild(el("td", null, row.module));
      [0, 1, 2].forEach(function (m) {
        var a = row.before ? row.before[m] : null, b = row.after ? row.after[m] : null, c = change(a, b);
        tr.appendChild(el("td", { "class": "num" }, fmt(m, a)));
        tr.appendChild(el("td", { "class": "num" }, fmt(m, b)));
        tr.appendChild(el("td", { "class": "num " + c[1] }, c[0]));
      });
      body.appendChild(tr);
    });
    drawHeadlines();
    [["ia-resolved", cmp.resolved], ["ia-remaining", cmp.remaining.concat(cmp["new"])]].forEach(function (pair) {
      var ul = document.getElementById(pair[0]);
      clear(ul);
      if (!pair[1].length) ul.appendChild(el("li", null, "None."));
      pair[1].forEach(function (f) { ul.appendChild(el("li", null, f.code + " " + f.module + ": " + f.title + " (" + impactText(f.impact) + ")")); });
    });
  }

  /* ---------------------------------------------------------------- wiring */
  function showReport(which) {
    var compare = which === "compare";
    closePanel();
    document.getElementById("ia-compare").hidden = !compare;
    document.getElementById("ia-single").hidden = compare;
    var tabs = document.querySelectorAll("#ia-reports button");
    for (var i = 0; i < tabs.length; i++) tabs[i].setAttribute("aria-pressed", String(tabs[i].dataset.report === String(which)));
    if (compare) { drawDiff(); return; }
    state.report = Number(which);
    state.zoom = null;
    if (!report().metrics[state.metric]) state.metric = 0;
    drawAll();
  }
  function drawAll() { drawMetricButtons(); drawLegend(); drawChart(); drawTimeline(); drawTable(); drawFindings(); drawCycles(); drawMeta(); }

  document.querySelectorAll("#ia-metrics button").forEach(function (b) {
    b.addEventListener("click", function () { state.metric = Number(b.dataset.metric); drawMetricButtons(); drawChart(); });
  });
  document.addEventListener("click", function (event) {
    var b = event.target.closest ? event.target.closest("button[data-module], g.cnode.known") : null;
    if (b) openPanel(b.getAttribute("data-module"));
  });
  document.addEventListener("keydown", function (event) {
    var g = event.target.closest ? event.target.closest("g.cnode.known") : null;
    if (g && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); openPanel(g.getAttribute("data-module")); }
  });
  document.getElementById("ia-panel-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") closePanel(); });
  document.getElementById("ia-timeline").addEventListener("click", function (event) {
    var g = event.target.closest ? event.target.closest("g.bar") : null;
    if (g) openPanel(g.dataset.name);
  });
  var chartBox = document.getElementById("ia-chart-box");
  chartBox.addEventListener("keydown", onChartKey);
  chartBox.addEventListener("blur", function () { setKeyFocus(null); });
  chartBox.addEventListener("focus", function () { if (lastKey && drawnGroup(lastKey)) setKeyFocus(lastKey); });
  var chartEl = document.getElementById("ia-chart");
  chartEl.addEventListener("click", onChartClick);
  chartEl.addEventListener("mousemove", showTip);
  chartEl.addEventListener("mouseleave", hideTip);
  document.getElementById("ia-search").addEventListener("input", function (e) { state.search = e.target.value; applySearch(); });
  window.addEventListener("resize", relayout);
  document.querySelectorAll("#ia-modules th").forEach(function (th) {
    th.addEventListener("click", function () {
      var key = th.dataset.key;
      state.sortDir = state.sortKey === key ? -state.sortDir : (key === "name" || key === "importer" ? 1 : -1);
      state.sortKey = key;
      drawTable();
    });
  });
  document.getElementById("ia-more").addEventListener("click", function () { state.tableAll = true; drawTable(); });
  document.getElementById("ia-filter").addEventListener("input", function (e) { state.filter = e.target.value; drawTable(); });
  document.querySelectorAll("#ia-reports button").forEach(function (b) {
    b.addEventListener("click", function () { showReport(b.dataset.report); });
  });
  document.querySelectorAll("#ia-diff-sides button").forEach(function (b) {
    b.addEventListener("click", function () { state.diffSide = Number(b.dataset.side); drawDiff(); });
  });
  document.querySelectorAll("#ia-diff-metrics button").forEach(function (b) {
    b.addEventListener("click", function () { state.diffMetric = Number(b.dataset.metric); drawDiff(); });
  });
  if (DATA.compare) drawCompare();
  showReport(DATA.compare ? "compare" : 0);
  document.body.dataset.ready = "true";
})();
