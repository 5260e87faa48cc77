/*
 * progress: terminal progress bar or plain lines; see progress.h.
 */
#include "io/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

progress_mode progress_auto(void) { return isatty(2) ? PROGRESS_BAR : PROGRESS_LINES; }

void progress_start(progress *p, progress_mode mode, const char *label, const char *unit)
{
    p->mode = mode;
    p->label = label;
    p->unit = unit;
    p->start_us = p->last_us = now_us();
    p->last_step = 0;
    p->drawn = 0;
}

double progress_elapsed_s(const progress *p) { return (double)(now_us() - p->start_us) / 1e6; }

static void format_time(double s, char *out, size_t n)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(out, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(out, n, "%ld:%02ld", t / 60, t % 60);
}

void progress_update(progress *p, long done, long total)
{
    if (p->mode == PROGRESS_OFF)
        return;
    int64_t t = now_us();
    double el = (double)(t - p->start_us) / 1e6;
    double rate = el > 0 ? (double)done / el : 0;
    if (p->mode == PROGRESS_BAR) {
        if (t - p->last_us < 100000 && p->drawn)
            return;
        p->last_us = t;
        p->drawn = 1;
        if (total > 0) {
            int width = 24, fill = (int)((double)done * width / (double)total);
            if (fill > width)
                fill = width;
            char bar[32];
            for (int i = 0; i < width; i++)
                bar[i] = i < fill ? '#' : '.';
            bar[width] = 0;
            char left[24] = "?";
            if (rate > 0)
                format_time((double)(total - done) / rate, left, sizeof left);
            fprintf(stderr, "\r%s [%s] %3ld%%  %ld/%ld %s  %.0f %s/s  %s left   ", p->label, bar,
                    (long)((double)done * 100 / (double)total), done, total, p->unit, rate, p->unit, left);
        } else {
            fprintf(stderr, "\r%s  %ld %s  %.0f %s/s   ", p->label, done, p->unit, rate, p->unit);
        }
        fflush(stderr);
        return;
    }
    long step = total > 0 ? (long)((double)done * 10 / (double)total) : 0;
    if (step > p->last_step || t - p->last_us >= 10000000) {
        p->last_step = step > p->last_step ? step : p->last_step;
        p->last_us = t;
        if (total > 0)
            fprintf(stderr, "%s: %ld/%ld %s (%ld%%), %.0f %s/s\n", p->label, done, total, p->unit,
                    (long)((double)done * 100 / (double)total), rate, p->unit);
        else
            fprintf(stderr, "%s: %ld %s, %.0f %s/s\n", p->label, done, p->unit, rate, p->unit);
    }
}

void progress_end(progress *p, long done)
{
    if (p->mode == PROGRESS_OFF)
        return;
    double el = progress_elapsed_s(p);
    char took[24];
    format_time(el, took, sizeof took);
    fprintf(stderr, "%s%s: %ld %s in %s (%.0f %s/s)%s\n", p->mode == PROGRESS_BAR ? "\r" : "", p->label, done,
            p->unit, took, el > 0 ? (double)done / el : 0, p->unit, p->mode == PROGRESS_BAR ? "                    " : "");
}
