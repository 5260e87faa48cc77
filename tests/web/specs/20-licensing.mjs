/*
 * Browser tests of the licensing views: the one-stop dossier queue (panels/dossiers.js, dossier.js),
 * the import of the one-stop export (imports.js) and the dashboard (stats.js), each checked against
 * what the API answers the same role. The steps a role is offered are checked against the server
 * itself: a step posted with a stale If-Match is refused with 403 when the role may not record it
 * and with 412 when it may, before anything is written.
 */
import { join } from 'node:path';

export async function run(ctx) {
  const { test, assert, base, users, browser, watch, apiLogin, signInForm, ARTIFACTS } = ctx;

  const tokens = {};
  async function call(role, method, path, body, headers = {}) {
    tokens[role] ||= await apiLogin(base, users[role].name, users[role].password);
    const r = await fetch(base + path, {
      method,
      headers: { Authorization: `Bearer ${tokens[role]}`, ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    let data = null;
    try { data = JSON.parse(text); } catch { data = text; }
    return { status: r.status, data };
  }
  async function get(role, path) {
    const r = await call(role, 'GET', path);
    if (r.status !== 200) throw new Error(`GET ${path} as ${role}: HTTP ${r.status} ${JSON.stringify(r.data).slice(0, 200)}`);
    return r.data;
  }

  /* A new browser context signed in as `role` through the form, with the page ready. */
  async function openAs(role, viewport = { width: 1280, height: 800 }) {
    const c = await browser.newContext({ viewport, locale: 'vi-VN' });
    const page = await c.newPage();
    watch(page);
    await page.goto(`${base}/map/`);
    await signInForm(page, users[role]);
    await page.waitForSelector('body[data-ready=true]', { timeout: 45000 });
    return { c, page };
  }
  const go = (page, hash) => page.evaluate((h) => { location.hash = h; }, hash);

  /* Open dossiers (as the API lists them to `role`) whose last step is before the server's now, so
   * that a step recorded now follows it; filtered by f(dossier). */
  async function candidates(role, f, n = 1) {
    const page = await get(role, '/dossiers?status=open&sort=due&limit=1000');
    const now = Date.parse(page.now);
    const out = [];
    for (const d of page.dossiers.filter(f)) {
      const s = await get(role, `/dossiers/${d.id}/steps`);
      const last = Math.max(...s.steps.map((x) => Date.parse(x.at)));
      if (last < now - 60000) out.push({ ...d, next_steps: s.next_steps });
      if (out.length >= n) break;
    }
    return out;
  }

  await test('licensing: the dossier queue lists what GET /dossiers lists, nearest deadline first, overdue ones in red', async () => {
    const api = await get('counter', '/dossiers?status=open&sort=due&limit=200');
    const { c, page } = await openAs('counter');
    try {
      await page.locator('#view-dossiers-toggle').click();
      await page.waitForFunction((n) => document.querySelector('#dq-count')?.dataset.matched === String(n) &&
        document.querySelectorAll('#dq-table .dq-row').length === Math.min(n, 200), api.numberMatched, { timeout: 20000 });
      const rows = await page.$$eval('#dq-table .dq-row', (trs) => trs.map((tr) => ({
        id: Number(tr.dataset.id), overdue: tr.classList.contains('overdue'),
        red: tr.querySelector('.dq-late') ? getComputedStyle(tr.querySelector('.dq-late')).color : null,
      })));
      assert(rows.map((r) => r.id).join() === api.dossiers.map((d) => d.id).join(), 'the rows are not the API\'s dossiers in its order');
      const overdue = api.dossiers.filter((d) => d.overdue).map((d) => d.id);
      assert(overdue.length > 0, 'the demo register has no overdue dossier to show');
      assert(rows.filter((r) => r.overdue).map((r) => r.id).join() === overdue.join(), 'overdue rows differ from the API\'s');
      for (const r of rows.filter((x) => x.overdue)) {
        const [red, green, blue] = r.red.match(/\d+/g).map(Number);
        assert(red > 150 && green < 80 && blue < 80, `overdue dossier ${r.id} is not marked in red (${r.red})`);
      }
      // The overdue filter is the API's ?overdue=true.
      const late = await get('counter', '/dossiers?status=open&overdue=true&limit=1');
      await page.locator('#dq-overdue').check();
      await page.waitForFunction((n) => document.querySelector('#dq-count')?.dataset.matched === String(n) &&
        document.querySelectorAll('#dq-table .dq-row').length === n, late.numberMatched, { timeout: 20000 });
      assert(await page.locator('#dq-table .dq-row:not(.overdue)').count() === 0, 'the overdue filter shows a dossier in time');
      // The procedure filter too.
      const proc = api.dossiers.find((d) => d.procedure)?.procedure.key;
      await page.locator('#dq-overdue').uncheck();
      await page.selectOption('#dq-procedure', proc);
      const byProc = await get('counter', `/dossiers?status=open&procedure=${proc}&limit=1`);
      await page.waitForFunction((n) => document.querySelector('#dq-count')?.dataset.matched === String(n), byProc.numberMatched, { timeout: 20000 });
      // At tablet width the list fills the screen and a dossier replaces it, without sideways scrolling.
      const tablet = await browser.newContext({ viewport: { width: 768, height: 1024 }, hasTouch: true, storageState: await c.storageState() });
      const p2 = await tablet.newPage();
      watch(p2);
      await p2.goto(`${base}/map/#dossiers/${api.dossiers[0].id}`);
      await p2.locator('#dossier-receipt').waitFor({ timeout: 30000 });
      await p2.waitForSelector('body[data-ready=true]', { timeout: 30000 });
      const box = await p2.locator('#dossier-detail').boundingBox();
      assert(box.width > 700, `the dossier is ${box.width} px wide at tablet width`);
      assert(!(await p2.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)), 'the page scrolls sideways at 768 px');
      await p2.locator('.dq-back').click();
      await p2.locator('#dq-table .dq-row').first().waitFor({ timeout: 10000 });
      await tablet.close();
    } finally {
      await c.close();
    }
  });

  await test('counter: only the steps the counter may record are offered (the server refuses the others), and the receipt opens', async () => {
    // A dossier received at the counter (it has a printable receipt) with moves of several roles next.
    const [d] = await candidates('counter', (x) => x.origin === 'counter' && x.step === 'completeness_review');
    assert(d, 'no open counter dossier at the completeness review');
    const { c, page } = await openAs('counter');
    try {
      await go(page, `#dossiers/${d.id}`);
      await page.locator('#dossier-receipt').waitFor({ timeout: 20000 });
      assert((await page.locator('#dossier-receipt').innerText()) === d.receipt_no, 'wrong dossier shown');
      const shown = await page.$$eval('.step-btn', (bs) => bs.map((b) => b.dataset.step));
      // What the server says of each move allowed next, for this role (a stale If-Match writes nothing).
      const may = [];
      for (const s of d.next_steps) {
        const r = await call('counter', 'POST', `/dossiers/${d.id}/steps`, { step: s }, { 'If-Match': '"v0"' });
        assert(r.status === 403 || r.status === 412 || r.status === 409, `probe of ${s}: HTTP ${r.status}`);
        if (r.status !== 403) may.push(s);
      }
      assert(may.length > 0 && may.length < d.next_steps.length, `probe found ${may} of ${d.next_steps}`);
      assert(shown.slice().sort().join() === may.slice().sort().join(), `buttons ${shown} but the counter may record ${may}`);
      assert(await page.locator('#result-form').count() === 0, 'a counter is offered the leader\'s result form');
      assert(await page.locator('#dossier-attachments').count() === 1, 'the counter handles attachments but sees none');
      // The printable receipt (form 01) opens from the server.
      const [popup] = await Promise.all([c.waitForEvent('page'), page.locator('#doc-receipt').click()]);
      await popup.waitForLoadState();
      assert(new URL(popup.url()).pathname.endsWith(`/dossiers/${d.id}/receipt`), `receipt opened at ${popup.url()}`);
      const text = await popup.locator('body').innerText();
      assert(/TIẾP NHẬN HỒ SƠ/.test(text) && text.includes(d.receipt_no), 'the receipt does not show the dossier');
      await popup.close();
      assert(await page.locator('#doc-control-slip').count() === 1, 'no control slip link');
    } finally {
      await c.close();
    }
  });

  await test('licensing: an appraisal step recorded through the interface is the dossier\'s new state in the API', async () => {
    const [d] = await candidates('licensing', (x) => x.step === 'assigned');
    assert(d && d.next_steps.includes('completeness_review'), 'no open dossier at the assigned step');
    const { c, page } = await openAs('licensing');
    try {
      await page.locator('#view-dossiers-toggle').click();
      await page.locator(`#dq-table .dq-row[data-id="${d.id}"]`).click();
      await page.locator('#dossier-receipt').waitFor({ timeout: 20000 });
      await page.locator('.step-btn[data-step=completeness_review]').click();
      await page.locator('#step-form textarea[name=note]').fill('Kiểm tra hồ sơ qua giao diện web');
      await page.locator('#step-confirm').click();
      await page.waitForSelector('#dossier-state[data-step=completeness_review]', { timeout: 20000 });
      const after = await get('licensing', `/dossiers/${d.id}`);
      assert(after.step === 'completeness_review' && after.version === d.version + 1, `API: step ${after.step}, version ${after.version}`);
      const steps = await get('licensing', `/dossiers/${d.id}/steps`);
      const last = steps.steps[steps.steps.length - 1];
      assert(last.note === 'Kiểm tra hồ sơ qua giao diện web' && last.user === users.licensing.name, `last step ${JSON.stringify(last)}`);
      // The list follows.
      await page.waitForFunction((id) => document.querySelector(`#dq-table .dq-row[data-id="${id}"] .dq-step`)?.dataset.step === 'completeness_review', d.id, { timeout: 10000 });
      await page.evaluate(() => document.querySelector('.dq-scroll').scrollTo(0, 0)); // the overdue ones, at the top
      await page.screenshot({ path: join(ARTIFACTS, 'dossiers.png') });
    } finally {
      await c.close();
    }
  });

  await test('leader: the decision and the signed result recorded through the interface', async () => {
    // A new licence, a declaration or an emergency plan (no earlier licence to name), brought to the
    // leader by the licensing officer's draft.
    const kinds = ['xray_licence_new', 'xray_emergency_plan', 'xray_declaration'];
    const [d] = await candidates('licensing', (x) => x.facility_id && kinds.includes(x.procedure?.key) &&
      ['completeness_review', 'expert_review', 'site_visit', 'payment_received', 'supplement_received'].includes(x.step));
    assert(d, 'no dossier to bring to a decision');
    const r = await call('licensing', 'POST', `/dossiers/${d.id}/steps`, { step: 'draft_result' });
    assert(r.status >= 200 && r.status < 300, `draft_result: HTTP ${r.status} ${JSON.stringify(r.data).slice(0, 200)}`);
    const { c, page } = await openAs('leader');
    try {
      await go(page, `#dossiers/${d.id}`);
      await page.locator('#dossier-receipt').waitFor({ timeout: 20000 });
      await page.waitForSelector('#dossier-state[data-step=draft_result]', { timeout: 10000 });
      const shown = await page.$$eval('.step-btn', (bs) => bs.map((b) => b.dataset.step));
      assert(shown.includes('decision') && !shown.includes('expert_review'), `leader offered ${shown}`);
      await page.locator('.step-btn[data-step=decision]').click();
      await page.selectOption('#step-decision', 'approve');
      await page.locator('#step-confirm').click();
      await page.locator('#result-form').waitFor({ timeout: 20000 });
      const number = `${String(d.id).padStart(3, '0')}/2026/GP-SKHCN`;
      await page.locator('#result-number').fill(number);
      await page.locator('#result-submit').click();
      await page.locator('#dossier-authorization').waitFor({ timeout: 20000 });
      const result = await get('leader', `/dossiers/${d.id}/result`);
      assert(result.properties.number === number, `recorded ${result.properties.number}`);
      const after = await get('leader', `/dossiers/${d.id}`);
      assert(after.step === 'result_recorded' && after.result === 'approved', `dossier at ${after.step} ${after.result}`);
      assert((await page.locator('#dossier-authorization').innerText()).includes(number), 'the result is not shown');
    } finally {
      await c.close();
    }
  });

  await test('counter: an import of a one-stop export shows its progress and the server\'s report', async () => {
    const tag = Date.now().toString(36).toUpperCase();
    const csv = ['Số biên nhận,Mã thủ tục,Chủ hồ sơ,Ngày tiếp nhận,Ngày hẹn trả,Trạng thái,Ngày xử lý xong,Ngày trả kết quả',
      `000.00.27.H29-WEB-${tag}-1,xray_declaration,Nha khoa Kiểm Thử,10/06/2026 08:30,17/06/2026,4,,`,
      `000.00.27.H29-WEB-${tag}-2,rso_certificate,Phòng khám Kiểm Thử,2026-06-11 14:00,2026-06-25,2,,`,
      `000.00.27.H29-WEB-${tag}-3,xray_declaration,Công ty Lỗi Ngày,không phải ngày,2026-06-25,2,,`].join('\n') + '\n';
    const { c, page } = await openAs('counter');
    try {
      await page.locator('#view-dossiers-toggle').click();
      await page.locator('#dq-table .dq-row').first().waitFor({ timeout: 20000 });
      await page.locator('#import-open').click();
      await page.locator('#import-file').setInputFiles({ name: 'mot-cua.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await page.locator('#import-start').click();
      await page.waitForSelector('#import-report[data-created]', { timeout: 30000 });
      const rep = await page.$eval('#import-report', (e) => ({ ...e.dataset }));
      assert(rep.rowsread === '3' && rep.created === '2' && rep.invalid === '1' && rep.updated === '0', `report ${JSON.stringify(rep)}`);
      const bar = await page.$eval('#import-progress', (p) => ({ value: p.value, max: p.max, hidden: p.hidden }));
      assert(!bar.hidden && bar.value === bar.max, `progress ${JSON.stringify(bar)}`);
      const phases = await page.$eval('#import-card', (e) => e.dataset.phases);
      assert(phases.startsWith('upload') && phases.endsWith('done'), `phases ${phases}`);
      assert((await page.locator('#import-report .imp-invalid tbody tr').count()) === 1, 'the unreadable row is not listed');
      for (const k of [1, 2]) {
        const x = await get('counter', `/dossiers?receipt_no=000.00.27.H29-WEB-${tag}-${k}`);
        assert(x.numberMatched === 1 && x.dossiers[0].origin === 'one_stop', `dossier ${k} of the import: ${JSON.stringify(x).slice(0, 200)}`);
      }
      // The queue shows the imported dossiers.
      const open = await get('counter', '/dossiers?status=open&limit=1');
      await page.waitForFunction((n) => document.querySelector('#dq-count')?.dataset.matched === String(n), open.numberMatched, { timeout: 10000 });
    } finally {
      await c.close();
    }
  });

  await test('the one-stop dashboard shows the on-time rates of GET /stats/one-stop, its months and its reconciliation list', async () => {
    const { c, page } = await openAs('leader');
    try {
      await page.locator('#view-dashboard-toggle').click();
      await page.locator('#stats-rate').waitFor({ timeout: 20000 });
      const s = await get('leader', '/stats/one-stop');
      const shown = await page.$eval('#stats-rate', (e) => ({ text: e.textContent, rate: e.dataset.rate }));
      const expected = `${(s.total.on_time_rate * 100).toFixed(1).replace('.', ',')}%`;
      assert(Number(shown.rate) === s.total.on_time_rate && shown.text === expected, `shown ${JSON.stringify(shown)}, API ${s.total.on_time_rate} (${expected})`);
      for (const p of s.by_procedure) {
        const rate = await page.$eval(`#stats-procedures tr[data-procedure="${p.procedure}"]`, (tr) => tr.dataset.rate);
        assert(rate === String(p.on_time_rate ?? ''), `${p.procedure}: ${rate} vs ${p.on_time_rate}`);
      }
      const bars = await page.locator('#stats-chart .chart-bar').count();
      const points = await page.locator('#stats-chart .chart-point').count();
      assert(bars === s.total.by_month.length && points === s.total.by_month.filter((m) => m.on_time_rate !== null).length,
        `chart: ${bars} bars, ${points} points for ${s.total.by_month.length} months`);
      const rec = await page.$eval('#stats-reconcile', (e) => ({ count: e.dataset.count, rows: e.querySelectorAll('tbody tr').length }));
      assert(rec.count === String(s.reconciliation_count) && rec.rows === s.reconciliation.length, `reconciliation ${JSON.stringify(rec)}`);
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png') });
      // A reconciliation row opens its dossier in the queue.
      if (s.reconciliation.length) {
        await page.locator('#stats-reconcile tbody a').first().click();
        await page.waitForFunction((no) => document.querySelector('#dossier-receipt')?.textContent === no, s.reconciliation[0].receipt_no, { timeout: 20000 });
      }
    } finally {
      await c.close();
    }
  });

  await test('a viewer gets no dossier or dashboard view and requests neither; an inspector reads the queue with no action', async () => {
    const { c, page } = await openAs('viewer');
    const reads = [];
    page.on('request', (r) => {
      const p = new URL(r.url()).pathname;
      if (r.method() !== 'OPTIONS' && /^\/(dossiers|stats|procedures|jobs)/.test(p)) reads.push(`${r.method()} ${p}`);
    });
    try {
      assert(await page.locator('#view-dossiers-toggle, #view-dashboard-toggle').count() === 0, 'a viewer has the licensing buttons');
      await go(page, '#dossiers/1');
      await page.waitForTimeout(500);
      await go(page, '#dashboard');
      await page.waitForTimeout(500);
      assert(await page.locator('#view-dossiers, #view-dashboard').count() === 0, 'a viewer opened a licensing view');
      assert(reads.length === 0, `a viewer's page requested ${reads.join(', ')}`);
    } finally {
      await c.close();
    }
    const [d] = (await get('inspector', '/dossiers?status=open&limit=1')).dossiers;
    const ins = await openAs('inspector');
    try {
      await go(ins.page, `#dossiers/${d.id}`);
      await ins.page.locator('#dossier-receipt').waitFor({ timeout: 20000 });
      assert(await ins.page.locator('.step-btn, #result-form, #import-open, #dossier-attachments').count() === 0,
        'an inspector is offered an action or the attachments');
    } finally {
      await ins.c.close();
    }
  });
}
