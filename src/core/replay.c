/*
 * replay: a source's state from its transactions; see replay.h.
 *
 * Statuses in which the source is held by its facility: in_use, stored, disused, found. Out of the
 * register: transferred (returned, exported, sent to a holder outside the register) and disposed;
 * only a receipt brings it back. Missing: lost, stolen; only a recovery (or a theft of a lost
 * source, once it is known to be stolen) follows.
 */
#include "core/replay.h"

#include <stdio.h>
#include <string.h>

const char *const replay_kinds[] = {"receipt", "transfer", "exchange", "temporary_site", "site_end", "disuse",
                                    "return", "disposal", "loss", "theft", "recovery", NULL};

bool replay_kind_known(const char *kind)
{
    for (const char *const *k = replay_kinds; *k; k++)
        if (kind && strcmp(*k, kind) == 0)
            return true;
    return false;
}

static bool is(const char *a, const char *b) { return a && strcmp(a, b) == 0; }

static bool held(const char *status)
{
    return is(status, "in_use") || is(status, "stored") || is(status, "disused") || is(status, "found");
}

static bool one_of(const char *v, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(*list, v) == 0)
            return true;
    return false;
}

int replay_apply(replay_state *s, const replay_tx *tx, replay_facility_pos pos, void *arg, char *why, size_t n)
{
    static const char *const any[] = {"in_use", "stored", "disused", "transferred", "disposed", "lost", "stolen",
                                      "found", NULL};
    static const char *const use_or_store[] = {"in_use", "stored", NULL};
    static const char *const only_in_use[] = {"in_use", NULL};
    static const char *const only_disused[] = {"disused", NULL};
    static const char *const only_transferred[] = {"transferred", NULL};
    static const char *const only_disposed[] = {"disposed", NULL};
    static const char *const only_stored[] = {"stored", NULL};
    static const char *const only_lost[] = {"lost", NULL};
    static const char *const only_stolen[] = {"stolen", NULL};
    static const char *const only_found[] = {"found", NULL};
    const char *k = tx->kind, *cur = s->started ? s->status : NULL;
    replay_state t = *s;
    const char *const *allowed = NULL;
    bool at_facility = false;   /* the source ends at its (new) facility */
    bool needs_facility = false;
    if (!replay_kind_known(k)) {
        snprintf(why, n, "unknown transaction kind '%.40s'", k ? k : "");
        return -1;
    }
    if (!s->started && !is(k, "receipt") && !is(k, "exchange") && !is(k, "recovery")) {
        snprintf(why, n, "a source's first transaction is a receipt, an exchange into a container, or the recovery "
                 "of a source found without an owner; not a %s", k);
        return -1;
    }
    if (is(k, "receipt")) {
        if (cur && !is(cur, "transferred") && !is(cur, "disposed")) {
            snprintf(why, n, "a receipt records a source coming into the register; this one is already %s "
                     "(record a transfer between facilities instead)", cur);
            return -1;
        }
        allowed = s->started ? use_or_store : any; /* the first receipt may open the record as it stands */
        needs_facility = true;
        at_facility = !tx->has_place;
    } else if (is(k, "transfer")) {
        if (!held(cur)) {
            snprintf(why, n, "only a source held by a facility can be transferred; this one is %s", cur);
            return -1;
        }
        if (tx->to_facility_id == s->facility_id) {
            snprintf(why, n, "the source is already held by facility %lld", (long long)s->facility_id);
            return -1;
        }
        allowed = use_or_store;
        needs_facility = true;
        at_facility = true;
    } else if (is(k, "exchange")) {
        if (cur && !held(cur)) {
            snprintf(why, n, "only a source held by a facility can be put into a device or container; this one is %s",
                     cur);
            return -1;
        }
        if (!tx->container || !*tx->container) {
            snprintf(why, n, "an exchange names the device or container the source goes into");
            return -1;
        }
        allowed = use_or_store;
        needs_facility = !s->started;
        at_facility = true;
    } else if (is(k, "temporary_site")) {
        if (!is(cur, "in_use") && !is(cur, "stored")) {
            snprintf(why, n, "only a source in use or in store goes to a temporary site; this one is %s", cur);
            return -1;
        }
        if (!tx->has_place) {
            snprintf(why, n, "a temporary site needs its place (lon, lat)");
            return -1;
        }
        allowed = only_in_use;
    } else if (is(k, "site_end")) {
        if (!s->own_location || !(is(cur, "in_use") || is(cur, "stored"))) {
            snprintf(why, n, "the source is not at a temporary site");
            return -1;
        }
        allowed = use_or_store;
        at_facility = true;
    } else if (is(k, "disuse")) {
        if (!held(cur) || is(cur, "disused")) {
            snprintf(why, n, "only a source in use, in store or recovered can be declared disused; this one is %s", cur);
            return -1;
        }
        allowed = only_disused;
        at_facility = true;
    } else if (is(k, "return") || is(k, "disposal")) {
        if (!held(cur)) {
            snprintf(why, n, "only a source held by a facility can be %s; this one is %s",
                     is(k, "return") ? "returned" : "disposed of", cur);
            return -1;
        }
        if (is(k, "disposal") && tx->to_facility_id) {
            allowed = only_stored; /* central storage at a facility of the register */
            needs_facility = true;
            at_facility = true;
        } else {
            allowed = is(k, "return") ? only_transferred : only_disposed;
        }
    } else if (is(k, "loss")) {
        if (!held(cur)) {
            snprintf(why, n, "only a source held by a facility can be lost; this one is %s", cur);
            return -1;
        }
        allowed = only_lost;
    } else if (is(k, "theft")) {
        if (!held(cur) && !is(cur, "lost")) {
            snprintf(why, n, "only a held or lost source can be stolen; this one is %s", cur);
            return -1;
        }
        allowed = only_stolen;
    } else { /* recovery */
        if (cur && !is(cur, "lost") && !is(cur, "stolen")) {
            snprintf(why, n, "only a lost or stolen source can be recovered; this one is %s", cur);
            return -1;
        }
        if (!s->started && !tx->to_facility_id) {
            snprintf(why, n, "a source found without an owner is recovered into the custody of a facility "
                     "(to_facility_id)");
            return -1;
        }
        if (tx->to_facility_id && !tx->has_place) {
            allowed = use_or_store;
            needs_facility = true;
            at_facility = true;
        } else {
            allowed = only_found;
            needs_facility = tx->to_facility_id != 0;
            if (!tx->has_place && !s->started) {
                snprintf(why, n, "a recovery without a facility needs the place where the source was found");
                return -1;
            }
        }
    }
    if (needs_facility && !tx->to_facility_id) {
        snprintf(why, n, "a %s names the facility that receives the source (to_facility_id)", k);
        return -1;
    }
    const char *status = tx->status_after ? tx->status_after : allowed[0];
    if (!one_of(status, allowed)) {
        snprintf(why, n, "a %s cannot leave the source %s", k, status);
        return -1;
    }
    if (tx->to_facility_id)
        t.facility_id = tx->to_facility_id;
    snprintf(t.status, sizeof t.status, "%s", status);
    if (tx->has_place && !is(k, "site_end") && !is(k, "disuse")) {
        t.own_location = true;
        t.lon = tx->lon;
        t.lat = tx->lat;
    } else if (at_facility) {
        double lon, lat;
        if (!pos(arg, t.facility_id, &lon, &lat)) {
            snprintf(why, n, "facility %lld does not exist", (long long)t.facility_id);
            return -1;
        }
        t.own_location = false;
        t.lon = lon;
        t.lat = lat;
    } else if (tx->to_facility_id && !pos(arg, tx->to_facility_id, &(double){0}, &(double){0})) {
        snprintf(why, n, "facility %lld does not exist", (long long)tx->to_facility_id);
        return -1;
    }
    if (is(k, "exchange"))
        snprintf(t.container, sizeof t.container, "%s", tx->container);
    else if (is(k, "return") || is(k, "disposal"))
        t.container[0] = '\0';
    t.started = true;
    *s = t;
    return 0;
}
