#!/bin/sh
# tests/test_browser.sh - the report in a real browser (headless Chromium driven
# by playwright-core). Loads the demo's report and the hostile-names report and
# fails on any console error or warning, page error, dialog, request leaving
# the page, or script from the trace running; checks the timeline, tables and
# charts are there and that hover, zoom, drag, sorting, the histogram, the
# flame zoom and the message filter do something; checks the page without
# JavaScript; saves screenshots as build/report_*.png.
# Run from the repo root: BUILD=build tests/test_browser.sh
BUILD=${BUILD:-build}
CHROMIUM=${CTRACE_CHROMIUM:-/usr/bin/chromium}
TMP="$BUILD/tmp/browser_$$"

skip_or_fail() {
  if [ "${CTRACE_REQUIRE_BROWSER:-0}" = 1 ]; then echo "FAIL: browser test: $1"; exit 1; fi
  echo "SKIP: browser test: $1"; exit 0
}

[ -x "$CHROMIUM" ] || CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] && [ -x "$CHROMIUM" ] || skip_or_fail "no Chromium (Debian package chromium)"
command -v node >/dev/null 2>&1 || skip_or_fail "no node to drive the browser"
if [ ! -d "$BUILD/node_modules/playwright-core" ]; then
  npm install --silent --prefix "$BUILD" playwright-core >/dev/null 2>&1 ||
    skip_or_fail "playwright-core is missing and npm could not install it"
fi
mkdir -p "$TMP" || exit 1
trap 'rm -rf "$TMP"' EXIT

# The report helper: test_report's --report/--hostile-trace modes.
HELPER="$BUILD/tests/test_report"
if [ ! -x "$HELPER" ]; then
  HELPER="$TMP/test_report"
  flags=""; [ -f /usr/include/stb/stb_image_write.h ] && flags="-DCTRACE_WITH_PNG"
  ${CC:-cc} -std=c99 -O1 -g -pthread $flags -Itests tests/test_report.c -o "$HELPER" -lm ||
    { echo "FAIL: browser test: cannot build the report helper"; exit 1; }
fi

# The demo's trace (or, without the demo, a trace the helper makes).
if [ -x "$BUILD/examples/gc_demo" ]; then
  "$BUILD/examples/gc_demo" "$TMP/demo.ctrace" >/dev/null ||
    { echo "FAIL: browser test: gc_demo did not run"; exit 1; }
else
  "$HELPER" --hostile-trace "$TMP/demo.ctrace" || exit 1
fi
"$HELPER" --hostile-trace "$TMP/hostile.ctrace" ||
  { echo "FAIL: browser test: cannot write the hostile trace"; exit 1; }
"$HELPER" --thin-callee-trace "$TMP/thin.ctrace" ||
  { echo "FAIL: browser test: cannot write the thin-callee trace"; exit 1; }
"$HELPER" --report "$TMP/demo.ctrace" "$TMP/demo.html" &&
"$HELPER" --report "$TMP/hostile.ctrace" "$TMP/hostile.html" &&
"$HELPER" --report "$TMP/thin.ctrace" "$TMP/thin.html" ||
  { echo "FAIL: browser test: cannot write the reports"; exit 1; }
echo "PASS: reports written for the browser"

