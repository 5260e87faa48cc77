/*
 * Writes and the reads they depend on, for the editing, history, proximity and zones modules:
 * a feature with its ETag, PATCH (JSON Merge Patch) / POST / PUT with If-Match, and what the
 * caller's role may do on a route (OPTIONS: the server's Allow header reflects the role). Errors
 * are ApiError (api.js) carrying the server's problem document in .problem, so a 422 can be shown
 * field by field and a 412 can be resolved.
 */
import { ApiError, apiUrl } from '../api.js';

const ACCEPT = 'application/geo+json, application/json, application/problem+json';

/**
 * One request to the API. opts: {params, body (JSON-encoded), contentType, headers}.
 * Answers {status, data, etag, location}; throws ApiError (with .problem) on a 4xx/5xx answer.
 */
export async function request(method, path, { params, body, contentType = 'application/json', headers = {} } = {}) {
  const res = await fetch(apiUrl(path, params), {
    method,
    headers: { Accept: ACCEPT, ...(body !== undefined ? { 'Content-Type': contentType } : {}), ...headers },
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = res.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await res.json() : null;
  if (res.status === 401) window.dispatchEvent(new CustomEvent('radmap:unauthorized'));
  if (!res.ok) {
    const e = new ApiError(res.status, data && (data.detail || data.title));
    e.problem = data;
    e.retryAfter = Number(res.headers.get('Retry-After')) || 0;
    throw e;
  }
  return { status: res.status, data, etag: res.headers.get('ETag'), location: res.headers.get('Location') };
}

/** A feature and its ETag: {feature, etag}. */
export async function getFeature(collection, id) {
  const r = await request('GET', `/collections/${collection}/items/${id}`);
  return { feature: r.data, etag: r.etag };
}

/** The URI form of an EPSG code, as the Content-Crs header wants it (in angle brackets). */
export function crsHeader(epsg) {
  return `<http://www.opengis.net/def/crs/EPSG/0/${epsg}>`;
}

/**
 * JSON Merge Patch of a feature under If-Match; epsg (optional) is the CRS of the geometry in the
 * patch (sent as Content-Crs). Answers {feature, etag} of the new version.
 */
export async function patchFeature(collection, id, etag, patch, epsg) {
  const headers = { 'If-Match': etag };
  if (epsg) headers['Content-Crs'] = crsHeader(epsg);
  const r = await request('PATCH', `/collections/${collection}/items/${id}`,
    { body: patch, contentType: 'application/merge-patch+json', headers });
  return { feature: r.data, etag: r.etag };
}

/** Create a feature (POST); answers {feature, etag}. */
export async function createFeature(collection, feature, epsg) {
  const headers = epsg ? { 'Content-Crs': crsHeader(epsg) } : {};
  const r = await request('POST', `/collections/${collection}/items`,
    { body: feature, contentType: 'application/geo+json', headers });
  return { feature: r.data, etag: r.etag };
}

const allowCache = new Map();

/** The methods the caller may use on path, from the server's Allow header (OPTIONS, cached). */
export function allowed(path) {
  if (!allowCache.has(path)) {
    allowCache.set(path, fetch(apiUrl(path), { method: 'OPTIONS', credentials: 'same-origin' })
      .then((r) => new Set((r.headers.get('Allow') || '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean)))
      .catch(() => new Set()));
  }
  return allowCache.get(path);
}

/** "field: reason" problems of a 422 as a Map field -> [reason, ...]. */
export function fieldErrors(problem) {
  const m = new Map();
  for (const { field, reason } of problem?.errors || []) {
    const k = String(field || '').replace(/^properties\./, '');
    if (!m.has(k)) m.set(k, []);
    m.get(k).push(reason);
  }
  return m;
}
