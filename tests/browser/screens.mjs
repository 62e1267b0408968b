// tests/browser/screens.mjs - the exhibit's screens in headless Chromium.
//
// Run by tests/cases/t0400-browser.sh, which starts two servers on a
// fresh archive loaded with the sample collection:
//   HD_URL       the server with the default kiosk times
//   HD_IDLE_URL  the same archive served with --idle 5 --attract 10
//   HD_PROXY_URL the same archive with 127.0.0.1 as its trusted proxy,
//                so a request can say it comes from another machine
//   HD_SHOTS     folder for the screenshots (BUILD/screenshots)
//   HD_CHROMIUM  the browser (default /usr/bin/chromium)
// Prints one "PASS name" or "FAIL name: why" line per check; exits 1
// when a check failed.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deskIngest } from './desk_ingest.mjs';
import { deskCatalogue } from './desk_catalogue.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const BASE = process.env.HD_URL;
const IDLE_BASE = process.env.HD_IDLE_URL || BASE;
const PROXY_BASE = process.env.HD_PROXY_URL;
const SHOTS = process.env.HD_SHOTS;
const CHROMIUM = process.env.HD_CHROMIUM || '/usr/bin/chromium';
// Generous: a busy two-core machine renders a 12,000 px page slowly.
const TIMEOUT = 60000;
if (!BASE || !SHOTS) {
  console.log('FAIL browser-setup: HD_URL and HD_SHOTS must be set');
  process.exit(1);
}
fs.mkdirSync(SHOTS, { recursive: true });
const AXE = fs.readFileSync(path.join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');

let failures = 0;
function pass(name) { console.log(`PASS ${name}`); }
function fail(name, why) {
  failures += 1;
  console.log(`FAIL ${name}: ${String(why).replace(/\s+/g, ' ').slice(0, 1200)}`);
}
function check(name, ok, why) { if (ok) { pass(name); } else { fail(name, why); } }

const VIEWPORTS = {
  landscape: { width: 1920, height: 1080, kiosk: true },
  portrait: { width: 1080, height: 1920, kiosk: true },
  phone: { width: 390, height: 844, kiosk: false, mobile: true },
  desk: { width: 1440, height: 900, kiosk: false },
};

// A public photo record: the first photograph among the hits for 番禺.
async function findRecord() {
  const r = await fetch(`${BASE}/api/search?q=${encodeURIComponent('番禺')}`);
  const d = await r.json();
  const hits = d.hits || [];
  const photo = hits.find((h) => h.category === 'ZP' && h.thumb) || hits[0];
  return photo ? photo.url : null;
}

// Everything a page can complain about while we look at it.
function watch(page, mainUrl, expectStatus) {
  const w = { errors: [], live: true };
  page.on('console', (m) => {
    if (!w.live || m.type() !== 'error') { return; }
    const at = (m.location() || {}).url || '';
    // An error page's own document is expected to answer its status.
    if (expectStatus >= 400 && at === mainUrl && m.text().includes(String(expectStatus))) { return; }
    w.errors.push(`console: ${m.text()} (${at})`);
  });
  page.on('pageerror', (e) => { if (w.live) { w.errors.push(`pageerror: ${e.message}`); } });
  page.on('requestfailed', (r) => {
    if (w.live) { w.errors.push(`request failed: ${r.url()} ${(r.failure() || {}).errorText || ''}`); }
  });
  page.on('response', (r) => {
    if (!w.live || r.status() < 400) { return; }
    if (expectStatus >= 400 && r.status() === expectStatus && r.url() === mainUrl) { return; }
    w.errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return w;
}

// axe-core is put into every page of a screens context before the page's
// own scripts (context.addInitScript).  The server's CSP (script-src
// 'self') refuses page.addScriptTag({content}); an init script comes
// through the DevTools protocol and is not subject to CSP, so the pages
// keep their real policy and a CSP violation of our own templates still
// shows up as a console error.  (Evaluating the 550 KB source per page
// cost 1-1.5 s a page.)
async function runAxe(page) {
  const res = await page.evaluate(() => axe.run(document, { resultTypes: ['violations'] }));
  return res.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) at ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(', ')}` +
      (v.nodes.length > 4 ? ` and ${v.nodes.length - 4} more` : ''));
}

// Static facts of the rendered page, gathered in one round trip.
async function inspect(page) {
  return page.evaluate(() => {
    const out = {};
    out.lang = document.documentElement.lang;
    // A font is there when text in it measures the same whatever the
    // fallback (document.fonts.check() is true for any local name).
    const ctx2d = document.createElement('canvas').getContext('2d');
    const has = (f) => ['serif', 'monospace'].map((g) => { ctx2d.font = `24px "${f}", ${g}`; return ctx2d.measureText('Hongdang 红档 mmm iii 0123').width; })
      .reduce((a, b) => a === b);
    out.cjkFont = has('Noto Sans CJK SC') && has('Noto Serif CJK SC');
    const imgs = Array.from(document.images).filter((i) => i.getAttribute('src'));
    out.noAlt = imgs.filter((i) => !(i.getAttribute('alt') || '').trim()).map((i) => i.getAttribute('src'));
    out.broken = imgs.filter((i) => i.complete && i.naturalWidth === 0).map((i) => i.getAttribute('src'));
    out.nimg = imgs.length;
    const hs = Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6')).map((h) => Number(h.tagName[1]));
    out.headings = hs;
    let prev = 0; out.headJump = null;
    hs.forEach((l, i) => { if (out.headJump === null && l > prev + 1) { out.headJump = `h${prev || '-'} -> h${l} at #${i + 1}`; } prev = l; });
    out.scrollWidth = Math.max(document.scrollingElement.scrollWidth, document.body.scrollWidth);
    out.innerWidth = window.innerWidth;
    // Touch targets: every visible a, button, input, label.slot.
    const small = [];
    const docW = document.scrollingElement.scrollWidth;
    document.querySelectorAll('a, button, input:not([type=hidden]), select, textarea, label.slot, summary').forEach((e) => {
      if (e.matches('input') && e.closest('label')) { return; } // the label is the target
      if (!e.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) { return; }
      const r = e.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) { return; }
      const x = r.left + window.scrollX;
      if (x + r.width <= 0 || x >= docW) { return; } // parked off screen (skip link)
      if (Math.round(r.width) < 48 || Math.round(r.height) < 48) {
        const label = (e.textContent || e.getAttribute('aria-label') || e.getAttribute('name') || '').trim().replace(/\s+/g, ' ').slice(0, 16);
        const cls = e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '';
        small.push(`${e.tagName.toLowerCase()}${cls}"${label}" ${Math.round(r.width)}x${Math.round(r.height)}`);
      }
    });
    out.small = small;
    return out;
  });
}

