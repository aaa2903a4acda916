(function () {
'use strict';
var doc = document, D;
try { D = JSON.parse(doc.getElementById('ct-data').textContent); } catch (e) { return; }
doc.documentElement.classList.add('js');
function $(id) { return doc.getElementById(id); }
function p3(x) { return String(+x.toPrecision(3)); }
function fmtT(ns) {
  var a = Math.abs(ns);
  if (a < 1e3) return Math.round(ns) + ' ns';
  if (a < 1e6) return p3(ns / 1e3) + ' \u00b5s';
  if (a < 1e9) return p3(ns / 1e6) + ' ms';
  return p3(ns / 1e9) + ' s';
}
/* a tick in the unit of the axis's largest value: no "0 ns" beside "ms" */
function tickT(ns, ref) {
  var u = ['ns', '\u00b5s', 'ms', 's'], d = 1, k = 0;
  while (k < 3 && Math.abs(ref) >= 1e3 * d) { d *= 1e3; k++; }
  return p3(ns / d) + ' ' + u[k];
}
function fmtB(b) {
  var a = Math.abs(b);
  if (a < 1e3) return Math.round(b) + ' B';
  if (a < 1e6) return p3(b / 1e3) + ' kB';
  if (a < 1e9) return p3(b / 1e6) + ' MB';
  return p3(b / 1e9) + ' GB';
}
function niceStep(range, n) {
  var raw = range / Math.max(1, n), p = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10)), f = raw / p;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}
function svgEl(tag, attrs) {
  var e = doc.createElementNS('http://www.w3.org/2000/svg', tag), k;
  for (k in attrs) e.setAttribute(k, attrs[k]);
  return e;
}

