/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_shm, the mailbox with a thread as the main lcore: a round trip, a
 * timeout that leaves the request pending, a dead data plane.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

struct server {
	struct fg_shm *s;
	unsigned int want, served;
	struct fg_shm_req got[4];
};

/* The main lcore: answers @p want requests (10 s at most). */
static void *
serve(void *arg)
{
	struct server *sv = arg;
	uint64_t deadline = mono_ns() + 10000000000ull;

	while (sv->served < sv->want && mono_ns() < deadline) {
		const struct fg_shm_req *q = fg_shm_pending(sv->s);
		struct fg_shm_resp r;

		if (q == NULL) {
			usleep(20);
			continue;
		}
		sv->got[sv->served] = *q;
		memset(&r, 0, sizeof(r));
		r.rc = q->op == FG_SHM_OP_GET ? 0 : -(int32_t)q->op;
		r.arg = (int32_t)(q->op * 100 + q->addr[15]);
		snprintf(r.msg, sizeof(r.msg), "%.63s=%.400s #%u", q->key, q->value, sv->served);
		fg_shm_answer(sv->s, &r);
		sv->served++;
	}
	return NULL;
}

static struct fg_shm_req
request(uint32_t op, uint8_t a15, const char *key, const char *value)
{
	struct fg_shm_req q;

	memset(&q, 0, sizeof(q));
	q.op = op;
	q.addr[15] = a15;
	snprintf(q.key, sizeof(q.key), "%s", key);
	snprintf(q.value, sizeof(q.value), "%s", value);
	return q;
}

Test(shm, mailbox_round_trip)
{
	struct server sv = { .want = 3 };
	struct fg_shm_req q[3] = {
		request(FG_SHM_OP_GET, 0, "sip-rules.uri_limit", ""),
		request(FG_SHM_OP_WATCH, 7, "", ""),
		request(FG_SHM_OP_SET, 0, "sip-rules.expiry_s", "600"),
	};
	static const char *const msg[3] = {
		"sip-rules.uri_limit= #0", "= #1", "sip-rules.expiry_s=600 #2",
	};
	static const int32_t rc[3] = { 0, -FG_SHM_OP_WATCH, -FG_SHM_OP_SET };
	static const int32_t arg[3] = { 400, 107, 300 };
	pthread_t th;

	ready(&h, inst());
	sv.s = h.s;
	cr_assert_null(fg_shm_pending(h.s));
	cr_assert_eq(pthread_create(&th, NULL, serve, &sv), 0);
	for (int i = 0; i < 3; i++) {
		struct fg_shm_resp r;

		memset(&r, 0xee, sizeof(r));
		cr_assert_eq(fg_shm_call(&h, &q[i], &r, 10000), 0, "call %d", i);
		cr_assert_eq(r.rc, rc[i]);
		cr_assert_eq(r.arg, arg[i]);
		cr_assert_str_eq(r.msg, msg[i]);
	}
	pthread_join(th, NULL);
	cr_assert_eq(sv.served, 3);
	for (int i = 0; i < 3; i++)
		cr_assert_arr_eq(&sv.got[i], &q[i], sizeof(q[i]));
	cr_assert_eq(h.s->req_seq, 3);
	cr_assert_eq(h.s->resp_seq, 3);
	cr_assert_null(fg_shm_pending(h.s));
}

Test(shm, mailbox_timeout_leaves_the_request_pending)
{
	struct fg_shm_req q1 = request(FG_SHM_OP_UNWATCH, 1, "", "");
	struct fg_shm_req q2 = request(FG_SHM_OP_GET, 2, "limits.window_ms", "");
	struct server sv = { .want = 1 };
	struct fg_shm_resp r, stale;
	const struct fg_shm_req *p;
	uint64_t t0, dt;
	pthread_t th;

	ready(&h, inst());
	sv.s = h.s;
	t0 = mono_ns();
	cr_assert_eq(fg_shm_call(&h, &q1, &r, 30), -ETIMEDOUT);
	dt = mono_ns() - t0;
	cr_assert_geq(dt, 30000000u);
	p = fg_shm_pending(h.s);
	cr_assert_not_null(p);
	cr_assert_arr_eq(p, &q1, sizeof(q1));
	/* the next requester does not overwrite an unanswered request */
	cr_assert_eq(fg_shm_call(&h, &q2, &r, 30), -ETIMEDOUT);
	p = fg_shm_pending(h.s);
	cr_assert_not_null(p);
	cr_assert_arr_eq(p, &q1, sizeof(q1));
	cr_assert_eq(h.s->req_seq, 1);
	/* the main lcore answers it late; then the next request goes through */
	memset(&stale, 0, sizeof(stale));
	stale.rc = -ESRCH;
	strcpy(stale.msg, "stale");
	fg_shm_answer(h.s, &stale);
	cr_assert_null(fg_shm_pending(h.s));
	cr_assert_eq(pthread_create(&th, NULL, serve, &sv), 0);
	cr_assert_eq(fg_shm_call(&h, &q2, &r, 10000), 0);
	pthread_join(th, NULL);
	cr_assert_eq(r.rc, 0);
	cr_assert_eq(r.arg, 402);
	cr_assert_str_eq(r.msg, "limits.window_ms= #0");
	cr_assert_eq(h.s->req_seq, 2);
	cr_assert_eq(h.s->resp_seq, 2);
}

Test(shm, mailbox_dead_data_plane)
{
	struct fg_shm_req q = request(FG_SHM_OP_WATCH, 1, "", "");
	struct fg_shm_resp r;
	uint64_t t0;

	ready(&h, inst());
	h.s->h.stopped = 1;
	t0 = mono_ns();
	cr_assert_eq(fg_shm_call(&h, &q, &r, 10000), -ESRCH);
	cr_assert_lt(mono_ns() - t0, 5000000000u);
}
