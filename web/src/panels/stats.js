/*
 * The one-stop dashboard, a full-width view (#dashboard) for the roles the server lets read GET
 * /stats/one-stop: the figures the Department is judged by for the dossiers received in a period
 * (received, resolved early, on time or late, pending, overdue now, the on-time rate), per
 * procedure and per month of receipt (an SVG chart, chart.js), and the reconciliation list: the
 * imported dossiers where radmap's own status, due date or outcome disagrees with the official
 * one-stop record. Every figure is the server's; nothing is recounted here.
 */
import { getJSON } from '../api.js';
import { formatNumber, onLanguageChange, t, tv } from '../i18n.js';
import { el } from '../util.js';
import { stackedBarRateChart } from './chart.js';
import { allowedMethods, fmtInstant, fmtRate, procName } from './licensing.js';
import { createView } from './view.js';

const COUNTS = ['received', 'resolved', 'early', 'on_time', 'late', 'pending', 'overdue_now'];
const SERIES = [
  { key: 'early', color: '#1b7f3b' },
  { key: 'on_time', color: '#7cc38b' },
  { key: 'late', color: '#d32f2f' },
  { key: 'pending', color: '#b0bec5' },
];

export async function mount(app) {
  if (!(await allowedMethods('/stats/one-stop')).has('GET')) return false;
  const dossiersAllowed = (await allowedMethods('/dossiers')).has('GET');

  let stats = null;
  let error = null;
  let procedures = new Map();
  let started = false;
  let seq = 0;
  const query = { from: '', to: '', procedure: '' };

  const view = createView({
    name: 'dashboard', labelKey: 'st.toggle', titleKey: 'st.title',
    onShow: () => {
      if (!started) { started = true; start(); } else load();
    },
  });

  const from = el('input', { type: 'date', id: 'st-from', onchange: () => { query.from = from.value; load(); } });
  const to = el('input', { type: 'date', id: 'st-to', onchange: () => { query.to = to.value; load(); } });
  const proc = el('select', { id: 'st-procedure', onchange: () => { query.procedure = proc.value; load(); } });
  const lFrom = el('span'), lTo = el('span'), lProc = el('span');
  const content = el('div', { class: 'st-content', id: 'stats-content' });
  view.body.append(el('div', { class: 'st-wrap' },
    el('div', { class: 'dq-filters st-filters' },
      el('label', { class: 'field' }, lFrom, from),
      el('label', { class: 'field' }, lTo, to),
      el('label', { class: 'field dq-proc-filter' }, lProc, proc)),
    content));

  async function start() {
    const cat = await getJSON('/procedures').catch(() => null);
    procedures = new Map((cat?.procedures || []).map((p) => [p.key, p]));
    await load();
  }

  async function load() {
    const my = ++seq;
    content.setAttribute('aria-busy', 'true');
    try {
      const s = await getJSON('/stats/one-stop', {
        from: query.from || undefined, to: query.to || undefined, procedure: query.procedure || undefined,
      });
      if (my !== seq) return;
      stats = s;
      error = null;
      // The period the server chose when none was asked for.
      query.from ||= s.from;
      query.to ||= s.to;
    } catch (e) {
      if (my !== seq) return;
      error = t('app.error', { detail: e.message });
    }
    content.removeAttribute('aria-busy');
    render();
  }

  const name = (key, nameVi) => procName(procedures.get(key) || { key, name_vi: nameVi });
  const monthLabel = (m) => { const [yy, mm] = m.split('-'); return `${mm}/${yy}`; };

  function kpis(total) {
    const tiles = COUNTS.map((k) => el('div', { class: `st-kpi st-${k}`, 'data-key': k, 'data-value': total[k] },
      el('div', { class: 'st-kpi-value' }, formatNumber(total[k] ?? 0)),
      el('div', { class: 'st-kpi-label' }, t(`st.${k}`))));
    tiles.unshift(el('div', { class: 'st-kpi st-rate', 'data-key': 'on_time_rate' },
      el('div', { class: 'st-kpi-value', id: 'stats-rate', 'data-rate': total.on_time_rate ?? '' }, fmtRate(total.on_time_rate)),
      el('div', { class: 'st-kpi-label' }, t('st.on_time_rate'))));
    return el('div', { class: 'st-kpis', id: 'stats-kpis' }, tiles);
  }

  function rateBar(r) {
    if (r === null || r === undefined) return el('span', { class: 'muted' }, '—');
    return el('div', { class: 'st-ratebar' },
      el('span', { class: 'st-ratebar-fill', style: { width: `${Math.max(0, Math.min(100, r * 100))}%` } }),
      el('span', { class: 'st-ratebar-text' }, fmtRate(r)));
  }

  function byProcedure(list) {
    return el('section', { class: 'st-section' },
      el('h3', null, t('st.by_procedure')),
      el('div', { class: 'dq-scroll-x' }, el('table', { class: 'data st-table', id: 'stats-procedures' },
        el('thead', null, el('tr', null, el('th', null, t('dq.col.procedure')),
          COUNTS.map((k) => el('th', { class: 'num' }, t(`st.${k}`))), el('th', null, t('st.on_time_rate')))),
        el('tbody', null, list.map((p) => el('tr', { 'data-procedure': p.procedure, 'data-rate': p.on_time_rate ?? '' },
          el('td', { class: 'st-proc' }, name(p.procedure, p.name_vi)),
          COUNTS.map((k) => el('td', { class: `num${k === 'late' && p[k] ? ' dq-late' : ''}` }, formatNumber(p[k] ?? 0))),
          el('td', { class: 'st-rate-cell' }, rateBar(p.on_time_rate))))))));
  }

  function chart(months) {
    const series = SERIES.map((s) => ({ ...s, label: t(`st.${s.key}`) }));
    return el('section', { class: 'st-section' },
      el('h3', null, t('st.by_month')),
      months.length
        ? el('div', { class: 'st-chart' }, stackedBarRateChart({
          id: 'stats-chart', series, rateLabel: t('st.on_time_rate'),
          data: months.map((m) => ({
            label: monthLabel(m.month), title: t('st.month', { m: monthLabel(m.month) }),
            values: m, rate: m.on_time_rate,
          })),
        }))
        : el('p', { class: 'muted' }, t('st.none')),
      el('p', { class: 'muted small' }, t('st.rule')));
  }

  function reconciliation(s) {
    const list = s.reconciliation || [];
    const side = (v) => [v?.status ? `${v.status} · ${tv('dq.national', v.status)}` : null, fmtInstant(v?.due_at),
      v?.outcome ? tv('dq.outcome', v.outcome) : null].filter(Boolean).map((x) => el('div', null, x));
    return el('section', { class: 'st-section', id: 'stats-reconcile', 'data-count': s.reconciliation_count ?? list.length },
      el('h3', null, t('st.reconcile'), ' ', el('span', { class: 'badge' }, formatNumber(s.reconciliation_count ?? list.length))),
      el('p', { class: 'muted small' }, t('st.reconcile.hint')),
      list.length
        ? el('div', { class: 'dq-scroll-x' }, el('table', { class: 'data st-table' },
          el('thead', null, el('tr', null, ['dq.col.receipt', 'dq.col.procedure', 'st.disagree', 'st.radmap', 'st.official']
            .map((k) => el('th', null, t(k))))),
          el('tbody', null, list.map((r) => el('tr', { 'data-id': r.id },
            el('td', { class: 'mono' }, dossiersAllowed
              ? el('a', { href: `#dossiers/${r.id}` }, r.receipt_no) : r.receipt_no),
            el('td', { class: 'st-proc' }, name(r.procedure)),
            el('td', null, (r.disagreements || []).map((x) => el('span', { class: 'badge st-disagree' }, tv('st.disagree', x)))),
            el('td', { class: 'small' }, side(r.radmap)),
            el('td', { class: 'small' }, side(r.official)))))))
        : el('p', { class: 'muted' }, t('st.reconcile.none')));
  }

  function render() {
    lFrom.textContent = t('st.from');
    lTo.textContent = t('st.to');
    lProc.textContent = t('dq.filter.procedure');
    from.value = query.from;
    to.value = query.to;
    proc.replaceChildren(el('option', { value: '' }, t('dq.filter.anyprocedure')),
      ...[...procedures.values()].map((p) => el('option', { value: p.key, selected: p.key === query.procedure }, procName(p))));
    if (error) { content.replaceChildren(el('p', { class: 'error' }, error)); return; }
    if (!stats) { content.replaceChildren(el('p', { class: 'muted' }, t('panel.loading'))); return; }
    content.replaceChildren(
      el('p', { class: 'muted small' }, t('st.period', { from: stats.from.split('-').reverse().join('/'), to: stats.to.split('-').reverse().join('/') })),
      kpis(stats.total),
      chart(stats.total.by_month || []),
      byProcedure(stats.by_procedure || []),
      reconciliation(stats));
  }
  render();
  onLanguageChange(render);
}
