// tests/browser/demos.mjs - the six demonstrations in headless Chromium.
//
// Run by tests/cases/t0420-demo-browser.sh, which starts a server on a
// fresh archive with the sample collection:
//   HD_URL       the server (served with --idle 5: the kiosk asks
//                "还在浏览吗？" after 5 s without a touch)
//   HD_SHOTS     folder for the screenshots (BUILD/screenshots)
//   HD_CHROMIUM  the browser (default /usr/bin/chromium)
// Each demonstration is done by its autoplay (landscape 1920x1080) and
// by touches (portrait 1080x1920, a touch screen), each to its end: the
// root element gets data-done, every step is done; the pages have no
// console errors, nothing serious or critical for axe, touch targets of
// 48 px.  Then a kiosk's running autoplay is not idleness, and going
// home after idle ends the kiosk's sandbox.  Prints one
// "PASS name" or "FAIL name: why" line per check; exits 1 when a check
// failed.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const BASE = process.env.HD_URL;
const SHOTS = process.env.HD_SHOTS;
const CHROMIUM = process.env.HD_CHROMIUM || '/usr/bin/chromium';
const TIMEOUT = 90000;
if (!BASE || !SHOTS) {
  console.log('FAIL demos-setup: HD_URL and HD_SHOTS must be set');
  process.exit(1);
}
fs.mkdirSync(SHOTS, { recursive: true });
const AXE = fs.readFileSync(path.join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');

// The demonstrations in the order a visitor may do them (review takes up
// what collect handed in) and the steps of each.
const DEMOS = [['collect', 5], ['review', 4], ['consult', 4], ['transfer', 4], ['digitise', 4], ['storage', 3]];

let failures = 0;
function check(name, ok, why) {
  if (ok) { console.log(`PASS ${name}`); return; }
  failures += 1;
  console.log(`FAIL ${name}: ${String(why).replace(/\s+/g, ' ').slice(0, 1200)}`);
}

// Console errors, page errors, failed requests and HTTP errors of a page,
// across its navigations (a 400 the test asks for is not one).
function watch(page) {
  const w = { errors: [] };
  page.on('console', (m) => { if (m.type() === 'error') { w.errors.push(`console: ${m.text()}`); } });
  page.on('pageerror', (e) => w.errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    // a navigation that a form's submission replaced is not a failure
    if ((r.failure() || {}).errorText !== 'net::ERR_ABORTED') { w.errors.push(`request failed: ${r.url()}`); }
  });
  page.on('response', (r) => { if (r.status() >= 400) { w.errors.push(`HTTP ${r.status()}: ${r.url()}`); } });
  return w;
}

