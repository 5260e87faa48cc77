/*
 * Unit tests of core/replay.c (a source's state from its transactions) and of the key normalisation
 * of db/lifecycle.c used by the catalogue and the reconciliation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/replay.h"
#include "db/lifecycle.h"

static bool pos(void *arg, int64_t id, double *lon, double *lat)
{
    (void)arg;
    if (id < 1 || id > 3)
        return false;
    *lon = 106.0 + (double)id / 10;
    *lat = 10.0 + (double)id / 10;
    return true;
}

static int apply(replay_state *s, const char *kind, int64_t to, const char *status)
{
    char why[300];
    replay_tx tx = {.kind = kind, .to_facility_id = to, .status_after = status};
    return replay_apply(s, &tx, pos, NULL, why, sizeof why);
}

static void test_receipt_transfer_disuse_return(void **state)
{
    (void)state;
    replay_state s = {0};
    assert_int_equal(apply(&s, "receipt", 1, NULL), 0);
    assert_true(s.facility_id == 1 && strcmp(s.status, "in_use") == 0 && !s.own_location);
    assert_true(s.lon == 106.1 && s.lat == 10.1);
    assert_int_equal(apply(&s, "transfer", 2, "stored"), 0);
    assert_true(s.facility_id == 2 && strcmp(s.status, "stored") == 0 && s.lon == 106.2);
    assert_int_equal(apply(&s, "transfer", 2, NULL), -1); /* already there */
    assert_int_equal(apply(&s, "disuse", 0, NULL), 0);
    assert_string_equal(s.status, "disused");
    assert_int_equal(apply(&s, "return", 0, NULL), 0);
    assert_string_equal(s.status, "transferred");
    assert_int_equal(apply(&s, "transfer", 3, NULL), -1); /* out of the register */
    assert_int_equal(apply(&s, "receipt", 3, NULL), 0);   /* comes back */
    assert_int_equal(s.facility_id, 3);
}

static void test_loss_and_recovery(void **state)
{
    (void)state;
    replay_state s = {0};
    char why[300];
    assert_int_equal(apply(&s, "receipt", 1, NULL), 0);
    replay_tx loss = {.kind = "loss", .has_place = true, .lon = 106.5, .lat = 10.5};
    assert_int_equal(replay_apply(&s, &loss, pos, NULL, why, sizeof why), 0);
    assert_true(strcmp(s.status, "lost") == 0 && s.own_location && s.lon == 106.5);
    assert_int_equal(apply(&s, "transfer", 2, NULL), -1);
    assert_int_equal(apply(&s, "disuse", 0, NULL), -1);
    assert_int_equal(apply(&s, "theft", 0, NULL), 0);
    assert_string_equal(s.status, "stolen");
    assert_int_equal(apply(&s, "recovery", 1, "stored"), 0);
    assert_true(strcmp(s.status, "stored") == 0 && !s.own_location && s.lon == 106.1);
    assert_int_equal(apply(&s, "recovery", 1, NULL), -1); /* not lost */
}

static void test_exchange_and_temporary_site(void **state)
{
    (void)state;
    replay_state s = {0};
    char why[300];
    replay_tx ex = {.kind = "exchange", .to_facility_id = 2, .container = "camera 880 #1"};
    assert_int_equal(replay_apply(&s, &ex, pos, NULL, why, sizeof why), 0);
    assert_string_equal(s.container, "camera 880 #1");
    replay_tx site = {.kind = "temporary_site", .has_place = true, .lon = 106.9, .lat = 10.9};
    assert_int_equal(replay_apply(&s, &site, pos, NULL, why, sizeof why), 0);
    assert_true(s.own_location && s.lon == 106.9 && s.facility_id == 2);
    assert_int_equal(apply(&s, "site_end", 0, NULL), 0);
    assert_true(!s.own_location && s.lon == 106.2);
    assert_int_equal(apply(&s, "site_end", 0, NULL), -1);
    assert_int_equal(apply(&s, "disposal", 0, NULL), 0);
    assert_true(strcmp(s.status, "disposed") == 0 && s.container[0] == '\0');
}

static void test_first_transaction_and_errors(void **state)
{
    (void)state;
    replay_state s = {0};
    char why[300];
    assert_int_equal(apply(&s, "transfer", 1, NULL), -1);
    assert_int_equal(apply(&s, "receipt", 9, NULL), -1); /* no such facility */
    assert_false(s.started);
    replay_tx bad = {.kind = "teleport"};
    assert_int_equal(replay_apply(&s, &bad, pos, NULL, why, sizeof why), -1);
    assert_non_null(strstr(why, "teleport"));
    /* an orphan: recovered into custody at the place it was found */
    replay_tx found = {.kind = "recovery", .to_facility_id = 3, .has_place = true, .lon = 106.7, .lat = 10.7};
    assert_int_equal(replay_apply(&s, &found, pos, NULL, why, sizeof why), 0);
    assert_true(strcmp(s.status, "found") == 0 && s.own_location && s.facility_id == 3);
    /* a status the kind does not lead to */
    assert_int_equal(apply(&s, "disuse", 0, "in_use"), -1);
}

static void test_norm_key(void **state)
{
    (void)state;
    char a[64], b[64];
    lifecycle_norm_key("Amersham plc", true, a, sizeof a);
    lifecycle_norm_key("AMERSHAM Co., Ltd.", true, b, sizeof b);
    assert_string_equal(a, "amersham");
    assert_string_equal(b, "amersham");
    lifecycle_norm_key("IR-1234 / b", false, a, sizeof a);
    assert_string_equal(a, "ir1234b");
    lifecycle_norm_key("Đông Á", false, a, sizeof a);
    assert_string_equal(a, "donga");
    lifecycle_norm_key(NULL, false, a, sizeof a);
    assert_string_equal(a, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_receipt_transfer_disuse_return),
        cmocka_unit_test(test_loss_and_recovery),
        cmocka_unit_test(test_exchange_and_temporary_site),
        cmocka_unit_test(test_first_transaction_and_errors),
        cmocka_unit_test(test_norm_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