/* ---- timeline ---- */
var cv = $('tl-canvas'), tip = $('tip');
if (cv && cv.getContext) (function () {
  var ctx = cv.getContext('2d'), Q = D.q, DUR = Math.max(1, D.dur), LW = 150, RM = 10, LH = 14;
  var hsvg = doc.querySelector('svg.heap-chart');
  /* one time axis: the canvas takes the heap chart's left edge and right
     margin, as drawn at the page's width */
  function align() {
    if (!hsvg || !D.hx || !hsvg.viewBox || !hsvg.viewBox.baseVal) return;
    var hb = hsvg.getBoundingClientRect(), cb = cv.getBoundingClientRect(), vw = hsvg.viewBox.baseVal.width;
    if (!vw || !hb.width || !cb.width) return;
    var k = hb.width / vw;
    LW = hb.left - cb.left + D.hx[0] * k;
    RM = cb.right - hb.right + D.hx[1] * k;
  }
  var v0 = 0, v1 = DUR, sel = null, drag = null, rows = [], H = 0, i, j, k = 0;
  var lanes = [], byRow = [];
  for (i = 0; i < D.th.length; i++) byRow.push([]);
  for (i = 0; i < D.ln.length; i++) {
    var n = D.ln[i][2], s = new Float64Array(n), d = new Float64Array(n), z = new Int32Array(n), t = 0;
    for (j = 0; j < n; j++) { t += D.sp[k++]; s[j] = t * Q; d[j] = D.sp[k++] * Q; z[j] = D.sp[k++]; }
    var ln = { row: D.ln[i][0], dep: D.ln[i][1], s: s, d: d, z: z };
    lanes.push(ln);
    if (byRow[ln.row]) byRow[ln.row][ln.dep] = ln;
  }
  /* per thread: CPU use between samples (start, length, running and ready
     in thousandths) and recorded waits (start, length, reason) */
  var cpuOf = [], waitOf = [], WC = { run: '#2e8b57', ready: '#e0b000', wait: '#8a5fb0' };
  for (i = 0; i < D.th.length; i++) { cpuOf.push(null); waitOf.push(null); }
  (D.cu || []).forEach(function (c) {
    var o = { s: [], d: [], run: [], rdy: [] }, t = 0;
    for (var q = 1; q + 3 < c.length; q += 4) { t += c[q]; o.s.push(t * Q); o.d.push(c[q + 1] * Q); o.run.push(c[q + 2] / 1000); o.rdy.push(c[q + 3] / 1000); }
    cpuOf[c[0]] = o;
  });
  for (i = 0; D.wt && i < D.wt.length; i += 4) {
    var wr = D.wt[i];
    if (!waitOf[wr]) waitOf[wr] = [];
    waitOf[wr].push([D.wt[i + 1] * Q, D.wt[i + 2] * Q, D.wt[i + 3]]);
  }
  function layout() {
    var y = 24, r, dd;
    rows = [];
    for (r = 0; r < D.th.length; r++) {
      rows.push({ kind: 'thread', r: r, y: y, h: LH });
      y += LH;
      if (cpuOf[r] || waitOf[r]) { rows.push({ kind: 'run', r: r, y: y, h: LH }); y += LH; }
      for (dd = 0; dd < D.th[r][2]; dd++) { rows.push({ kind: 'lane', r: r, dep: dd, y: y, h: LH }); y += LH; }
      y += 4;
    }
    rows.push({ kind: 'gc', y: y, h: LH }); y += LH + 2;
    if (D.ts.length) { var th = Math.max(3, D.tl || 0) * LH * 2 / 3; rows.push({ kind: 'task', y: y, h: th }); y += th + 2; }
    if (D.mk.length) { rows.push({ kind: 'mark', y: y, h: LH }); y += LH + 2; }
    for (r = 0; r < D.ct.length; r++) { rows.push({ kind: 'ctr', c: r, y: y, h: 36 }); y += 38; }
    if (D.hp.length) { rows.push({ kind: 'heap', y: y, h: 90 }); y += 92; }
    H = y + 4;
  }
  layout();
  function X(t, pw) { return LW + (t - v0) * pw / (v1 - v0); }
  function T(x) { var pw = cv.clientWidth - LW - RM; return v0 + (x - LW) * (v1 - v0) / pw; }
  function first(ln, t) {
    var lo = 0, hi = ln.s.length;
    while (lo < hi) { var m = (lo + hi) >> 1; if (ln.s[m] + ln.d[m] < t) lo = m + 1; else hi = m; }
    return lo;
  }
  /* the series is a step function: it holds its last value until the next
     sample, so draw horizontal then vertical, never a slope */
  function seriesPath(pts, y, h, top, pw, area) {
    var prev = y + h;
    ctx.beginPath();
    if (area) ctx.moveTo(X(pts.length ? pts[0] * Q : 0, pw), y + h);
    for (var q = 0; q < pts.length; q += 3) {
      var x = X(pts[q] * Q, pw);
      if (q || area) ctx.lineTo(x, prev); else ctx.moveTo(x, prev);
      ctx.lineTo(x, y + h - pts[q + 1] / top * h);
      prev = y + h - pts[q + 2] / top * h;
      ctx.lineTo(x + 0.5, prev);
    }
    if (pts.length) ctx.lineTo(X(v1, pw), prev);
  }
  /* a row's name in the label column: smaller type before it is cut */
  function label(text, y) {
    var room = LW - 8, px = 11, s = text;
    ctx.fillStyle = '#222';
    while (px > 8 && ctx.measureText(s).width > room) ctx.font = --px + 'px monospace';
    while (s.length > 2 && ctx.measureText(s).width > room) s = s.slice(0, s.length - 2) + '\u2026';
    ctx.fillText(s, 4, y);
    ctx.font = '11px monospace';
  }
  function draw() {
    align();
    var W = cv.clientWidth, dpr = window.devicePixelRatio || 1, pw = W - LW - RM, r, q;
    cv.width = Math.round(W * dpr); cv.height = Math.round(H * dpr); cv.style.height = H + 'px';
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    ctx.font = '11px monospace';
    ctx.textBaseline = 'middle';
    var step = niceStep(v1 - v0, pw / 110), t;
    ctx.fillStyle = '#222';
    for (t = Math.ceil(v0 / step) * step; t <= v1; t += step) {
      var tx = X(t, pw);
      ctx.fillStyle = '#e6e6e6'; ctx.fillRect(tx, 20, 1, H - 20);
      ctx.fillStyle = '#222'; ctx.fillText(tickT(t, v1), tx + 2, 10);
    }
    for (r = 0; r < rows.length; r++) {
      var R = rows[r], y = R.y;
      ctx.save();
      ctx.beginPath(); ctx.rect(0, y, W, R.h); ctx.clip();
      if (R.kind === 'thread') {
        ctx.fillStyle = '#f3f3f3'; ctx.fillRect(0, y, W, R.h);
        label(D.th[R.r][1], y + LH / 2);
        var den = D.dn.r[R.r], bw = D.dn.w;
        if (den) {
          ctx.fillStyle = '#999';
          for (q = Math.max(0, Math.floor(v0 / bw)); q < den.length && q * bw < v1; q++) {
            var lv = den.charCodeAt(q) - 48;
            if (lv > 0) {
              var bx = X(q * bw, pw);
              ctx.fillRect(Math.max(LW, bx), y + LH - lv / 63 * (LH - 2), Math.max(1, bw * pw / (v1 - v0)), lv / 63 * (LH - 2));
            }
          }
        }
      } else if (R.kind === 'run') {
        /* the band: running from the bottom up, then ready; above that the
           thread was blocked or idle. Waits: a strip along the top. */
        var co = cpuOf[R.r], wo = waitOf[R.r] || [];
        ctx.fillStyle = '#888'; ctx.fillText(co ? 'running' : 'waits', 12, y + LH / 2);
        if (co) for (q = 0; q < co.s.length; q++) {
          if (co.s[q] + co.d[q] < v0 || co.s[q] > v1) continue;
          var cx = Math.max(LW, X(co.s[q], pw)), cw = Math.max(1, X(co.s[q] + co.d[q], pw) - cx), bh = LH - 5;
          ctx.fillStyle = WC.run; ctx.fillRect(cx, y + LH - 1 - co.run[q] * bh, cw, co.run[q] * bh);
          ctx.fillStyle = WC.ready; ctx.fillRect(cx, y + LH - 1 - (co.run[q] + co.rdy[q]) * bh, cw, co.rdy[q] * bh);
        }
        ctx.fillStyle = WC.wait;
        for (q = 0; q < wo.length; q++) {
          if (wo[q][0] + wo[q][1] < v0 || wo[q][0] > v1) continue;
          var wx = Math.max(LW, X(wo[q][0], pw));
          ctx.fillRect(wx, y, Math.max(1, X(wo[q][0] + wo[q][1], pw) - wx), 3);
        }
      } else if (R.kind === 'lane') {
        var ln2 = byRow[R.r][R.dep];
        if (ln2) {
          var lastPx = -1;
          for (q = first(ln2, v0); q < ln2.s.length && ln2.s[q] <= v1; q++) {
            var x0 = X(ln2.s[q], pw), w = ln2.d[q] * pw / (v1 - v0), zi = ln2.z[q], un = zi < 0;
            if (un) zi = -zi - 1;
            if (w < 1 && Math.floor(x0) === lastPx) continue;
            lastPx = Math.floor(x0);
            if (x0 < LW) { w -= LW - x0; x0 = LW; }
            var zz = D.z[zi] || ['?', '', 0, '#999'];
            ctx.fillStyle = zz[3];
            ctx.fillRect(x0, y + 1, Math.max(1, w), LH - 2);
            if (un) { ctx.strokeStyle = '#d62728'; ctx.strokeRect(x0 + 0.5, y + 1.5, Math.max(1, w) - 1, LH - 3); }
            if (w > 30) {
              ctx.fillStyle = '#111';
              var nm = zz[0], fit = Math.floor((w - 4) / 6.6);
              ctx.fillText(nm.length > fit ? nm.slice(0, Math.max(0, fit - 1)) + '\u2026' : nm, x0 + 2, y + LH / 2);
            }
          }
        }
      } else if (R.kind === 'gc') {
        label('collections', y + LH / 2);
        ctx.fillStyle = '#f28e2b';
        for (q = 0; q < D.gc.length; q++) {
          var g = D.gc[q], gs = g[0] * Q, ge = gs + g[1] * Q;
          if (ge < v0 || gs > v1) continue;
          ctx.fillRect(X(gs, pw), y + 1, Math.max(1, (ge - gs) * pw / (v1 - v0)), LH - 2);
        }
      } else if (R.kind === 'task') {
        label(D.tx ? 'tasks, ' + D.tx + ' hidden' : 'tasks', y + LH / 2);
        for (q = 0; q < D.ts.length; q += 4) {
          var ts0 = D.ts[q] * Q, ts1 = ts0 + D.ts[q + 1] * Q;
          if (ts1 < v0 || ts0 > v1) continue;
          ctx.fillStyle = (D.tk[D.ts[q + 2]] || ['', '#888'])[1];
          ctx.fillRect(X(ts0, pw), y + 1 + D.ts[q + 3] * (LH * 2 / 3), Math.max(1, (ts1 - ts0) * pw / (v1 - v0)), LH * 2 / 3 - 1);
        }
      } else if (R.kind === 'mark') {
        label('events, logs', y + LH / 2);
        for (q = 0; q < D.mk.length; q++) {
          var mt = D.mk[q][0] * Q;
          if (mt < v0 || mt > v1) continue;
          ctx.fillStyle = D.mk[q][2] ? '#4e79a7' : '#222';
          ctx.fillRect(X(mt, pw), y + 1, 1, LH - 2);
        }
      } else if (R.kind === 'ctr' || R.kind === 'heap') {
        var C = R.kind === 'heap' ? { n: 'heap (not yet freed)', p: D.hp, top: D.htop, c: '#4e79a7' } : D.ct[R.c];
        label(C.n, y + 8);
        ctx.fillStyle = C.c; ctx.globalAlpha = 0.6;
        seriesPath(C.p, y + 2, R.h - 4, C.top || 1, pw, true);
        ctx.lineTo(X(v1, pw), y + R.h - 2);
        ctx.closePath(); ctx.fill(); ctx.globalAlpha = 1;
        if (R.kind === 'heap' && D.rss.length) {
          ctx.strokeStyle = '#e15759'; ctx.lineWidth = 1.5;
          seriesPath(D.rss, y + 2, R.h - 4, D.htop, pw, false);
          ctx.stroke(); ctx.lineWidth = 1;
        }
      }
      ctx.restore();
    }
    if (sel || drag) {
      var a = sel ? sel[0] : drag[0], b = sel ? sel[1] : drag[1];
      ctx.fillStyle = 'rgba(30,100,200,0.15)';
      ctx.fillRect(X(Math.min(a, b), pw), 20, Math.abs(b - a) * pw / (v1 - v0), H - 20);
    }
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, LW - 2, 20);
    $('tl-range').textContent = 'showing ' + fmtT(v0) + ' to ' + fmtT(v1) + ' (' + fmtT(v1 - v0) + ')';
  }
  function zoom(c, f) {
    var span = Math.min(DUR, Math.max(100, (v1 - v0) * f));
    v0 = Math.max(0, Math.min(DUR - span, c - (c - v0) * span / (v1 - v0)));
    v1 = v0 + span;
    draw();
  }
  function hit(x, y) {
    var t = T(x), tol = 3 * (v1 - v0) / Math.max(1, cv.clientWidth - LW - RM), r, q;
    if (x < LW) return null;
    for (r = 0; r < rows.length; r++) {
      var R = rows[r];
      if (y < R.y || y >= R.y + R.h) continue;
      if (R.kind === 'lane') {
        var ln = byRow[R.r][R.dep];
        if (!ln) return null;
        q = first(ln, t - tol);
        if (q < ln.s.length && ln.s[q] <= t + tol) {
          var zi = ln.z[q], un = zi < 0;
          if (un) zi = -zi - 1;
          var zz = D.z[zi] || ['?', '', 0];
          return [zz[0], fmtT(ln.d[q]) + (un ? ' (unfinished: never ended)' : ''), zz[1] + (zz[2] ? ':' + zz[2] : ''),
            'thread ' + D.th[R.r][1] + ', starts at ' + fmtT(ln.s[q])];
        }
      } else if (R.kind === 'run') {
        var wo2 = waitOf[R.r] || [], co2 = cpuOf[R.r];
        for (q = 0; q < wo2.length; q++)
          if (t >= wo2[q][0] - tol && t <= wo2[q][0] + wo2[q][1] + tol)
            return ['waiting for \u201c' + (D.wr[wo2[q][2]] || '?') + '\u201d', fmtT(wo2[q][1]), 'from ' + fmtT(wo2[q][0]), 'thread ' + D.th[R.r][1]];
        if (co2) for (q = 0; q < co2.s.length; q++)
          if (t >= co2.s[q] && t <= co2.s[q] + co2.d[q])
            return ['on CPU ' + Math.round(co2.run[q] * 100) + ' % of ' + fmtT(co2.d[q]) + ' from ' + fmtT(co2.s[q]),
              'waiting for a core ' + Math.round(co2.rdy[q] * 100) + ' %',
              'blocked or idle ' + Math.max(0, Math.round((1 - co2.run[q] - co2.rdy[q]) * 100)) + ' %', 'thread ' + D.th[R.r][1]];
      } else if (R.kind === 'gc') {
        for (q = 0; q < D.gc.length; q++) {
          var gs = D.gc[q][0] * Q, ge = gs + D.gc[q][1] * Q;
          if (t >= gs - tol && t <= ge + tol) return ['collection ' + (q + 1) + (D.gr[D.gc[q][2]] ? ' (' + D.gr[D.gc[q][2]] + ')' : ''), 'lasted ' + fmtT(ge - gs), 'at ' + fmtT(gs)];
        }
      } else if (R.kind === 'task') {
        for (q = 0; q < D.ts.length; q += 4) {
          var a = D.ts[q] * Q, b = a + D.ts[q + 1] * Q;
          if (t >= a - tol && t <= b + tol && Math.floor((y - R.y) / (LH * 2 / 3)) === D.ts[q + 3]) {
            var tk = D.tk[D.ts[q + 2]] || ['?'];
            return ['task ' + tk[0], fmtT(b - a), 'from ' + fmtT(a)];
          }
        }
      } else if (R.kind === 'mark') {
        for (q = 0; q < D.mk.length; q++) {
          var mt = D.mk[q][0] * Q;
          if (Math.abs(mt - t) <= tol) return [D.mk[q][3], (D.mk[q][2] ? 'log message' : 'instant') + ' at ' + fmtT(mt), 'thread ' + ((D.th[D.mk[q][1]] || [0, '?'])[1])];
        }
      } else if (R.kind === 'ctr' || R.kind === 'heap') {
        var C = R.kind === 'heap' ? { n: 'heap (not yet freed)', p: D.hp, b: 1 } : D.ct[R.c], best = -1;
        for (q = 0; q < C.p.length; q += 3) if (C.p[q] * Q <= t) best = q;
        if (best >= 0) return [C.n, 'max ' + (C.b ? fmtB(C.p[best + 1]) : p3(C.p[best + 1])) + ', then ' + (C.b ? fmtB(C.p[best + 2]) : p3(C.p[best + 2])), 'near ' + fmtT(C.p[best] * Q)];
      }
      return null;
    }
    return null;
  }
  function showTip(lines, ev) {
    if (!lines) { tip.hidden = true; return; }
    while (tip.firstChild) tip.removeChild(tip.firstChild);
    for (var q = 0; q < lines.length; q++) {
      var dv = doc.createElement('div');
      dv.textContent = lines[q];
      if (q === 0) dv.className = 'tip-name';
      tip.appendChild(dv);
    }
    tip.hidden = false;
    tip.style.left = Math.min(ev.pageX + 14, doc.documentElement.scrollWidth - 320) + 'px';
    tip.style.top = (ev.pageY + 14) + 'px';
  }
  function pos(ev) { var b = cv.getBoundingClientRect(); return [ev.clientX - b.left, ev.clientY - b.top]; }
  cv.addEventListener('mousemove', function (ev) {
    var p = pos(ev);
    if (drag) { drag[1] = Math.max(0, Math.min(DUR, T(p[0]))); draw(); showTip(null); return; }
    showTip(hit(p[0], p[1]), ev);
  });
  cv.addEventListener('mouseleave', function () { showTip(null); });
  cv.addEventListener('mousedown', function (ev) {
    if (ev.button !== 0) return;
    var t = Math.max(0, T(pos(ev)[0]));
    drag = [t, t]; sel = null;
  });
  window.addEventListener('mouseup', function () {
    if (!drag) return;
    var pw = cv.clientWidth - LW - RM;
    if (Math.abs(drag[1] - drag[0]) * pw / (v1 - v0) > 3) {
      sel = [Math.min(drag[0], drag[1]), Math.max(drag[0], drag[1])];
      $('tl-sel').textContent = 'selected ' + fmtT(sel[1] - sel[0]) + ' (' + fmtT(sel[0]) + ' to ' + fmtT(sel[1]) + ')';
    }
    drag = null; draw();
  });
  cv.addEventListener('wheel', function (ev) {
    ev.preventDefault();
    zoom(T(pos(ev)[0]), ev.deltaY > 0 ? 1.25 : 0.8);
  }, { passive: false });
  cv.addEventListener('dblclick', function () { v0 = 0; v1 = DUR; sel = null; $('tl-sel').textContent = ''; draw(); });
  $('tl-in').addEventListener('click', function () { zoom((v0 + v1) / 2, 0.5); });
  $('tl-out').addEventListener('click', function () { zoom((v0 + v1) / 2, 2); });
  $('tl-sel-zoom').addEventListener('click', function () { if (sel) { v0 = sel[0]; v1 = Math.max(sel[1], sel[0] + 100); sel = null; draw(); } });
  $('tl-reset').addEventListener('click', function () { v0 = 0; v1 = DUR; sel = null; $('tl-sel').textContent = ''; draw(); });
  window.addEventListener('resize', draw);
  draw();
  cv.setAttribute('data-ready', '1');
})();

