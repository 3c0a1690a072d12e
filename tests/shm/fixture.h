/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every file of test_shm shares: the handles of a test, its error
 * buffer, fresh instance names and state files (all removed by the suite
 * "shm"'s teardown, fixture.c), the data plane's side of a segment, and
 * list edits to publish. Every test uses its own instance names
 * (fgtest-PID-N) and removes them.
 */
#ifndef FG_TEST_SHM_FIXTURE_H
#define FG_TEST_SHM_FIXTURE_H

#include <stdbool.h>

#include "fg_lists.h"
#include "fg_shm.h"
#include "test_util.h"

/* A test's handles, closed by the teardown. */
extern struct fg_shm_handle h, h2, h3;
extern char err[1024];

/* A fresh instance name of this test (removed by teardown). */
const char *inst(void);
/* A temporary file name of this test (removed, with .prev and .tmp). */
const char *tmp_path(void);
/* The data plane's side: create @p name (a prefix set of test_pfx_cfg()),
 * set up its empty prefix set and publish the magic. */
void ready(struct fg_shm_handle *x, const char *name);
/* fg_shm_create() of @p name with a prefix set of test_pfx_cfg(), the
 * reason in err. */
int create(struct fg_shm_handle *x, const char *name, gid_t gid);

/* An edit: add (or delete) items, or fail with ret. */
struct edit {
	unsigned int n;
	struct fg_list_item it[8];
	bool del;
	int ret;
	unsigned int calls;
	bool overfill;          /* leave a count above the maximum */
};

/* fg_shm_lists_update()'s edit: apply the struct edit at @p arg. */
int edit_fn(struct fg_fed_lists *next, void *arg);
/* fg_shm_lists_update() of @p e through @p x, waiting up to @p ms for the
 * readers: it must succeed and publish generation @p gen. */
void update_ok(struct fg_shm_handle *x, struct edit *e, uint32_t ms, uint64_t gen);
/* An edit adding the one item @p verb @p text. */
struct edit adding(const char *verb, const char *text);
/* Zeroed lists from calloc(); the caller frees them. */
struct fg_fed_lists *lists_new(void);

#endif /* FG_TEST_SHM_FIXTURE_H */
