/*
 * One dossier beside the queue: its details (GET /dossiers/{id}), its appraisal steps (GET
 * /dossiers/{id}/steps) with buttons for the moves the server allows next that this role records
 * (POST /dossiers/{id}/steps, If-Match on the dossier's version), the printable receipt (form 01),
 * control slip (form 06) and extension letter (form 04) as the server renders them, the attachments
 * (list, download, upload) for the roles that may handle them, and the leader's form recording the
 * signed result (POST /dossiers/{id}/result).
 */
import { apiUrl, getJSON, items } from '../api.js';
import { formatNumber, lang, onLanguageChange, t, tv } from '../i18n.js';
import { el } from '../util.js';
import {
  fmtBytes, fmtDate, fmtHours, fmtInstant, localDay, procName, sendFile, sendJSON, stepsForRole,
} from './licensing.js';

const ATTACH_MAX_BYTES = 10 << 20;
const ATTACH_TYPES = { pdf: 'application/pdf', jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png' };

/** The label of a step (server names as fallback). */
export function stepLabel(step, fallback) {
  return tv('dq.step', step) !== step ? tv('dq.step', step) : (fallback || step || '—');
}

/** The badges that say where a dossier stands: step, overdue or paused, outcome once decided. */
export function stateBadges(d) {
  return [
    el('span', { class: 'badge dq-step', 'data-step': d.step }, stepLabel(d.step, d.step_name_vi)),
    d.overdue ? el('span', { class: 'badge dq-overdue' }, t('dq.overdue')) : null,
    d.paused ? el('span', { class: 'badge dq-paused' }, t('dq.paused')) : null,
    d.outcome && d.outcome !== 'pending' ? el('span', { class: `badge dq-outcome outcome-${d.outcome}` }, tv('dq.outcome', d.outcome)) : null,
  ];
}

/** Working hours left, or how far past the due instant, or '—' for a closed dossier. */
export function hoursLeft(d) {
  const h = d.working_hours_left;
  if (h === null || h === undefined) return el('span', { class: 'muted' }, '—');
  if (d.overdue || h < 0) return el('span', { class: 'dq-late' }, t('dq.overdue.by', { h: fmtHours(h) }));
  return el('span', null, fmtHours(h));
}

function fact(label, ...value) {
  const v = value.flat().filter((x) => x !== null && x !== undefined && x !== '');
  if (!v.length) return null;
  return [el('dt', null, label), el('dd', null, ...v)];
}

/**
 * The detail pane in `container`. opts: {me, can: {step, attachList, attachUpload, result},
 * procedures: () => Map key -> procedure, openFacility(id), onChanged(dossier), onClose()}.
 * Answers {open(id), close(), currentId}.
 */
export function createDossierPane(container, opts) {
  const { me, can } = opts;
  let cur = null; // {id, d, steps, error, form, message, busy, authorizations}
  let seq = 0;

  function render() {
    if (!cur) {
      container.replaceChildren();
      return;
    }
    const back = el('button', { type: 'button', class: 'link dq-back', onclick: () => opts.onClose?.() }, `← ${t('dq.back')}`);
    if (cur.error) {
      container.replaceChildren(back, el('p', { class: 'error' }, cur.error));
      return;
    }
    if (!cur.d) {
      container.replaceChildren(back, el('p', { class: 'muted' }, t('panel.loading')));
      return;
    }
    const d = cur.d;
    const header = el('header', { class: 'dq-head' },
      el('h3', { id: 'dossier-receipt', class: 'mono' }, d.receipt_no),
      el('p', { class: 'dq-applicant-big' }, d.applicant || '—'),
      el('div', { class: 'badges', id: 'dossier-state', 'data-step': d.step }, stateBadges(d)));
    container.replaceChildren(back, header, facts(d), actions(d), documents(d), attachments(d), history());
  }

  function facts(d) {
    const off = d.official;
    const facility = d.facility_id
      ? el('a', {
        href: `#facilities/${d.facility_id}`,
        onclick: (e) => { e.preventDefault(); opts.openFacility?.(d.facility_id); },
      }, d.facility || `#${d.facility_id}`)
      : null;
    return el('dl', { class: 'facts dq-facts' },
      fact(t('dq.procedure'), procName(d.procedure, d.procedure_code),
        d.procedure ? el('div', { class: 'muted small' }, t('dq.statutory', { h: formatNumber(d.procedure.working_hours) })) : null),
      fact(t('dq.national'), d.national_status ? `${d.national_status} · ${tv('dq.national', d.national_status)}` : null),
      fact(t('dq.facility'), facility),
      fact(t('dq.organization'), d.organization && d.organization !== d.applicant ? d.organization : null),
      fact(t('dq.origin'), `${tv('dq.origin', d.origin)}${d.channel ? ` · ${tv('dq.channel', d.channel)}` : ''}`),
      fact(t('dq.received'), fmtInstant(d.received_at)),
      fact(t('dq.complete'), d.complete_at ? fmtInstant(d.complete_at) : null),
      fact(t('dq.due'), el('strong', { class: d.overdue ? 'dq-late' : null, id: 'dossier-due' }, fmtInstant(d.due_at))),
      fact(t('dq.due.official'), off && off.due_at && off.due_at !== d.due_at ? fmtInstant(off.due_at) : null),
      fact(t('dq.extended'), d.extended_due_at ? fmtInstant(d.extended_due_at) : null),
      fact(t('dq.left'), hoursLeft(d)),
      fact(t('dq.official'), off ? `${off.status} · ${tv('dq.national', off.status)}` : null),
      fact(t('dq.decided'), d.decided_at ? fmtInstant(d.decided_at) : null),
      fact(t('dq.returned'), d.returned_at ? fmtInstant(d.returned_at) : null),
      fact(t('dq.fee'), d.fee_vnd !== null && d.fee_vnd !== undefined ? `${formatNumber(d.fee_vnd)} đ` : null),
      fact(t('dq.received_by'), d.received_by),
      fact(t('dq.devices'), (d.devices || []).map((x) => el('div', null,
        [tv('device', x.type), [x.manufacturer, x.model].filter(Boolean).join(' '), x.serial_no].filter(Boolean).join(' · ')))),
      fact(t('dq.result'), d.authorization ? el('span', { id: 'dossier-authorization' },
        t('dq.result.recorded', { number: d.authorization.number, issued: fmtDate(d.authorization.issued) })) : null),
      fact(t('dq.note'), d.note));
  }

  /* ---- steps ---------------------------------------------------------------------------------- */

  function actions(d) {
    const next = cur.steps?.next_steps ?? d.next_steps ?? [];
    const mine = can.step ? stepsForRole(me.role, next) : [];
    const recordResult = can.result && next.includes('result_recorded');
    if (!mine.length && !recordResult) return null;
    const sec = el('section', { class: 'panel-section', id: 'dossier-actions' }, el('h3', null, t('dq.next')));
    if (mine.length) {
      sec.append(el('div', { class: 'dq-steps' }, mine.map((s) => el('button', {
        type: 'button', class: `step-btn${cur.form?.step === s ? ' active' : ''}${s === 'withdrawn' || s === 'stopped' ? ' warn' : ''}`,
        'data-step': s, disabled: cur.busy,
        onclick: () => { cur.form = cur.form?.step === s ? null : { step: s }; cur.message = null; render(); },
      }, stepLabel(s)))));
    }
    if (cur.form) sec.append(stepForm(d, cur.form.step));
    if (recordResult) sec.append(resultForm(d));
    if (cur.message) sec.append(el('p', { class: cur.message.error ? 'error' : 'ok', id: 'dossier-message', role: 'status' }, cur.message.text));
    return sec;
  }

  function stepForm(d, step) {
    const note = el('textarea', { name: 'note', rows: 2, maxlength: 4000 });
    const fields = [];
    let decision = null, reasons = null, reason = null, newDue = null;
    if (step === 'decision') {
      decision = el('select', { name: 'decision', id: 'step-decision' },
        el('option', { value: 'approve' }, t('dq.decision.approve')),
        el('option', { value: 'refuse' }, t('dq.decision.refuse')));
      reasons = el('textarea', { name: 'reasons', rows: 2, maxlength: 4000 });
      fields.push(el('label', { class: 'field' }, t('dq.decision'), decision),
        el('label', { class: 'field' }, t('dq.decision.reasons'), reasons));
    } else if (step === 'extension_letter') {
      reason = el('textarea', { name: 'reason', rows: 2, maxlength: 4000, required: true });
      newDue = el('input', { type: 'date', name: 'new_due', required: true, min: localDay(d.due_at) });
      fields.push(el('label', { class: 'field' }, t('dq.ext.reason'), reason),
        el('label', { class: 'field' }, t('dq.ext.new_due'), newDue));
    }
    fields.push(el('label', { class: 'field' }, t('dq.note.optional'), note));
    const form = el('form', {
      class: 'dq-form', id: 'step-form', 'data-step': step,
      onsubmit: async (e) => {
        e.preventDefault();
        const body = { step };
        if (note.value.trim()) body.note = note.value.trim();
        if (decision) {
          body.decision = decision.value;
          if (reasons.value.trim()) body.reasons = reasons.value.trim();
          if (body.decision === 'refuse' && !body.reasons) { say(t('dq.decision.reasons.required'), true); return; }
        }
        if (reason) {
          if (!reason.value.trim() || !newDue.value) { say(t('dq.ext.required'), true); return; }
          body.reason = reason.value.trim();
          body.new_due = newDue.value;
        }
        await write(() => sendJSON('POST', `/dossiers/${d.id}/steps`, body, { version: d.version }), t('dq.step.done', { step: stepLabel(step) }));
      },
    },
    el('p', { class: 'dq-form-title' }, stepLabel(step)),
    fields,
    el('div', { class: 'dq-form-actions' },
      el('button', { type: 'button', class: 'link', onclick: () => { cur.form = null; render(); } }, t('dq.cancel')),
      el('button', { type: 'submit', class: 'primary', id: 'step-confirm', disabled: cur.busy }, t('dq.confirm'))));
    return form;
  }

  function resultForm(d) {
    const proc = d.procedure ? opts.procedures().get(d.procedure.key) : null;
    const person = proc?.produces === 'worker_certificate';
    const needsChange = proc && ['renewal', 'amendment', 'reissue'].includes(proc.kind);
    const issuedDefault = localDay(cur.now) || '';
    const number = el('input', { name: 'number', id: 'result-number', required: true, maxlength: 60, autocomplete: 'off' });
    const issued = el('input', { type: 'date', name: 'issued', id: 'result-issued', required: true, value: issuedDefault, max: issuedDefault || undefined });
    const expires = el('input', { type: 'date', name: 'expires', id: 'result-expires' });
    const signedBy = el('input', { name: 'signed_by', id: 'result-signed-by', maxlength: 200, value: me.name || '' });
    const personName = person ? el('input', { name: 'person_name', id: 'result-person', required: true, maxlength: 200 }) : null;
    const changes = needsChange ? el('select', { name: 'changes', id: 'result-changes', required: true },
      el('option', { value: '' }, '—'),
      (cur.authorizations || []).map((a) => el('option', { value: a.id },
        [a.properties.number, fmtDate(a.properties.issued), a.properties.status].filter(Boolean).join(' · ')))) : null;
    const note = el('textarea', { name: 'note', rows: 2, maxlength: 4000 });
    return el('form', {
      class: 'dq-form', id: 'result-form',
      onsubmit: async (e) => {
        e.preventDefault();
        const body = { number: number.value.trim(), issued: issued.value };
        if (expires.value) body.expires = expires.value;
        if (signedBy.value.trim()) body.signed_by = signedBy.value.trim();
        if (personName) body.person_name = personName.value.trim();
        if (changes && changes.value) body.changes = Number(changes.value);
        if (note.value.trim()) body.note = note.value.trim();
        if (!body.number || !body.issued || (personName && !body.person_name) || (changes && !body.changes)) {
          say(t('dq.result.required'), true);
          return;
        }
        await write(() => sendJSON('POST', `/dossiers/${d.id}/result`, body, { version: d.version }), t('dq.result.done'));
      },
    },
    el('p', { class: 'dq-form-title' }, t('dq.result.title')),
    el('p', { class: 'muted small' }, proc ? t('dq.result.kind', { kind: tv('dq.produces', proc.produces) }) : null),
    el('div', { class: 'dq-grid' },
      el('label', { class: 'field' }, t('dq.result.number'), number),
      el('label', { class: 'field' }, t('dq.result.issued'), issued),
      el('label', { class: 'field' }, t('dq.result.expires'), expires),
      el('label', { class: 'field' }, t('dq.result.signed_by'), signedBy)),
    personName ? el('label', { class: 'field' }, t('dq.result.person'), personName) : null,
    changes ? el('label', { class: 'field' }, t('dq.result.changes'), changes) : null,
    el('label', { class: 'field' }, t('dq.note.optional'), note),
    el('div', { class: 'dq-form-actions' },
      el('button', { type: 'submit', class: 'primary', id: 'result-submit', disabled: cur.busy }, t('dq.result.submit'))));
  }

  function say(text, error = false) {
    cur.message = { text, error };
    render();
  }

  async function write(f, done) {
    const my = cur;
    my.busy = true;
    render();
    try {
      await f();
      my.busy = false;
      my.form = null;
      await load(my.id, { keepMessage: { text: done, error: false } });
      opts.onChanged?.(cur?.d);
    } catch (e) {
      my.busy = false;
      if (cur !== my) return;
      if (e.status === 412) {
        await load(my.id, { keepMessage: { text: t('dq.changed'), error: true } });
        return;
      }
      say(t('dq.failed', { detail: e.message }), true);
    }
  }

  /* ---- documents and attachments -------------------------------------------------------------- */

  function documents(d) {
    const docs = [
      ['receipt', 'dq.doc.receipt'],
      ['control_slip', 'dq.doc.control_slip'],
      ['extension_letter', 'dq.doc.extension_letter'],
    ].filter(([rel]) => d.links?.[rel]);
    if (!docs.length) return null;
    return el('section', { class: 'panel-section', id: 'dossier-documents' },
      el('h3', null, t('dq.documents')),
      el('ul', { class: 'plain dq-docs' }, docs.map(([rel, key]) => el('li', null,
        el('a', { href: apiUrl(d.links[rel]), target: '_blank', rel: 'noopener', class: 'doc-link', id: `doc-${rel.replace('_', '-')}` }, t(key))))));
  }

  function attachments(d) {
    if (!can.attachList) return null;
    const list = d.attachments || [];
    const sec = el('section', { class: 'panel-section', id: 'dossier-attachments' },
      el('h3', null, t('dq.attachments', { n: list.length })),
      list.length
        ? el('ul', { class: 'plain dq-files' }, list.map((a) => el('li', null,
          el('a', { href: apiUrl(`/dossiers/${d.id}/attachments/${a.id}`), download: a.file_name, class: 'attachment-link' }, a.file_name),
          el('span', { class: 'muted small' }, ` ${fmtBytes(a.size_bytes)} · ${a.uploaded_by || ''} · ${fmtInstant(a.uploaded_at)}`))))
        : el('p', { class: 'muted' }, t('dq.attachments.none')));
    if (can.attachUpload) {
      const input = el('input', {
        type: 'file', id: 'attachment-file', accept: '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png',
        onchange: () => upload(d, input),
      });
      sec.append(el('label', { class: 'field dq-upload' }, t('dq.attachments.upload'), input));
    }
    return sec;
  }

  async function upload(d, input) {
    const file = input.files?.[0];
    if (!file) return;
    const ext = (/\.([a-z0-9]+)$/i.exec(file.name)?.[1] || '').toLowerCase();
    if (!ATTACH_TYPES[ext]) { say(t('dq.attachments.type'), true); return; }
    if (file.size > ATTACH_MAX_BYTES) { say(t('dq.attachments.size'), true); return; }
    say(t('dq.attachments.uploading'));
    await write(() => sendFile(`/dossiers/${d.id}/attachments`, { name: file.name }, file, 'application/octet-stream'),
      t('dq.attachments.done', { name: file.name }));
  }

  function history() {
    const steps = cur.steps?.steps;
    if (!steps) return null;
    return el('section', { class: 'panel-section', id: 'dossier-history' },
      el('h3', null, t('dq.history')),
      el('ol', { class: 'dq-timeline' }, steps.map((s) => el('li', null,
        el('div', null, el('strong', null, stepLabel(s.step, lang() === 'en' ? s.name_en : s.name_vi))),
        el('div', { class: 'muted small' }, [fmtInstant(s.at), s.user, s.origin === 'import' ? t('dq.origin.one_stop') : null]
          .filter(Boolean).join(' · ')),
        s.note ? el('div', { class: 'small' }, s.note) : null,
        s.due_after && s.due_after !== s.due_before ? el('div', { class: 'small' }, t('dq.history.due', { at: fmtInstant(s.due_after) })) : null))));
  }

  /* ---- loading -------------------------------------------------------------------------------- */

  async function load(id, { keepMessage = null } = {}) {
    const my = ++seq;
    if (!cur || cur.id !== id) cur = { id };
    render();
    try {
      const [d, steps] = await Promise.all([getJSON(`/dossiers/${id}`), getJSON(`/dossiers/${id}/steps`)]);
      // The result form names the authorization a renewal, amendment or re-issue changes.
      let authorizations = null;
      const proc = d.procedure ? opts.procedures().get(d.procedure.key) : null;
      if (can.result && d.facility_id && (d.next_steps || []).includes('result_recorded') && proc &&
          ['renewal', 'amendment', 'reissue'].includes(proc.kind)) {
        authorizations = (await items('authorizations', { facility_id: d.facility_id, limit: 200 }).catch(() => null))?.features
          ?.filter((a) => a.properties.kind === proc.produces && a.properties.record_owner !== 'varans') || [];
      }
      if (my !== seq) return;
      cur = { id, d, steps, authorizations, now: opts.now?.() || d.received_at, message: keepMessage };
    } catch (e) {
      if (my !== seq) return;
      cur = { id, error: e.status === 404 ? t('dq.notfound', { id }) : t('app.error', { detail: e.message }) };
    }
    render();
  }

  onLanguageChange(render);
  return {
    open: (id) => load(id),
    close() { seq++; cur = null; render(); },
    get currentId() { return cur?.id ?? null; },
  };
}
