/*
 * The HTTP interface of radmap, as the web map uses it. Every request goes to the server that
 * served the page (the Content-Security-Policy allows nothing else): the API lives one level above
 * /map/, so a radmap published under a path prefix works unchanged.
 */

const prefix = location.pathname.replace(/\/map(\/.*)?$/, '');

/** Absolute URL of an API path ("/collections/facilities/items") with optional query params. */
export function apiUrl(path, params) {
  const u = new URL(prefix + path, location.origin);
  if (params) {
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, String(v));
    }
  }
  return u.href;
}

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

/** GET a JSON document; problem+json errors become ApiError with the server's detail. */
export async function getJSON(path, params, { signal } = {}) {
  const res = await fetch(apiUrl(path, params), {
    headers: { Accept: 'application/json, application/geo+json, application/problem+json' },
    credentials: 'same-origin',
    signal,
  });
  const type = res.headers.get('Content-Type') || '';
  const body = type.includes('json') ? await res.json() : null;
  if (res.status === 401) window.dispatchEvent(new CustomEvent('radmap:unauthorized'));
  if (!res.ok) throw new ApiError(res.status, body && (body.detail || body.title));
  return body;
}

/** POST a JSON body; answers the parsed JSON (or null for 204). */
export async function postJSON(path, body) {
  const res = await fetch(apiUrl(path), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, application/problem+json' },
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = res.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await res.json() : null;
  if (!res.ok) {
    const e = new ApiError(res.status, data && (data.detail || data.title));
    e.retryAfter = Number(res.headers.get('Retry-After')) || 0;
    throw e;
  }
  return data;
}

/** A feature collection page of a collection's items. */
export function items(collection, params, opts) {
  return getJSON(`/collections/${encodeURIComponent(collection)}/items`, params, opts);
}

export function item(collection, id, opts) {
  return getJSON(`/collections/${encodeURIComponent(collection)}/items/${encodeURIComponent(id)}`, null, opts);
}

/** Every feature of a query, following the next links (keyset paging). */
export async function allItems(collection, params, { signal, max = 100000 } = {}) {
  const out = [];
  let page = await items(collection, { limit: 10000, ...params }, { signal });
  for (;;) {
    out.push(...page.features);
    const next = (page.links || []).find((l) => l.rel === 'next');
    if (!next || out.length >= max) break;
    const u = new URL(next.href);
    page = await getJSON(u.pathname.slice(prefix.length), Object.fromEntries(u.searchParams), { signal });
  }
  return out;
}

/*
 * What this server offers, so that the interface shows only what works: the collections it lists,
 * the paths of its OpenAPI document and the links of its landing page. Modules that need a route
 * (login, dossiers, proximity, an MBTiles basemap) ask has() before they add anything.
 */
export async function capabilities() {
  const [landing, collections, openapi] = await Promise.all([
    getJSON('/'),
    getJSON('/collections'),
    getJSON('/api').catch(() => ({ paths: {} })),
  ]);
  const ids = new Map((collections.collections || []).map((c) => [c.id, c]));
  const paths = new Set(Object.keys(openapi.paths || {}));
  const links = landing.links || [];
  return {
    landing,
    collections: ids,
    paths,
    links,
    hasCollection: (id) => ids.has(id),
    /** true when the API lists the path, or one below it ("/dossiers" matches "/dossiers/{id}") */
    has: (path) => [...paths].some((p) => p === path || p.startsWith(`${path}/`)),
  };
}
