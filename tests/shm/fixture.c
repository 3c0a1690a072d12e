/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fixture of test_shm (shm/fixture.h): the handles, instance names
 * and state files a test uses, removed after it by the suite's teardown.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fixture.h"

struct fg_shm_handle h, h2, h3;
static char names[8][FG_SHM_NAME_MAX];
static unsigned int nnames;
static char paths[4][200];
static unsigned int npaths;
char err[1024];

static void
teardown(void)
{
	char n[FG_SHM_NAME_MAX + 8];

	fg_shm_close(&h, false);
	fg_shm_close(&h2, false);
	fg_shm_close(&h3, false);
	for (unsigned int i = 0; i < nnames; i++) {
		snprintf(n, sizeof(n), "/%s", names[i]);
		shm_unlink(n);
	}
	for (unsigned int i = 0; i < npaths; i++) {
		char p[220];

		unlink(paths[i]);
		snprintf(p, sizeof(p), "%s.prev", paths[i]);
		unlink(p);
		snprintf(p, sizeof(p), "%s.tmp", paths[i]);
		unlink(p);
	}
}

TestSuite(shm, .fini = teardown);

/* A fresh instance name of this test (removed by teardown). */
const char *
inst(void)
{
	cr_assert_lt(nnames, 8);
	snprintf(names[nnames], sizeof(names[0]), "fgtest-%d-%u", (int)getpid(), nnames);
	return names[nnames++];
}

/* A temporary file name of this test (removed, with .prev and .tmp). */
const char *
tmp_path(void)
{
	cr_assert_lt(npaths, 4);
	snprintf(paths[npaths], sizeof(paths[0]), "/tmp/fgtest-%d-%u.state", (int)getpid(),
		 npaths);
	return paths[npaths++];
}

/* The data plane's side: create @p name (a prefix set of test_pfx_cfg()),
 * set up its empty prefix set and publish the magic. */
void
ready(struct fg_shm_handle *x, const char *name)
{
	struct fg_pfxset_cfg cfg = test_pfx_cfg();

	err[0] = '\0';
	cr_assert_eq(fg_shm_create(x, name, (gid_t)-1, &cfg, err, sizeof(err)), 0, "%s", err);
	/* as the data plane: an empty prefix set, before the magic */
	cr_assert_eq(fg_pfxset_init(fg_shm_pfx(x), x->s->h.pfx_size, &cfg, 0x5eed), 0);
	x->s->h.magic = FG_SHM_MAGIC;
}

int
edit_fn(struct fg_fed_lists *next, void *arg)
{
	struct edit *e = arg;

	e->calls++;
	for (unsigned int i = 0; i < e->n; i++) {
		int rc = e->del ? fg_lists_del(next, &e->it[i]) : fg_lists_add(next, &e->it[i]);

		if (rc != 0)
			return rc;
	}
	if (e->overfill)
		next->nallow_dom = FG_FED_LIST_MAX + 1;
	return e->ret;
}

void
update_ok(struct fg_shm_handle *x, struct edit *e, uint32_t ms, uint64_t gen)
{
	cr_assert_eq(fg_shm_lists_update(x, edit_fn, e, ms, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(x->s->gen, gen);
}

struct edit
adding(const char *verb, const char *text)
{
	struct edit e = { .n = 1 };

	e.it[0] = item(verb, text);
	return e;
}

struct fg_fed_lists *
lists_new(void)
{
	struct fg_fed_lists *l = calloc(1, sizeof(*l));

	cr_assert_not_null(l);
	return l;
}

int
create(struct fg_shm_handle *x, const char *name, gid_t gid)
{
	struct fg_pfxset_cfg cfg = test_pfx_cfg();

	return fg_shm_create(x, name, gid, &cfg, err, sizeof(err));
}
