#!/usr/bin/env node
/*
 * Browser tests of the web map: playwright-core driving Debian's Chromium against a real radmap.
 *
 *   RADMAP_BIN=build/radmap RADMAP_SOURCE_DIR=. node tests/web/run.mjs
 *
 * Builds web/dist (scripts/build-web.sh), creates the demo register (RADMAP_TODAY=2026-06-15) and
 * its demo accounts with the Natural Earth countries as boundaries, serves it on a free port, and
 * checks what a person would: signing in, the page loads with no console error and no request
 * leaving this machine, the map is drawn, search, a click on a facility, the deep link, the
 * language switch, filters, clusters, the VN-2000 read-out against PROJ, the tablet layout, what a
 * viewer is not sent. The VN-2000 maths are also checked against PROJ directly. Screenshots go to
 * tests/web/artifacts/. Ends with "N passed, M failed".
 *
 * RADMAP_WEB_TEST_DB=FILE with RADMAP_WEB_TEST_USERS=FILE (its accounts, as `radmap init --demo
 * --users-file` writes them) uses a copy of an existing register instead of a new demo.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { inflateSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(process.env.RADMAP_SOURCE_DIR || join(here, '..', '..'));
const BIN = process.env.RADMAP_BIN || join(ROOT, 'build', 'radmap');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'tests', 'web', 'artifacts');
const TODAY = '2026-06-15';
const started = Date.now();

const { chromium } = await import(pathToFileURL(join(ROOT, 'web', 'node_modules', 'playwright-core', 'index.mjs')).href);
const vn2000 = await import(pathToFileURL(join(ROOT, 'web', 'src', 'geo', 'vn2000.js')).href);

/* ---- tiny harness ----------------------------------------------------------------------------- */

const results = [];
async function test(name, f) {
  const t0 = Date.now();
  try {
    await f();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false, error: e });
    console.log(`FAIL ${name} (${Date.now() - t0} ms)\n     ${String(e.stack || e).split('\n').slice(0, 4).join('\n     ')}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/* ---- PROJ as the oracle --------------------------------------------------------------------- */

/* The pipeline PROJ prints for EPSG:4326 -> target that uses EPSG:6960 ("VN-2000 to WGS 84 (2)"):
 * cs2cs in PROJ 9.1 cannot be pinned to one operation and picks EPSG:5194 south of 11.04°N, so
 * the exact reference is cct running that pipeline. */
function pinnedPipeline(epsg) {
  const out = execFileSync('projinfo', ['-s', 'EPSG:4326', '-t', `EPSG:${epsg}`, '-o', 'PROJ', '-q', '--single-line',
    '--spatial-test', 'intersects'], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.includes('+x=-191.90441429'));
  if (!line) throw new Error(`projinfo lists no EPSG:6960 pipeline for EPSG:${epsg}`);
  return line.trim().split(/\s+/);
}

/* cct on [lat, lon] pairs -> [easting, northing] (or the inverse). */
function cct(pipeline, pairs, inverse = false) {
  const input = pairs.map(([a, b]) => `${a} ${b} 0 0`).join('\n') + '\n';
  const out = execFileSync('cct', ['-d', '6', ...(inverse ? ['-I'] : []), ...pipeline], { input, encoding: 'utf8' });
  return out.trim().split('\n').map((l) => l.trim().split(/\s+/).slice(0, 2).map(Number));
}

function cs2cs(epsg, pairs) {
  const input = pairs.map(([lat, lon]) => `${lat} ${lon}`).join('\n') + '\n';
  const out = execFileSync('cs2cs', ['-d', '6', 'EPSG:4326', `EPSG:${epsg}`], { input, encoding: 'utf8' });
  return out.trim().split('\n').map((l) => l.trim().split(/\s+/).slice(0, 2).map(Number));
}

/* ---- the server ------------------------------------------------------------------------------- */

function run(cmd, args, env) {
  return execFileSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function startServer(db) {
  const child = spawn(BIN, ['serve', '--db', db, '--port', '0', '--web', join(ROOT, 'web', 'dist')], {
    env: { ...process.env, RADMAP_TODAY: TODAY },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const url = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`radmap serve did not start:\n${log}`)), 20000);
    child.stderr.on('data', (d) => {
      log += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
      if (m) { clearTimeout(timer); res(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); rej(new Error(`radmap serve exited ${code}:\n${log}`)); });
  });
  return { child, url, log: () => log };
}

/* The API as an inspector's script sees it (bearer token of a demo account). */
let bearer = null;
async function api(base, path) {
  const r = await fetch(base + path, { headers: bearer ? { Authorization: `Bearer ${bearer}` } : {} });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

async function apiLogin(base, name, password) {
  const r = await fetch(`${base}/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, password }),
  });
  if (!r.ok) throw new Error(`sign-in of ${name}: HTTP ${r.status}`);
  return (await r.json()).token;
}

