#!/bin/sh
# tests/test_speedscope.sh - the exports in the viewer they are for: speedscope
# (npm package, its own index.html from node_modules) in headless Chromium
# driven by playwright-core. A program with four named threads running nested
# zones, whose main thread stops the trace inside two zones (a trace cut
# mid-zone), is exported with `ctrace export chrome` and `export folded`; each
# file goes through speedscope's file input, as a user's would. Checks: no
# "Something went wrong", no page error, console error or end/begin mismatch
# warning; one profile per thread, named after it; and, in the file
# speedscope's own Export button writes (its model of what it imported), each
# worker's "inner leaf" opens inside its "outer step", the cut zones nest and
# close, and the folded stacks keep "outer step;inner leaf".
# Run from the repo root: BUILD=build tests/test_speedscope.sh
# .ci/run installs the npm packages into $BUILD/speedscope; run by hand, the
# test installs them there itself.
BUILD=${BUILD:-build}
CHROMIUM=${CTRACE_CHROMIUM:-/usr/bin/chromium}
NPM_DIR="$BUILD/speedscope"
TMP="$BUILD/tmp/speedscope_$$"

skip_or_fail() {
  if [ "${CTRACE_REQUIRE_BROWSER:-0}" = 1 ]; then echo "FAIL: speedscope test: $1"; exit 1; fi
  echo "SKIP: speedscope test: $1"; exit 0
}

[ -x "$CHROMIUM" ] || CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] && [ -x "$CHROMIUM" ] || skip_or_fail "no Chromium (Debian package chromium)"
command -v node >/dev/null 2>&1 || skip_or_fail "no node (Debian package nodejs)"
if [ ! -f "$NPM_DIR/node_modules/speedscope/dist/release/index.html" ] ||
   [ ! -d "$NPM_DIR/node_modules/playwright-core" ]; then
  command -v npm >/dev/null 2>&1 || skip_or_fail "no npm to install speedscope (Debian package npm)"
  mkdir -p "$NPM_DIR" || exit 1
  npm install --silent --no-audit --no-fund --prefix "$NPM_DIR" speedscope@^1.25.0 playwright-core \
    >/dev/null 2>&1 || skip_or_fail "npm could not install speedscope and playwright-core"
fi
[ -x "$BUILD/ctrace" ] || { echo "FAIL: speedscope test: $BUILD/ctrace not built"; exit 1; }
mkdir -p "$TMP" || exit 1
trap 'rm -rf "$TMP"' EXIT

cat > "$TMP/cut.c" <<'EOF'
#define CTRACE_IMPLEMENTATION
#include "ctrace.h"
#include <pthread.h>

static volatile double sink;
static void spin(int n) {
  int i;
  for (i = 0; i < n; i++) sink += i * 0.5;
}

static void *run(void *arg) {
  static const char *names[4] = {"alpha", "beta", "gamma", "delta"};
  int k;
  CTRACE_THREAD_NAME(names[(size_t)arg]);
  for (k = 0; k < 20; k++) {
    CTRACE_ZONE("outer step");
    spin(2000);
    {
      CTRACE_ZONE("inner leaf");
      spin(3000);
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  pthread_t th[4];
  size_t i;
  if (argc != 2 || ctrace_start(argv[1]) != 0) return 1;
  CTRACE_THREAD_NAME("main");
  for (i = 0; i < 4; i++)
    if (pthread_create(&th[i], NULL, run, (void *)i) != 0) return 1;
  for (i = 0; i < 4; i++) pthread_join(th[i], NULL);
  {
    CTRACE_ZONE("cut outer");
    CTRACE_ZONE("cut inner");
    spin(1000);
    /* stopped inside both zones: their ends are never recorded */
    return ctrace_stop() == 0 ? 0 : 1;
  }
}
EOF
${CC:-cc} -std=c99 -O1 -pthread -I. "$TMP/cut.c" -o "$TMP/cut" ||
  { echo "FAIL: speedscope test: cannot build the tracing program"; exit 1; }
"$TMP/cut" "$TMP/cut.ctrace" || { echo "FAIL: speedscope test: the tracing program failed"; exit 1; }
"$BUILD/ctrace" export chrome "$TMP/cut.ctrace" -o "$TMP/cut.json" &&
"$BUILD/ctrace" export folded "$TMP/cut.ctrace" -o "$TMP/cut.folded" ||
  { echo "FAIL: speedscope test: ctrace export failed"; exit 1; }
echo "PASS: speedscope test: a 5-thread trace cut mid-zone, exported as Chrome JSON and folded"

cat > "$TMP/check.js" <<'JS'
const path = require('path'), fs = require('fs');
const [npmDir, chromiumPath, tmp] = process.argv.slice(2);
const { chromium } = require(path.resolve(npmDir, 'node_modules/playwright-core'));
const index = 'file://' + path.resolve(npmDir, 'node_modules/speedscope/dist/release/index.html');
let failed = 0;
function check(ok, name, why) {
  console.log(ok ? 'PASS: ' + name : 'FAIL: ' + name + ': ' + (why || 'false'));
  if (!ok) failed++;
}

/* Imports file through speedscope's file input; returns the profile names
   its selector lists and the speedscope-format file its Export writes. */
async function load(browser, file) {
  const page = await browser.newPage({ acceptDownloads: true });
  const problems = [];
  page.on('console', m => {
    const t = m.text();
    /* SwiftShader's "GPU stall due to ReadPixels" is the GL driver talking */
    if (m.type() === 'error' || (m.type() === 'warning' && !/GL Driver Message/.test(t))) problems.push(m.type() + ': ' + t);
  });
  page.on('pageerror', e => problems.push('page error: ' + e.message));
  await page.goto(index, { waitUntil: 'load' });
  await page.setInputFiles('#file', file);
  await page.waitForFunction(() => / - speedscope$/.test(document.title) || /Something went wrong/.test(document.body.innerText),
                             null, { timeout: 20000 });
  const text = await page.evaluate(() => document.body.innerText);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('text=Export')]);
  const model = JSON.parse(fs.readFileSync(await dl.path(), 'utf8'));
  if (/\(1\/\d+\)/.test(text)) { /* more than one profile: open the selector */
    await page.click('text=(1/');
    await page.waitForTimeout(200);
  }
  const listed = await page.evaluate(() => document.body.innerText);
  await page.close();
  return { text, listed, model, problems };
}

