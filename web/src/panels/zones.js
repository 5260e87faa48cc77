/*
 * Alerts and zones (emergency planning), for the roles that see sources (the module is not mounted
 * for the others, so they never request /alerts or a source's zones):
 * - the alerts card: lost and stolen sources, unsecured orphans and open events (GET /alerts),
 *   fetched when the card is opened;
 * - a source's zones (GET /sources/{id}/zones), from the alerts card or the facility panel: the
 *   IAEA first-responder inner cordons by scenario and the dose-rate distances r = √(Γ·A/Ḣ), drawn
 *   as the server's geodesic circles, with what they assume written out beside them (no
 *   shielding, no air attenuation, air kerma taken as dose, advisory below Category 3, unreliable
 *   beyond 1 km and capped).
 */
import { FONT_REGULAR } from '../config.js';
import { destination } from '../geo/geodesic.js';
import { formatNumber, onLanguageChange, t, tv } from '../i18n.js';
import { clearOverlay, setOverlay } from '../map/overlay.js';
import { categoryLabel, el, formatActivity } from '../util.js';
import { allowed, request } from './writes.js';

/* Dose-rate thresholds (µSv/h) to colours, darkest for the highest. */
function doseColor(th) {
  return th >= 100 ? '#b71c1c' : th >= 20 ? '#e65100' : th >= 5 ? '#c77800' : '#a68a00';
}

function metres(m) {
  return m >= 1000 ? `${formatNumber(m / 1000, 2)} km` : `${formatNumber(m, m < 10 ? 1 : 0)} m`;
}

function zoneName(p) {
  return p.kind === 'cordon' ? t(`zones.scenario.${p.scenario}`) : t('zones.dose', { th: formatNumber(p.threshold_usv_h) });
}

