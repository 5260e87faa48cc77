/*
 * iaea: radioactive decay and the IAEA source categorisation (RS-G-1.9), pure arithmetic.
 *
 * Facts behind it (bands, D-values, units) are in geodata/README.md. Category 1: A/D >= 1000;
 * 2: 1000 > A/D >= 10; 3: 10 > A/D >= 1; 4: 1 > A/D >= 0.01; 5: below 0.01 (exemption levels
 * are unknown, so a 5 is always reported "exemption not checked").
 */
#ifndef RADMAP_IAEA_H
#define RADMAP_IAEA_H

/* Activity after elapsed_s seconds: A0 * 2^(-t/T). elapsed_s may be negative (a future reference
 * date gives a larger value); half_life_s must be > 0, else the result is NaN (unknown), which
 * iaea_category turns into 0. */
double iaea_decay_bq(double activity_bq, double elapsed_s, double half_life_s);
/* A/D with A in Bq and D in TBq; returns a negative value when d_value_tbq is not > 0 (unknown). */
double iaea_a_over_d(double activity_bq, double d_value_tbq);
/* Category 1..5 for an A/D ratio >= 0; 0 when a_over_d is negative (no D-value) or NaN. */
int iaea_category(double a_over_d);

#endif
