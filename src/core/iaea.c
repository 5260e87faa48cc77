/*
 * iaea: radioactive decay and the RS-G-1.9 category of a source; see iaea.h for the contract and
 * geodata/README.md for where the bands and D-values come from.
 *
 * Decay is written as A0 * 2^(-t/T) rather than A0 * exp(-ln2 t / T) so that whole numbers of
 * half-lives give exact halves (exp2 of an integer is exact), which is what a person checking a
 * register by hand expects. Band edges are compared exactly, as the bands are written: a source
 * exactly at A/D = 10 is Category 2.
 */
#include "core/iaea.h"

#include <math.h>

#define IAEA_BQ_PER_TBQ 1e12

double iaea_decay_bq(double activity_bq, double elapsed_s, double half_life_s)
{
    if (!(half_life_s > 0)) /* also catches NaN: an unknown half-life decays to "unknown" */
        return NAN;
    return activity_bq * exp2(-elapsed_s / half_life_s);
}

double iaea_a_over_d(double activity_bq, double d_value_tbq)
{
    if (!(d_value_tbq > 0))
        return -1.0;
    return activity_bq / (d_value_tbq * IAEA_BQ_PER_TBQ);
}

int iaea_category(double a_over_d)
{
    if (isnan(a_over_d) || a_over_d < 0)
        return 0;
    if (a_over_d >= 1000)
        return 1;
    if (a_over_d >= 10)
        return 2;
    if (a_over_d >= 1)
        return 3;
    if (a_over_d >= 0.01)
        return 4;
    return 5;
}
