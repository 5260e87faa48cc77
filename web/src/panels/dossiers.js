/*
 * The dossier queue of the one-stop shop, a full-width view (#dossiers, #dossiers/{id}) for the
 * roles the server lets read GET /dossiers (staff; a viewer gets no button and no request).
 * Dossiers come nearest deadline first with their due instant, the official one where the
 * one-stop system's differs, the working hours left and the overdue ones in red; filters by
 * status, procedure and overdue, and a search by receipt number or applicant, are the API's own
 * (?status=&procedure=&overdue=&q=). A row opens the dossier beside the list (dossier.js); the
 * counter and licensing officers also import the one-stop system's export (imports.js).
 *
 * What the role may do comes from the server: OPTIONS on each route lists the methods this
 * caller may use, so a button appears only where its request would be allowed.
 */
import { getJSON } from '../api.js';
import { formatNumber, onLanguageChange, t, tv } from '../i18n.js';
import { debounce, el } from '../util.js';
import { createDossierPane, hoursLeft, stateBadges } from './dossier.js';
import { createImportCard } from './imports.js';
import { allowedMethods, fmtInstant, procName } from './licensing.js';
import { createView } from './view.js';

const PAGE = 200;
const STATUSES = ['open', 'all', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'];

export async function mount(app) {
  const [list, importing, steps, attach, result] = await Promise.all([
    allowedMethods('/dossiers'),
    allowedMethods('/dossiers/import'),
    allowedMethods('/dossiers/0/steps'),
    allowedMethods('/dossiers/0/attachments'),
    allowedMethods('/dossiers/0/result'),
  ]);
  if (!list.has('GET')) return false; // a role that may not read dossiers sees nothing of them
  const can = {
    import: importing.has('POST'),
    step: steps.has('POST'),
    attachList: attach.has('GET'),
    attachUpload: attach.has('POST'),
    result: result.has('POST'),
  };

  const filters = { status: 'open', procedure: '', overdue: false, q: '', sort: 'due' };
  let rows = [];
  let matched = 0;
  let now = null;
  let procedures = new Map();
  let starting = null;
  let seq = 0;
  let error = null;

  const view = createView({
    name: 'dossiers', labelKey: 'dq.toggle', titleKey: 'dq.title',
    onShow: (rest, first) => {
      ensureStarted();
      const id = rest && /^\d+$/.test(rest) ? Number(rest) : null;
      if (id !== null && id !== pane.currentId) openDossier(id, false);
      if (id === null && pane.currentId !== null) closeDossier(false);
    },
  });

  // The import card, for the roles that may import.
  let importCard = null;
  const importBtn = can.import ? el('button', {
    type: 'button', class: 'secondary', id: 'import-open', 'aria-expanded': 'false',
    onclick: () => {
      importCard.element.hidden = !importCard.element.hidden;
      importBtn.setAttribute('aria-expanded', String(!importCard.element.hidden));
    },
  }) : null;
  if (can.import) {
    importCard = createImportCard({ onImported: () => load(true) });
    importCard.element.hidden = true;
    view.actions.append(importBtn);
  }

  // Filters.
  const status = el('select', { id: 'dq-status', onchange: () => { filters.status = status.value; load(true); } });
  const procedure = el('select', { id: 'dq-procedure', onchange: () => { filters.procedure = procedure.value; load(true); } });
  const overdue = el('input', { type: 'checkbox', id: 'dq-overdue', onchange: () => { filters.overdue = overdue.checked; load(true); } });
  const sort = el('select', { id: 'dq-sort', onchange: () => { filters.sort = sort.value; load(true); } });
  const search = el('input', {
    type: 'search', id: 'dq-q', spellcheck: 'false',
    oninput: debounce(() => { filters.q = search.value.trim(); load(true); }, 300),
  });
  const labelStatus = el('span');
  const labelProcedure = el('span');
  const labelOverdue = el('span');
  const labelSort = el('span');
  const filterBar = el('div', { class: 'dq-filters' },
    el('label', { class: 'field' }, labelStatus, status),
    el('label', { class: 'field dq-proc-filter' }, labelProcedure, procedure),
    el('label', { class: 'field' }, labelSort, sort),
    el('label', { class: 'field dq-search' }, el('span', { 'data-i18n': 'dq.search' }), search),
    el('label', { class: 'check dq-overdue-filter' }, overdue, labelOverdue));

  const count = el('p', { class: 'dq-count', id: 'dq-count', role: 'status' });
  const tbody = el('tbody');
  const head = el('tr');
  const table = el('table', { class: 'data dq-table', id: 'dq-table' }, el('thead', null, head), tbody);
  const more = el('button', { type: 'button', class: 'link', id: 'dq-more', onclick: () => load(false) });
  const listPane = el('div', { class: 'dq-list' }, importCard?.element, filterBar, count, el('div', { class: 'dq-scroll' }, table, more));
  const detailPane = el('div', { class: 'dq-detail', id: 'dossier-detail', hidden: true });
  const layout = el('div', { class: 'dq-layout' }, listPane, detailPane);
  view.body.append(layout);

  const pane = createDossierPane(detailPane, {
    me: app.me, can,
    procedures: () => procedures,
    now: () => now,
    openFacility: (id) => { view.close(); app.openFacility(id); },
    onChanged: () => load(true, { keep: true }),
    onClose: () => closeDossier(true),
  });

  function openDossier(id, address = true) {
    detailPane.hidden = false;
    layout.classList.add('with-detail');
    if (address) view.replace(id);
    ensureStarted().then(() => { pane.open(id); markSelected(); });
  }

  function closeDossier(address = true) {
    pane.close();
    detailPane.hidden = true;
    layout.classList.remove('with-detail');
    if (address) view.replace(null);
    markSelected();
  }

  function markSelected() {
    for (const tr of tbody.children) tr.classList.toggle('selected', Number(tr.dataset.id) === pane.currentId);
  }

  /* The first time the view opens: the procedure catalogue (filter, result form), then the list. */
  function ensureStarted() {
    starting ||= start();
    return starting;
  }

  async function start() {
    const cat = await getJSON('/procedures').catch(() => null);
    procedures = new Map((cat?.procedures || []).map((p) => [p.key, p]));
    labels();
    await load(true);
  }

  /* The list: from the start (reset) or the next page; keep: reload as many rows as are shown. */
  async function load(reset, { keep = false } = {}) {
    const my = ++seq;
    const offset = reset ? 0 : rows.length;
    const limit = keep ? Math.min(1000, Math.max(PAGE, rows.length)) : PAGE;
    const params = {
      status: filters.status === 'all' ? undefined : filters.status,
      procedure: filters.procedure || undefined,
      overdue: filters.overdue ? 'true' : undefined,
      q: filters.q || undefined,
      sort: filters.sort,
      limit, offset,
    };
    table.setAttribute('aria-busy', 'true');
    try {
      const page = await getJSON('/dossiers', params);
      if (my !== seq) return;
      error = null;
      now = page.now;
      rows = reset ? page.dossiers : rows.concat(page.dossiers);
      if (page.numberMatched || reset) matched = page.numberMatched;
    } catch (e) {
      if (my !== seq) return;
      error = t('app.error', { detail: e.message });
    }
    table.removeAttribute('aria-busy');
    renderRows();
  }

  function renderRows() {
    tbody.replaceChildren(...rows.map((d) => el('tr', {
      class: `dq-row${d.overdue ? ' overdue' : ''}${d.id === pane.currentId ? ' selected' : ''}`,
      'data-id': d.id, 'data-overdue': String(!!d.overdue), tabindex: 0,
      onclick: () => openDossier(d.id),
      onkeydown: (e) => { if (e.key === 'Enter') openDossier(d.id); },
    },
    el('td', null, el('div', { class: 'mono dq-receipt' }, d.receipt_no), el('div', { class: 'dq-applicant' }, d.applicant || '—')),
    el('td', { class: 'dq-proc' }, el('span', { title: procName(d.procedure, d.procedure_code) }, procName(d.procedure, d.procedure_code))),
    el('td', null, el('div', { class: 'badges' }, stateBadges(d))),
    el('td', { class: 'num' }, fmtInstant(d.due_at),
      d.official?.due_at && d.official.due_at !== d.due_at
        ? el('div', { class: 'muted small', title: t('dq.due.official') }, `${t('dq.official.short')} ${fmtInstant(d.official.due_at)}`) : null,
      d.extended_due_at ? el('div', { class: 'muted small' }, `${t('dq.extended.short')} ${fmtInstant(d.extended_due_at)}`) : null),
    el('td', { class: 'num dq-left' }, hoursLeft(d)))));
    count.textContent = error || t('dq.count', { n: formatNumber(matched), shown: formatNumber(rows.length) });
    count.classList.toggle('error', !!error);
    count.dataset.matched = String(matched);
    more.hidden = rows.length >= matched;
  }

  function labels() {
    labelStatus.textContent = t('dq.filter.status');
    labelProcedure.textContent = t('dq.filter.procedure');
    labelOverdue.textContent = t('dq.filter.overdue');
    labelSort.textContent = t('dq.filter.sort');
    search.placeholder = t('dq.search.placeholder');
    listPane.querySelector('[data-i18n="dq.search"]').textContent = t('dq.search');
    status.replaceChildren(...STATUSES.map((s) => el('option', { value: s, selected: s === filters.status },
      /^\d+$/.test(s) ? `${s} · ${tv('dq.national', s)}` : t(`dq.filter.${s}`))));
    procedure.replaceChildren(el('option', { value: '' }, t('dq.filter.anyprocedure')),
      ...[...procedures.values()].map((p) => el('option', { value: p.key, selected: p.key === filters.procedure }, procName(p))));
    sort.replaceChildren(...['due', '-received'].map((s) => el('option', { value: s, selected: s === filters.sort }, t(`dq.sort.${s}`))));
    head.replaceChildren(...[['dq.col.receipt'], ['dq.col.procedure', 'dq-proc'], ['dq.col.step'], ['dq.col.due', 'num'], ['dq.col.left', 'num']]
      .map(([k, cls]) => el('th', { scope: 'col', class: cls }, t(k))));
    if (importBtn) importBtn.textContent = t('imp.open');
    more.textContent = t('dq.more');
    renderRows();
  }
  labels();
  onLanguageChange(labels);

  app.openDossier = (id) => view.go(id);
}