/* "name password role" lines of the demo accounts. */
function readUsers(file) {
  const users = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [name, password, role] = line.trim().split(/\s+/);
    if (role) users[role] = { name, password };
  }
  return users;
}

/* Sign in through the page's form. */
async function signInForm(page, user) {
  await page.locator('#login-name').waitFor({ timeout: 30000 });
  await page.locator('#login-name').fill(user.name);
  await page.locator('#login-password').fill(user.password);
  await page.locator('#login-submit').click();
  await page.locator('#login').waitFor({ state: 'detached', timeout: 30000 });
}

/* ---- page helpers ----------------------------------------------------------------------------- */

/* Pixels of a PNG screenshot (8-bit RGB or RGBA, not interlaced, as Chromium writes them). */
function decodePng(buf) {
  let pos = 8, width = 0, height = 0, channels = 0;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('ascii', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const colourType = data[9];
      if (data[8] !== 8 || data[12] !== 0 || (colourType !== 2 && colourType !== 6)) throw new Error('unexpected PNG format');
      channels = colourType === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[y * stride + x - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[y * stride + x] = v & 255;
    }
  }
  return { width, height, channels, data: out };
}

/* Distinct colours (quantised to 4 bits per channel) of a PNG and the share of the commonest. */
function colourStats(png) {
  const { channels, data } = decodePng(png);
  const counts = new Map();
  for (let i = 0; i < data.length; i += channels) {
    const k = ((data[i] >> 4) << 8) | ((data[i + 1] >> 4) << 4) | (data[i + 2] >> 4);
    counts.set(k, (counts.get(k) || 0) + 1);
  }
  const top = Math.max(...counts.values());
  return { distinct: counts.size, topShare: top / (data.length / channels) };
}

const idle = (page) => page.evaluate(() => new Promise((res) => {
  const { map } = window.radmap;
  if (!map.isMoving() && map.loaded() && map.areTilesLoaded()) res();
  else map.once('idle', () => res());
}));

async function jump(page, center, zoom) {
  await page.evaluate(([c, z]) => new Promise((res) => {
    const { map } = window.radmap;
    map.once('idle', () => res());
    map.jumpTo({ center: c, zoom: z });
    map.triggerRepaint();
  }), [center, zoom]);
}

/* Page coordinates of a lon/lat on the map canvas. */
async function toPage(page, lonlat) {
  return page.evaluate((ll) => {
    const { map } = window.radmap;
    const p = map.project(ll);
    const r = map.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, lonlat);
}

/* ---- main ------------------------------------------------------------------------------------- */

mkdirSync(ARTIFACTS, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), 'radmap-web-'));
let server = null;
let browser = null;

