/* SPDX-License-Identifier: BSD-3-Clause */
/* Limit defaults and checks, verdict names. */
#include <errno.h>

#include "fg_limit.h"
#include "fg_parse.h"
#include "fg_verdict.h"

#define FG_V_NAME_(id, name, drops) name,
static const char *const verdict_names[FG_V_COUNT] = {
	FG_VERDICTS(FG_V_NAME_)
};
#undef FG_V_NAME_

const char *
fg_verdict_name(unsigned int v)
{
	return v < FG_V_COUNT ? verdict_names[v] : "?";
}

#define FG_MON_NAME_(id, name) name,
static const char *const mon_names[FG_MON_COUNT] = {
	FG_MON_SCOPES(FG_MON_NAME_)
};
#undef FG_MON_NAME_

const char *
fg_mon_scope_name(unsigned int s)
{
	return s < FG_MON_COUNT ? mon_names[s] : "?";
}

uint32_t
fg_mon_mask(const uint8_t on[FG_MON_COUNT], unsigned int cls)
{
	/* the class's own rules: its limits, the flood rule, its bounds */
	const uint32_t limits = 1u << FG_V_RATE_PPS | 1u << FG_V_RATE_BPS |
				1u << FG_V_SYN_RATE | 1u << FG_V_FLOOD_BLOCKED |
				1u << FG_V_TOO_MANY_PARAMS | 1u << FG_V_TABLE_FULL |
				1u << FG_V_MALFORMED;
	const uint32_t sip_rules = 1u << FG_V_SIP_WATCH_RATE | 1u << FG_V_SIP_NEW_URI;
	uint32_t m = 0;
	unsigned int own = cls == FG_CLASS_MOM ? FG_MON_MOM : cls == FG_CLASS_SIP ? FG_MON_SIP :
			   cls == FG_CLASS_SIP_TLS ? FG_MON_SIP_TLS : FG_MON_COUNT;

	if (own == FG_MON_COUNT)
		return 0;   /* not protected: no rule drops it */
	if (on[FG_MON_ALL] || on[own])
		m |= limits;
	if (on[FG_MON_ALL] || on[FG_MON_SIP_RULES])
		m |= sip_rules;
	/* an operator's explicit decision applies at once, unless asked */
	if (on[FG_MON_LISTS])
		m |= 1u << FG_V_BLOCKED;
	return m & FG_V_DROP_MASK;
}

/*
 * Defaults: generous for a well-behaved agent or partner (a busy agent
 * sends tens of events a second, a busy SIP trunk a few hundred messages),
 * tight enough that one source cannot take a server down. Bursts are two
 * seconds' worth; bytes/s bursts hold at least one maximum-size packet.
 */
/* a repeat offender's penalty doubles up to a day, +-10 %; a day without
 * an offence and it is forgotten */
#define ESCALATION .block_factor = 2, .block_max_ms = 86400000, .block_jitter_pct = 10, \
		   .offence_memory_s = 86400

static const struct fg_class_limits class_defaults[FG_CLASS_COUNT] = {
	[FG_CLASS_MOM] = {
		.pps = { 500, 1000 }, .bps = { 2000000, 4000000 }, .syn = { 10, 20 },
		.win_events = 3000, .win_ms = 10000,    /* > 3000 events in 10 s ... */
		.block_ms = 60000,                      /* ... disconnects for 60 s */
		ESCALATION,
		.max_msg = 16384,
	},
	[FG_CLASS_SIP] = {
		.pps = { 300, 600 }, .bps = { 1000000, 2000000 }, .syn = { 10, 20 },
		.win_events = 2000, .win_ms = 10000, .block_ms = 60000,
		ESCALATION,
		.max_msg = 16384, .max_headers = 64, .max_hdr_len = 1024,
	},
	[FG_CLASS_SIP_TLS] = {
		.pps = { 600, 1200 }, .bps = { 2000000, 4000000 }, .syn = { 10, 20 },
		.win_events = 4000, .win_ms = 10000, .block_ms = 60000,
		ESCALATION,
	},
};

void
fg_class_limits_default(unsigned int cls, struct fg_class_limits *l)
{
	*l = cls < FG_CLASS_COUNT ? class_defaults[cls] : (struct fg_class_limits){ 0 };
}

static int
bad(const char **field, const char **why, const char *f, const char *w)
{
	*field = f;
	*why = w;
	return -EINVAL;
}

void
fg_class_limits_gen(const struct fg_class_limits *ol, struct fg_class_limits *nl)
{
	const struct fg_rate *o[] = { &ol->pps, &ol->bps, &ol->syn };
	const struct fg_rate *n[] = { &nl->pps, &nl->bps, &nl->syn };

	nl->gen = ol->gen;
	for (unsigned int i = 0; i < 3; i++)
		if (!fg_rate_eq(o[i], n[i]))
			nl->gen = (uint8_t)(ol->gen + 1);
}

int
fg_class_limits_check(const struct fg_class_limits *l, const char **field,
		      const char **why)
{
	const struct { const char *name; const struct fg_rate *r; } rates[] = {
		{ "pps", &l->pps }, { "bps", &l->bps }, { "syn", &l->syn },
	};

	for (unsigned int i = 0; i < 3; i++) {
		if (rates[i].r->rate > FG_RATE_MAX)
			return bad(field, why, rates[i].name,
				   "rate above 10000000000 per second");
		if (rates[i].r->rate != 0 && rates[i].r->burst == 0)
			return bad(field, why, rates[i].name,
				   "burst must be at least 1 when the rate is set");
		if (rates[i].r->burst > FG_BURST_MAX)
			return bad(field, why, rates[i].name,
				   "burst above 536870912 (2^29)");
	}
	if (l->bps.rate != 0 && l->bps.burst < 65535)
		return bad(field, why, "bps",
			   "burst below 65535 bytes: a large packet could never pass");
	if (l->win_events != 0 && l->win_ms == 0)
		return bad(field, why, "window", "window length must be > 0 ms");
	if (l->win_events != 0 && l->win_ms >= (1u << 30))
		return bad(field, why, "window", "window of 2^30 ms (12 days) or longer");
	if (l->win_events != 0 && l->block_ms == 0)
		return bad(field, why, "block", "block time must be > 0 ms");
	if (l->win_events > FG_WINDOW_COUNT_MAX - 1)
		return bad(field, why, "window_events", "above 16777214 events in a window");
	if (l->block_jitter_pct > 50)
		return bad(field, why, "block_jitter_pct", "above 50 %");
	if (l->block_max_ms != 0 && l->block_max_ms < l->block_ms)
		return bad(field, why, "block_max_ms", "below block_ms");
	if (l->offence_memory_s > FG_OFFENCE_MEMORY_MAX_S)
		return bad(field, why, "offence_memory_s", "above 266000 s (73.9 hours)");
	return 0;
}

uint64_t
fg_penalty_ms(const struct fg_class_limits *l, uint32_t offences, uint8_t q)
{
	uint64_t p = l->block_ms, cap = l->block_max_ms > l->block_ms ? l->block_max_ms
								    : l->block_ms;
	uint64_t j;

	for (uint32_t i = 1; l->block_factor > 1 && i < offences && p < cap; i++)
		p *= l->block_factor;
	if (p > cap)
		p = cap;
	j = p * l->block_jitter_pct / 100;
	if (j != 0)
		p = p - j + 2 * j * q / 255;
	return p != 0 ? p : 1;
}
