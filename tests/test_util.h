/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What several tests need, written once. Plain C, here: the clocks. The
 * Criterion tests' helpers are in
 * test_util.c, linked into them only: an item that must parse, two lists
 * that must be equal, and the sample lists.
 */
#ifndef FG_TEST_UTIL_H
#define FG_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "fg_lists.h"

/* Clock @p c in ns. */
static inline uint64_t
clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CLOCK_MONOTONIC in ns: real time for a test's deadlines, never an
 * argument of the code under test. */
static inline uint64_t
mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* ---- Criterion tests only (test_util.c) ---------------------------------- */

#define DOM63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example"   /* 63 */
#define DOM64 "a" DOM63

/* Entries of every list, as an operator would type them. */
extern const char *const sample[][2];
extern const size_t nsample;

/* Parse that must succeed. */
struct fg_list_item item(const char *verb, const char *text);
/* fg_list_item_parse_in() that must succeed. */
struct fg_list_item item_in(enum fg_list l, const char *text);
/* Add every sample entry to @p l. */
void fill_sample(struct fg_fed_lists *l);
/* How fg_list_item_print() writes @p it (a static buffer). */
char *printed(const struct fg_list_item *it);
/* fg_lists_save() of @p l into a malloc'ed buffer. */
char *save(const struct fg_fed_lists *l, size_t *len);
/* Fail unless @p a and @p b hold the same entries in the same order. */
void expect_lists_eq(const struct fg_fed_lists *a, const struct fg_fed_lists *b);

#endif /* FG_TEST_UTIL_H */