// Load lazy images now, so the full-page screenshot shows them all.
async function settle(page) {
  await page.evaluate(() => document.querySelectorAll('img[loading=lazy]').forEach((i) => { i.loading = 'eager'; }));
  await page.waitForFunction(() => Array.from(document.images).every((i) => !i.getAttribute('src') || i.complete),
    null, { timeout: 8000 }).catch(() => {});
  // Let entrance animations (the demo's step fade) end before axe
  // measures contrast: mid-fade text is translucent and measures pale.
  await page.evaluate(() => Promise.all(document.getAnimations()
    .filter((a) => { const t = a.effect && a.effect.getComputedTiming(); return t && Number.isFinite(t.endTime); })
    .map((a) => a.finished.catch(() => {})))).catch(() => {});
}

async function screen(ctx, vpName, vp, name, url, opts = {}) {
  const id = `${vpName}-${name}`;
  const full = (opts.base || BASE) + url;
  const page = await ctx.newPage();
  const w = watch(page, full, opts.status || 200);
  try {
    const t = [Date.now()];
    const resp = await page.goto(full, { waitUntil: 'load' });
    t.push(Date.now());
    const st = resp ? resp.status() : 0;
    check(`${id}-status`, st === (opts.status || 200), `HTTP ${st} for ${url}`);
    await settle(page); t.push(Date.now());
    const info = await inspect(page); t.push(Date.now());
    const axeBad = await runAxe(page); t.push(Date.now());
    await page.screenshot({ path: path.join(SHOTS, `${id}.png`), fullPage: true, animations: 'disabled' }); t.push(Date.now());
    if (process.env.HD_DEBUG) { console.log(`# ${id} ms: load/settle/inspect/axe/shot ${t.slice(1).map((x, i) => x - t[i]).join('/')}`); }
    w.live = false;
    check(`${id}-no-errors`, w.errors.length === 0, w.errors.slice(0, 6).join(' | '));
    check(`${id}-axe`, axeBad.length === 0, axeBad.join(' | '));
    check(`${id}-lang`, info.lang === 'zh-CN', `lang is '${info.lang}'`);
    check(`${id}-img-alt`, info.noAlt.length === 0 && info.broken.length === 0,
      `no alt: ${info.noAlt.slice(0, 4).join(', ')}; broken: ${info.broken.slice(0, 4).join(', ')}`);
    check(`${id}-headings`, info.headings[0] === 1 && !info.headJump,
      `levels ${info.headings.join(',') || 'none'}${info.headJump ? '; skips ' + info.headJump : ''}`);
    // A phone's layout viewport widens to fit what overflows, so compare
    // with the width asked for as well as with innerWidth.
    check(`${id}-no-hscroll`, info.scrollWidth <= info.innerWidth && info.scrollWidth <= vp.width,
      `scrollWidth ${info.scrollWidth} > viewport ${vp.width} (innerWidth ${info.innerWidth})`);
    if (name === 'home') {
      check(`${id}-cjk-font`, info.cjkFont, 'no Noto CJK font on this machine: Chinese falls back or shows as boxes (install fonts-noto-cjk)');
    }
    if (vp.kiosk) {
      check(`${id}-targets-48px`, info.small.length === 0,
        `${info.small.length} small: ${info.small.slice(0, 10).join('; ')}`);
    }
  } catch (e) {
    fail(`${id}-visit`, e.message);
  } finally {
    w.live = false;
    await page.close();
  }
}

