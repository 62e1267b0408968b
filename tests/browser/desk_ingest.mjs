// tests/browser/desk_ingest.mjs - ingest by upload at the archivist's
// desk, as an archivist does it in Chromium (run from screens.mjs, the
// part HD_ONLY=ingest, with the account of t0400):
//   - the import form (/admin/ingest) at 1440x900 and 1920x1080;
//   - files and a catalogue sheet chosen in its inputs and sent by its
//     script (the manifest first, then the files), the first sending of
//     the files cut off as a dropped connection: the script says so and
//     sends them again by itself;
//   - the preview (the 档号 to be allocated, one row per sheet row),
//     confirmed; the page follows the ingest to its end by itself and
//     links the printable quality-check sheet;
//   - a batch whose upload broke off midway (sent here by hand and reset)
//     resumed from its batch page with the same files chosen again: only
//     the rest of the file cut short is sent (an offset), and the stored
//     file is byte for byte the one chosen.
// Each of those screens is checked as screens.mjs checks a page (axe,
// console, headings, no sideways scrolling) and photographed.
//   HD_INGEST_FILES  the files to choose, separated by newlines
//   HD_INGEST_SHEET  their catalogue sheet
//   HD_INGEST_ROWS   the sheet's rows (records the preview must list)
//   HD_RESUME_FILES  two files for the resumed batch, newline-separated
//   HD_INGEST_OUT    where the batches' ids and references are written
//                    (JSON), for the shell to check what was stored
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const WIDE = { width: 1920, height: 1080, kiosk: false };
const DESK = { width: 1440, height: 900, kiosk: false };

// The batch's JSON as the logged-in page sees it.
function batchJson(page, id) {
  return page.evaluate(async (i) => {
    const r = await fetch(`/admin/batches/${i}.json`, { cache: 'no-store' });
    return r.ok ? r.json() : null;
  }, id);
}

// Wait until the batch is in one of states (120 s at most); its JSON.
async function until(page, id, states) {
  let st = null;
  for (let i = 0; i < 1200; i++) {
    st = await batchJson(page, id);
    if (st && states.includes(st.state)) { return st; }
    await page.waitForTimeout(100);
  }
  throw new Error(`batch ${id} stays '${st && st.state}', wanted ${states.join('|')}: ${st && st.reason}`);
}

// A multipart upload of files to /admin/ingest over a socket of its own
// with the context's session, reset after cut bytes of the body, as when
// the archive room's network goes away midway: once the server has the
// first file whole (what a reset finds unread is lost).
async function droppedUpload(h, ctx, csrf, files, cut) {
  const u = new URL(h.BASE);
  const cookie = (await ctx.cookies(h.BASE)).map((c) => `${c.name}=${c.value}`).join('; ');
  const bnd = 'hddrop' + Date.now();
  const parts = [Buffer.from(`--${bnd}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n${csrf}\r\n` +
    `--${bnd}\r\nContent-Disposition: form-data; name="ocr"\r\n\r\noff\r\n`)];
  for (const f of files) {
    parts.push(Buffer.from(`--${bnd}\r\nContent-Disposition: form-data; name="files"; filename="${path.basename(f)}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n'), fs.readFileSync(f), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${bnd}--\r\n`));
  const body = Buffer.concat(parts);
  await new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname, () => {
      s.write(`POST /admin/ingest HTTP/1.1\r\nHost: ${u.host}\r\nCookie: ${cookie}\r\n` +
        `Content-Type: multipart/form-data; boundary=${bnd}\r\nContent-Length: ${body.length}\r\n\r\n`);
      s.write(body.subarray(0, cut), async () => {
        const first = fs.statSync(files[0]).size;
        for (let i = 0; i < 300; i++) {
          const r = await fetch(`${h.BASE}/admin/batches.json`, { headers: { Cookie: cookie } });
          const d = await r.json();
          if (d.batches.some((b) => b.state === 'receiving' && b.bytes_done >= first)) { break; }
          await new Promise((ok) => setTimeout(ok, 100));
        }
        setTimeout(() => { s.resetAndDestroy(); resolve(); }, 200);
      });
    });
    s.on('error', reject);
  });
}

