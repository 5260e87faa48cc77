/*
 * The facility panel: a facility's details (GET /collections/facilities/items/{id}), its sources
 * and devices (items?facility_id=), and, when the server has those collections, its authorizations
 * and inspections. Opening it sets the page address to #facilities/{id}, the facility's deep link.
 */
import { getJSON, item, items } from '../api.js';
import { CATEGORY_COLORS } from '../config.js';
import { DEFAULT_ZONE, wgs84ToVn2000TM, zoneByEpsg } from '../geo/vn2000.js';
import { formatNumber, onLanguageChange, t, tv } from '../i18n.js';
import { practiceIconUrl } from '../map/icons.js';
import { setSelected } from '../map/map.js';
import { categoryLabel, el, formatActivity } from '../util.js';

const LIST_LIMIT = 500;

/* Collections shown as sections of the panel once the server has them: [collection, title key,
 * properties to show in order]. Each is fetched with ?facility_id=. */
const OPTIONAL_SECTIONS = [
  ['authorizations', 'panel.authorizations', ['number', 'kind', 'status', 'issued', 'expires']],
  ['inspections', 'panel.inspections', ['date', 'kind', 'result', 'next_due']],
];

function categoryBadge(cat, exemptionChecked) {
  const color = CATEGORY_COLORS[cat];
  return el('span', {
    class: `badge cat cat-${cat ?? 'none'}`,
    style: color ? { background: color, color: cat === 3 || cat === 5 ? '#212121' : '#fff' } : undefined,
  }, categoryLabel(cat, exemptionChecked));
}

function row(label, ...value) {
  const v = value.flat().filter((x) => x !== null && x !== undefined && x !== '');
  if (!v.length) return null;
  return [el('dt', null, label), el('dd', null, ...v)];
}