cat > "$TMP/check.js" <<'JS'
const path = require('path'), fs = require('fs');
const [build, chromiumPath, tmp] = process.argv.slice(2);
const { chromium } = require(path.resolve(build, 'node_modules/playwright-core'));
let failed = 0;
function check(ok, name, why) {
  console.log(ok ? 'PASS: ' + name : 'FAIL: ' + name + ': ' + (why || 'false'));
  if (!ok) failed++;
}
const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function visit(ctx, name, file, withJs) {
  const url = 'file://' + path.resolve(file);
  const page = await ctx.newPage();
  if (!withJs) {
    /* one browser for both runs: scripts off for this page only */
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
  }
  const problems = [], outside = [], dialogs = [];
  page.on('console', m => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.type() + ': ' + m.text()); });
  page.on('pageerror', e => problems.push('page error: ' + e.message));
  page.on('dialog', d => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await page.route('**/*', route => {
    const u = route.request().url();
    if (u === url || u.startsWith('data:')) return route.continue();
    outside.push(u);
    return route.abort();
  });
  await page.goto(url, { waitUntil: 'load' });
  const tag = name + (withJs ? '' : ' (JavaScript off)');
  const pwned = await page.evaluate(() => window.__pwned);
  check(pwned === undefined, tag + ': no script from the trace ran', 'window.__pwned = ' + pwned);
  if (withJs) {
    check(await page.getAttribute('html', 'data-ctrace-ready') === '1', tag + ': the page script ran to the end');
    check(await page.getAttribute('#tl-canvas', 'data-ready') === '1', tag + ': interactive timeline drawn');
    const range0 = await page.textContent('#tl-range');
    await page.locator('#tl-canvas').scrollIntoViewIfNeeded();
    const box = await page.locator('#tl-canvas').boundingBox();
    await page.click('#tl-in');
    const range1 = await page.textContent('#tl-range');
    check(range1 !== range0, tag + ': zoom button changes the visible range', range0 + ' -> ' + range1);
    await page.mouse.move(box.x + box.width * 0.5, box.y + 40);
    await page.mouse.wheel(0, 300);
    await page.waitForTimeout(50);
    const range2 = await page.textContent('#tl-range');
    check(range2 !== range1, tag + ': wheel zooms', range1 + ' -> ' + range2);
    await page.dblclick('#tl-canvas', { position: { x: box.width * 0.5, y: 30 } });
    check(await page.textContent('#tl-range') === range0, tag + ': double click resets');
    await page.locator('#tl-canvas').scrollIntoViewIfNeeded();
    const box2 = await page.locator('#tl-canvas').boundingBox();
    await page.mouse.move(box2.x + 200, box2.y + 30);
    await page.mouse.down();
    await page.mouse.move(box2.x + 400, box2.y + 30, { steps: 4 });
    await page.mouse.up();
    const selText = await page.textContent('#tl-sel');
    check(/selected/.test(selText), tag + ': drag selects a range', selText);
    await page.click('#tl-sel-zoom');
    check(await page.textContent('#tl-range') !== range0, tag + ': zoom to selection');
    await page.click('#tl-reset');
    /* sweep the pointer over the timeline inside the page (one round trip) */
    const tipText = await page.evaluate(() => {
      const cv = document.getElementById('tl-canvas'), tip = document.getElementById('tip');
      const b = cv.getBoundingClientRect();
      for (let y = 24 + 7; y < Math.min(b.height, 600); y += 7)
        for (let x = 155; x < b.width; x += 5) {
          cv.dispatchEvent(new MouseEvent('mousemove', { clientX: b.left + x, clientY: b.top + y, bubbles: true }));
          if (!tip.hidden) return tip.textContent;
        }
      return '';
    });
    check(tipText.length > 0, tag + ': hovering the timeline shows details', 'no tooltip appeared');
    console.log('  note: ' + tag + ' tooltip: ' + tipText.slice(0, 120));
    await page.mouse.move(0, 0);
    const zoneRows = await page.locator('#zones-table tbody tr').count();
    if (zoneRows > 1) {
      await page.click('#zones-table tbody tr:nth-child(2) td:nth-child(3)');
      check(await page.locator('#zone-hist svg rect').count() > 0, tag + ': a zone row shows its duration histogram');
      const first = await page.textContent('#zones-table tbody tr:first-child td:first-child');
      await page.click('#zones-table thead th:nth-child(3)');
      await page.click('#zones-table thead th:nth-child(3)');
      const after = await page.textContent('#zones-table tbody tr:first-child td:first-child');
      const dir = await page.getAttribute('#zones-table thead th:nth-child(3)', 'data-dir');
      check(dir === 'desc' || dir === 'asc', tag + ': clicking a header sorts the zone table', 'first row ' + first + ' -> ' + after);
    }
    const flameRects = page.locator('svg.flame rect[data-g]');
    if (await flameRects.count() > 1) {
      const r = flameRects.nth(1), g = await r.getAttribute('data-g');
      const w0 = +(await r.getAttribute('width'));
      await r.click({ force: true });
      /* the zoom may draw the boxes anew: find the clicked one by its node */
      const w1 = +(await page.getAttribute('svg.flame rect[data-g="' + g + '"]', 'width'));
      check(w1 > w0 + 1 || w0 > 1000, tag + ': clicking a flame box zooms into it', w0 + ' -> ' + w1);
      await page.click('#flame-reset');
    }
    if (await page.isVisible('#msg-filter')) {
      const all = await page.locator('#messages-table tbody tr:visible').count();
      await page.fill('#msg-filter', 'pwned=3');
      const some = await page.locator('#messages-table tbody tr:visible').count();
      check(some > 0 && some < all, tag + ': the message filter keeps matching rows', all + ' -> ' + some);
      await page.fill('#msg-filter', '');
    }
  } else {
    check(await page.isVisible('svg.timeline-chart'), tag + ': the static timeline is visible');
  }
  check(await page.isVisible('svg.heap-chart'), tag + ': heap chart present');
  check(await page.locator('svg.flame').count() === 1, tag + ': flame graph present');
  check(await page.locator('#zones').count() === 1 && await page.locator('#memory h3').count() >= 2,
        tag + ': zone and memory sections present');
  check(await page.locator('#memstats').count() === 1, tag + ': memory statistics present');
  if (name === 'hostile') {
    const text = await page.evaluate(() => document.body.innerText);
    check(text.includes('<script>window.__pwned=1</script>'), tag + ': hostile names are shown as text');
    check(await page.locator('img').count() === 0, tag + ': no element injected by the trace');
  }
  await page.waitForTimeout(100);
  check(problems.length === 0, tag + ': no console errors or page errors', problems.join(' | '));
  check(outside.length === 0, tag + ': no request leaves the page', outside.join(' '));
  check(dialogs.length === 0, tag + ': no dialog opened', dialogs.join(' | '));
  const shot = path.join(build, 'report_' + name + (withJs ? '' : '_nojs') + '.png');
  await page.screenshot({ path: shot, fullPage: true });
  console.log('  note: screenshot ' + shot);
  await page.close();
}

