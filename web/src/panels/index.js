/*
 * Optional modules of the interface, each switched on by the server route it needs (as the
 * server's OpenAPI document lists it), so the map never shows a tool the server cannot serve and
 * never requests a route it lacks. Signing in is not one of them: auth.js runs before everything.
 *
 * A module is a file in this folder exporting mount(app), where app is
 *   { map, caps, me, t, openFacility(id) }  (me: GET /auth/me, the caller and its role)
 * and `requires` lists the OpenAPI paths (caps.has) that must all exist. Planned modules, to add
 * here as their server routes land:
 *   edit.js       requires PATCH on /collections/facilities/items/{id} and a role that may edit
 *   dossiers.js   requires ['/dossiers']                 the one-stop dossier queue
 *   stats.js      requires ['/stats/one-stop']           the dashboard
 *   proximity.js  requires ['/proximity']                the proximity tool and zones
 *   alerts.js     requires ['/alerts']                   lost and stolen sources
 */
export const MODULES = [
  // { id: 'proximity', requires: ['/proximity', '/nearest'], load: () => import('./proximity.js') },
];

/** Mount every module whose routes the server has; returns the ids mounted. */
export async function mountModules(app) {
  const mounted = [];
  for (const m of MODULES) {
    if (!m.requires.every((p) => app.caps.has(p))) continue;
    const mod = await m.load();
    await mod.mount(app);
    mounted.push(m.id);
  }
  return mounted;
}
