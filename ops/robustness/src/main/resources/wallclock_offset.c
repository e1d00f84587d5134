/*
 * LD_PRELOAD shim for the robustness suite's clock-jump fault: adds an offset to the wall clock
 * (CLOCK_REALTIME and its coarse variant, gettimeofday, time) of one process, and leaves every
 * other clock alone, as an NTP step on a real machine does. The offset, in milliseconds, is read
 * from the file named by KINKO_WALLCLOCK_OFFSET_FILE at most every 100 ms (monotonic time).
 *
 * Why not libfaketime: under it an idle JVM burns about 7 CPU seconds in 7 s (a futex storm on
 * its internal lock; measured on this machine), which starves a 2-core run. This shim takes no
 * lock and uses only async-signal-safe calls (open, read, close).
 *
 * Built by the suite at run time: gcc -O2 -shared -fPIC -o wallclock_offset.so wallclock_offset.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define NANOS 1000000000LL
#define CHECK_EVERY_NANOS 100000000LL

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

static _Atomic(clock_gettime_fn) real_clock_gettime;
static _Atomic long long offset_nanos;
static _Atomic long long next_check_nanos;

static clock_gettime_fn real(void) {
    clock_gettime_fn f = atomic_load(&real_clock_gettime);
    if (f == NULL) {
        f = (clock_gettime_fn) dlsym(RTLD_NEXT, "clock_gettime");
        atomic_store(&real_clock_gettime, f);
    }
    return f;
}

/* Re-reads the offset file when due; one thread wins the check, the others use the last offset. */
static void refresh(void) {
    const char *path = getenv("KINKO_WALLCLOCK_OFFSET_FILE");
    if (path == NULL) {
        return;
    }
    struct timespec m;
    if (real()(CLOCK_MONOTONIC, &m) != 0) {
        return;
    }
    long long now = m.tv_sec * NANOS + m.tv_nsec;
    long long due = atomic_load(&next_check_nanos);
    if (now < due || !atomic_compare_exchange_strong(&next_check_nanos, &due, now + CHECK_EVERY_NANOS)) {
        return;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return;
    }
    char buf[32];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) {
        return;
    }
    buf[n] = '\0';
    char *end;
    long long millis = strtoll(buf, &end, 10);
    if (end != buf) {
        atomic_store(&offset_nanos, millis * 1000000LL);
    }
}

int clock_gettime(clockid_t clock, struct timespec *ts) {
    int r = real()(clock, ts);
    if (r == 0 && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) {
        refresh();
        long long t = ts->tv_sec * NANOS + ts->tv_nsec + atomic_load(&offset_nanos);
        ts->tv_sec = t / NANOS;
        ts->tv_nsec = t % NANOS;
    }
    return r;
}

int gettimeofday(struct timeval *tv, void *tz) {
    (void) tz;
    struct timespec ts;
    int r = clock_gettime(CLOCK_REALTIME, &ts);
    if (r == 0) {
        tv->tv_sec = ts.tv_sec;
        tv->tv_usec = ts.tv_nsec / 1000;
    }
    return r;
}

time_t time(time_t *out) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (out != NULL) {
        *out = ts.tv_sec;
    }
    return ts.tv_sec;
}
