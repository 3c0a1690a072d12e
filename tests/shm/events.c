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
	cr_assert_str_eq(fg_event_name(FG_EV_MONITOR), "monitor");
	cr_assert_str_eq(fg_event_name(FG_EV_COUNT), "?");
}

static const struct fg_event *hooked;
static unsigned int nhooked;

static void
hook(const struct fg_event *ev)
{
	hooked = ev;
	nhooked++;
}

/* Every event reaches the hook once, and its log line is the documented
 * key=value format (docs/operations.md "Events as log lines"). */
Test(shm, event_lines)
{
	static const uint8_t a4[16] = { [10] = 0xff, [11] = 0xff, 198, 51, 100, 7 };
	static const uint8_t none[16] = { 0 };
	static const struct {
		enum fg_event_kind kind;
		uint32_t cls;
		const uint8_t *addr;
		uint64_t arg;
		const char *line;
	} t[] = {
		{ FG_EV_BLOCK, FG_CLASS_MOM, a4, 60000, "event=block unix_ms=1764851234567 seq=0 "
		  "class=mom src=198.51.100.7 penalty_ms=60000" },
		{ FG_EV_WATCH, FG_CLASS_SIP, a4, FG_FED_URIS, "event=watch unix_ms=1764851234567 "
		  "seq=1 class=sip src=198.51.100.7 reasons=uri-limit" },
		{ FG_EV_UNWATCH, FG_CLASS_SIP, a4, 0, "event=unwatch unix_ms=1764851234567 seq=2 "
		  "class=sip src=198.51.100.7 reasons=-" },
		{ FG_EV_LISTS, 0, none, 12, "event=lists unix_ms=1764851234567 seq=3 generation=12" },
		{ FG_EV_MONITOR, FG_MON_SIP_RULES, none, 1, "event=monitor unix_ms=1764851234567 "
		  "seq=4 scope=sip-rules monitor=on" },
		{ FG_EV_MONITOR, FG_MON_ALL, none, 0, "event=monitor unix_ms=1764851234567 "
		  "seq=5 scope=dataplane monitor=off" },
		{ FG_EV_UNBLOCK, FG_CLASS_MOM, a4, 2, "event=unblock unix_ms=1764851234567 "
		  "seq=6 class=mom src=198.51.100.7 offences=2" },
	};
	static const struct {
		enum fg_event_kind kind;
		const char *domain;
		uint64_t arg;
		const char *line;
	} d[] = {
		{ FG_EV_WATCH, "p1.example.net", FG_FED_URIS, "event=watch unix_ms=1764851234567 "
		  "seq=7 class=sip src=198.51.100.7 reasons=uri-limit domain=p1.example.net" },
		{ FG_EV_ALERT, "p1.example.net", FG_FED_URIS | (uint64_t)FG_FED_MODE_MEDIUM << 16,
		  "event=alert unix_ms=1764851234567 seq=8 class=sip src=198.51.100.7 "
		  "reasons=uri-limit mode=medium domain=p1.example.net" },
		{ FG_EV_ALERT, "", FG_FED_SUSPICIOUS, "event=alert unix_ms=1764851234567 seq=9 "
		  "class=sip src=198.51.100.7 reasons=failure-ratio mode=high" },
	};
	char line[256];

	ready(&h, inst());
	fg_shm_event_hook(hook);
	for (unsigned int i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		fg_shm_event(h.s, t[i].kind, t[i].cls, t[i].addr, t[i].arg,
			     1764851234567000000ull + 123456);
		cr_assert_eq(nhooked, i + 1, "the hook saw event %u once", i);
		fg_event_line(hooked, line, sizeof(line));
		cr_expect_str_eq(line, t[i].line);
	}
	/* a kind the formatter has no fields for: all of them, raw */
	{
		struct fg_event e = *hooked;

		e.kind = FG_EV_COUNT;
		fg_event_line(&e, line, sizeof(line));
		cr_expect_str_eq(line, "event=? unix_ms=1764851234567 seq=6 class=mom src=198.51.100.7 arg=2");
	}
	/* a watch entry's domain ("" for an address entry: no field) */
	for (unsigned int i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		fg_shm_event_dom(h.s, d[i].kind, FG_CLASS_SIP, a4, d[i].domain, d[i].arg,
				 1764851234567000000ull + 123456);
		cr_assert_str_eq(hooked->domain, d[i].domain);
		fg_event_line(hooked, line, sizeof(line));
		cr_expect_str_eq(line, d[i].line);
	}
	fg_shm_event_hook(NULL);
}
