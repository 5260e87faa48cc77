/*
 * Optional modules of the interface, each switched on by the server route it needs (as the
 * server's OpenAPI document lists it), so the map never shows a tool the server cannot serve and
 * never requests a route it lacks. Signing in is not one of them: auth.js runs before everything.
 *
 * A module is a file in this folder exporting mount(app), where app is
 *   { map, caps, me, t, panel, openFacility(id) }  (me: GET /auth/me, the caller and its role;
 *   panel: the facility panel, whose addSection() takes a module's section)
 * and `requires` lists the OpenAPI paths (caps.has) that must all exist. The OpenAPI document lists
 * every route whatever the role, so a module also asks the server what the caller's role may do
 * (OPTIONS, whose Allow header follows the role) and answers false from mount() when nothing.
 * Planned modules, to add here as their server routes land:
 *   dossiers.js   requires ['/dossiers']                 the one-stop dossier queue
 *   stats.js      requires ['/stats/one-stop']           the dashboard
 */
export const MODULES = [
  // Editing a facility, its position, sources and devices (licensing, admin: PATCH/POST allowed).
  { id: 'edit', requires: ['/collections/facilities/items/{featureId}'], load: () => import('./edit.js') },
  // A facility's audit trail (licensing, leader, admin: GET allowed on .../history).
  { id: 'history', requires: ['/collections/facilities/items/{featureId}/history'], load: () => import('./history.js') },
  // Everything within a radius or inside a drawn area, with exports.
  { id: 'proximity', requires: ['/proximity'], load: () => import('./proximity.js') },
  // Alerts (lost and stolen sources) and the zones of a source, for roles that see sources.
  { id: 'zones', requires: ['/alerts', '/sources/{p1}/zones'], load: () => import('./zones.js') },
  // The one-stop dossier queue, its imports, and the dashboard (staff whose role may GET them).
  { id: 'dossiers', requires: ['/dossiers', '/dossiers/{p1}/steps'], load: () => import('./dossiers.js') },
  { id: 'stats', requires: ['/stats/one-stop'], load: () => import('./stats.js') },
];

/** Mount every module whose routes the server has; returns the ids mounted. */
export async function mountModules(app) {
  const mounted = [];
  for (const m of MODULES) {
    if (!m.requires.every((p) => app.caps.has(p))) continue;
    const mod = await m.load();
    if ((await mod.mount(app)) === false) continue; // the caller's role may not use it
    mounted.push(m.id);
  }
  return mounted;
}
