/*
 * Import of the province one-stop system's export (CSV or XLSX) into the dossier register: POST
 * /dossiers/import with the file as the body, ?dry_run=true to check without writing. The bar
 * shows the upload as it goes, then the server's work: when the server answers 202 with a job
 * (/jobs/{id}), the job's progress is polled; when it answers the report at once (200), the bar
 * completes. The report lists what was created, updated, unchanged and the rows it could not read.
 */
import { apiUrl, getJSON } from '../api.js';
import { formatNumber, onLanguageChange, t } from '../i18n.js';
import { el } from '../util.js';
import { problem } from './licensing.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const POLL_MS = 500;

/* POST the file with XMLHttpRequest, whose upload events give the progress fetch cannot. */
function post(url, file, type, onUpload) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', url);
    x.withCredentials = true;
    x.setRequestHeader('Content-Type', type);
    x.setRequestHeader('Accept', 'application/json, application/problem+json');
    x.upload.onprogress = (e) => { if (e.lengthComputable) onUpload(e.loaded / e.total); };
    x.upload.onload = () => onUpload(1);
    x.onload = () => {
      let data = null;
      try { data = JSON.parse(x.responseText); } catch { /* not JSON */ }
      if (x.status === 401) window.dispatchEvent(new CustomEvent('radmap:unauthorized'));
      if (x.status >= 200 && x.status < 300) resolve({ status: x.status, data, location: x.getResponseHeader('Location') });
      else reject(problem(x.status, data));
    };
    x.onerror = () => reject(new Error(t('imp.network')));
    x.send(file);
  });
}

/**
 * The import card in `container`; onImported(report) after an import that wrote something.
 * Answers {element, reset()}.
 */
export function createImportCard({ onImported }) {
  const file = el('input', { type: 'file', id: 'import-file', accept: `.csv,.xlsx,text/csv,${XLSX_TYPE}` });
  const dry = el('input', { type: 'checkbox', id: 'import-dry' });
  const start = el('button', { type: 'submit', class: 'primary', id: 'import-start' });
  const bar = el('progress', { id: 'import-progress', max: 100, value: 0, hidden: true });
  const phase = el('p', { class: 'imp-phase', id: 'import-phase', role: 'status' });
  const report = el('div', { id: 'import-report' });
  const title = el('h3');
  const hint = el('p', { class: 'muted small' });
  const fileLabel = el('span');
  const dryLabel = el('span');
  const phases = [];
  let state = null; // {phase, percent, report, error, dryRun}

  const card = el('form', {
    class: 'imp-card', id: 'import-card',
    onsubmit: (e) => { e.preventDefault(); run(); },
  },
  title, hint,
  el('div', { class: 'imp-row' },
    el('label', { class: 'field' }, fileLabel, file),
    el('label', { class: 'check' }, dry, dryLabel),
    start),
  bar, phase, report);

  function setPhase(p, percent) {
    state.phase = p;
    if (!phases.includes(p)) phases.push(p);
    card.dataset.phases = phases.join(',');
    bar.hidden = false;
    if (percent === null) bar.removeAttribute('value'); // indeterminate while the server works
    else bar.value = Math.max(0, Math.min(100, percent));
    labels();
  }

  async function run() {
    const f = file.files?.[0];
    if (!f) {
      phase.textContent = t('imp.choose');
      return;
    }
    phases.length = 0;
    state = { dryRun: dry.checked };
    report.replaceChildren();
    start.disabled = true;
    const xlsx = /\.xlsx$/i.test(f.name);
    setPhase('upload', 0);
    try {
      const res = await post(apiUrl('/dossiers/import', { dry_run: dry.checked ? 'true' : undefined }), f,
        xlsx ? XLSX_TYPE : 'text/csv', (share) => {
          if (state.phase === 'upload') setPhase('upload', share * 50);
          if (share >= 1) setPhase('processing', null);
        });
      let rep = res.data;
      if (res.status === 202) {
        // A background job: follow /jobs/{id} until it ends.
        const id = rep?.id || /\/jobs\/([^/?#]+)/.exec(res.location || '')?.[1];
        for (;;) {
          const job = await getJSON(`/jobs/${encodeURIComponent(id)}`);
          const pct = job.progress?.percent;
          setPhase('processing', Number.isFinite(pct) ? 50 + pct / 2 : null);
          if (job.status === 'done') { rep = job.result; break; }
          if (job.status === 'failed') throw new Error(job.result?.detail || t('imp.failed.job'));
          await new Promise((r) => setTimeout(r, POLL_MS));
        }
      }
      state.report = rep;
      setPhase('done', 100);
      if (!rep?.dry_run && (rep?.created || rep?.updated)) onImported?.(rep);
    } catch (e) {
      state.error = e.message;
      setPhase('failed', 0);
    } finally {
      start.disabled = false;
      labels();
    }
  }

  function renderReport() {
    const r = state?.report;
    if (!r) {
      report.replaceChildren(state?.error ? el('p', { class: 'error' }, t('imp.failed', { detail: state.error })) : '');
      return;
    }
    const counts = [['rows_read', 'imp.rows'], ['created', 'imp.created'], ['updated', 'imp.updated'],
      ['unchanged', 'imp.unchanged'], ['invalid', 'imp.invalid']];
    Object.assign(report.dataset, Object.fromEntries(counts.map(([k]) => [k.replace('_', ''), String(r[k] ?? 0)])));
    report.replaceChildren(
      r.dry_run ? el('p', { class: 'imp-dry' }, t('imp.dry.note')) : null,
      el('dl', { class: 'imp-counts' }, counts.map(([k, label]) => el('div', { class: `imp-count imp-${k}` },
        el('dt', null, t(label)), el('dd', null, formatNumber(r[k] ?? 0))))),
      r.invalid_rows?.length
        ? el('table', { class: 'data imp-invalid' },
          el('thead', null, el('tr', null, el('th', null, t('imp.row')), el('th', null, t('imp.reason')))),
          el('tbody', null, r.invalid_rows.map((x) => el('tr', null,
            el('td', { class: 'num' }, x.row), el('td', null, [x.field, x.reason].filter(Boolean).join(': '))))))
        : null,
      r.import_id ? el('p', { class: 'muted small' }, t('imp.id', { id: r.import_id })) : null);
  }

  function labels() {
    title.textContent = t('imp.title');
    hint.textContent = t('imp.hint');
    fileLabel.textContent = t('imp.file');
    dryLabel.textContent = t('imp.dry');
    start.textContent = t('imp.start');
    phase.textContent = !state ? '' : state.phase === 'upload' ? t('imp.phase.upload', { p: Math.round(bar.value) })
      : state.phase === 'processing' ? t('imp.phase.processing')
        : state.phase === 'done' ? t(state.dryRun ? 'imp.phase.checked' : 'imp.phase.done') : t('imp.phase.failed');
    renderReport();
  }
  labels();
  onLanguageChange(labels);
  return { element: card };
}
