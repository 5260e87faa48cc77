/*
 * Editing the register from the facility panel, for the roles the server lets write (licensing and
 * admin: the Allow header of OPTIONS on the items routes says so; the module is not mounted for
 * anyone else, and nothing about it is requested).
 *
 * - The facility's fields, in a form above its details; its position dragged on the map (an orange
 *   marker) or typed in WGS 84 or a VN-2000 TM-3 zone (EPSG:9210, 105°45', by default): typed
 *   VN-2000 coordinates are sent as they are, in the Content-Crs header's CRS, and the server
 *   transforms them with PROJ through the pinned EPSG:6960 transformation; the marker follows what
 *   is typed through geo/vn2000.js, the same maths.
 * - Its sources and devices: edited or added in a section below the details.
 * Every write is a JSON Merge Patch (or a POST) under If-Match with the ETag read with the feature.
 * A 422 lists the bad fields: each reason is shown under its field. A 412 means a colleague saved
 * the feature in the meantime: the current version is fetched, the fields the colleague changed are
 * shown beside the user's own changes, and the user's change can be applied on top of the new
 * version (or dropped).
 */
import { DEVICE_TYPES, FACILITY_STATUSES, PRACTICES, SOURCE_STATUSES } from '../config.js';
import { onLanguageChange, t, tv } from '../i18n.js';
import { refreshSource } from '../map/map.js';
import { el, formatActivity } from '../util.js';
import { createForm, createPosition, display, fieldLabel, positionText } from './edit-form.js';
import { allowed, createFeature, fieldErrors, getFeature, patchFeature } from './writes.js';

/* Writable fields shown in the forms (the server's allowlist, src/db/collection.c, is the
 * authority: anything else it refuses). kind: text (default), number, date, select. */
const FACILITY_FIELDS = [
  { name: 'name', label: 'edit.f.name', required: true },
  { name: 'code', label: 'panel.code', required: true },
  { name: 'practice', label: 'edit.f.practice', required: true, options: () => PRACTICES.map((p) => [p.key, tv('practice', p.key)]) },
  { name: 'status', label: 'panel.status', options: () => FACILITY_STATUSES.map((s) => [s, tv('fstatus', s)]) },
  { name: 'address', label: 'panel.address' },
  { name: 'ward', label: 'panel.ward' },
  { name: 'contact_name', label: 'edit.f.contact_name' },
  { name: 'contact_phone', label: 'edit.f.contact_phone' },
  { name: 'contact_email', label: 'edit.f.contact_email' },
];

const NUCLIDES = ['Am-241', 'Am-241/Be', 'Ba-133', 'Cf-252', 'Co-57', 'Co-60', 'Cs-137', 'F-18', 'Ge-68', 'I-125', 'I-131',
  'Ir-192', 'Kr-85', 'Na-22', 'Ni-63', 'Pm-147', 'Ra-226', 'Se-75', 'Sr-90 (Y-90)', 'Tc-99m', 'Tl-204', 'Yb-169'];

const SOURCE_FIELDS = [
  { name: 'nuclide', label: 'panel.nuclide', required: true, list: NUCLIDES },
  { name: 'form', label: 'edit.f.form', options: () => ['sealed', 'unsealed'].map((v) => [v, t(`edit.form.${v}`)]) },
  { name: 'activity_bq', label: 'edit.f.activity_bq', required: true, kind: 'number' },
  { name: 'reference_date', label: 'edit.f.reference_date', required: true, kind: 'date' },
  { name: 'serial_no', label: 'panel.serial' },
  { name: 'manufacturer', label: 'edit.f.manufacturer' },
  { name: 'model', label: 'edit.f.model' },
  { name: 'status', label: 'panel.status', options: () => SOURCE_STATUSES.map((s) => [s, tv('sstatus', s)]) },
];

const DEVICE_STATUSES = ['in_use', 'stored', 'disused', 'transferred', 'disposed'];
const DEVICE_FIELDS = [
  { name: 'type', label: 'panel.type', required: true, options: () => DEVICE_TYPES.map((d) => [d, tv('device', d)]) },
  { name: 'manufacturer', label: 'edit.f.manufacturer' },
  { name: 'model', label: 'edit.f.model' },
  { name: 'serial_no', label: 'panel.serial' },
  { name: 'max_kv', label: 'panel.kv', kind: 'number' },
  { name: 'max_ma', label: 'edit.f.max_ma', kind: 'number' },
  { name: 'room', label: 'edit.f.room' },
  { name: 'status', label: 'panel.status', options: () => DEVICE_STATUSES.map((s) => [s, tv('sstatus', s)]) },
];