// ------------------------------------------------------------ behaviour
async function behaviour(browser, recordUrl) {
  const vp = VIEWPORTS.landscape;
  const ctx = await browser.newContext({ viewport: { width: vp.width, height: vp.height }, locale: 'zh-CN' });
  ctx.setDefaultTimeout(TIMEOUT);
  const page = await ctx.newPage();
  const w = watch(page, '', 200);
  try {
    // Study list: add on the record page, see it on /study and in the badge.
    await page.goto(BASE + recordUrl);
    const add = page.getByRole('button', { name: '加入研学清单' });
    await add.click();
    await page.waitForFunction(() => document.querySelector('[data-study-count]').textContent === '1', null, { timeout: 3000 }).catch(() => {});
    const pressed = await add.getAttribute('aria-pressed');
    check('study-add-button', pressed === 'true', `aria-pressed is ${pressed}`);
    await page.goto(BASE + '/study');
    const st = await page.evaluate(() => ({
      items: Array.from(document.querySelectorAll('[data-study-list] li a')).map((a) => a.getAttribute('href')),
      badge: document.querySelector('[data-study-count]').textContent.trim(),
      emptyHidden: document.querySelector('[data-study-empty]').hidden,
    }));
    check('study-list-shows-record', st.items.length === 1 && st.items[0] === recordUrl,
      `list has ${JSON.stringify(st.items)}, expected ${recordUrl}`);
    check('study-badge-1', st.badge === '1', `badge shows '${st.badge}'`);
    check('study-empty-note-hidden', st.emptyHidden === true, 'the empty note still shows');
    await page.screenshot({ path: path.join(SHOTS, 'landscape-study-one.png'), fullPage: true });

    // Demonstration: choosing an item to donate does the first step in
    // the kiosk's sandbox: the page comes back at step 2, dot 1 done.
    await page.goto(BASE + '/demo/collect');
    await Promise.all([page.waitForURL(/\/demo\/collect#step-1/), page.getByRole('button', { name: '一张老照片' }).click()]);
    const after = await page.evaluate(() => ({
      dots: Array.from(document.querySelectorAll('[data-dot]')).map((d) => d.className),
      current: (document.querySelector('.dstep.current') || {}).id || '',
      type: (document.querySelector('[data-step="pick"] .facts') || {}).textContent || '',
    }));
    check('demo-first-step-done', after.dots[0] === 'dot done' && after.dots[1] === 'dot current' && after.current === 'step-2',
      `dots ${after.dots.join(',')}; current ${after.current}`);
    check('demo-first-step-result', /一张老照片/.test(after.type), `result '${after.type}'`);
    w.live = false;
    check('behaviour-no-errors', w.errors.length === 0, w.errors.slice(0, 6).join(' | '));
  } catch (e) {
    fail('behaviour', e.message);
  } finally {
    await ctx.close();
  }
}

// Kiosk: idle countdown, return home with a clean study list, attract loop.
async function kiosk(browser, recordUrl) {
  const vp = VIEWPORTS.portrait;
  const ctx = await browser.newContext({ viewport: { width: vp.width, height: vp.height }, locale: 'zh-CN' });
  ctx.setDefaultTimeout(TIMEOUT);
  const page = await ctx.newPage();
  const w = watch(page, '', 200);
  try {
    // Fake timers, paused: time moves only when runFor() says so, however
    // slowly a busy machine loads the pages.
    const t0 = new Date('2026-03-05T10:00:00+08:00');
    await page.clock.install({ time: t0 });
    await page.clock.pauseAt(new Date(t0.getTime() + 1000));
    await page.goto(`${IDLE_BASE}${recordUrl}?kiosk=1`);
    const attrs = await page.evaluate(() => ({
      idle: document.body.dataset.idle, attract: document.body.dataset.attract,
      kiosk: document.body.classList.contains('kiosk'),
    }));
    check('kiosk-body-class', attrs.kiosk, 'body has no class kiosk with ?kiosk=1');
    check('kiosk-idle-attrs', attrs.idle === '5' && attrs.attract === '10',
      `data-idle='${attrs.idle}' data-attract='${attrs.attract}' (served with --idle 5 --attract 10)`);
    await page.getByRole('button', { name: '加入研学清单' }).click();
    const n0 = await page.evaluate(() => JSON.parse(localStorage.getItem('hd-study') || '[]').length);
    check('kiosk-study-added', n0 === 1, `study list has ${n0} entries`);

    const dialog = page.locator('#idle');
    check('kiosk-no-dialog-yet', await dialog.isHidden(), 'the idle dialog shows at once');
    await page.clock.runFor(6000);
    const shown = await dialog.isVisible();
    const text = shown ? (await dialog.innerText()).replace(/\s+/g, '') : '';
    check('kiosk-idle-dialog', shown && text.includes('还在浏览吗？'), `dialog visible=${shown} text='${text}'`);
    await page.screenshot({ path: path.join(SHOTS, 'portrait-kiosk-idle.png') });

    // "继续浏览" keeps the visitor where they are.
    await page.getByRole('button', { name: '继续浏览' }).click();
    check('kiosk-stay-closes-dialog', await dialog.isHidden(), 'dialog still visible after 继续浏览');
    const stayed = new URL(page.url()).pathname === recordUrl;
    check('kiosk-stay-keeps-page', stayed, `now at ${page.url()}`);

    // Idle again, let the 30 s countdown run out: home and a clean state.
    await page.clock.runFor(6000);
    check('kiosk-idle-dialog-again', await dialog.isVisible(), 'no dialog on the second idle period');
    const nav = page.waitForURL((u) => u.pathname === '/', { timeout: 10000 });
    await page.clock.runFor(31000);
    await nav;
    await page.waitForLoadState('load');
    check('kiosk-countdown-goes-home', new URL(page.url()).pathname === '/', `now at ${page.url()}`);
    const after = await page.evaluate(() => ({
      n: JSON.parse(localStorage.getItem('hd-study') || '[]').length,
      badge: document.querySelector('[data-study-count]').textContent.trim(),
    }));
    check('kiosk-study-cleared', after.n === 0 && after.badge === '0', `${after.n} entries, badge '${after.badge}'`);

    // Attract loop on the home screen, left by a touch.
    const attract = page.locator('#attract');
    check('kiosk-no-attract-yet', await attract.isHidden(), 'attract loop shows at once');
    await page.clock.runFor(11000);
    await page.waitForFunction(() => {
      const a = document.getElementById('attract'); const i = a && a.querySelector('img');
      return a && !a.hidden && i && i.complete && i.naturalWidth > 0;
    }, null, { timeout: 5000 }).catch(() => {});
    const at = await page.evaluate(() => {
      const a = document.getElementById('attract'); const i = a.querySelector('img');
      return { shown: !a.hidden, src: i.getAttribute('src'), w: i.naturalWidth, alt: i.alt,
        caption: a.querySelector('[data-attract-caption]').textContent };
    });
    check('kiosk-attract-shows-image', at.shown && at.src && at.w > 0 && at.alt,
      `shown=${at.shown} src=${at.src} width=${at.w} alt='${at.alt}'`);
    await page.screenshot({ path: path.join(SHOTS, 'portrait-kiosk-attract.png') });
    await page.mouse.click(vp.width / 2, vp.height / 2);
    check('kiosk-touch-leaves-attract', await attract.isHidden(), 'attract loop still visible after a click');
    check('kiosk-touch-stays-home', new URL(page.url()).pathname === '/', `now at ${page.url()}`);
    w.live = false;
    check('kiosk-no-errors', w.errors.length === 0, w.errors.slice(0, 6).join(' | '));
  } catch (e) {
    fail('kiosk', e.message);
  } finally {
    await ctx.close();
  }
}

// The admin pages at a desk, logged in through the form as the account
// t0400 made (HD_ADMIN_USER, HD_ADMIN_PASS).
async function admin(browser) {
  const user = process.env.HD_ADMIN_USER;
  const pass = process.env.HD_ADMIN_PASS;
  if (!user || !pass) { fail('admin-setup', 'HD_ADMIN_USER and HD_ADMIN_PASS must be set'); return; }
  const vp = VIEWPORTS.desk;
  const ctx = await browser.newContext({ viewport: { width: vp.width, height: vp.height }, locale: 'zh-CN' });
  ctx.setDefaultTimeout(TIMEOUT);
  await ctx.addInitScript(AXE);
  try {
    await screen(ctx, 'desk', vp, 'admin-login', '/admin/login');
    // The login over plain HTTP from another machine (as the trusted
    // proxy says): the page saying how to turn HTTPS on, answered 403.
    if (PROXY_BASE) {
      const far = await browser.newContext({
        viewport: { width: vp.width, height: vp.height }, locale: 'zh-CN',
        extraHTTPHeaders: { 'X-Forwarded-For': '192.0.2.7' },
      });
      far.setDefaultTimeout(TIMEOUT);
      await far.addInitScript(AXE);
      await screen(far, 'desk', vp, 'admin-login-tls', '/admin/login', { status: 403, base: PROXY_BASE });
      await far.close();
    } else {
      fail('admin-login-tls', 'HD_PROXY_URL is not set');
    }
    const page = await ctx.newPage();
    await page.goto(BASE + '/admin/login');
    await page.fill('input[name=user]', user);
    await page.fill('input[name=password]', pass);
    await Promise.all([page.waitForURL((u) => u.pathname === '/admin/'), page.click('button[type=submit]')]);
    check('admin-logged-in', new URL(page.url()).pathname === '/admin/', `now at ${page.url()}`);
    // a record of the review queue
    const rec = await page.evaluate(async () => {
      const r = await fetch('/admin/review');
      const t = await r.text();
      const m = t.match(/href="(\/admin\/record\/[^"?]+)"/);
      return m ? m[1] : null;
    });
    check('admin-queue-has-record', !!rec, 'no record link on /admin/review');
    await page.close();
    const pages = [
      ['admin-home', '/admin/'],
      ['admin-review', '/admin/review'],
      ['admin-consult', '/admin/consult'],
      ['admin-storage', '/admin/storage'],
      ['admin-search', '/admin/search'],
      ['admin-search-words', '/admin/search?q=' + encodeURIComponent('党员')],
      ['admin-keeping', '/admin/keeping'],
      ['admin-import', '/admin/import'],
      ['admin-audit', '/admin/audit'],
      ['admin-users', '/admin/users'],
    ];
    if (rec) { pages.splice(2, 0, ['admin-record', rec]); }
    for (const [name, url] of pages) {
      await screen(ctx, 'desk', vp, name, url);
    }
  } catch (e) {
    fail('admin', e.message);
  } finally {
    await ctx.close();
  }
}

async function main() {
  const t0 = Date.now();
  const recordUrl = await findRecord();
  check('record-found', !!recordUrl, 'no hit for 番禺 in /api/search');
  if (!recordUrl) { return; }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const screens = [
    ['home', '/'],
    ['corridor', '/corridor'],
    ['reading', '/reading'],
    ['demo', '/demo'],
    ['demo-collect', '/demo/collect'],
    ['search', '/search?q=' + encodeURIComponent('番禺')],
    ['search-empty', '/search?q=' + encodeURIComponent('不存在的词xyz')],
    ['record', recordUrl],
    ['study', '/study'],
    ['visit', '/visit'],
    ['404', '/no-such-page', { status: 404 }],
    ['kiosk-home', '/?kiosk=1'],
  ];
  const phoneScreens = new Set(['home', 'search', 'record']);
  try {
    // The two kiosk viewports side by side (two cores), then the phone.
    const run = async (vpName, filter) => {
      const vp = VIEWPORTS[vpName];
      const ctx = await browser.newContext({
        viewport: { width: vp.width, height: vp.height }, locale: 'zh-CN',
        isMobile: !!vp.mobile, hasTouch: !!vp.mobile, deviceScaleFactor: 1,
      });
      ctx.setDefaultTimeout(TIMEOUT);
      await ctx.addInitScript(AXE);
      for (const [name, url, opts] of screens) {
        if (filter && !filter.has(name)) { continue; }
        await screen(ctx, vpName, vp, name, url, opts);
      }
      await ctx.close();
    };
    // HD_ONLY=screens|behaviour|kiosk|admin|ingest runs one part (while working on it).
    const only = process.env.HD_ONLY || '';
    const want = (part) => !only || only === part;
    if (want('screens')) { await Promise.all([run('landscape'), run('portrait')]); }
    await Promise.all([want('screens') && run('phone', phoneScreens), want('behaviour') && behaviour(browser, recordUrl)]);
    await Promise.all([want('kiosk') && kiosk(browser, recordUrl), want('admin') && admin(browser)]);
    if (want('ingest')) {
      const context = async (vp, storageState) => {
        const c = await browser.newContext({ viewport: { width: vp.width, height: vp.height }, locale: 'zh-CN', storageState });
        c.setDefaultTimeout(TIMEOUT);
        await c.addInitScript(AXE);
        return c;
      };
      const h = { BASE, check, pass, fail, screen, watch, context };
      const got = await deskIngest(browser, h);
      if (got.batch) {
        await deskCatalogue(browser, h, got.state, got.batch);
      } else {
        fail('catalogue', 'the ingest stored no batch to look for');
      }
    }
  } finally {
    await browser.close();
  }
  console.log(`# browser checks took ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in ${SHOTS}`);
}

main().then(() => process.exit(failures ? 1 : 0), (e) => {
  fail('browser', e && e.stack ? e.stack : e);
  process.exit(1);
});
