#include "FusionKitKernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

/* A pool of worker threads that spin for a short while after each job before they sleep, so
 * that a job that follows soon starts on them without waking a sleeping thread (see
 * fk_pool_run). One job runs at a time; a job submitted while another runs (from another thread,
 * or from inside a task) runs on the submitting thread alone. A companion job (fk_pool_try_start)
 * runs one task on the first worker while the submitting thread goes on with its own work; the
 * pool is free again as soon as the companion task returns, so the submitting thread's later
 * jobs use every core. */

enum { FK_MAX_WORKERS = 63 };

static pthread_once_t fk_pool_once = PTHREAD_ONCE_INIT;
static long fk_workers = 0;
static long fk_wanted_workers = -1; /* set by fk_pool_configure before the start; -1: cores − 1 */
/* 1 while a job runs: taken by the submitting thread, given back by it or, after a companion
 * job, by the last worker to finish (a mutex may not be unlocked by another thread). */
static _Atomic int fk_busy = 0;
static pthread_mutex_t fk_sleep = PTHREAD_MUTEX_INITIALIZER;  /* guards sleeping and waking */
static pthread_cond_t fk_wake = PTHREAD_COND_INITIALIZER;
static _Atomic long fk_generation = 0; /* bumped once per job */
static _Atomic long fk_finished = 0;   /* workers done with the current job */
static long fk_sleepers = 0;           /* under fk_sleep */
static _Atomic long fk_spin_nanoseconds = 200000;
static fk_task fk_job_task;
static void *fk_job_context;
static long fk_job_count;
static long fk_job_companion;           /* the current job's companion ticket, 0 for an ordinary job */
static _Atomic long fk_companions_done = 0; /* the ticket of the last companion job that returned */
static long fk_companions_started = 0;       /* under fk_busy */

static long fk_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static inline void fk_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static void *fk_worker(void *argument) {
    long index = (long)argument, seen = 0;
    for (;;) {
        long generation, spins = 0, start = fk_now();
        while ((generation = atomic_load_explicit(&fk_generation, memory_order_acquire)) == seen) {
            fk_relax();
            if (++spins % 256 == 0 && fk_now() - start > atomic_load_explicit(&fk_spin_nanoseconds, memory_order_relaxed)) {
                pthread_mutex_lock(&fk_sleep);
                fk_sleepers++;
                while (atomic_load_explicit(&fk_generation, memory_order_acquire) == seen) pthread_cond_wait(&fk_wake, &fk_sleep);
                fk_sleepers--;
                pthread_mutex_unlock(&fk_sleep);
                start = fk_now();
            }
        }
        seen = generation;
        long companion = fk_job_companion;
        if (index < fk_job_count) fk_job_task(fk_job_context, index);
        if (atomic_fetch_add_explicit(&fk_finished, 1, memory_order_acq_rel) + 1 == fk_workers && companion) {
            /* The last worker done with a companion job ends it: nobody reads the job's fields now. */
            atomic_store_explicit(&fk_companions_done, companion, memory_order_release);
            atomic_store_explicit(&fk_busy, 0, memory_order_release);
        }
    }
    return NULL;
}

void fk_pool_configure(long workers) { fk_wanted_workers = workers < 0 ? 0 : workers; }

static void fk_pool_start(void) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long wanted = fk_wanted_workers >= 0 ? fk_wanted_workers : (cores > 1 ? cores - 1 : 0);
    if (wanted > FK_MAX_WORKERS) wanted = FK_MAX_WORKERS;
    for (long i = 0; i < wanted; i++) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&thread, &attributes, fk_worker, (void *)(i + 1)) == 0) fk_workers++;
        pthread_attr_destroy(&attributes);
    }
}

long fk_pool_workers(void) {
    pthread_once(&fk_pool_once, fk_pool_start);
    return fk_workers;
}

void fk_pool_set_spin(long nanoseconds) {
    atomic_store_explicit(&fk_spin_nanoseconds, nanoseconds < 0 ? 0 : nanoseconds, memory_order_relaxed);
}

static int fk_try_take(void) {
    int expected = 0;
    return atomic_compare_exchange_strong_explicit(&fk_busy, &expected, 1, memory_order_acquire, memory_order_relaxed);
}

/* Publishes a job (fk_busy taken) and wakes sleeping workers. */
static void fk_publish(fk_task task, void *context, long count, long companion) {
    fk_job_task = task;
    fk_job_context = context;
    fk_job_count = count;
    fk_job_companion = companion;
    atomic_store_explicit(&fk_finished, 0, memory_order_relaxed);
    pthread_mutex_lock(&fk_sleep);
    atomic_fetch_add_explicit(&fk_generation, 1, memory_order_acq_rel);
    if (fk_sleepers > 0) pthread_cond_broadcast(&fk_wake);
    pthread_mutex_unlock(&fk_sleep);
}

/* Runs the job on the workers if they are free and enough; returns 0 (having run nothing) if not. */
static int fk_pool_dispatch(fk_task task, void *context, long count) {
    if (count - 1 > fk_workers || !fk_try_take()) return 0;
    fk_publish(task, context, count, 0);
    task(context, 0);
    /* Every worker acknowledges the job (those past `count` at once), so none still reads the
     * job's fields when the next job replaces them. */
    while (atomic_load_explicit(&fk_finished, memory_order_acquire) < fk_workers) fk_relax();
    atomic_store_explicit(&fk_busy, 0, memory_order_release);
    return 1;
}

long fk_pool_try_start(fk_task task, void *context) {
    pthread_once(&fk_pool_once, fk_pool_start);
    if (fk_workers < 1 || !fk_try_take()) return 0;
    long ticket = ++fk_companions_started;
    /* Index 1 runs on the first worker; index 0 is the submitting thread's own work. */
    fk_publish(task, context, 2, ticket);
    return ticket;
}

void fk_pool_wait(long ticket) {
    /* Companion jobs end in the order they started (one at a time), so the last ended ticket
     * reaching this one means this one has ended, even if another companion started since. */
    while (atomic_load_explicit(&fk_companions_done, memory_order_acquire) < ticket) fk_relax();
}

void fk_pool_run(fk_task task, void *context, long count) {
    if (count <= 0) return;
    pthread_once(&fk_pool_once, fk_pool_start);
    if (count > 1 && fk_pool_dispatch(task, context, count)) return;
    for (long i = 0; i < count; i++) task(context, i);
}
