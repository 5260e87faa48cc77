/*
 * What the licensing views (dossiers.js, dossier.js, imports.js, stats.js) share: what the caller
 * may do on a route, as the server itself answers it (OPTIONS lists in Allow only the methods the
 * caller's role may use, and fetches no data), which appraisal steps a role records, writes with
 * If-Match and problem+json errors, and the formats of instants, working hours and rates in the
 * Asia/Ho_Chi_Minh day.
 */
import { apiUrl, ApiError } from '../api.js';
import { formatNumber, lang, t } from '../i18n.js';
import { request } from './writes.js';

const TZ = 'Asia/Ho_Chi_Minh';

/**
 * The methods the signed-in caller may use on a path ("/dossiers/0/steps": any id stands for
 * every id), from the Allow header of an OPTIONS request (writes.js, cached for the page's life).
 */
export { allowed as allowedMethods } from './writes.js';

/*
 * Who records which appraisal step, as the server's step table says (src/api/licensing_steps.c,
 * steps[]): GET /dossiers/{id}/steps lists the moves allowed from where the dossier is, for every
 * role; the buttons offer only those this role may record (any other answers 403).
 */
export const STEP_ROLES = {
  filed: ['counter', 'licensing'],
  received: ['counter', 'licensing'],
  refused_at_reception: ['counter', 'licensing'],
  assigned: ['licensing', 'leader'],
  completeness_review: ['licensing'],
  supplement_requested: ['licensing', 'leader'],
  supplement_received: ['counter', 'licensing'],
  payment_requested: ['licensing'],
  payment_received: ['counter', 'licensing'],
  site_visit: ['licensing'],
  expert_review: ['licensing'],
  draft_result: ['licensing'],
  decision: ['leader'],
  result_recorded: ['leader'],
  result_returned: ['counter', 'licensing'],
  withdrawn: ['counter', 'licensing'],
  stopped: ['licensing', 'leader'],
  extension_letter: ['licensing', 'leader'],
};

/** The next steps a role may record itself (result_recorded goes through the result form). */
export function stepsForRole(role, nextSteps) {
  return (nextSteps || []).filter((s) => s !== 'result_recorded' && (STEP_ROLES[s] || []).includes(role));
}

/**
 * Send a JSON body (POST, PATCH...) with If-Match "v{version}" when a version is given. Answers
 * the parsed body; a failure throws ApiError with status, detail and the 422 field errors.
 */
export async function sendJSON(method, path, body, { version } = {}) {
  const headers = version !== undefined && version !== null ? { 'If-Match': `"v${version}"` } : {};
  try {
    return (await request(method, path, { body, headers })).data;
  } catch (e) {
    throw e.problem ? problem(e.status, e.problem) : e;
  }
}

/** POST a file as the request body (attachments). */
export async function sendFile(path, params, file, contentType) {
  const res = await fetch(apiUrl(path, params), {
    method: 'POST', credentials: 'same-origin', body: file,
    headers: { 'Content-Type': contentType, Accept: 'application/json, application/problem+json' },
  });
  return answer(res);
}

async function answer(res) {
  const type = res.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : null;
  if (res.status === 401) window.dispatchEvent(new CustomEvent('radmap:unauthorized'));
  if (!res.ok) throw problem(res.status, data);
  return data;
}

/** An ApiError from a problem+json body: its detail, or its field errors joined. */
export function problem(status, data) {
  const fields = Array.isArray(data?.errors) ? data.errors : [];
  const detail = fields.length ? fields.map((e) => `${e.field}: ${e.reason}`).join('; ') : data && (data.detail || data.title);
  const e = new ApiError(status, detail);
  e.errors = fields;
  return e;
}

/** "17/07/2026 09:43" of an ISO instant, in the Department's time zone; '—' for null. */
export function fmtInstant(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: TZ, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}

/** "17/07/2026" of a date or an instant. */
export function fmtDate(iso) {
  if (!iso) return '—';
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso.split('-').reverse().join('/');
  return fmtInstant(iso).slice(0, 10);
}

/** The local date (YYYY-MM-DD) of an instant as the server wrote it ("2026-06-15T04:06:00+07:00"). */
export function localDay(iso) {
  return iso ? String(iso).slice(0, 10) : null;
}

/** Working hours, one decimal. */
export function fmtHours(h) {
  return t('lic.hours', { h: formatNumber(Math.abs(h), 1) });
}

/** A rate 0..1 as a percentage with one decimal ("95,7 %"), '—' when there is none. */
export function fmtRate(r) {
  if (r === null || r === undefined || !Number.isFinite(r)) return '—';
  return `${formatNumber(r * 100, 1)}%`;
}

/** A procedure's name in the interface language (the API gives name_vi and, in places, name_en). */
export function procName(p, fallback) {
  if (!p) return fallback || '—';
  return (lang() === 'en' && p.name_en) || p.name_vi || p.key || fallback || '—';
}

/** Bytes as "1,2 MB". */
export function fmtBytes(n) {
  if (!Number.isFinite(n)) return '—';
  if (n >= 1 << 20) return `${formatNumber(n / (1 << 20), 1)} MB`;
  if (n >= 1024) return `${formatNumber(n / 1024, 0)} kB`;
  return `${n} B`;
}