/* The flame graph zooms by drawing anew: a callee too thin to draw at full
   width appears when its caller is zoomed into, and goes again on reset. */
async function flameZoom(ctx, file) {
  const page = await ctx.newPage(), problems = [];
  page.on('console', m => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
  page.on('pageerror', e => problems.push('page error: ' + e.message));
  await page.goto('file://' + path.resolve(file), { waitUntil: 'load' });
  const titled = async (prefix) => page.evaluate(p => Array.from(document.querySelectorAll('svg.flame rect[data-g] title'))
    .filter(t => t.textContent.startsWith(p)).length, prefix);
  check(await titled('tiny callee:') === 0 && await titled('small:') === 1,
        'thin callee: at full width the flame graph draws "small" but not its thin callee');
  await page.evaluate(() => {
    const t = Array.from(document.querySelectorAll('svg.flame rect[data-g] title')).find(x => x.textContent.startsWith('small:'));
    t.parentNode.dispatchEvent(new MouseEvent('click', { bubbles: true }));
  });
  const w = await page.evaluate(() => {
    const t = Array.from(document.querySelectorAll('svg.flame rect[data-g] title')).find(x => x.textContent.startsWith('tiny callee:'));
    return t ? +t.parentNode.getAttribute('width') : -1;
  });
  check(w > 2, 'thin callee: zoomed into "small", its callee is drawn', 'width ' + w);
  check(await titled('big:') === 0, 'thin callee: zoomed, the sibling outside the view is gone');
  await page.click('#flame-reset');
  check(await titled('tiny callee:') === 0 && await titled('big:') === 1, 'thin callee: reset draws the full view again');
  check(problems.length === 0, 'thin callee: no console errors', problems.join(' | '));
  await page.close();
}

(async () => {
  const ud = fs.mkdtempSync(path.join(tmp, 'profile-'));
  const ctx = await chromium.launchPersistentContext(ud, { executablePath: chromiumPath, headless: true, args,
    viewport: { width: 1400, height: 900 } });
  for (const js of [true, false]) {
    try {
      await visit(ctx, 'demo', path.join(tmp, 'demo.html'), js);
      await visit(ctx, 'hostile', path.join(tmp, 'hostile.html'), js);
    } catch (e) {
      check(false, 'browser session' + (js ? '' : ' (JavaScript off)'), e.message.split('\n')[0]);
    }
  }
  try {
    await flameZoom(ctx, path.join(tmp, 'thin.html'));
  } catch (e) {
    check(false, 'browser session (flame zoom)', e.message.split('\n')[0]);
  }
  await ctx.close();
  process.exit(failed ? 1 : 0);
})().catch(e => { console.log('FAIL: browser test: ' + e.message.split('\n')[0]); process.exit(1); });
JS
timeout 240 node "$TMP/check.js" "$BUILD" "$CHROMIUM" "$TMP"