/* Per profile, replays speedscope's open/close events: the pairs
   (parent, child) seen, and whether every frame opened was closed. */
function nesting(model, profile) {
  const frames = model.shared.frames, pairs = new Set(), stack = [];
  let ok = true;
  for (const e of profile.events) {
    const name = frames[e.frame].name;
    if (e.type === 'O') {
      if (stack.length) pairs.add(stack[stack.length - 1] + ' > ' + name);
      stack.push(name);
    } else if (stack.pop() !== name) ok = false;
  }
  return { pairs, closed: ok && stack.length === 0 };
}

(async () => {
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const c = await load(browser, path.join(tmp, 'cut.json'));
    check(!/Something went wrong/.test(c.text), 'chrome: speedscope imports the export', c.text.slice(0, 200));
    check(c.problems.length === 0, 'chrome: no console error, warning or page error', c.problems.slice(0, 3).join(' | '));
    const names = c.model.profiles.map(p => p.name);
    check(names.length === 5, 'chrome: one profile per thread', JSON.stringify(names));
    for (const t of ['alpha', 'beta', 'gamma', 'delta', 'main']) {
      check(c.listed.includes(', ' + t + ' (tid '), 'chrome: the profile list shows thread "' + t + '"');
      const p = c.model.profiles.find(x => x.name.includes(', ' + t + ' (tid '));
      if (!p) { check(false, 'chrome: a profile for "' + t + '"'); continue; }
      const n = nesting(c.model, p);
      check(n.closed, 'chrome: ' + t + ': every span speedscope opened it closed, innermost first');
      const want = t === 'main' ? 'cut outer > cut inner' : 'outer step > inner leaf';
      check(n.pairs.has(want), 'chrome: ' + t + ': "' + want + '" nests', JSON.stringify([...n.pairs]));
    }
    const f = await load(browser, path.join(tmp, 'cut.folded'));
    check(!/Something went wrong/.test(f.text), 'folded: speedscope imports the export', f.text.slice(0, 200));
    check(f.problems.length === 0, 'folded: no console error, warning or page error', f.problems.slice(0, 3).join(' | '));
    const fp = f.model.profiles[0], ff = f.model.shared.frames;
    /* speedscope exports a profile as samples or as open/close events */
    const stacks = fp && fp.samples ? new Set(fp.samples.map(s => s.map(i => ff[i].name).join(';')))
                 : fp ? new Set([...nesting(f.model, fp).pairs].map(x => x.replace(' > ', ';'))) : new Set();
    check(stacks.has('outer step;inner leaf') && stacks.has('cut outer;cut inner'),
          'folded: speedscope shows the nested stacks by name', JSON.stringify([...stacks]));
  } catch (e) {
    check(false, 'speedscope session', e.message.split('\n')[0]);
  }
  await browser.close();
  process.exit(failed ? 1 : 0);
})().catch(e => { console.log('FAIL: speedscope test: ' + e.message.split('\n')[0]); process.exit(1); });
JS
timeout 240 node "$TMP/check.js" "$NPM_DIR" "$CHROMIUM" "$TMP"
