/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-mem: what this machine's memory gives one core: cycles per random
 * 64-byte line read from an array of SIZE MiB, with the next reads
 * prefetched DIST iterations ahead (0: none, the CPU's own overlap only).
 * The floor under any table lookup that misses the caches.
 *
 * Usage: bench-mem SIZE_MIB DIST
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int
main(int argc, char **argv)
{
	size_t sz, n = 1u << 22, lines;
	uint32_t *idx;
	uint64_t s = 88172645463325252ull, acc = 0, t0, t1;
	int dist;
	char *m;

	if (argc != 3 || atol(argv[1]) <= 0 || atoi(argv[2]) < 0) {
		fprintf(stderr, "usage: bench-mem SIZE_MIB DIST\n");
		return 2;
	}
	sz = (size_t)atol(argv[1]) << 20;
	dist = atoi(argv[2]);
	lines = sz / 64;
	m = mmap(NULL, sz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (m == MAP_FAILED) {
		m = aligned_alloc(2u << 20, sz);
		if (m != NULL)
			madvise(m, sz, MADV_HUGEPAGE);
	}
	idx = malloc(n * sizeof(*idx));
	if (m == NULL || idx == NULL) {
		fprintf(stderr, "bench-mem: out of memory\n");
		return 1;
	}
	memset(m, 1, sz);
	for (size_t i = 0; i < n; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		idx[i] = (uint32_t)(s % lines);
	}
	t0 = __builtin_ia32_rdtsc();
	for (size_t i = 0; i < n; i++) {
		if (dist)
			__builtin_prefetch(m + (size_t)idx[(i + (size_t)dist) & (n - 1)] * 64);
		acc += (uint64_t)m[(size_t)idx[i] * 64];
	}
	t1 = __builtin_ia32_rdtsc();
	printf("size_mib=%zu dist=%d cycles_per_line=%.1f check=%llu\n", sz >> 20,
	       dist, (double)(t1 - t0) / (double)n, (unsigned long long)(acc & 1));
	return 0;
}