// What a finished demonstration page shows: data-done, the steps done,
// the dots, the autoplay button, small targets, sideways scrolling.
async function state(page) {
  return page.evaluate(() => {
    const root = document.querySelector('[data-demo]');
    const small = [];
    root.querySelectorAll('a, button, input:not([type=hidden]), label.option, label.reason').forEach((e) => {
      if (e.matches('input') && e.closest('label')) { return; }
      const r = e.getBoundingClientRect();
      if (r.width && r.height && (Math.round(r.width) < 48 || Math.round(r.height) < 48)) {
        small.push(`${e.tagName.toLowerCase()} "${(e.textContent || e.name || '').trim().slice(0, 12)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
      }
    });
    return {
      done: root.hasAttribute('data-done'),
      steps: root.querySelectorAll('[data-step]').length,
      stepsDone: root.querySelectorAll('[data-step].done').length,
      dotsDone: root.querySelectorAll('[data-dot].done').length,
      pressed: (root.querySelector('[data-autoplay]') || {}).getAttribute('aria-pressed'),
      small,
      wide: document.scrollingElement.scrollWidth > window.innerWidth,
    };
  });
}

async function axeBad(page) {
  await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {})))).catch(() => {});
  const res = await page.evaluate(() => axe.run(document, { resultTypes: ['violations'] }));
  return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

// The checks of a demonstration at its end.
async function finished(page, id, name, n, w) {
  const s = await state(page);
  check(`${id}-done`, s.done && s.steps === n && s.stepsDone === n && s.dotsDone === n,
    `data-done ${s.done}, ${s.stepsDone}/${s.steps} steps and ${s.dotsDone} dots done (want ${n})`);
  check(`${id}-targets-48px`, s.small.length === 0, s.small.slice(0, 8).join('; '));
  check(`${id}-no-hscroll`, !s.wide, 'the page scrolls sideways');
  const bad = await axeBad(page);
  check(`${id}-axe`, bad.length === 0, bad.join(' | '));
  await page.screenshot({ path: path.join(SHOTS, `${id}.png`), fullPage: true, animations: 'disabled' });
  check(`${id}-no-errors`, w.errors.length === 0, w.errors.slice(0, 6).join(' | '));
  w.errors.length = 0;
  return s;
}

// A fresh browser context (its own cookies: its own sandbox) of the
// given options with axe in every page, and a watched page of it.
async function open(browser, opts) {
  const ctx = await browser.newContext({ locale: 'zh-CN', ...opts });
  ctx.setDefaultTimeout(TIMEOUT);
  await ctx.addInitScript(AXE);
  const page = await ctx.newPage();
  return { ctx, page, w: watch(page) };
}

// Autoplay: started with ?autoplay=1, one step a second, by itself to
// the end, a ticking dot on the way.
async function byAutoplay(browser) {
  const { ctx, page, w } = await open(browser, { viewport: { width: 1920, height: 1080 } });
  try {
    for (const [name, n] of DEMOS) {
      const id = `demo-${name}-autoplay`;
      await page.goto(`${BASE}/demo/${name}?autoplay=1&pace=1`);
      const tick = await page.evaluate(() => ({
        dot: !!document.querySelector('[data-dot].current.ticking'),
        pressed: document.querySelector('[data-autoplay]').getAttribute('aria-pressed'),
      }));
      check(`${id}-progress-dot`, tick.dot && tick.pressed === 'true', `ticking dot ${tick.dot}, aria-pressed ${tick.pressed}`);
      await page.locator('[data-demo][data-done]').waitFor({ timeout: TIMEOUT });
      const s = await finished(page, `landscape-${id}`, name, n, w);
      check(`${id}-stops-at-end`, s.pressed === 'false', `aria-pressed ${s.pressed} after the last step`);
    }
  } catch (e) {
    check('demo-autoplay', false, e.message);
  } finally {
    await ctx.close();
  }
}

// What a visitor types and taps at the current step, then the tap that
// does it.
async function touchStep(page) {
  if (await page.locator('[data-pending]').count()) {
    // OCR under way on the server: the page looks again by itself
    await page.waitForNavigation();
    return;
  }
  const cur = page.locator('.dstep.current');
  if (await cur.locator('input[name=person]').count()) {
    await cur.locator('input[name=person]').fill('李某（研学小组）');
    await cur.locator('input[name=org]').fill('番禺区某小学');
    await cur.locator('label.option', { hasText: '学术研究' }).tap();
    await cur.locator('label.option', { hasText: '查看' }).tap();
  }
  if (await cur.locator('input[name=q]').count()) {
    await cur.locator('input[name=q]').fill('夜校');
  }
  let target = cur.locator('button[data-auto]:not([data-auto="false"])').first();
  if (await cur.locator('button', { hasText: '一封来信' }).count()) {
    target = cur.locator('button', { hasText: '一封来信' });      // not autoplay's photo
  }
  await Promise.all([page.waitForNavigation(), target.tap()]);
}

// Touches: each step's big button tapped on a portrait touch screen.
async function byTouch(browser) {
  const { ctx, page, w } = await open(browser, { viewport: { width: 1080, height: 1920 }, hasTouch: true });
  try {
    for (const [name, n] of DEMOS) {
      const id = `portrait-demo-${name}-touch`;
      await page.goto(`${BASE}/demo/${name}`);
      const first = await axeBad(page);
      check(`${id}-start-axe`, first.length === 0, first.join(' | '));
      // a touch a step, and the reloads while OCR is under way
      for (let i = 0; i < n + 40 && !(await page.locator('[data-demo][data-done]').count()); i++) {
        await touchStep(page);
      }
      await finished(page, id, name, n, w);
    }
    // 重新开始: a fresh sandbox, every step to do again
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '重新开始' }).tap()]);
    const s = await state(page);
    check('demo-restart-fresh', !s.done && s.stepsDone === 0, `after 重新开始: data-done ${s.done}, ${s.stepsDone} steps done`);
  } catch (e) {
    check('demo-touch', false, e.message);
  } finally {
    await ctx.close();
  }
}

// A kiosk (?kiosk=1, idle after 5 s): a running autoplay is not idleness,
// however long its steps; once it ends, idleness counts again.
async function kioskAutoplay(browser) {
  const { ctx, page, w } = await open(browser, { viewport: { width: 1920, height: 1080 } });
  try {
    // a step every 7 s: longer than the kiosk's 5 s of idleness
    await page.goto(`${BASE}/demo/storage?kiosk=1&autoplay=1&pace=7`);
    const t0 = Date.now();
    let covered = false;
    while (Date.now() - t0 < 60000) {
      if (await page.locator('#idle').isVisible().catch(() => false)) { covered = true; break; }
      if (await page.locator('[data-demo][data-done]').count().catch(() => 0)) { break; }
      await page.waitForTimeout(250);
    }
    const done = await page.locator('[data-demo][data-done]').count();
    check('demo-kiosk-autoplay-not-idle', !covered && done === 1,
      covered ? 'the idle countdown covered the running autoplay' : 'the autoplay did not finish');
    await page.locator('#idle').waitFor({ state: 'visible', timeout: 10000 }).catch(() => {});
    check('demo-kiosk-idle-after-autoplay', await page.locator('#idle').isVisible(),
      'no idle countdown once the autoplay had ended');
    // the 30 s countdown runs out: home, the kiosk's sandbox ended
    // (t0420 counts the sandboxes left afterwards)
    await page.waitForURL((u) => u.pathname === '/', { timeout: 45000 }).catch(() => {});
    check('demo-kiosk-idle-goes-home', new URL(page.url()).pathname === '/', `still at ${page.url()}`);
    check('demo-kiosk-no-errors', w.errors.length === 0, w.errors.slice(0, 6).join(' | '));
  } catch (e) {
    check('demo-kiosk', false, e.message);
  } finally {
    await ctx.close();
  }
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
try {
  await Promise.all([byAutoplay(browser), byTouch(browser)]);
  await kioskAutoplay(browser);
} finally {
  await browser.close();
}
process.exit(failures > 0 ? 1 : 0);