export async function mount({ map, caps, panel, openFacility }) {
  if (!caps.hasCollection('sources')) return false;
  const [alertAllow, zoneAllow] = await Promise.all([allowed('/alerts'), allowed('/sources/0/zones')]);
  if (!alertAllow.has('GET') || !zoneAllow.has('GET')) return false;

  let alerts = null; // GET /alerts answer
  let alertsError = null;
  let shown = null; // {id, data} zones on the map
  let seq = 0;

  /* -- the card -- */
  const title = el('h2');
  const list = el('div', { class: 'alerts-list', id: 'alerts-list' });
  const info = el('div', { class: 'zones-info', id: 'zones-info', hidden: true });
  const close = el('button', { type: 'button', class: 'icon-button card-close', onclick: () => toggle(false) }, '×');
  const card = el('section', { class: 'card alerts-card', id: 'alerts', hidden: true }, close, title, list, info);
  document.querySelector('.cards').prepend(card);
  const button = el('button', { type: 'button', class: 'tool', id: 'tool-alerts', 'aria-expanded': 'false',
    'aria-controls': 'alerts', onclick: () => toggle(card.hidden) });
  document.querySelector('.tools').insertBefore(button, document.getElementById('lang-switch'));

  function toggle(show) {
    card.hidden = !show;
    button.setAttribute('aria-expanded', String(show));
    if (show && !alerts) loadAlerts();
  }

  async function loadAlerts() {
    list.replaceChildren(el('p', { class: 'muted' }, t('panel.loading')));
    try {
      alerts = (await request('GET', '/alerts')).data;
      alertsError = null;
    } catch (e) {
      alertsError = e.message;
    }
    render();
  }

  function alertItem(f) {
    const p = f.properties;
    if (p.layer === 'sources') {
      return el('li', { class: `alert-item alert-${p.status}`, 'data-id': f.id, 'data-status': p.status },
        el('div', null, el('strong', null, `${p.nuclide} · ${tv('sstatus', p.status)}`),
          p.orphan ? el('span', { class: 'badge' }, t('zones.orphan')) : null,
          ' ', el('span', { class: 'muted small' }, categoryLabel(p.iaea_category, p.exemption_checked), ' · ', formatActivity(p.activity_bq_now))),
        el('div', { class: 'small' },
          p.facility_id ? el('button', { type: 'button', class: 'link', onclick: () => openFacility(p.facility_id, { fly: true }) }, p.facility) : (p.facility || ''),
          p.serial_no ? el('span', { class: 'muted' }, ` · ${t('panel.serial')} ${p.serial_no}`) : null),
        el('div', { class: 'small muted' }, t('zones.lastknown', {
          lat: f.geometry.coordinates[1].toFixed(5), lon: f.geometry.coordinates[0].toFixed(5),
        }), p.receptor_count ? ` · ${t('zones.receptors.inside', { n: p.receptor_count })}` : ''),
        el('button', { type: 'button', class: 'secondary', id: `zones-show-${f.id}`, onclick: () => showZones(f.id) }, t('zones.show')));
    }
    return el('li', { class: 'alert-item alert-event', 'data-event': f.id },
      el('strong', null, t(`zones.event.${p.kind}`) !== `zones.event.${p.kind}` ? t(`zones.event.${p.kind}`) : (p.kind || t('zones.event'))),
      p.occurred_at ? el('span', { class: 'muted small' }, ` · ${p.occurred_at.slice(0, 10)}`) : null,
      p.place ? el('div', { class: 'small' }, p.place) : null,
      p.description ? el('div', { class: 'small muted' }, p.description) : null);
  }

  function render() {
    title.textContent = t('zones.title');
    button.textContent = t('zones.tool');
    button.title = t('zones.tool.title');
    close.title = t('panel.close');
    close.setAttribute('aria-label', t('panel.close'));
    if (alertsError) list.replaceChildren(el('p', { class: 'error' }, t('app.error', { detail: alertsError })));
    else if (alerts) {
      const points = alerts.features.filter((f) => f.geometry?.type === 'Point');
      list.replaceChildren(
        el('p', { class: 'muted small' }, t('zones.count', { n: alerts.alertCount ?? points.length, e: alerts.eventCount ?? 0 })),
        points.length ? el('ul', { class: 'plain' }, points.map(alertItem)) : el('p', { class: 'muted' }, t('zones.none')));
    }
    renderInfo();
  }

  /* -- zones -- */
  async function showZones(id) {
    const my = ++seq;
    info.hidden = false;
    info.replaceChildren(el('p', { class: 'muted' }, t('panel.loading')));
    if (card.hidden) toggle(true);
    try {
      const r = await request('GET', `/sources/${id}/zones`);
      if (my !== seq) return;
      shown = { id, data: r.data };
      drawZones();
      renderInfo();
    } catch (e) {
      if (my !== seq) return;
      info.replaceChildren(el('p', { class: 'error' }, t('app.error', { detail: e.message })));
    }
  }

  function drawZones(fit = true) {
    const d = shown.data;
    const [lon, lat] = d.source.coordinates;
    const features = [];
    // Largest first, so smaller rings are drawn over larger ones.
    const zones = [...d.features].sort((x, y) => y.properties.radius_m - x.properties.radius_m);
    for (const f of zones) {
      const p = f.properties;
      const color = p.kind === 'cordon' ? '#c62828' : doseColor(p.threshold_usv_h);
      features.push({ type: 'Feature', geometry: f.geometry, properties: { kind: p.kind, color, advisory: !!p.advisory } });
      features.push({
        type: 'Feature', geometry: { type: 'Point', coordinates: destination(lon, lat, p.kind === 'cordon' ? 0 : 180, p.radius_m) },
        properties: { kind: 'label', color, text: `${p.kind === 'cordon' ? t('zones.cordon.short') : `${formatNumber(p.threshold_usv_h)} µSv/h`} · ${metres(p.radius_m)}` },
      });
    }
    features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties: { kind: 'source' } });
    setOverlay(map, 'zones', { type: 'FeatureCollection', features }, [
      { type: 'fill', suffix: 'dose', filter: ['==', ['get', 'kind'], 'dose_rate'], paint: { 'fill-color': ['get', 'color'], 'fill-opacity': 0.14 } },
      { type: 'line', suffix: 'dose-line', filter: ['==', ['get', 'kind'], 'dose_rate'], paint: { 'line-color': ['get', 'color'], 'line-width': 1.5 } },
      {
        type: 'line', suffix: 'cordon', filter: ['==', ['get', 'kind'], 'cordon'],
        paint: { 'line-color': ['get', 'color'], 'line-width': 2, 'line-dasharray': [3, 2], 'line-opacity': ['case', ['get', 'advisory'], 0.5, 1] },
      },
      { type: 'circle', suffix: 'source', filter: ['==', ['get', 'kind'], 'source'], paint: { 'circle-radius': 6, 'circle-color': '#b71c1c', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
      {
        type: 'symbol', suffix: 'label', filter: ['==', ['get', 'kind'], 'label'],
        layout: { 'text-field': ['get', 'text'], 'text-font': [FONT_REGULAR], 'text-size': 11, 'text-allow-overlap': false },
        paint: { 'text-color': ['get', 'color'], 'text-halo-color': '#fff', 'text-halo-width': 1.5 },
      },
    ]);
    if (!fit) return;
    const far = Math.max(...d.features.map((f) => f.properties.radius_m), 50);
    const n = destination(lon, lat, 0, far * 1.1), s = destination(lon, lat, 180, far * 1.1);
    const e = destination(lon, lat, 90, far * 1.1), w = destination(lon, lat, 270, far * 1.1);
    map.fitBounds([[w[0], s[1]], [e[0], n[1]]], { padding: 40, maxZoom: 17, duration: 400 });
  }

  function renderInfo() {
    if (!shown) return;
    const d = shown.data, src = d.source;
    const zones = d.features.map((f) => f.properties);
    const cordons = zones.filter((z) => z.kind === 'cordon');
    const doses = zones.filter((z) => z.kind === 'dose_rate');
    const advisory = zones.find((z) => z.advisory);
    const reference = cordons.find((z) => z.reference)?.reference;
    info.hidden = false;
    info.replaceChildren(
      el('h3', null, t('zones.of', { nuclide: src.nuclide, id: src.id })),
      el('p', { class: 'small' }, t('zones.source', {
        activity: formatActivity(src.activity_bq_now), date: src.activity_date, cat: categoryLabel(src.iaea_category),
        gamma: formatNumber(src.gamma_constant, 4),
      })),
      el('table', { class: 'data', id: 'zones-table' },
        el('thead', null, el('tr', null, el('th', null, t('zones.zone')), el('th', { class: 'num' }, t('zones.radius')), el('th', null, t('zones.notes')))),
        el('tbody', null, [...cordons, ...doses].map((z) => el('tr', { 'data-kind': z.kind },
          el('td', null, el('span', { class: `zone-swatch zone-${z.kind}`, style: { borderColor: z.kind === 'cordon' ? '#c62828' : doseColor(z.threshold_usv_h) } }), zoneName(z)),
          el('td', { class: 'num' }, metres(z.radius_m)),
          el('td', { class: 'small' }, [z.advisory && t('zones.flag.advisory'), z.unreliable && t('zones.flag.unreliable'),
            z.capped && t('zones.flag.capped', { r: metres(z.estimated_radius_m ?? z.radius_m) })].filter(Boolean).join('; ')))))),
      el('h4', null, t('zones.assumptions')),
      el('ul', { class: 'zones-assumptions small', id: 'zones-assumptions' },
        el('li', null, t('zones.assume.cordon')),
        el('li', null, t('zones.assume.dose', { gamma: formatNumber(src.gamma_constant, 4), date: src.activity_date })),
        el('li', null, t('zones.assume.physics')),
        el('li', null, t('zones.assume.far')),
        advisory ? el('li', null, t('zones.assume.advisory')) : null,
        d.omitted?.length ? el('li', null, t('zones.omitted', { list: d.omitted.map((o) => o.threshold_usv_h ?? o).join(', ') })) : null),
      reference ? el('p', { class: 'muted small' }, `${t('zones.reference')}: ${reference}`) : null,
      el('button', { type: 'button', class: 'link', id: 'zones-clear', onclick: clearZones }, t('zones.clear')));
  }

  function clearZones() {
    seq++;
    shown = null;
    clearOverlay(map, 'zones');
    info.hidden = true;
    info.replaceChildren();
  }

  /* -- the facility panel: the zones of each of its sources -- */
  const section = el('section', { class: 'panel-section', id: 'facility-zones' });
  panel?.addSection((current) => {
    const held = current.sources?.features || [];
    if (!held.length) return null;
    section.replaceChildren(el('h3', null, t('zones.panel')),
      el('ul', { class: 'plain zones-sources' }, held.map((f) => el('li', null,
        el('button', { type: 'button', class: 'link', id: `zones-source-${f.id}`, onclick: () => showZones(f.id) },
          `${f.properties.nuclide} · ${formatActivity(f.properties.activity_bq_now)}${f.properties.serial_no ? ` · ${f.properties.serial_no}` : ''}`)))));
    return section;
  });

  render();
  onLanguageChange(() => { render(); if (shown) drawZones(false); });
  window.radmap = Object.assign(window.radmap || {}, { zones: { show: showZones, get shown() { return shown?.data ?? null; } } });
  return true;
}