/* ---- zone table: sort and histogram ---- */
function sortable(table) {
  var ths = table.querySelectorAll('th'), c;
  for (c = 0; c < ths.length; c++) (function (col, th) {
    th.addEventListener('click', function () {
      var tb = table.tBodies[0], rs = Array.prototype.slice.call(tb.rows), asc = th.getAttribute('data-dir') !== 'asc';
      rs.sort(function (a, b) {
        var x = a.cells[col].getAttribute('data-v'), y = b.cells[col].getAttribute('data-v');
        if (x !== null && y !== null) return asc ? x - y : y - x;
        x = a.cells[col].textContent; y = b.cells[col].textContent;
        return asc ? (x < y ? -1 : x > y) : (x > y ? -1 : x < y);
      });
      for (var q = 0; q < ths.length; q++) ths[q].removeAttribute('data-dir');
      th.setAttribute('data-dir', asc ? 'asc' : 'desc');
      for (q = 0; q < rs.length; q++) tb.appendChild(rs[q]);
    });
  })(c, ths[c]);
}
var tables = doc.querySelectorAll('table.sortable');
for (var ti = 0; ti < tables.length; ti++) sortable(tables[ti]);

function histogram(zi, title) {
  var box = $('zone-hist'), bins = D.zh[zi], W = 640, Hh = 180, q, most = 1;
  if (!box || !bins) return;
  while (box.firstChild) box.removeChild(box.firstChild);
  var svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + Hh, width: W, height: Hh, role: 'img', 'class': 'hist' });
  var head = svgEl('text', { x: 4, y: 14, 'font-size': 13 });
  head.textContent = 'Durations of ' + title + ' (' + D.z[zi][1] + (D.z[zi][2] ? ':' + D.z[zi][2] : '') + ')';
  svg.appendChild(head);
  for (q = 0; q < bins.length; q += 3) most = Math.max(most, bins[q + 2]);
  var bw = (W - 60) / Math.max(1, bins.length / 3);
  for (q = 0; q < bins.length; q += 3) {
    var h = bins[q + 2] / most * (Hh - 60), x = 50 + bw * q / 3;
    var r = svgEl('rect', { x: x + 1, y: Hh - 36 - h, width: Math.max(1, bw - 2), height: h, fill: D.z[zi][3] });
    var tt = svgEl('title', {});
    tt.textContent = fmtT(bins[q]) + ' to ' + fmtT(bins[q + 1]) + ': ' + bins[q + 2] + ' spans';
    r.appendChild(tt); svg.appendChild(r);
    if (q % Math.max(3, 3 * Math.ceil(60 / bw)) === 0) {
      var lb = svgEl('text', { x: x, y: Hh - 20, 'font-size': 10 });
      lb.textContent = fmtT(bins[q]); svg.appendChild(lb);
    }
  }
  var yl = svgEl('text', { x: 46, y: 30, 'font-size': 10, 'text-anchor': 'end' });
  yl.textContent = String(most); svg.appendChild(yl);
  var xl = svgEl('text', { x: W / 2, y: Hh - 4, 'font-size': 11, 'text-anchor': 'middle' });
  xl.textContent = 'duration of one span (count per bin)'; svg.appendChild(xl);
  box.appendChild(svg);
}
var zt = $('zones-table');
if (zt) zt.tBodies[0].addEventListener('click', function (ev) {
  var tr = ev.target.closest('tr');
  if (!tr || tr.getAttribute('data-z') === null) return;
  var old = zt.querySelector('tr.picked');
  if (old) old.classList.remove('picked');
  tr.classList.add('picked');
  histogram(+tr.getAttribute('data-z'), tr.cells[0].textContent);
});
if (zt && zt.tBodies[0].rows.length) {
  var r0 = zt.tBodies[0].rows[0];
  r0.classList.add('picked');
  histogram(+r0.getAttribute('data-z'), r0.cells[0].textContent);
}

