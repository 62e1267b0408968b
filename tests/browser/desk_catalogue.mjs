// tests/browser/desk_catalogue.mjs - after the ingest by upload
// (desk_ingest.mjs), what the archivist does with the new records in
// Chromium, nothing approved yet (run from screens.mjs, the part
// HD_ONLY=ingest):
//   - the staff catalogue (/admin/search): the words typed into its
//     search box and sent with Enter; the new restricted record is among
//     the hits, marked 受限 and 待审核;
//   - the public search (/search), a fresh context never logged in: the
//     same words show neither new record, the record's own page is the
//     404 a visitor gets for a record they may not see, while the same
//     search still finds the sample's published record of those words;
//   - back in the catalogue the hits ticked and "下载转递包" pressed: the
//     zip arrives as a download, saved to HD_BAG_OUT for the shell (which
//     validates the bag and reads its slip);
//   - the catalogue with its hits at 1440x900 and 1920x1080 and the
//     public search without them, checked as screens.mjs checks a page.
//   HD_CATALOGUE_Q  the words to search for (the new records' titles
//                   share them)
//   HD_BAG_OUT      where the downloaded zip is saved
//   HD_TRANSFER_TO  the receiving organisation typed into the form
import fs from 'node:fs';

const WIDE = { width: 1920, height: 1080, kiosk: false };
const DESK = { width: 1440, height: 900, kiosk: false };

// The catalogue page's rows: {ref, text} of each hit.
function rows(page) {
  return page.locator('table.admin-catalogue-table tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    ref: (tr.querySelector('td.ref') || {}).textContent || '',
    text: tr.textContent.replace(/\s+/g, ' '),
  })));
}

// The flow; h as for deskIngest; state: the logged-in session
// (storageState) of the ingest; batch: {records} the ingest stored.
export async function deskCatalogue(browser, h, state, batch) {
  const q = process.env.HD_CATALOGUE_Q;
  const bagOut = process.env.HD_BAG_OUT;
  const to = process.env.HD_TRANSFER_TO;
  if (!q || !bagOut || !to) {
    h.fail('catalogue-setup', 'HD_CATALOGUE_Q, HD_BAG_OUT and HD_TRANSFER_TO must be set');
    return;
  }
  const t0 = Date.now();
  const ctx = await h.context(DESK, state);
  const page = await ctx.newPage();
  const w = h.watch(page, '', 200);
  let pub = null;
  let wide = null;
  try {
    // The staff catalogue, searched as an archivist does it.
    await page.goto(h.BASE + '/admin/search');
    // which of the batch is the restricted one, as the catalogue's JSON says
    const restricted = await page.evaluate(async ([refs, words]) => {
      const r = await fetch('/admin/api/search?access=restricted&q=' + encodeURIComponent(words));
      const d = r.ok ? await r.json() : { hits: [] };
      return (d.hits.find((x) => refs.includes(x.ref)) || {}).ref || null;
    }, [batch.records, q]).catch(() => null);
    h.check('catalogue-api-restricted', !!restricted, `no restricted record of ${batch.records.join(' ')} for '${q}'`);
    const box = page.getByRole('searchbox', { name: '检索词' });
    await box.click();
    await box.pressSequentially(q);
    await Promise.all([page.waitForURL((u) => u.pathname === '/admin/search' && u.searchParams.get('q') === q),
      box.press('Enter')]);
    const hits = await rows(page);
    const mine = hits.find((r) => r.ref === restricted);
    h.check('catalogue-finds-restricted', !!mine,
      `no row for ${restricted} among ${hits.map((r) => r.ref).join(' ') || 'no hits'}`);
    h.check('catalogue-marks-restricted', mine && mine.text.includes('受限') && mine.text.includes('待审核'),
      `row: ${mine && mine.text}`);
    const news = hits.filter((r) => batch.records.includes(r.ref)).map((r) => r.ref);
    h.check('catalogue-finds-new', news.length >= 2, `new records among the hits: ${news.join(' ')}`);

    // The public search, a visitor who never logged in.
    pub = await h.context(DESK);
    const v = await pub.newPage();
    const vw = h.watch(v, '', 200);
    await v.goto(h.BASE + '/search?q=' + encodeURIComponent(q));
    const links = await v.locator('a[href^="/record/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    const dotted = batch.records.map((r) => r.replace(/·/g, '.'));
    const shown = links.filter((l) => dotted.some((d) => l.includes(d)));
    h.check('public-search-hides-new', shown.length === 0, `the public search shows ${shown.join(' ')}`);
    // ... while it does search: the sample's published record of those
    // words (a 1963 photograph "listed for re-scanning") is there
    h.check('public-search-finds-published', links.length > shown.length,
      `the public search for '${q}' shows nothing at all`);
    const rd = (restricted || '').replace(/·/g, '.');
    vw.live = false;            // the record's 404 is what we ask for
    const resp = await v.goto(h.BASE + `/record/${encodeURIComponent(rd)}`);
    const body = await v.locator('h1').first().textContent();
    h.check('public-record-404', resp.status() === 404 && /找不到/.test(body),
      `HTTP ${resp.status()}, h1 '${body}'`);
    h.check('public-no-errors', vw.errors.length === 0, vw.errors.slice(0, 6).join(' | '));
    await v.close();
    await h.screen(pub, 'desk', DESK, 'public-search-new-hidden', '/search?q=' + encodeURIComponent(q));

    // The hits ticked, the bag downloaded by the page's own button.
    for (const ref of news) {
      await page.getByRole('checkbox', { name: `选择 ${ref}` }).check();
    }
    await page.getByLabel('收件单位').fill(to);
    await page.getByLabel('转递原因').fill('档案移交进馆');
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }),
      page.getByRole('button', { name: '下载转递包' }).click()]);
    const failed = await dl.failure();
    await dl.saveAs(bagOut);
    h.check('catalogue-bag-downloaded', !failed && fs.statSync(bagOut).size > 0,
      `download ${failed || 'empty'}`);
    h.check('catalogue-bag-name', /^转递包-\d{8}-\d{6}\.zip$/.test(dl.suggestedFilename()),
      `saved as '${dl.suggestedFilename()}'`);
    w.live = false;
    // the form's navigation turned download is "aborted" by Chromium
    const errors = w.errors.filter((x) => !/^request failed: .*\/admin\/export net::ERR_ABORTED/.test(x));
    h.check('catalogue-no-errors', errors.length === 0, errors.slice(0, 6).join(' | '));

    const url = '/admin/search?q=' + encodeURIComponent(q);
    await h.screen(ctx, 'desk', DESK, 'catalogue-results', url);
    wide = await h.context(WIDE, await ctx.storageState());
    await h.screen(wide, 'wide', WIDE, 'catalogue-results', url);
  } catch (e) {
    h.fail('catalogue', e.message);
  } finally {
    await ctx.close();
    if (pub) { await pub.close(); }
    if (wide) { await wide.close(); }
  }
  console.log(`# catalogue checks took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