/* Properties that change on every write and say nothing about what a colleague did. */
const BOOKKEEPING = new Set(['version', 'updated_at']);

/* ---- one editor: a feature (or a new one) of a collection ------------------------------------- */

/**
 * The form of one feature with its save, 422 and 412 handling.
 * opts: {collection, prefix, fields, feature (null: create), etag, extra (properties of a new
 * feature), map (for a position), onSaved(feature), onCancel()}.
 */
function createEditor({ collection, prefix, fields, feature, etag, extra = {}, map, onSaved, onCancel }) {
  let base = feature;
  let tag = etag;
  const form = createForm(prefix, fields, feature?.properties || {});
  const position = map && feature ? createPosition(map, feature.geometry) : null;
  const general = el('div', { class: 'edit-message', id: `edit-${prefix}-message`, role: 'status' });
  const conflictBox = el('div', { class: 'edit-conflict', id: `edit-${prefix}-conflict`, hidden: true });
  const save = el('button', { type: 'submit', class: 'primary', id: `edit-${prefix}-save` });
  const cancel = el('button', { type: 'button', class: 'link', id: `edit-${prefix}-cancel`, onclick: () => onCancel?.() });
  const node = el('form', { class: 'edit-form', id: `edit-${prefix}-editor`, novalidate: true },
    form.node, position?.node, conflictBox, general, el('div', { class: 'edit-actions' }, cancel, save));
  node.addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  let pending = null; // the change that met a 412: {patch, epsg}

  function labels() {
    form.labels();
    position?.labels();
    save.textContent = feature ? t('edit.save') : t('edit.create');
    cancel.textContent = t('edit.cancel');
    if (pending) showConflict();
  }
  labels();

  function say(text, kind = '') {
    general.textContent = text;
    general.className = `edit-message ${kind}`;
  }

  async function submit() {
    form.clearErrors();
    position?.clearError();
    say('');
    let patch, epsg;
    if (base) {
      const props = form.changes(base.properties);
      const pos = position?.change();
      patch = {};
      if (Object.keys(props).length) patch.properties = props;
      if (pos) { patch.geometry = pos.geometry; epsg = pos.epsg; }
      if (!patch.properties && !patch.geometry) { say(t('edit.nochange'), 'muted'); return; }
    }
    await send(patch, epsg);
  }

  async function send(patch, epsg) {
    save.disabled = true;
    say(t('edit.saving'), 'muted');
    try {
      const r = base
        ? await patchFeature(collection, base.id, tag, patch, epsg)
        : await createFeature(collection, { type: 'Feature', geometry: null, properties: { ...extra, ...form.values() } });
      pending = null;
      conflictBox.hidden = true;
      base = r.feature;
      tag = r.etag;
      say(t('edit.saved', { v: r.feature?.properties?.version ?? '' }), 'ok');
      window.dispatchEvent(new CustomEvent('radmap:edited', { detail: { collection, id: r.feature?.id } }));
      onSaved?.(r.feature);
    } catch (e) {
      if (e.status === 422) {
        const errors = fieldErrors(e.problem);
        if (errors.has('geometry') && position) { position.showError(errors.get('geometry')); errors.delete('geometry'); }
        const rest = form.showErrors(errors);
        say(rest.length ? rest.map(([f, r]) => `${fieldLabel(fields, f)}: ${r.join('; ')}`).join(' · ') : t('edit.invalid'), 'error');
      } else if (e.status === 412 && base) {
        pending = { patch, epsg };
        await loadConflict();
      } else if (e.status === 403) {
        say(t('edit.forbidden', { detail: e.message }), 'error');
      } else if (e.status === 409) {
        say(t('edit.duplicate', { detail: e.message }), 'error');
      } else {
        say(t('app.error', { detail: e.message }), 'error');
      }
    } finally {
      save.disabled = false;
    }
  }

  /* A colleague saved first: fetch their version and show what differs from the one we edited. */
  let theirs = null;
  async function loadConflict() {
    try {
      const now = await getFeature(collection, base.id);
      theirs = now;
      showConflict();
      say('');
    } catch (e) {
      say(t('app.error', { detail: e.message }), 'error');
    }
  }

  function showConflict() {
    if (!theirs || !pending) return;
    const before = base, after = theirs.feature;
    const changed = [];
    if (JSON.stringify(before.geometry) !== JSON.stringify(after.geometry)) {
      changed.push({ field: 'geometry', was: positionText(before.geometry), now: positionText(after.geometry) });
    }
    const keys = new Set([...Object.keys(before.properties), ...Object.keys(after.properties)]);
    for (const k of keys) {
      if (BOOKKEEPING.has(k)) continue;
      const was = before.properties[k], now = after.properties[k];
      if (JSON.stringify(was ?? null) !== JSON.stringify(now ?? null)) changed.push({ field: k, was: display(k, was), now: display(k, now) });
    }
    const mine = [...Object.entries(pending.patch.properties || {}).map(([k, v]) => ({ field: k, value: display(k, v) })),
      ...(pending.patch.geometry ? [{ field: 'geometry', value: pending.epsg
        ? `EPSG:${pending.epsg} X ${pending.patch.geometry.coordinates[1]} Y ${pending.patch.geometry.coordinates[0]}`
        : positionText(pending.patch.geometry) }] : [])];
    const theirFields = new Set(changed.map((c) => c.field));
    conflictBox.replaceChildren(
      el('h4', null, t('edit.conflict.title')),
      el('p', null, t('edit.conflict.text', { v: after.properties.version ?? '?', who: after.properties.updated_at
        ? new Date(after.properties.updated_at).toLocaleString(document.documentElement.lang, { timeZone: 'Asia/Ho_Chi_Minh' }) : '' })),
      changed.length
        ? el('table', { class: 'data', id: `edit-${prefix}-theirs` },
          el('thead', null, el('tr', null, el('th', null, t('edit.conflict.field')), el('th', null, t('edit.conflict.was')),
            el('th', null, t('edit.conflict.now')))),
          el('tbody', null, changed.map((c) => el('tr', { 'data-field': c.field },
            el('td', null, fieldLabel(fields, c.field)), el('td', null, c.was), el('td', null, el('strong', null, c.now))))))
        : el('p', { class: 'muted' }, t('edit.conflict.none')),
      el('h4', null, t('edit.conflict.mine')),
      el('ul', { class: 'plain', id: `edit-${prefix}-mine` }, mine.map((m) => el('li', { 'data-field': m.field },
        `${fieldLabel(fields, m.field)}: `, el('strong', null, m.value),
        theirFields.has(m.field) ? el('span', { class: 'edit-overlap' }, ` (${t('edit.conflict.overlap')})`) : null))),
      el('div', { class: 'edit-actions' },
        el('button', { type: 'button', class: 'link', id: `edit-${prefix}-discard`, onclick: discard }, t('edit.conflict.discard')),
        el('button', { type: 'button', class: 'primary', id: `edit-${prefix}-reapply`, onclick: reapply }, t('edit.conflict.reapply'))));
    conflictBox.hidden = false;
  }

  /* Apply the same change on top of the colleague's version. */
  async function reapply() {
    const { patch, epsg } = pending;
    form.rebase(base.properties, theirs.feature.properties);
    position?.rebase(theirs.feature.geometry);
    base = theirs.feature;
    tag = theirs.etag;
    theirs = null;
    conflictBox.hidden = true;
    await send(patch, epsg);
  }

  /* Drop the user's change: the form shows the colleague's version. */
  function discard() {
    onSaved?.(theirs.feature);
    pending = null;
    theirs = null;
    conflictBox.hidden = true;
  }

  return { node, labels, destroy: () => position?.destroy() };
}