function table(headers, rows) {
  return el('table', { class: 'data' },
    el('thead', null, el('tr', null, headers.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', null, rows));
}

export function createFacilityPanel(aside, { map, caps, onClose }) {
  let current = null; // {id, facility, sources, devices, extra}
  let seq = 0;
  // Sections added by the optional modules (panels/index.js): {render(current) -> Node|null, top, onClose}.
  const extensions = [];
  const body = el('div', { class: 'panel-body' });
  const closeBtn = el('button', { type: 'button', class: 'icon-button panel-close', onclick: () => close() }, '×');
  aside.replaceChildren(closeBtn, body);

  function render() {
    closeBtn.title = t('panel.close');
    closeBtn.setAttribute('aria-label', t('panel.close'));
    if (!current) return;
    if (current.error) {
      body.replaceChildren(el('p', { class: 'error' }, current.error));
      return;
    }
    if (!current.facility) {
      body.replaceChildren(el('p', { class: 'muted' }, t('panel.loading')));
      return;
    }
    const f = current.facility;
    const p = f.properties;
    const [lon, lat] = f.geometry?.coordinates || [null, null];
    const zone = zoneByEpsg(DEFAULT_ZONE);
    const vn = lon !== null ? wgs84ToVn2000TM(lon, lat, zone.lon0) : null;
    const link = `${location.origin}${location.pathname}#facilities/${f.id}`;
    const legacy = [p.legacy_ward, p.legacy_district, p.legacy_province].filter(Boolean).join(', ');

    const header = el('header', { class: 'panel-header' },
      el('img', { src: practiceIconUrl(p.practice), alt: '', width: 28, height: 28 }),
      el('div', null,
        el('h2', { id: 'facility-name' }, p.name),
        el('div', { class: 'badges' },
          el('span', { class: `badge status status-${p.status}` }, tv('fstatus', p.status)),
          p.max_category !== undefined && p.max_category !== null ? categoryBadge(p.max_category) : null,
          p.demo ? el('span', { class: 'badge demo' }, t('panel.demo')) : null)));

    const dl = el('dl', { class: 'facts' },
      row(t('panel.code'), p.code),
      row(t('panel.practices'), (p.practices || [p.practice]).map((x) => tv('practice', x)).join(', ')),
      row(t('panel.address'), p.address),
      row(t('panel.ward'), p.ward),
      row(t('panel.legacy'), legacy),
      row(t('panel.organization'), p.organization,
        current.organization ? el('div', { class: 'muted small' },
          [current.organization.tax_code && `${t('panel.taxcode')} ${current.organization.tax_code}`, current.organization.address,
            current.organization.phone, current.organization.legal_representative].filter(Boolean).join(' · ')) : null),
      row(t('panel.contact'), [p.contact_name, p.contact_phone, p.contact_email].filter(Boolean).join(' · ')),
      row(t('panel.owner'), p.record_owner ? t(`panel.owner.${p.record_owner}`) : null),
      'max_category' in p ? row(t('panel.maxcat'), categoryBadge(p.max_category)) : null,
      p.aggregate_a_over_d !== null && p.aggregate_a_over_d !== undefined
        ? row(t('panel.aggcat', { aod: formatNumber(p.aggregate_a_over_d, p.aggregate_a_over_d < 10 ? 3 : 1) }),
          categoryBadge(p.aggregate_category))
        : null,
      lon !== null ? row(t('panel.position'), el('span', { class: 'mono' }, `${lat.toFixed(6)}° N, ${lon.toFixed(6)}° E`)) : null,
      vn ? row(`VN-2000 (EPSG:${zone.epsg})`, el('span', { class: 'mono' }, `X ${vn.x.toFixed(2)}`, el('br'), `Y ${vn.y.toFixed(2)}`)) : null,
      row(t('panel.updated'), p.updated_at
        ? new Date(p.updated_at).toLocaleString(document.documentElement.lang, { timeZone: 'Asia/Ho_Chi_Minh' })
        : null),
    );

    const sections = [header,
      ...extensions.filter((x) => x.top).map((x) => x.render(current)), dl,
      el('p', { class: 'permalink' }, el('a', { href: link, id: 'facility-link', onclick: copyLink }, t('panel.link')))];

    if (current.sources) {
      const s = current.sources;
      sections.push(el('section', { class: 'panel-section', id: 'facility-sources' },
        el('h3', null, t('panel.sources', { n: s.numberMatched ?? s.features.length })),
        s.features.length
          ? table([t('panel.nuclide'), t('panel.activity'), t('panel.category'), t('panel.status')],
            s.features.map(({ properties: q }) => el('tr', null,
              el('td', null, el('strong', null, q.nuclide), q.form === 'unsealed' ? ` (${t('panel.unsealed')})` : '',
                q.serial_no ? el('div', { class: 'muted small' }, `${t('panel.serial')} ${q.serial_no}`) : null),
              el('td', { class: 'num' }, formatActivity(q.activity_bq_now)),
              el('td', null, categoryBadge(q.iaea_category, q.exemption_checked),
                q.category_reason ? el('div', { class: 'muted small' }, q.category_reason) : null),
              el('td', null, tv('sstatus', q.status),
                q.own_location ? el('div', { class: 'muted small' }, t('panel.ownlocation')) : null))))
          : el('p', { class: 'muted' }, t('panel.sources.none')),
        more(s)));
    }
    if (current.devices) {
      const d = current.devices;
      sections.push(el('section', { class: 'panel-section', id: 'facility-devices' },
        el('h3', null, t('panel.devices', { n: d.numberMatched ?? d.features.length })),
        d.features.length
          ? table([t('panel.type'), t('panel.model'), t('panel.kv'), t('panel.status')],
            d.features.map(({ properties: q }) => el('tr', null,
              el('td', null, tv('device', q.type), q.room ? el('div', { class: 'muted small' }, q.room) : null),
              el('td', null, [q.manufacturer, q.model].filter(Boolean).join(' ') || '—',
                q.serial_no ? el('div', { class: 'muted small' }, `${t('panel.serial')} ${q.serial_no}`) : null),
              el('td', { class: 'num' }, q.max_kv ? formatNumber(q.max_kv) : '—'),
              el('td', null, tv('sstatus', q.status)))))
          : el('p', { class: 'muted' }, t('panel.devices.none')),
        more(d)));
    }
    for (const [coll, title, props] of OPTIONAL_SECTIONS) {
      const x = current.extra?.[coll];
      if (!x) continue;
      sections.push(el('section', { class: 'panel-section', id: `facility-${coll}` },
        el('h3', null, t(title)),
        x.features.length
          ? el('ul', { class: 'plain' }, x.features.map((g) => el('li', null,
            props.map((k) => g.properties[k]).filter((v) => v !== null && v !== undefined).join(' · '))))
          : el('p', { class: 'muted' }, t('panel.empty'))));
    }
    sections.push(...extensions.filter((x) => !x.top).map((x) => x.render(current)));
    body.replaceChildren(...sections.filter(Boolean));
  }

  function more(fc) {
    const n = (fc.numberMatched ?? 0) - fc.features.length;
    return n > 0 ? el('p', { class: 'muted' }, t('panel.more', { n })) : null;
  }

  async function copyLink(e) {
    e.preventDefault();
    try {
      await navigator.clipboard.writeText(e.currentTarget.href);
      e.currentTarget.textContent = t('panel.copied');
    } catch { /* no clipboard permission: the link is still there to copy */ }
  }

  async function open(id, { fly = false } = {}) {
    const my = ++seq;
    current = { id };
    aside.hidden = false;
    document.body.classList.add('panel-open');
    if (location.hash !== `#facilities/${id}`) history.replaceState(null, '', `#facilities/${id}`);
    setSelected(map, id);
    render();
    try {
      const fid = { facility_id: id, limit: LIST_LIMIT };
      const facility = await item('facilities', id);
      const orgId = facility.properties.organization_id;
      const [organization, sources, devices, ...extra] = await Promise.all([
        // The licensee's details, where the server documents its organizations resource.
        caps.has('/organizations') && orgId ? getJSON(`/organizations/${orgId}`).catch(() => null) : null,
        caps.hasCollection('sources') ? items('sources', fid) : null,
        caps.hasCollection('devices') ? items('devices', fid) : null,
        ...OPTIONAL_SECTIONS.map(([c]) => (caps.hasCollection(c) ? items(c, fid) : null)),
      ]);
      if (my !== seq) return;
      current = {
        id, facility, organization, sources, devices,
        extra: Object.fromEntries(OPTIONAL_SECTIONS.map(([c], i) => [c, extra[i]])),
      };
      render();
      if (facility.geometry) reveal(facility.geometry.coordinates, fly);
    } catch (e) {
      if (my !== seq) return;
      current = { id, error: e.status === 404 ? t('panel.notfound', { id }) : t('app.error', { detail: e.message }) };
      render();
    }
  }

  /* The part of the map the panel covers where it lies over the map (tablets: beside it, phones:
   * below it), as a flyTo offset that keeps the facility in the part still visible. */
  function coveredOffset() {
    const m = map.getContainer().getBoundingClientRect();
    const p = aside.getBoundingClientRect();
    if (aside.hidden || p.left >= m.right || p.right <= m.left || p.top >= m.bottom) return [0, 0];
    if (p.top > m.top + 8) return [0, -(m.bottom - p.top) / 2]; // bottom sheet
    return [-(m.right - p.left) / 2, 0];
  }

  /* Fly to the facility (search, deep link), or pan only if the panel hides it (a click). */
  function reveal(lonlat, fly) {
    const offset = coveredOffset();
    if (fly) {
      map.flyTo({ center: lonlat, zoom: Math.max(map.getZoom(), 15), speed: 1.6, offset });
      return;
    }
    const pt = map.project(lonlat);
    const p = aside.getBoundingClientRect();
    const m = map.getContainer().getBoundingClientRect();
    if (offset.some((v) => v !== 0) && m.left + pt.x >= p.left && m.top + pt.y >= p.top) {
      map.easeTo({ center: lonlat, offset, duration: 500 });
    }
  }

  function close() {
    seq++;
    current = null;
    aside.hidden = true;
    document.body.classList.remove('panel-open');
    setSelected(map, null);
    for (const x of extensions) x.onClose?.();
    if (location.hash.startsWith('#facilities/')) history.replaceState(null, '', location.pathname + location.search);
    onClose?.();
  }

  onLanguageChange(render);
  return {
    open,
    close,
    /** Fetch the open facility again (after a write) and draw it. */
    reload: () => (current ? open(current.id) : Promise.resolve()),
    /** Add a module's section: render(current) answers a Node or null; top: above the details. */
    addSection(renderSection, { top = false, onClose: closed } = {}) {
      extensions.push({ render: renderSection, top, onClose: closed });
      if (current) render();
    },
    /** Draw the panel again (a module's state changed). */
    render: () => render(),
    get currentId() { return current?.id ?? null; },
    get current() { return current; },
  };
}
