/*
 * progress: the progress of a long command on standard error. On a terminal, one line redrawn in
 * place: a bar, the percentage, the count, the rate and the time left. Otherwise (a log, a pipe),
 * plain lines at each tenth of the work or every ten seconds, so logs stay readable.
 */
#ifndef RADMAP_PROGRESS_H
#define RADMAP_PROGRESS_H

#include <stdint.h>

typedef enum progress_mode { PROGRESS_OFF = 0, PROGRESS_BAR, PROGRESS_LINES } progress_mode;

typedef struct progress {
    progress_mode mode;
    const char *label;      /* "import facilities" */
    const char *unit;       /* "rows", "tiles" */
    int64_t start_us, last_us;
    long last_step;         /* tenths reported (lines mode) */
    int drawn;
} progress;

/* The mode for standard error: a bar on a terminal, lines otherwise. */
progress_mode progress_auto(void);
void progress_start(progress *p, progress_mode mode, const char *label, const char *unit);
/* done of total (total <= 0: unknown). Cheap to call often: it redraws at most ten times a second. */
void progress_update(progress *p, long done, long total);
/* The final line: done units in the elapsed time. */
void progress_end(progress *p, long done);
/* Elapsed seconds since start. */
double progress_elapsed_s(const progress *p);

#endif
