/*
 * radmap web map: start-up. Plain ES modules served as they are, no framework and no bundler: the
 * application is small, radmap serves these files itself (--web), the browser loads the modules
 * from the same origin, and a strict Content-Security-Policy (no inline script, no eval) holds
 * without a build step that could break it. See web/README.md.
 */
import { capabilities } from './api.js';
import { mountCoords } from './coords.js';
import { mountFilters } from './filters.js';
import { applyDom, initLanguage, lang, onLanguageChange, setLanguage, t } from './i18n.js';
import { mountLegend } from './legend.js';
import { addServerBasemap } from './map/basemap.js';
import { createMap } from './map/map.js';
import { createFacilityPanel } from './panels/facility.js';
import { mountAccount, signIn, whoAmI } from './panels/auth.js';
import { mountModules } from './panels/index.js';
import { mountSearch } from './panels/search.js';

const $ = (sel) => document.querySelector(sel);

function fail(detail) {
  const box = $('#app-message');
  box.textContent = t('app.error', { detail });
  box.hidden = false;
  box.classList.add('error');
}

function setupToggles() {
  const narrow = window.matchMedia('(max-width: 900px)').matches;
  for (const btn of document.querySelectorAll('[data-toggle]')) {
    const target = document.getElementById(btn.dataset.toggle);
    if (narrow) target.hidden = true; // tablets and phones start with the map alone
    btn.setAttribute('aria-expanded', String(!target.hidden));
    btn.addEventListener('click', () => {
      target.hidden = !target.hidden;
      btn.setAttribute('aria-expanded', String(!target.hidden));
    });
  }
}

function setupLanguage() {
  const btn = $('#lang-switch');
  const label = () => {
    btn.textContent = lang() === 'vi' ? 'EN' : 'VI';
    btn.title = t('lang.switch.title');
    btn.setAttribute('aria-label', t('lang.switch.title'));
  };
  btn.addEventListener('click', () => setLanguage(lang() === 'vi' ? 'en' : 'vi'));
  onLanguageChange(label);
  label();
}

function facilityFromHash() {
  const m = /^#facilities\/(\d+)$/.exec(location.hash);
  return m ? Number(m[1]) : null;
}

async function start() {
  initLanguage();
  applyDom(document);
  setupLanguage();
  setupToggles();

  // Who is here: staff sign in first, unless the server also serves the public map.
  let me;
  try {
    me = await whoAmI();
  } catch (e) {
    fail(e.message);
    return;
  }
  if (!me.signed_in && !me.public_access) {
    $('#app-message').hidden = true;
    me = await signIn();
  }
  mountAccount($('#account'), me, {
    onSignIn: async () => { if (await signIn({ closable: true })) location.reload(); },
  });
  // A sign-in that expires while the page is open: sign in again, then start afresh.
  let renewing = false;
  window.addEventListener('radmap:unauthorized', async () => {
    if (renewing) return;
    renewing = true;
    if (await signIn({ closable: me.public_access })) location.reload();
    renewing = false;
  });

  let caps;
  try {
    caps = await capabilities();
  } catch (e) {
    fail(e.message);
    return;
  }
  const bbox = caps.collections.get('facilities')?.extent?.spatial?.bbox?.[0];

  let panel = null;
  const { map, ready } = createMap($('#map'), {
    bounds: bbox && bbox.length >= 4 ? bbox.slice(0, 4) : undefined,
    caps,
    onFacilityClick: (id) => panel.open(id),
  });
  panel = createFacilityPanel($('#panel'), { map, caps, onClose: () => map.resize() });

  // The page's own handle, used by the browser tests and handy in the console.
  window.radmap = { map, caps, me, openFacility: (id, opts) => panel.open(id, opts) };

  await ready;
  $('#app-message').hidden = true;
  mountLegend($('#legend-body'), map, caps);
  mountFilters($('#filters-body'), map, caps);
  mountCoords($('#coords'), map);
  mountSearch($('#search'), { map, openFacility: (id, opts) => panel.open(id, opts) });

  const fromHash = () => {
    const id = facilityFromHash();
    if (id !== null && id !== panel.currentId) panel.open(id, { fly: true });
  };
  window.addEventListener('hashchange', fromHash);
  fromHash();

  await addServerBasemap(map, caps).catch(() => null);
  const modules = await mountModules({ map, caps, me, t, panel, openFacility: (id, opts) => panel.open(id, opts) });
  map.once('idle', () => {
    document.body.dataset.ready = 'true';
    document.body.dataset.modules = modules.join(',');
  });
  map.triggerRepaint(); // the map may have gone idle while the modules mounted: one more frame says so again
}

start();