// The whole flow; h carries screens.mjs's checks: {BASE, check, pass,
// fail, screen, watch, context(vp[, state]): a new context with axe}.
// Returns {batch: {id, records} of the sheet's batch once stored, state:
// the logged-in session (storageState)}, batch null when not stored.
export async function deskIngest(browser, h) {
  const user = process.env.HD_ADMIN_USER;
  const pass = process.env.HD_ADMIN_PASS;
  const files = (process.env.HD_INGEST_FILES || '').split('\n').filter(Boolean);
  const sheet = process.env.HD_INGEST_SHEET;
  const rows = Number(process.env.HD_INGEST_ROWS || 0);
  const resumeFiles = (process.env.HD_RESUME_FILES || '').split('\n').filter(Boolean);
  if (!user || !files.length || !sheet || !rows || resumeFiles.length !== 2) {
    h.fail('ingest-setup', 'HD_ADMIN_USER, HD_INGEST_FILES, HD_INGEST_SHEET, HD_INGEST_ROWS and two HD_RESUME_FILES must be set');
    return { batch: null, state: null };
  }
  const out = {};
  let state = null;
  const ctx = await h.context(DESK);
  let wide = null;
  const page = await ctx.newPage();
  const w = h.watch(page, '', 200);
  try {
    await page.goto(h.BASE + '/admin/login');
    await page.fill('input[name=user]', user);
    await page.fill('input[name=password]', pass);
    await Promise.all([page.waitForURL((u) => u.pathname === '/admin/'), page.click('button[type=submit]')]);
    state = await ctx.storageState();
    wide = await h.context(WIDE, state);
    await h.screen(ctx, 'desk', DESK, 'ingest-form', '/admin/ingest');
    await h.screen(wide, 'wide', WIDE, 'ingest-form', '/admin/ingest');

    // The form, its script sending; the first sending of the files dropped.
    await page.goto(h.BASE + '/admin/ingest');
    let dropped = 0;
    await page.route('**/admin/batches/*/files', (route) => {
      if (dropped++ === 0) { return route.abort('connectionreset'); }
      return route.continue();
    });
    w.live = false;             // the dropped request is a failed request
    await page.setInputFiles('#in-files', files);
    await page.setInputFiles('#in-sheet', sheet);
    await page.selectOption('#in-access', 'internal');
    await page.selectOption('#in-ocr', 'off');
    await page.click('#ingest-form button[type=submit]');
    const status = page.locator('[data-upload-status]');
    await status.filter({ hasText: '连接中断' }).waitFor({ timeout: 20000 })
      .then(() => h.pass('ingest-drop-says-so'), () => h.fail('ingest-drop-says-so',
        'the status never said the connection was dropped'));
    await page.waitForURL(/\/admin\/batches\/[0-9a-z-]+$/, { timeout: 60000 });
    await page.unroute('**/admin/batches/*/files');
    h.check('ingest-resent-after-drop', dropped === 2, `the files were sent ${dropped} times`);
    const id = page.url().split('/').pop();
    const pre = await until(page, id, ['preview', 'refused', 'failed']);
    h.check('ingest-preview', pre.state === 'preview', `state ${pre.state}: ${JSON.stringify(pre.rejected).slice(0, 300)}`);
    h.check('ingest-preview-refs', pre.records.length === rows, `${pre.records.length} references, ${rows} sheet rows`);
    h.check('ingest-manifest-kept-names', pre.files_total === files.length,
      `${pre.files_total} files, ${files.length} chosen`);
    // the page reloads by itself once the check is done
    await page.getByRole('button', { name: '确认入库' }).waitFor({ timeout: 30000 });
    const cells = await page.locator('td.ref').allTextContents();
    h.check('ingest-preview-shows-refs', pre.records.every((r) => cells.includes(r)),
      `page shows ${cells.join(' ')}, JSON ${pre.records.join(' ')}`);
    w.live = true;
    await h.screen(ctx, 'desk', DESK, 'ingest-preview', `/admin/batches/${id}`);
    await h.screen(wide, 'wide', WIDE, 'ingest-preview', `/admin/batches/${id}`);

    // Confirmed: the page follows the run and ends on the report.
    await Promise.all([page.waitForURL(h.BASE + `/admin/batches/${id}`),
      page.getByRole('button', { name: '确认入库' }).click()]);
    await page.locator('.notice.ok').waitFor({ timeout: 60000 });
    const done = await batchJson(page, id);
    h.check('ingest-done', done.state === 'done' && done.records.join() === pre.records.join(),
      `state ${done.state}; stored ${done.records.join(' ')}, previewed ${pre.records.join(' ')}`);
    h.check('ingest-done-summary', /已入库/.test(await page.locator('[data-summary]').textContent()),
      'the summary does not say it is stored');
    const report = page.getByRole('link', { name: '打印数字化质量检查单' });
    h.check('ingest-report-link', await report.count() === 1, 'no link to the quality-check sheet');
    out.batch = { id, records: done.records };
    await h.screen(ctx, 'desk', DESK, 'ingest-done', `/admin/batches/${id}`);
    await h.screen(wide, 'wide', WIDE, 'ingest-done', `/admin/batches/${id}`);
    await h.screen(ctx, 'desk', DESK, 'ingest-report', `/admin/batches/${id}/report`);
    await h.screen(ctx, 'desk', DESK, 'ingest-batches', '/admin/batches');

    // A batch broken off midway, resumed from its page.
    const csrf = await page.locator('input[name=csrf]').first().inputValue();
    const [ra, rb] = resumeFiles;
    const cut = fs.statSync(ra).size + Math.floor(fs.statSync(rb).size / 2) + 600;
    await droppedUpload(h, ctx, csrf, resumeFiles, cut);
    const list = await page.evaluate(async () => (await (await fetch('/admin/batches.json')).json()).batches);
    const broken = list.find((b) => b.state === 'receiving');
    h.check('resume-batch-kept', !!broken, `no batch receiving: ${list.map((b) => b.state).join(' ')}`);
    if (!broken) { return { batch: out.batch || null, state }; }
    let st = broken;
    for (let i = 0; i < 100 && st.uploading; i++) {
      await page.waitForTimeout(100);
      st = await batchJson(page, broken.id);
    }
    const part = (st.files || []).find((f) => f.path === path.basename(rb));
    h.check('resume-part-kept', part && !part.complete && part.bytes > 0 && part.bytes < fs.statSync(rb).size,
      `files ${JSON.stringify(st.files)}`);
    await page.goto(h.BASE + `/admin/batches/${broken.id}`);
    await h.screen(ctx, 'desk', DESK, 'ingest-resume', `/admin/batches/${broken.id}`);
    // what the page's script sends: each form field, a file by its size
    const sent = [];
    await page.exposeFunction('hdSent', (fields) => sent.push(fields));
    await page.evaluate(() => {
      const send = XMLHttpRequest.prototype.send;
      XMLHttpRequest.prototype.send = function (fd) {
        if (fd instanceof FormData) {
          window.hdSent(Array.from(fd.entries()).map(([k, v]) => [k, typeof v === 'string' ? v : v.size]));
        }
        return send.call(this, fd);
      };
    });
    await page.setInputFiles('#re-files', resumeFiles);
    await page.click('form[data-resume] button[type=submit]');
    await page.getByRole('button', { name: '确认入库' }).waitFor({ timeout: 60000 });
    const rest = fs.statSync(rb).size - part.bytes;
    h.check('resume-sends-the-rest', sent.length === 1 && JSON.stringify(sent[0].slice(1)) ===
      JSON.stringify([['offset', String(part.bytes)], ['files', rest]]),
      `sent ${JSON.stringify(sent)}; ${part.bytes} bytes kept, ${rest} to come`);
    await Promise.all([page.waitForURL(h.BASE + `/admin/batches/${broken.id}`),
      page.getByRole('button', { name: '确认入库' }).click()]);
    await page.locator('.notice.ok').waitFor({ timeout: 60000 });
    const rdone = await batchJson(page, broken.id);
    h.check('resume-stored', rdone.state === 'done' && rdone.records.length === 2,
      `state ${rdone.state}, ${rdone.records.length} records`);
    out.resumed = { id: broken.id, records: rdone.records };
    w.live = false;
    h.check('ingest-no-errors', w.errors.length === 0, w.errors.slice(0, 6).join(' | '));
  } catch (e) {
    h.fail('ingest', e.message);
  } finally {
    if (process.env.HD_INGEST_OUT) { fs.writeFileSync(process.env.HD_INGEST_OUT, JSON.stringify(out)); }
    await ctx.close();
    if (wide) { await wide.close(); }
  }
  return { batch: out.batch || null, state };
}
