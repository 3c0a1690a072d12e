/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

/*
 * What the micro-benchmarks share: the TSC, its rate, sort orders for
 * medians, and memory the way the data plane gets it (the PRNG and the
 * order of uint64_t are the tests', test_util.h).
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "test_util.h"   /* xorshift(), cmp_u64() */

/* The TSC; without one (not x86) nanoseconds of CLOCK_MONOTONIC: then
 * BENCH_UNIT says "ns" and tsc_per_ns() is about 1. */
#if defined(__x86_64__) || defined(__i386__)
#define BENCH_UNIT "cycles"
static inline uint64_t
now_tsc(void)
{
	return __builtin_ia32_rdtsc();
}
#else
#define BENCH_UNIT "ns"
static inline uint64_t
now_tsc(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif

/* qsort() order of doubles (medians). */
static inline int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* TSC ticks per ns, over a 100 ms sleep. */
static inline double
tsc_per_ns(void)
{
	struct timespec a, b, d = { 0, 100 * 1000 * 1000 };
	uint64_t t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = now_tsc();
	while (nanosleep(&d, &d) != 0 && errno == EINTR)
		;
	t1 = now_tsc();
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(t1 - t0) /
	       ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec));
}

/* @p len bytes from reserved 2 MiB hugepages as the data plane's memory;
 * else transparent huge pages. *@p pages says which. */
static inline void *
bench_mem(size_t len, const char **pages)
{
	size_t l = (len + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
	void *m = mmap(NULL, l, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);

	if (m != MAP_FAILED) {
		*pages = "hugetlb";
		return m;
	}
	m = aligned_alloc(2u << 20, l);
	if (m != NULL)
		madvise(m, l, MADV_HUGEPAGE);
	*pages = "thp";
	return m;
}

#endif /* BENCH_UTIL_H */
