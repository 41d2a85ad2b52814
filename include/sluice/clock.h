/*
 * clock.h - the clocks and the sleep everything in sluice uses.
 *
 * Wall-clock time (CLOCK_REALTIME) is what event and processing times,
 * timestamps shown to users and file names are made of; monotonic time
 * (CLOCK_MONOTONIC) is what intervals, timeouts and rates are measured
 * with, so that a clock set back or forward does not stretch them.
 *
 * Entry points: sl_clock_wall_us, sl_clock_mono_us, sl_sleep_us.
 */
#ifndef SLUICE_CLOCK_H
#define SLUICE_CLOCK_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

/* Microseconds since the Unix epoch. */
static inline int64_t sl_clock_wall_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Microseconds of a clock that never goes back (since an arbitrary start). */
static inline int64_t sl_clock_mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Sleeps us microseconds (the whole time: a signal does not cut it short). */
static inline void sl_sleep_us(int64_t us)
{
    struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000};

    while (us > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

#endif