try {
  await test('VN-2000 TM-3 maths match PROJ (cct on the EPSG:6960 pipeline, cs2cs north of 11.04°N) to 1 cm', async () => {
    const pts = [];
    for (let lat = 10.3; lat <= 11.8; lat += 0.25) for (let lon = 106.2; lon <= 107.6; lon += 0.35) pts.push([lat, lon]);
    pts.push([10.776889, 106.700806], [8.6, 104.8], [21.03, 105.85], [16.05, 108.2]);
    let worst = 0;
    for (const epsg of [9210, 5899, 9218]) {
      const { lon0 } = vn2000.zoneByEpsg(epsg);
      const pipe = pinnedPipeline(epsg);
      const ref = cct(pipe, pts);
      pts.forEach(([lat, lon], i) => {
        const p = vn2000.wgs84ToVn2000TM(lon, lat, lon0);
        const d = Math.hypot(p.easting - ref[i][0], p.northing - ref[i][1]);
        worst = Math.max(worst, d);
        assert(d < 0.01, `EPSG:${epsg} ${lat},${lon}: ${p.easting.toFixed(4)} ${p.northing.toFixed(4)} vs PROJ ${ref[i].join(' ')} (${d.toFixed(4)} m)`);
      });
      // Inverse: plane coordinates back to WGS 84, against cct -I.
      const back = cct(pipe, ref, true);
      ref.forEach(([e, n], i) => {
        const g = vn2000.vn2000TMToWgs84(n, e, lon0);
        const dlat = (g.lat - back[i][0]) * 111320;
        const dlon = (g.lon - back[i][1]) * 111320 * Math.cos((g.lat * Math.PI) / 180);
        assert(Math.hypot(dlat, dlon) < 0.01, `inverse EPSG:${epsg} ${e} ${n}: ${g.lat},${g.lon} vs ${back[i].join(' ')}`);
      });
      // Where PROJ's automatic choice is the national transformation, plain cs2cs agrees too.
      const north = pts.filter(([lat]) => lat > 11.1);
      const auto = cs2cs(epsg, north);
      north.forEach(([lat, lon], i) => {
        const p = vn2000.wgs84ToVn2000TM(lon, lat, lon0);
        assert(Math.hypot(p.easting - auto[i][0], p.northing - auto[i][1]) < 0.01, `cs2cs EPSG:${epsg} ${lat},${lon}`);
      });
    }
    console.log(`     worst difference ${(worst * 1000).toFixed(3)} mm`);
  });

  // The application, the register and the server.
  execFileSync(join(ROOT, 'scripts', 'build-web.sh'), { stdio: ['ignore', 'ignore', 'inherit'] });
  const db = join(tmp, 'register.sqlite');
  let usersFile = join(tmp, 'users.txt');
  if (process.env.RADMAP_WEB_TEST_DB) {
    copyFileSync(process.env.RADMAP_WEB_TEST_DB, db);
    usersFile = process.env.RADMAP_WEB_TEST_USERS;
  } else {
    run(BIN, ['init', db, '--demo', '--users-file', usersFile], { RADMAP_TODAY: TODAY });
    run(BIN, ['import', db, join(ROOT, 'web', 'node_modules', 'world-atlas', 'countries-10m.json'),
      '--layer', 'boundaries', '--set', 'level=country', '--skip-invalid']);
  }
  server = await startServer(db);
  const base = server.url;
  const origin = new URL(base).origin;
  const users = readUsers(usersFile);
  assert(users.inspector && users.viewer, 'no demo inspector or viewer account');
  bearer = await apiLogin(base, users.inspector.name, users.inspector.password);

  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-deps.sh --web`);
  // launch() starts Chromium with a fresh temporary --user-data-dir of its own (Playwright refuses
  // one in args), removed when the browser closes.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN' });

  // Everything any page does, for the checks on errors and on where requests go. allowStatus:
  // HTTP statuses a test provokes on purpose (a 422 or a 412 the page must handle), not problems.
  const problems = [];
  const foreign = [];
  const watch = (page, { allowStatus = [] } = {}) => {
    const expected = (status) => allowStatus.includes(status);
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const st = /status of (\d{3})/.exec(m.text());
      if (st && expected(Number(st[1]))) return;
      problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:')) foreign.push(u);
    });
    page.on('response', (r) => { if (r.status() >= 400 && !expected(r.status())) problems.push(`HTTP ${r.status()} ${r.url()}`); });
    page.on('requestfailed', (r) => {
      // Tiles the map no longer needs are cancelled while it moves: that is not a failure.
      if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
    });
  };
  const page = await context.newPage();
  watch(page);

  await test('signing in as an inspector, the map page loads with no console error and every request on this server', async () => {
    await page.goto(`${base}/map/`);
    await page.locator('#login-name').waitFor({ timeout: 30000 });
    await page.screenshot({ path: join(ARTIFACTS, 'login.png') });
    await signInForm(page, users.inspector);
    await page.waitForSelector('body[data-ready=true]', { timeout: 45000 });
    const who = await page.locator('#account-name').innerText();
    assert(who.includes(users.inspector.name), `account chip shows ${who}`);
    await idle(page);
    assert(problems.length === 0, problems.join('\n'));
    assert(foreign.length === 0, `requests leaving the server: ${foreign.join(', ')}`);
    const lang = await page.evaluate(() => document.documentElement.lang);
    assert(lang === 'vi', `default language ${lang}`);
    const csp = (await fetch(`${base}/map/`)).headers.get('content-security-policy') || '';
    assert(csp.includes("script-src 'self'"), `page served without the strict CSP: ${csp}`);
  });

  await test('the map canvas is drawn (several distinct colours), with clusters and their counts', async () => {
    const png = await page.locator('#map').screenshot({ path: join(ARTIFACTS, 'map.png') });
    const s = colourStats(png);
    assert(s.distinct >= 12, `only ${s.distinct} distinct colours`);
    assert(s.topShare < 0.95, `one colour covers ${(s.topShare * 100).toFixed(1)}% of the map`);
    const clusters = await page.evaluate(() => window.radmap.map.queryRenderedFeatures({ layers: ['facilities-cluster'] })
      .map((f) => f.properties.point_count));
    assert(clusters.length > 0, 'no cluster at the start view');
    // Glyphs of the cluster counts came from this server.
    const glyphs = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/glyphs/')).length);
    assert(glyphs > 0, 'no glyph range was loaded');
  });

  await test('clusters split as the map zooms in past the cluster zoom', async () => {
    const fc = await api(base, '/collections/facilities/items?limit=1');
    const [lon, lat] = fc.features[0].geometry.coordinates;
    await jump(page, [lon, lat], 9);
    const before = await page.evaluate(() => window.radmap.map.queryRenderedFeatures({ layers: ['facilities-cluster'] }).length);
    await jump(page, [lon, lat], 13);
    const after = await page.evaluate(() => ({
      clusters: window.radmap.map.queryRenderedFeatures({ layers: ['facilities-cluster'] }).length,
      points: window.radmap.map.queryRenderedFeatures({ layers: ['facilities-point'] }).length,
    }));
    assert(before > 0, 'no cluster at zoom 9');
    assert(after.clusters === 0 && after.points > 0, `zoom 13: ${JSON.stringify(after)}`);
  });

  await test('searching "thu dau mot" lists Thủ Dầu Một and flies to the chosen result', async () => {
    await jump(page, [106.7, 10.78], 10);
    const input = page.locator('#search input');
    await input.click();
    await input.fill('');
    await input.pressSequentially('thu dau mot', { delay: 20 });
    const first = page.locator('#search-results .search-result').first();
    await first.waitFor({ timeout: 10000 });
    const texts = await page.locator('#search-results .search-result').allInnerTexts();
    assert(texts.some((x) => x.includes('Thủ Dầu Một')), `results: ${texts.join(' | ')}`);
    const target = await page.evaluate(() => {
      const li = document.querySelector('#search-results .search-result');
      return { kind: li.dataset.kind, id: li.dataset.id };
    });
    await page.screenshot({ path: join(ARTIFACTS, 'search.png') });
    await first.click();
    if (target.kind === 'facility') await page.locator('#facility-name').waitFor({ timeout: 10000 });
    await page.waitForTimeout(300);
    await idle(page);
    const c = await page.evaluate(() => window.radmap.map.getCenter().toArray());
    if (target.kind === 'facility') {
      const f = await api(base, `/collections/facilities/items/${target.id}`);
      const [lon, lat] = f.geometry.coordinates;
      assert(Math.abs(c[0] - lon) < 1e-3 && Math.abs(c[1] - lat) < 1e-3, `centre ${c} is not the facility ${lon},${lat}`);
    } else {
      const fc = await api(base, `/collections/facilities/items?q=${encodeURIComponent('thu dau mot')}&limit=200`);
      const xs = fc.features.map((f) => f.geometry.coordinates[0]);
      const ys = fc.features.map((f) => f.geometry.coordinates[1]);
      assert(c[0] > Math.min(...xs) - 0.02 && c[0] < Math.max(...xs) + 0.02 && c[1] > Math.min(...ys) - 0.02 &&
        c[1] < Math.max(...ys) + 0.02, `centre ${c} is not in Thủ Dầu Một`);
    }
  });

  // A facility with sources and no other facility within about 300 m, so a click hits it alone.
  const all = (await api(base, '/collections/facilities/items?limit=10000')).features;
  const lonely = (f) => all.every((g) => g.id === f.id ||
    Math.hypot(g.geometry.coordinates[0] - f.geometry.coordinates[0], g.geometry.coordinates[1] - f.geometry.coordinates[1]) > 0.003);
  const known = all.find((f) => f.properties.source_count > 0 && lonely(f)) || all.find(lonely) || all[0];

  await test('a click on a known facility opens its panel with its name, sources and deep link', async () => {
    await page.evaluate(() => document.querySelector('.panel-close')?.click());
    await jump(page, known.geometry.coordinates, 16);
    const at = await toPage(page, known.geometry.coordinates);
    await page.mouse.click(at.x, at.y);
    const name = page.locator('#facility-name');
    await name.waitFor({ timeout: 10000 });
    assert((await name.innerText()) === known.properties.name, `panel shows ${await name.innerText()}, not ${known.properties.name}`);
    await page.locator('#facility-sources, #facility-devices').first().waitFor({ timeout: 10000 });
    if (known.properties.source_count > 0) {
      const rows = await page.locator('#facility-sources tbody tr').count();
      assert(rows === known.properties.source_count, `${rows} source rows, API says ${known.properties.source_count}`);
    }
    const hash = await page.evaluate(() => location.hash);
    assert(hash === `#facilities/${known.id}`, `address is ${hash}`);
    await idle(page);
    await page.screenshot({ path: join(ARTIFACTS, 'facility.png') });
  });

  await test('the deep link #facilities/ID opens that facility in a new page', async () => {
    const other = all.find((f) => f.id !== known.id && f.properties.device_count > 0) || all[1];
    const p2 = await context.newPage(); // same browser context: signed in already
    watch(p2);
    await p2.goto(`${base}/map/#facilities/${other.id}`);
    await p2.locator('#facility-name').waitFor({ timeout: 30000 });
    assert((await p2.locator('#facility-name').innerText()) === other.properties.name, 'wrong facility');
    await p2.close();
  });

  await test('the language switch turns the interface to English and back', async () => {
    await page.locator('#lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    const h1 = await page.locator('.brand h1').innerText();
    assert(h1 === 'Radiation safety map', `title ${h1}`);
    const placeholder = await page.locator('#search input').getAttribute('placeholder');
    assert(placeholder.startsWith('Search'), `placeholder ${placeholder}`);
    const section = await page.locator('#facility-sources h3, #facility-devices h3').first().innerText();
    assert(/Radioactive sources|Radiation generators/.test(section), `panel heading ${section}`);
    await page.screenshot({ path: join(ARTIFACTS, 'facility-en.png') });
    await page.locator('#lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'vi');
    assert((await page.locator('.brand h1').innerText()) === 'Bản đồ an toàn bức xạ', 'back to Vietnamese');
  });

  await test('the cursor read-out in VN-2000 matches PROJ in the default zone and in 107°45\'', async () => {
    await page.evaluate(() => document.querySelector('.panel-close')?.click());
    await jump(page, [106.70, 10.78], 12);
    for (const epsg of [9210, 5899]) {
      await page.selectOption('#coords-zone', String(epsg));
      const box = await page.locator('#map').boundingBox();
      await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.45);
      await page.waitForTimeout(100);
      const d = await page.evaluate(() => ({ ...document.getElementById('coords').dataset,
        text: document.getElementById('coords-vn2000').textContent }));
      assert(d.epsg === String(epsg), `zone ${d.epsg}`);
      const [x, y] = /X\s+([\d.]+)\s+Y\s+([\d.]+)/.exec(d.text).slice(1).map(Number);
      const [[e, n]] = cct(pinnedPipeline(epsg), [[Number(d.lat), Number(d.lon)]]);
      assert(Math.abs(x - n) < 0.01 && Math.abs(y - e) < 0.01,
        `EPSG:${epsg} at ${d.lat},${d.lon}: shown X ${x} Y ${y}, PROJ X ${n} Y ${e}`);
    }
    await page.selectOption('#coords-zone', '9210');
  });

  await test('filters restyle the tile layers and count what the API counts', async () => {
    const practice = 'medical_xray';
    await page.locator('[data-toggle=filters]').click();
    await page.selectOption('#filter-practice', practice);
    const expected = (await api(base, `/collections/facilities/items?practice=${practice}&limit=1`)).numberMatched;
    await page.waitForFunction((n) => document.querySelector('.filters-matched')?.textContent.replace(/\D/g, '') === String(n), expected, { timeout: 10000 });
    await jump(page, [106.70, 10.78], 13);
    const shown = await page.evaluate(() => window.radmap.map.queryRenderedFeatures({ layers: ['facilities-point'] })
      .map((f) => f.properties.practice));
    assert(shown.length > 0, 'nothing shown with the filter');
    assert(shown.every((p) => p === practice), `other practices shown: ${[...new Set(shown)]}`);
    await page.screenshot({ path: join(ARTIFACTS, 'filters.png') });
    await page.locator('.filters-actions button').click();
    await page.locator('[data-toggle=filters]').click();
  });

  await test('at tablet width (768 x 1024) the panel and the map share the screen', async () => {
    const tablet = await browser.newContext({ viewport: { width: 768, height: 1024 }, hasTouch: true,
      storageState: await context.storageState() });
    const p3 = await tablet.newPage();
    watch(p3);
    await p3.goto(`${base}/map/#facilities/${known.id}`);
    await p3.locator('#facility-name').waitFor({ timeout: 30000 });
    await p3.waitForSelector('body[data-ready=true]', { timeout: 30000 });
    await idle(p3);
    const panel = await p3.locator('#panel').boundingBox();
    const map = await p3.locator('#map').boundingBox();
    assert(panel.x >= 0 && panel.x + panel.width <= 768 + 1, `panel ${JSON.stringify(panel)}`);
    assert(panel.width < 768 * 0.8, `panel covers the map (${panel.width} px)`);
    assert(map.width >= 768 - 1, `map ${JSON.stringify(map)}`);
    const overflow = await p3.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert(!overflow, 'the page scrolls sideways');
    await p3.screenshot({ path: join(ARTIFACTS, 'tablet.png') });
    await tablet.close();
  });

  await test('a viewer is never sent sources, devices or categories, and signs out', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p4 = await ctx.newPage();
    watch(p4);
    const urls = [];
    p4.on('request', (r) => urls.push(r.url()));
    await p4.goto(`${base}/map/`);
    await signInForm(p4, users.viewer);
    await p4.waitForSelector('body[data-ready=true]', { timeout: 45000 });
    await idle(p4);
    // A facility the viewer may see, as the API answers the viewer.
    const vt = await apiLogin(base, users.viewer.name, users.viewer.password);
    const seen = await (await fetch(`${base}/collections/facilities/items?limit=1`, { headers: { Authorization: `Bearer ${vt}` } })).json();
    await p4.evaluate((id) => window.radmap.openFacility(id), Number(seen.features[0].id));
    await p4.locator('#facility-name').waitFor({ timeout: 10000 });
    const leaked = urls.filter((u) => /sources|devices/.test(new URL(u).pathname));
    assert(leaked.length === 0, `a viewer's page requested ${leaked.join(', ')}`);
    assert(await p4.locator('#filter-category').count() === 0, 'category filter shown to a viewer');
    assert(await p4.locator('#facility-sources').count() === 0, 'sources section shown to a viewer');
    await p4.locator('#logout').click();
    await p4.locator('#login-name').waitFor({ timeout: 30000 });
    await ctx.close();
  });

  // The other views, one module each under specs/ (run in name order): each exports
  // run(ctx) and uses the same harness, server, browser and watchers as the tests above.
  const specDir = join(here, 'specs');
  const specs = existsSync(specDir) ? readdirSync(specDir).filter((f) => f.endsWith('.mjs')).sort() : [];
  for (const f of specs) {
    const spec = await import(pathToFileURL(join(specDir, f)).href);
    await spec.run({ test, assert, base, users, browser, context, watch, api, apiLogin, signInForm, idle, jump,
      toPage, decodePng, colourStats, ARTIFACTS, ROOT, BIN, TODAY, db, vn2000, cct, pinnedPipeline });
  }

  await test('no console error, failed request or request off this server during the whole run', async () => {
    assert(problems.length === 0, problems.join('\n'));
    assert(foreign.length === 0, `requests leaving the server: ${foreign.join(', ')}`);
  });
} catch (e) {
  results.push({ name: 'setup', ok: false, error: e });
  console.log(`FAIL setup\n     ${String(e.stack || e).split('\n').slice(0, 6).join('\n     ')}`);
} finally {
  await browser?.close().catch(() => {});
  if (server) {
    server.child.kill('SIGTERM');
    await new Promise((r) => { server.child.once('exit', r); setTimeout(r, 3000); });
  }
  rmSync(tmp, { recursive: true, force: true });
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`web tests took ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${ARTIFACTS}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
