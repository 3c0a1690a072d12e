/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_shm, the event ring: the oldest overwritten, the events' names.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

Test(shm, event_ring_overwrites_the_oldest)
{
	const uint64_t total = FG_SHM_EVENTS + 10;
	struct fg_event ev;
	uint64_t pos;

	ready(&h, inst());
	cr_assert_eq(fg_shm_event_read(h.s, 0, &ev), 0);       /* nothing yet */
	for (uint64_t i = 0; i < total; i++) {
		uint8_t a[16] = { 0x20, 0x01, [14] = (uint8_t)(i >> 8), [15] = (uint8_t)i };

		fg_shm_event(h.s, (enum fg_event_kind)(i % FG_EV_COUNT), (uint32_t)(i % 7), a,
			     i * 3, 1000000 + i);
	}
	cr_assert_eq(h.s->ev_head, total);
	/* the 10 oldest were overwritten */
	for (pos = 0; pos < 10; pos++)
		cr_assert_eq(fg_shm_event_read(h.s, pos, &ev), -1, "pos %llu",
			     (unsigned long long)pos);
	/* the last FG_SHM_EVENTS are there, each as written */
	for (pos = 10; pos < total; pos++) {
		uint8_t a[16] = { 0x20, 0x01, [14] = (uint8_t)(pos >> 8), [15] = (uint8_t)pos };

		memset(&ev, 0, sizeof(ev));
		cr_assert_eq(fg_shm_event_read(h.s, pos, &ev), 1, "pos %llu",
			     (unsigned long long)pos);
		cr_assert_eq(ev.seq, 2 * pos + 2);
		cr_assert_eq(ev.kind, pos % FG_EV_COUNT);
		cr_assert_eq(ev.cls, pos % 7);
		cr_assert_eq(ev.arg, pos * 3);
		cr_assert_eq(ev.unix_ns, 1000000 + pos);
		cr_assert_arr_eq(ev.addr, a, 16);
	}
	/* not written yet */
	cr_assert_eq(fg_shm_event_read(h.s, total, &ev), 0);
	cr_assert_eq(fg_shm_event_read(h.s, total + 1, &ev), 0);
	cr_assert_eq(fg_shm_event_read(h.s, UINT64_MAX, &ev), 0);
	/* a slot being rewritten (odd seq) or of another lap is lost */
	h.s->ev[100].seq = 2 * 100 + 1;
	cr_assert_eq(fg_shm_event_read(h.s, 100, &ev), -1);
	h.s->ev[100].seq = 2 * (100 + FG_SHM_EVENTS) + 2;
	cr_assert_eq(fg_shm_event_read(h.s, 100, &ev), -1);
	h.s->ev[100].seq = 2 * 100 + 2;
	cr_assert_eq(fg_shm_event_read(h.s, 100, &ev), 1);
	cr_assert_eq(ev.arg, 300);
}

Test(shm, event_names)
{
	cr_assert_str_eq(fg_event_name(FG_EV_BLOCK), "block");
	cr_assert_str_eq(fg_event_name(FG_EV_WATCH), "watch");
	cr_assert_str_eq(fg_event_name(FG_EV_UNWATCH), "unwatch");
	cr_assert_str_eq(fg_event_name(FG_EV_LISTS), "lists");
	cr_assert_str_eq(fg_event_name(FG_EV_COUNT), "?");
}