/* ---- the module -------------------------------------------------------------------------------- */

export async function mount({ map, caps, panel }) {
  if (!panel) return false;
  const [facilityAllow, sourceAllow, deviceAllow] = await Promise.all([
    allowed('/collections/facilities/items/0'),
    caps.hasCollection('sources') ? allowed('/collections/sources/items') : new Set(),
    caps.hasCollection('devices') ? allowed('/collections/devices/items') : new Set(),
  ]);
  if (!facilityAllow.has('PATCH')) return false;
  const canAdd = { sources: sourceAllow.has('POST'), devices: deviceAllow.has('POST') };

  let state = { id: null, editor: null, item: null, flash: '' };
  const top = el('section', { class: 'panel-section edit-top', id: 'facility-edit' });
  const items = el('section', { class: 'panel-section', id: 'facility-edit-items' });

  function reset(id) {
    state.editor?.destroy();
    state.item?.editor?.destroy();
    state = { id, editor: null, item: null, flash: '' };
  }

  /* After a write: the tiles and the panel show the new version, with a word of what happened. */
  function afterSave(collection, feature) {
    state.flash = t('edit.saved', { v: feature?.properties?.version ?? '' });
    refreshSource(map, 'register');
    if (collection === 'devices') refreshSource(map, 'devices');
    panel.reload();
  }

  async function openFacilityEditor(current) {
    try {
      const { feature, etag } = await getFeature('facilities', current.id);
      if (state.id !== current.id) return;
      state.editor?.destroy();
      state.editor = createEditor({
        collection: 'facilities', prefix: 'facility', fields: FACILITY_FIELDS, feature, etag, map,
        onSaved: (f) => { reset(current.id); afterSave('facilities', f); },
        onCancel: () => { reset(current.id); panel.render(); },
      });
      panel.render();
      document.getElementById('edit-facility-name')?.focus();
    } catch (e) {
      top.replaceChildren(el('p', { class: 'error' }, t('app.error', { detail: e.message })));
    }
  }

  async function openItemEditor(current, collection, id) {
    const fields = collection === 'sources' ? SOURCE_FIELDS : DEVICE_FIELDS;
    const prefix = collection === 'sources' ? 'source' : 'device';
    try {
      const got = id ? await getFeature(collection, id) : { feature: null, etag: null };
      if (state.id !== current.id) return;
      state.item?.editor?.destroy();
      const close = () => { state.item?.editor?.destroy(); state.item = null; panel.render(); };
      state.item = {
        collection, id,
        editor: createEditor({
          collection, prefix, fields, feature: got.feature, etag: got.etag,
          extra: { facility_id: current.id },
          onSaved: (f) => { state.item?.editor?.destroy(); state.item = null; afterSave(collection, f); },
          onCancel: close,
        }),
      };
      panel.render();
      document.getElementById(`edit-${prefix}-${fields[0].name}`)?.focus();
    } catch (e) {
      items.append(el('p', { class: 'error' }, t('app.error', { detail: e.message })));
    }
  }

  function renderTop(current) {
    if (current.id !== state.id) reset(current.id);
    const p = current.facility.properties;
    if (p.record_owner === 'varans') {
      top.replaceChildren(el('p', { class: 'muted small', id: 'edit-readonly' }, t('edit.readonly')));
      return top;
    }
    if (state.editor) {
      top.replaceChildren(el('h3', null, t('edit.title')), state.editor.node);
      top.classList.add('editing');
    } else {
      top.classList.remove('editing');
      top.replaceChildren(el('button', {
        type: 'button', class: 'secondary', id: 'edit-open', onclick: () => openFacilityEditor(current),
      }, t('edit.open')), state.flash ? el('span', { class: 'edit-message ok', id: 'edit-status', role: 'status' }, state.flash) : null);
    }
    return top;
  }

  function itemRow(current, collection, f) {
    const q = f.properties;
    const text = collection === 'sources'
      ? [q.nuclide, formatActivity(q.activity_bq_now), q.serial_no, tv('sstatus', q.status)]
      : [tv('device', q.type), [q.manufacturer, q.model].filter(Boolean).join(' '), q.serial_no, tv('sstatus', q.status)];
    const editing = state.item && state.item.collection === collection && state.item.id === f.id;
    return el('li', { class: 'edit-item' },
      el('div', { class: 'edit-item-row' },
        el('span', null, text.filter(Boolean).join(' · ')),
        q.record_owner === 'varans' ? el('span', { class: 'muted small' }, t('edit.readonly.short'))
          : el('button', {
            type: 'button', class: 'link', id: `edit-${collection}-${f.id}`,
            onclick: () => openItemEditor(current, collection, f.id),
          }, t('edit.item'))),
      editing ? state.item.editor.node : null);
  }

  function renderItems(current) {
    if (current.id !== state.id) reset(current.id);
    if (current.facility.properties.record_owner === 'varans') return null;
    const blocks = [];
    for (const [collection, fc] of [['sources', current.sources], ['devices', current.devices]]) {
      if (!fc) continue;
      const adding = state.item && state.item.collection === collection && !state.item.id;
      blocks.push(el('div', { class: 'edit-items', id: `edit-${collection}` },
        el('h4', null, t(`edit.${collection}`)),
        el('ul', { class: 'plain' }, fc.features.map((f) => itemRow(current, collection, f))),
        adding ? state.item.editor.node : null,
        canAdd[collection] && !adding ? el('button', {
          type: 'button', class: 'secondary', id: `edit-add-${collection}`,
          onclick: () => openItemEditor(current, collection, null),
        }, t(`edit.add.${collection}`)) : null));
    }
    if (!blocks.length) return null;
    items.replaceChildren(el('h3', null, t('edit.items.title')), ...blocks);
    return items;
  }

  panel.addSection(renderTop, { top: true, onClose: () => reset(null) });
  panel.addSection(renderItems, { onClose: () => reset(null) });
  onLanguageChange(() => {
    state.editor?.labels();
    state.item?.editor?.labels();
  });
  return true;
}
