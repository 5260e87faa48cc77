/*
 * Browser tests of editing, history, the proximity tool and the zones (web/src/panels/edit.js,
 * history.js, proximity.js, zones.js), run by tests/web/run.mjs with its harness and server.
 *
 * Each test opens its own browser context, signs in through the form as the role it needs, and
 * checks the page against the API: the position and name a licensing officer saves, a validation
 * error under its field, a 412 conflict resolved by reapplying, the audit trail, a planner's
 * proximity counts for a typed point (WGS 84 and VN-2000) and a drawn area, the exports, and the
 * zones of the lost Ir-192 demo source. Screenshots: editing.png, proximity.png, zones.png,
 * editing-tablet.png.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export async function run(ctx) {
  const { test, assert, base, users, browser, watch, apiLogin, signInForm, idle, jump, toPage, ARTIFACTS, vn2000, cct,
    pinnedPipeline } = ctx;

  /* The API as one account sees it. */
  const tokens = {};
  async function call(role, method, path, { body, headers = {} } = {}) {
    tokens[role] ||= await apiLogin(base, users[role].name, users[role].password);
    const r = await fetch(base + path, {
      method,
      headers: { Authorization: `Bearer ${tokens[role]}`, ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = (r.headers.get('content-type') || '').includes('json') ? await r.json() : await r.arrayBuffer();
    return { status: r.status, data, etag: r.headers.get('etag') };
  }
  async function get(role, path) {
    const r = await call(role, 'GET', path);
    if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status}`);
    return r.data;
  }

  /* A page signed in as role, the map ready. */
  async function signedIn(role, { viewport = { width: 1280, height: 800 }, allowStatus = [], hash = '' } = {}) {
    const context = await browser.newContext({ viewport, locale: 'vi-VN', acceptDownloads: true });
    const page = await context.newPage();
    watch(page, { allowStatus });
    await page.goto(`${base}/map/${hash}`);
    await signInForm(page, users[role]);
    await page.waitForSelector('body[data-ready=true]', { timeout: 45000 });
    await idle(page);
    return { context, page };
  }

  async function openFacility(page, id) {
    await page.evaluate((fid) => window.radmap.openFacility(fid, { fly: true }), id);
    await page.waitForFunction((fid) => document.querySelector('#facility-name') && location.hash === `#facilities/${fid}`, id,
      { timeout: 15000 });
  }

  async function openEditor(page) {
    await page.locator('#edit-open').click();
    await page.locator('#edit-facility-editor').waitFor({ timeout: 10000 });
  }

  /* Where the editing marker points: MapLibre's default pin has its tip 14 px below its centre. */
  function markerAt(page) {
    return page.evaluate(() => {
      const r = document.getElementById('edit-marker').getBoundingClientRect();
      const c = window.radmap.map.getCanvas().getBoundingClientRect();
      return window.radmap.map.unproject([r.left + r.width / 2 - c.left, r.top + r.height / 2 + 14 - c.top]).toArray();
    });
  }

  async function saved(page) {
    await page.locator('#edit-status').waitFor({ timeout: 15000 });
    return page.locator('#edit-status').innerText();
  }

  // Facilities of the department (VARANS records are read-only) with sources and devices, far
  // enough from the others that their point is alone on the map; one per test, so the tests stay
  // independent of each other.
  const all = (await get('licensing', '/collections/facilities/items?record_owner=department&limit=10000')).features;
  const lonely = (f) => all.every((g) => g.id === f.id || Math.hypot(g.geometry.coordinates[0] - f.geometry.coordinates[0],
    g.geometry.coordinates[1] - f.geometry.coordinates[1]) > 0.003);
  const picks = all.filter((f) => f.properties.source_count > 0 && f.properties.device_count > 0 && lonely(f)).slice(3, 10);
  assert(picks.length >= 5, `only ${picks.length} suitable facilities in the demo`);
  const [moved, dragged, invalid, conflicted, tabletOne] = picks;

  await test('licensing: typed VN-2000 coordinates (EPSG:9210) move a facility and its new name is saved; the API shows both', async () => {
    const { context, page } = await signedIn('licensing');
    try {
      const modules = await page.evaluate(() => document.body.dataset.modules);
      assert(/\bedit\b/.test(modules) && /\bhistory\b/.test(modules), `modules for licensing: ${modules}`);
      await openFacility(page, moved.id);
      await openEditor(page);
      const [lon, lat] = moved.geometry.coordinates;
      const p = vn2000.wgs84ToVn2000TM(lon, lat, vn2000.zoneByEpsg(9210).lon0);
      const x = (p.x + 23.456).toFixed(3), y = (p.y - 31.789).toFixed(3);
      await page.selectOption('#edit-crs', '9210');
      // The inputs show the facility's present position in the zone first.
      const shown = Number(await page.locator('#edit-pos-a').inputValue());
      assert(Math.abs(shown - p.x) < 0.002, `X shown ${shown}, expected ${p.x.toFixed(3)}`);
      await page.locator('#edit-pos-a').fill(x);
      await page.locator('#edit-pos-b').fill(y);
      const name = `${moved.properties.name} (đã dời)`;
      await page.locator('#edit-facility-name').fill(name);
      // The marker follows what is typed.
      const [[elat, elon]] = cct(pinnedPipeline(9210), [[Number(y), Number(x)]], true);
      await jump(page, [elon, elat], 17);
      const marker = await markerAt(page);
      assert(Math.hypot((marker[0] - elon) * 109000, (marker[1] - elat) * 110600) < 3, `marker at ${marker}, expected ${elon},${elat}`);
      await idle(page);
      await page.screenshot({ path: join(ARTIFACTS, 'editing.png') });
      await page.locator('#edit-facility-save').click();
      const msg = await saved(page);
      assert(/phiên bản 2/.test(msg), `status after saving: ${msg}`);
      const after = await get('licensing', `/collections/facilities/items/${moved.id}`);
      assert(after.properties.name === name, `API name ${after.properties.name}`);
      const [alon, alat] = after.geometry.coordinates;
      // PROJ's inverse of the typed plane coordinates through the pinned EPSG:6960 pipeline (cct
      // prints 6 decimals: 0.1 m), and geo/vn2000.js's (checked against PROJ to 1 cm above).
      const d = Math.hypot((alon - elon) * 109000, (alat - elat) * 110600);
      assert(d < 0.15, `API position ${alon},${alat} is ${d.toFixed(4)} m from PROJ's ${elon},${elat}`);
      const js = vn2000.vn2000TMToWgs84(Number(x), Number(y), vn2000.zoneByEpsg(9210).lon0);
      const dj = Math.hypot((alon - js.lon) * 109000, (alat - js.lat) * 110600);
      assert(dj < 0.01, `API position ${alon},${alat} is ${dj.toFixed(4)} m from ${js.lon},${js.lat}`);
      // The panel shows the new name, and the map's tiles the new position.
      await page.waitForFunction((n) => document.getElementById('facility-name')?.textContent === n, name, { timeout: 10000 });
      await jump(page, [alon, alat], 16);
      const onMap = await page.evaluate((id) => window.radmap.map.querySourceFeatures('register', { sourceLayer: 'facilities' })
        .filter((f) => f.id === id).map((f) => f.geometry.coordinates), moved.id);
      assert(onMap.length > 0, 'the facility is not in the tiles');
      assert(onMap.every(([a, b]) => Math.abs(a - alon) < 2e-5 && Math.abs(b - alat) < 2e-5), `tiles place it at ${JSON.stringify(onMap)}`);
    } finally {
      await context.close();
    }
  });

  await test('licensing: dragging the facility point on the map saves the new position', async () => {
    const { context, page } = await signedIn('licensing');
    try {
      await openFacility(page, dragged.id);
      await openEditor(page);
      await jump(page, dragged.geometry.coordinates, 17);
      const before = await markerAt(page);
      const [olon, olat] = dragged.geometry.coordinates;
      assert(Math.hypot((before[0] - olon) * 109000, (before[1] - olat) * 110600) < 2, `marker at ${before}, facility at ${olon},${olat}`);
      const m = await page.locator('#edit-marker').boundingBox();
      const start = { x: m.x + m.width / 2, y: m.y + m.height / 2 };
      await page.mouse.move(start.x, start.y);
      await page.mouse.down();
      for (let i = 1; i <= 10; i++) await page.mouse.move(start.x - 6 * i, start.y + 4 * i);
      await page.mouse.up();
      const expected = await markerAt(page);
      const typed = Number(await page.locator('#edit-pos-a').inputValue());
      assert(Number.isFinite(typed), 'the coordinate inputs did not follow the drag');
      await page.locator('#edit-facility-save').click();
      await saved(page);
      const after = await get('licensing', `/collections/facilities/items/${dragged.id}`);
      const [alon, alat] = after.geometry.coordinates;
      const movedM = Math.hypot((alon - olon) * 109000, (alat - olat) * 110600);
      const offM = Math.hypot((alon - expected[0]) * 109000, (alat - expected[1]) * 110600);
      assert(movedM > 10, `moved only ${movedM.toFixed(1)} m`);
      assert(offM < 3, `saved ${alon},${alat}, the marker was dropped at ${expected} (${offM.toFixed(1)} m)`);
    } finally {
      await context.close();
    }
  });

  await test('licensing: a validation error (422) is shown under the field it concerns, and nothing is saved', async () => {
    const { context, page } = await signedIn('licensing', { allowStatus: [422] });
    try {
      await openFacility(page, invalid.id);
      await openEditor(page);
      await page.locator('#edit-facility-contact_email').fill('không phải thư điện tử');
      await page.locator('#edit-facility-name').fill('');
      await page.locator('#edit-facility-save').click();
      const err = page.locator('#edit-facility-contact_email-error');
      await page.waitForFunction(() => document.getElementById('edit-facility-contact_email-error')?.textContent.length > 0, null, { timeout: 10000 });
      assert(/e-mail/i.test(await err.innerText()), `error text: ${await err.innerText()}`);
      const sameRow = await page.evaluate(() => {
        const e = document.getElementById('edit-facility-contact_email-error');
        const i = document.getElementById('edit-facility-contact_email');
        return e.parentElement === i.parentElement && e.parentElement.classList.contains('invalid') &&
          i.getAttribute('aria-invalid') === 'true';
      });
      assert(sameRow, 'the error is not beside its field');
      assert((await page.locator('#edit-facility-name-error').innerText()).length > 0, 'no error under the empty name');
      assert((await page.locator('#edit-facility-address-error').innerText()) === '', 'an error under a valid field');
      const after = await get('licensing', `/collections/facilities/items/${invalid.id}`);
      assert(after.properties.version === invalid.properties.version, 'an invalid edit changed the feature');
      // Correcting the field clears the error and saves.
      await page.locator('#edit-facility-contact_email').fill('an.toan@example.vn');
      await page.locator('#edit-facility-name').fill(invalid.properties.name);
      await page.locator('#edit-facility-save').click();
      await saved(page);
      const fixed = await get('licensing', `/collections/facilities/items/${invalid.id}`);
      assert(fixed.properties.contact_email === 'an.toan@example.vn', `e-mail ${fixed.properties.contact_email}`);
    } finally {
      await context.close();
    }
  });

  let conflictNames = null;
  await test('licensing: a 412 conflict shows what the colleague changed, and reapplying saves on top of it', async () => {
    const { context, page } = await signedIn('licensing', { allowStatus: [412] });
    try {
      await openFacility(page, conflicted.id);
      await openEditor(page);
      // Meanwhile a colleague (the administrator) changes the phone through the API.
      const cur = await call('admin', 'GET', `/collections/facilities/items/${conflicted.id}`);
      const phone = '0909 412 412';
      const r = await call('admin', 'PATCH', `/collections/facilities/items/${conflicted.id}`, {
        body: { properties: { contact_phone: phone } }, headers: { 'If-Match': cur.etag, 'Content-Type': 'application/merge-patch+json' },
      });
      assert(r.status === 200, `colleague's PATCH: HTTP ${r.status}`);
      const name = `${conflicted.properties.name} (sửa sau)`;
      await page.locator('#edit-facility-name').fill(name);
      await page.locator('#edit-facility-save').click();
      const box = page.locator('#edit-facility-conflict');
      await box.waitFor({ state: 'visible', timeout: 10000 });
      const theirs = await page.locator('#edit-facility-theirs tr[data-field=contact_phone]').innerText();
      assert(theirs.includes(phone), `colleague's change shown as: ${theirs}`);
      assert(conflicted.properties.contact_phone ? theirs.includes(conflicted.properties.contact_phone) : true, 'old phone not shown');
      const mine = await page.locator('#edit-facility-mine li[data-field=name]').innerText();
      assert(mine.includes(name), `own change shown as: ${mine}`);
      assert(await page.locator('#edit-facility-theirs tr[data-field=name]').count() === 0, 'name shown as changed by the colleague');
      await page.locator('#edit-facility-reapply').click();
      await saved(page);
      const after = await get('licensing', `/collections/facilities/items/${conflicted.id}`);
      assert(after.properties.name === name, `name after reapplying: ${after.properties.name}`);
      assert(after.properties.contact_phone === phone, `the colleague's phone was lost: ${after.properties.contact_phone}`);
      assert(after.properties.version === conflicted.properties.version + 2, `version ${after.properties.version}`);
      conflictNames = { name, phone };
    } finally {
      await context.close();
    }
  });

  await test('licensing: the history section lists the edits, who made them and what changed', async () => {
    assert(conflictNames, 'the conflict test did not run through');
    const { context, page } = await signedIn('licensing');
    try {
      await openFacility(page, conflicted.id);
      await page.locator('#facility-history summary').click();
      await page.locator('#facility-history .history-entry').first().waitFor({ timeout: 10000 });
      const api = await get('licensing', `/collections/facilities/items/${conflicted.id}/history`);
      const entries = await page.locator('#facility-history .history-entry').count();
      assert(entries === api.changes.length, `${entries} entries, the API has ${api.changes.length}`);
      const newest = await page.locator('#facility-history .history-entry').first().innerText();
      assert(newest.includes(users.licensing.name), `newest entry: ${newest}`);
      const nameDiff = await page.locator('#facility-history .history-entry').first().locator('li[data-field=name]').innerText();
      assert(nameDiff.includes(conflictNames.name), `name change shown as: ${nameDiff}`);
      const second = await page.locator('#facility-history .history-entry').nth(1).innerText();
      assert(second.includes(users.admin.name) && second.includes(conflictNames.phone), `colleague's entry: ${second}`);
    } finally {
      await context.close();
    }
  });

  await test('licensing: a source is added to a facility and its activity edited from the panel', async () => {
    const { context, page } = await signedIn('licensing');
    try {
      await openFacility(page, moved.id);
      const before = (await get('licensing', `/collections/sources/items?facility_id=${moved.id}&limit=1`)).numberMatched;
      await page.locator('#edit-add-sources').click();
      await page.locator('#edit-source-editor').waitFor({ timeout: 10000 });
      await page.locator('#edit-source-nuclide').fill('Cs-137');
      await page.locator('#edit-source-activity_bq').fill('3,7e9'.replace(',', '.'));
      await page.locator('#edit-source-reference_date').fill('2024-01-15');
      await page.locator('#edit-source-serial_no').fill('WEB-TEST-137');
      await page.locator('#edit-source-save').click();
      await saved(page);
      const list = await get('licensing', `/collections/sources/items?facility_id=${moved.id}&limit=500`);
      assert(list.numberMatched === before + 1, `${list.numberMatched} sources, expected ${before + 1}`);
      const added = list.features.find((f) => f.properties.serial_no === 'WEB-TEST-137');
      assert(added && added.properties.activity_bq === 3.7e9, 'the new source is not as typed');
      // Edit it: the panel lists it with an edit button.
      await page.locator(`#edit-sources-${added.id}`).click();
      await page.locator('#edit-source-activity_bq').fill('4e9');
      await page.locator('#edit-source-save').click();
      await page.waitForFunction(() => !document.getElementById('edit-source-editor'), null, { timeout: 10000 });
      const edited = await get('licensing', `/collections/sources/items/${added.id}`);
      assert(edited.properties.activity_bq === 4e9, `activity ${edited.properties.activity_bq}`);
    } finally {
      await context.close();
    }
  });

  const point = { lon: 106.7009, lat: 10.7769 }; // Saigon's centre
  await test('planner: the proximity tool counts what GET /proximity counts, for a typed WGS 84 point and a typed VN-2000 one', async () => {
    const { context, page } = await signedIn('planner');
    try {
      const modules = await page.evaluate(() => document.body.dataset.modules);
      assert(/\bproximity\b/.test(modules) && /\bzones\b/.test(modules), `planner modules: ${modules}`);
      assert(!/\bedit\b|\bhistory\b/.test(modules), `a planner was given editing or history: ${modules}`);
      assert(await page.locator('#edit-open').count() === 0, 'edit button for a planner');
      await page.locator('#tool-proximity').click();
      await page.selectOption('#prox-crs', '0');
      await page.locator('#prox-a').fill(String(point.lat));
      await page.locator('#prox-b').fill(String(point.lon));
      await page.locator('#prox-radius').fill('1500');
      await page.locator('#prox-run').click();
      await page.waitForFunction(() => document.getElementById('prox-results')?.dataset.matched, null, { timeout: 15000 });
      const shown = Number(await page.locator('#prox-results').getAttribute('data-matched'));
      const api = await get('planner', `/proximity?lon=${point.lon}&lat=${point.lat}&radius=1500`);
      assert(shown === api.numberMatched, `page ${shown}, API ${api.numberMatched}`);
      const countText = await page.locator('#prox-count').innerText();
      assert(countText.replace(/\D/g, '').startsWith(String(api.numberMatched)), `count shown as ${countText}`);
      const rows = await page.locator('#prox-list .prox-item').count();
      assert(rows === Math.min(200, api.features.length), `${rows} rows listed`);
      const firstId = await page.locator('#prox-list .prox-item').first().getAttribute('data-id');
      assert(String(api.features[0].id) === firstId, `first row ${firstId}, API's nearest ${api.features[0].id}`);
      for (const [layer, v] of Object.entries(api.summary.layers)) {
        const li = await page.locator(`#prox-summary li[data-layer=${layer}]`).innerText();
        assert(li.replace(/\./g, '').includes(String(v.count)), `${layer}: ${li} vs ${v.count}`);
      }
      // The ring is drawn: a polygon around the point, its radius 1500 m.
      const ring = await page.evaluate(() => window.radmap.map.querySourceFeatures('prox').filter((f) => f.geometry.type === 'Polygon').length);
      assert(ring > 0, 'no ring on the map');
      await idle(page);
      await page.screenshot({ path: join(ARTIFACTS, 'proximity.png') });

      // The CSV file holds the same features with their distances.
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#prox-csv').click()]);
      const csv = readFileSync(await download.path(), 'utf8');
      const lines = csv.replace(/^\uFEFF/, '').trim().split(/\r\n/);
      assert(lines[0].startsWith('layer,id,name,distance_m'), `CSV header ${lines[0]}`);
      assert(lines.length - 1 === api.numberMatched, `${lines.length - 1} CSV rows, ${api.numberMatched} matched`);
      // The GeoPackage links are the server's export of the layer over the ring's box.
      const gpkg = await page.evaluate(async () => {
        const a = document.getElementById('prox-gpkg-facilities');
        const r = await fetch(a.href, { credentials: 'same-origin' });
        const b = new Uint8Array(await r.arrayBuffer());
        return { status: r.status, magic: String.fromCharCode(...b.slice(0, 15)), href: a.href };
      });
      assert(gpkg.status === 200 && gpkg.magic === 'SQLite format 3', `GeoPackage ${gpkg.href}: ${gpkg.status} ${gpkg.magic}`);

      // The same in VN-2000 (105°45'): typed X/Y go to the server as easting/northing with crs=.
      await page.selectOption('#prox-crs', '9210');
      const p = vn2000.wgs84ToVn2000TM(point.lon, point.lat, vn2000.zoneByEpsg(9210).lon0);
      const x = (p.x + 500).toFixed(3), y = (p.y + 250).toFixed(3);
      await page.locator('#prox-a').fill(x);
      await page.locator('#prox-b').fill(y);
      await page.locator('#prox-radius').fill('800');
      await page.locator('#prox-run').click();
      await page.waitForFunction((n) => document.querySelector('#prox-count')?.textContent.includes('800'), null, { timeout: 15000 });
      const vnApi = await get('planner', `/proximity?crs=EPSG:9210&easting=${y}&northing=${x}&radius=800`);
      const vnShown = Number(await page.locator('#prox-results').getAttribute('data-matched'));
      assert(vnShown === vnApi.numberMatched, `VN-2000: page ${vnShown}, API ${vnApi.numberMatched}`);

      // A point picked on the map: the query is centred where the click fell.
      await idle(page);
      const previous = await page.evaluate(() => JSON.stringify(window.radmap.proximity.answer.query.input));
      await page.locator('#prox-pick').click();
      const target = [point.lon + 0.004, point.lat - 0.003];
      await jump(page, target, 15);
      const at = await toPage(page, target);
      await page.mouse.click(at.x, at.y);
      await page.waitForFunction((prev) => JSON.stringify(window.radmap.proximity.answer.query.input) !== prev, previous,
        { timeout: 15000 });
      const q = await page.evaluate(() => window.radmap.proximity.answer.query);
      const off = Math.hypot((q.lon - target[0]) * 109000, (q.lat - target[1]) * 110600);
      assert(off < 15, `picked point ${q.lon},${q.lat} is ${off.toFixed(1)} m from the click at ${target}`);
    } finally {
      await context.close();
    }
  });

  await test('planner: an area drawn on the map is queried with POST /proximity and counts what the API counts', async () => {
    const { context, page } = await signedIn('planner');
    try {
      await jump(page, [point.lon, point.lat], 14);
      await page.locator('#tool-proximity').click();
      await page.locator('#prox-mode-area').click();
      await page.locator('#prox-draw').click();
      const corners = [[106.694, 10.772], [106.708, 10.771], [106.709, 10.782], [106.696, 10.784]];
      for (const c of corners) {
        const at = await toPage(page, c);
        await page.mouse.click(at.x, at.y);
        await page.waitForTimeout(350); // apart, so no two clicks make a double click
      }
      await page.locator('#prox-finish').click();
      await page.locator('#prox-run-area').click();
      await page.waitForFunction(() => document.getElementById('prox-results')?.dataset.kind === 'area', null, { timeout: 15000 });
      const sent = await page.evaluate(() => window.radmap.proximity.area);
      assert(sent && sent.geometry.coordinates[0].length === 5, `polygon sent: ${JSON.stringify(sent)}`);
      sent.geometry.coordinates[0].slice(0, 4).forEach(([lon, lat], i) => {
        assert(Math.abs(lon - corners[i][0]) < 2e-4 && Math.abs(lat - corners[i][1]) < 2e-4, `corner ${i}: ${lon},${lat}`);
      });
      const api = await call('planner', 'POST', '/proximity', { body: sent });
      assert(api.status === 200, `POST /proximity: HTTP ${api.status}`);
      const shown = Number(await page.locator('#prox-results').getAttribute('data-matched'));
      assert(shown === api.data.numberMatched && shown > 0, `page ${shown}, API ${api.data.numberMatched}`);
      const drawn = await page.evaluate(() => window.radmap.map.querySourceFeatures('prox-draw').filter((f) => f.geometry.type === 'Polygon').length);
      assert(drawn > 0, 'the area is not drawn');
      await page.screenshot({ path: join(ARTIFACTS, 'proximity-area.png') });
    } finally {
      await context.close();
    }
  });

  await test('planner: the zones of the lost Ir-192 demo source are drawn, with their assumptions written out', async () => {
    const { context, page } = await signedIn('planner');
    try {
      const alerts = await get('planner', '/alerts');
      const lost = alerts.features.find((f) => f.properties.layer === 'sources' && f.properties.status === 'lost' &&
        f.properties.nuclide === 'Ir-192');
      assert(lost, 'no lost Ir-192 source in /alerts');
      await page.locator('#tool-alerts').click();
      const item = page.locator(`#alerts-list .alert-item[data-id="${lost.id}"]`);
      await item.waitFor({ timeout: 10000 });
      assert((await item.innerText()).includes('Ir-192'), 'the alert does not name Ir-192');
      await page.locator(`#zones-show-${lost.id}`).click();
      await page.locator('#zones-table tbody tr').first().waitFor({ timeout: 10000 });
      const api = await get('planner', `/sources/${lost.id}/zones`);
      const rows = await page.locator('#zones-table tbody tr').allInnerTexts();
      assert(rows.length === api.features.length, `${rows.length} zones listed, API ${api.features.length}`);
      const dose1 = api.features.find((f) => f.properties.kind === 'dose_rate' && f.properties.threshold_usv_h === 1).properties.radius_m;
      assert(rows.some((r) => r.includes(`${Math.round(dose1)} m`)), `1 µSv/h radius ${dose1} not listed: ${rows.join(' | ')}`);
      await page.waitForTimeout(600);
      await idle(page);
      const polys = await page.evaluate(() => window.radmap.map.querySourceFeatures('zones').filter((f) => f.geometry.type === 'Polygon').length);
      assert(polys >= api.features.length, `${polys} zone polygons on the map, API ${api.features.length}`);
      const rendered = await page.evaluate(() => window.radmap.map.queryRenderedFeatures({ layers: ['zones-dose', 'zones-cordon'] }).length);
      assert(rendered > 0, 'no zone rendered');
      const text = await page.locator('#zones-assumptions').innerText();
      assert(text.includes('√(Γ·A/Ḣ)') && /không che chắn/.test(text) && /1 km/.test(text), `assumptions: ${text}`);
      await page.screenshot({ path: join(ARTIFACTS, 'zones.png') });
    } finally {
      await context.close();
    }
  });

  await test('at tablet width (768 px) the editing form and the proximity card fit the screen', async () => {
    const { context, page } = await signedIn('licensing', { viewport: { width: 768, height: 1024 } });
    try {
      await openFacility(page, tabletOne.id);
      await openEditor(page);
      const panel = await page.locator('#panel').boundingBox();
      const save = await page.locator('#edit-facility-save').boundingBox();
      assert(panel.x >= 0 && panel.x + panel.width <= 769, `panel ${JSON.stringify(panel)}`);
      assert(save.x >= panel.x && save.x + save.width <= panel.x + panel.width + 1, `save button ${JSON.stringify(save)}`);
      await page.locator('#tool-proximity').click();
      const card = await page.locator('#proximity').boundingBox();
      assert(card.x >= 0 && card.x + card.width <= 769, `proximity card ${JSON.stringify(card)}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth ||
        document.querySelector('.topbar').scrollWidth > document.querySelector('.topbar').clientWidth + 1);
      assert(!overflow, 'the page or the top bar scrolls sideways');
      await idle(page);
      await page.screenshot({ path: join(ARTIFACTS, 'editing-tablet.png') });
    } finally {
      await context.close();
    }
  });
}
