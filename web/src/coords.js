/*
 * Coordinates of the cursor (or of the map centre on touch screens and when the pointer leaves
 * the map) in WGS 84 and in the chosen VN-2000 TM-3 zone, computed in the browser (geo/vn2000.js).
 * Numbers are written without grouping and with a decimal point, so they can be copied into a
 * GIS or a survey form as they are; X is the northing and Y the easting, as Vietnamese surveys write them.
 */
import { DEFAULT_ZONE, formatMeridian, TM3_ZONES, wgs84ToVn2000TM, zoneByEpsg } from './geo/vn2000.js';
import { onLanguageChange, t } from './i18n.js';
import { el } from './util.js';

const STORAGE_KEY = 'radmap.zone';

function storedZone() {
  try { return zoneByEpsg(localStorage.getItem(STORAGE_KEY))?.epsg ?? DEFAULT_ZONE; } catch { return DEFAULT_ZONE; }
}

export function mountCoords(container, map) {
  let zone = zoneByEpsg(storedZone());
  let last = null;
  let fromCenter = true;

  const wgs = el('span', { class: 'coords-value', id: 'coords-wgs84' });
  const vn = el('span', { class: 'coords-value', id: 'coords-vn2000' });
  const src = el('span', { class: 'coords-src' });
  const select = el('select', {
    id: 'coords-zone', name: 'zone',
    onchange: () => {
      zone = zoneByEpsg(select.value);
      try { localStorage.setItem(STORAGE_KEY, String(zone.epsg)); } catch { /* private mode */ }
      show(last);
    },
  });
  const zoneLabel = el('span', { class: 'coords-label' });
  const wgsLabel = el('span', { class: 'coords-label' });
  const vnLabel = el('span', { class: 'coords-label' });

  function fillZones() {
    select.replaceChildren(...TM3_ZONES.map((z) => el('option', { value: z.epsg, selected: z.epsg === zone.epsg || undefined },
      t('coords.zone.option', { meridian: formatMeridian(z.lon0), epsg: z.epsg }))));
    select.title = t('coords.zone');
    select.setAttribute('aria-label', t('coords.zone'));
    wgsLabel.textContent = t('coords.wgs84');
    vnLabel.textContent = t('coords.vn2000');
    vn.title = t('coords.hint');
    show(last);
  }

  function show(ll) {
    if (!ll) return;
    last = ll;
    const { lng, lat } = ll;
    const p = wgs84ToVn2000TM(lng, lat, zone.lon0);
    wgs.textContent = `${Math.abs(lat).toFixed(6)}° ${lat >= 0 ? 'N' : 'S'}, ${Math.abs(lng).toFixed(6)}° ${lng >= 0 ? 'E' : 'W'}`;
    vn.textContent = `${t('coords.x')} ${p.x.toFixed(3)}  ${t('coords.y')} ${p.y.toFixed(3)}`;
    Object.assign(container.dataset, {
      lon: lng.toFixed(9), lat: lat.toFixed(9), x: p.x.toFixed(4), y: p.y.toFixed(4), epsg: String(zone.epsg),
    });
    src.textContent = fromCenter ? `(${t('coords.center')})` : '';
  }

  container.append(
    el('div', { class: 'coords-row' }, wgsLabel, wgs, src),
    el('div', { class: 'coords-row' }, vnLabel, vn, select),
  );
  fillZones();
  onLanguageChange(fillZones);

  const center = () => { fromCenter = true; show(map.getCenter()); };
  map.on('mousemove', (e) => {
    if (e.originalEvent?.pointerType === 'touch') return;
    fromCenter = false;
    show(e.lngLat);
  });
  map.getCanvasContainer().addEventListener('mouseleave', center);
  map.on('moveend', () => { if (fromCenter) center(); });
  center();
  return { show: (lng, lat) => { fromCenter = false; show({ lng, lat }); } };
}