/* ---- flame graph: click to zoom ---- */
var fsvg = doc.querySelector('svg.flame');
if (fsvg) (function () {
  var els = fsvg.querySelectorAll('[data-g]'), orig = [], L = 8, Wd = +fsvg.getAttribute('width') - 16, q;
  for (q = 0; q < els.length; q++) {
    var e = els[q];
    orig.push(e.tagName === 'rect' ? [+e.getAttribute('x'), +e.getAttribute('width')] : [+e.getAttribute('x'), 0, e.textContent]);
  }
  function rectOf(g) {
    for (var i = 0; i < els.length; i++) if (els[i].tagName === 'rect' && els[i].getAttribute('data-g') === g) return orig[i];
    return null;
  }
  function zoomTo(g) {
    var base = g ? rectOf(g) : [L, Wd], z0 = base[0], zw = Math.max(base[1], 0.01), i, last = null;
    for (i = 0; i < els.length; i++) {
      var e = els[i], o = orig[i];
      if (e.tagName === 'rect') {
        var x = L + (o[0] - z0) / zw * Wd, w = o[1] / zw * Wd;
        var a = Math.max(L, x), b = Math.min(L + Wd, x + w);
        e.style.display = b - a < 0.3 ? 'none' : '';
        e.setAttribute('x', a); e.setAttribute('width', Math.max(0, b - a));
        last = [a, b - a, e.style.display];
      } else if (last) {
        var nm = D.fn[e.getAttribute('data-g')] || o[2], fit = Math.floor((last[1] - 6) / 7.2);
        e.setAttribute('x', last[0] + 3);
        e.style.display = last[2] || fit < 3 ? 'none' : '';
        e.textContent = nm.length > fit ? nm.slice(0, Math.max(0, fit - 2)) + '..' : nm;
      }
    }
  }
  /* With the flame tree in the data, a zoom draws the boxes anew: callees
     too thin to draw at full width appear once there is room for them. */
  var FT = D.ft, F = D.fg, H = +fsvg.getAttribute('height');
  if (FT && F && FT.length) (function () {
    var root = { k: -1, tot: D.fr, kids: [], dep: 0 }, nodes = {}, f;
    nodes[0] = root;
    for (f = 0; f + 5 < FT.length; f += 6) {
      var par = nodes[FT[f + 1]];
      if (!par) continue;
      var nd = { k: FT[f], p: par, tot: FT[f + 2], self: FT[f + 3], cnt: FT[f + 4], nm: D.fm[FT[f + 5]] || ['?', '#888888'], kids: [], dep: par.dep + 1 };
      nodes[nd.k] = nd;
      par.kids.push(nd);
    }
    function box(nd, x, w) {
      var y = F[0] + F[1] * (nd.dep - 1), fs = F[2] - 2, g = nd.k + 1;
      if (w < 0.5 || y + F[1] > H) return false;
      var r = svgEl('rect', { x: x, y: y, width: w, height: F[1] - 1, fill: nd.nm[1], stroke: '#ffffff', 'stroke-width': 0.5, 'data-g': g });
      var tt = svgEl('title', {});
      tt.textContent = nd.nm[0] + ': total ' + fmtT(nd.tot) + ' (' + (100 * nd.tot / Math.max(1, D.fr)).toFixed(1) + '%), self ' + fmtT(nd.self) + ', ' + nd.cnt + (nd.cnt == 1 ? ' call' : ' calls') + ' on this stack';
      r.appendChild(tt);
      fsvg.appendChild(r);
      if (w >= F[2] * 2 && F[1] >= F[2]) {
        var fit = Math.floor((w - 6) / (fs * 0.6)), nm = nd.nm[0];
        var t = svgEl('text', { x: x + 3, y: y + F[1] * 0.5 + F[2] * 0.35, 'font-size': fs, fill: '#222222', 'data-g': g });
        t.textContent = nm.length > fit ? nm.slice(0, Math.max(0, fit - 2)) + '..' : nm;
        fsvg.appendChild(t);
      }
      return true;
    }
    zoomTo = function (g) {
      var old = fsvg.querySelectorAll('[data-g]'), i, a, drawn = 0;
      for (i = 0; i < old.length; i++) old[i].parentNode.removeChild(old[i]);
      var focus = (g && nodes[+g - 1]) || root;
      for (a = focus; a !== root; a = a.p) box(a, L, Wd); /* the focus and its callers span the width */
      (function lay(nd, x, scale) {
        for (var j = 0; j < nd.kids.length && drawn < 8000; j++) {
          var kid = nd.kids[j], w = kid.tot * scale;
          if (box(kid, x, w)) { drawn++; lay(kid, x, scale); }
          x += w;
        }
      })(focus, L, Wd / Math.max(1, focus.tot));
    };
  })();
  fsvg.addEventListener('click', function (ev) {
    var t = ev.target.closest('[data-g]');
    if (t) zoomTo(t.getAttribute('data-g'));
  });
  fsvg.addEventListener('dblclick', function () { zoomTo(null); });
  $('flame-reset').addEventListener('click', function () { zoomTo(null); });
})();

/* ---- messages filter ---- */
var mf = $('msg-filter'), mt = $('messages-table');
if (mf && mt) mf.addEventListener('input', function () {
  var needle = mf.value.toLowerCase(), rs = mt.tBodies[0].rows, shown = 0;
  for (var q = 0; q < rs.length; q++) {
    var ok = !needle || rs[q].textContent.toLowerCase().indexOf(needle) >= 0;
    rs[q].hidden = !ok; if (ok) shown++;
  }
  $('msg-count').textContent = shown + ' shown';
});
doc.documentElement.setAttribute('data-ctrace-ready', '1');
})();
