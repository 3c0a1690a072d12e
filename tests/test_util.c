/* SPDX-License-Identifier: BSD-3-Clause */
/* The Criterion tests' shared helpers (test_util.h). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "test_util.h"

const char *const sample[][2] = {
	{ "allow", "10.0.0.0/8" },
	{ "allow", "2001:db8::/32" },
	{ "allow", "192.0.2.1" },
	{ "block", "198.51.100.0/24" },
	{ "block", "::/0" },
	{ "block", "0.0.0.0/0" },
	{ "block", "2001:db8:1::5" },
	{ "allow", "sip.partner.example@10.1.0.0/16|2001:db8:2::/48" },
	{ "allow", "max.example@10.2.0.0/16|10.3.0.0/16|10.4.0.0/16|2001:db8:3::/48" },
	{ "block", "spam.example" },
	{ "block", "Bad-Guys.EXAMPLE" },
	{ "watch", "watched.example" },
	{ "watch", DOM63 },
};
const size_t nsample = sizeof(sample) / sizeof(sample[0]);

struct fg_list_item
item(const char *verb, const char *text)
{
	struct fg_list_item it;
	char err[512] = "";

	cr_assert_eq(fg_list_item_parse(verb, text, &it, err, sizeof(err)), 0,
		     "%s %s: %s", verb, text, err);
	return it;
}

struct fg_list_item
item_in(enum fg_list l, const char *text)
{
	struct fg_list_item it;
	char err[512] = "";

	cr_assert_eq(fg_list_item_parse_in(l, text, &it, err, sizeof(err)), 0,
		     "%s %s: %s", fg_list_name(l), text, err);
	return it;
}

struct fg_prefix
pfx(const char *text)
{
	struct fg_prefix p;

	cr_assert_eq(fg_prefix_parse(text, &p), 0, "%s", text);
	return p;
}

struct fg_pfxset *
pfxset_new(void)
{
	struct fg_pfxset_cfg cfg = test_pfx_cfg();
	size_t sz = fg_pfxset_size(&cfg);
	struct fg_pfxset *s;

	cr_assert_gt(sz, 0);
	/* in huge pages where the kernel has them: init writes the whole
	 * 64 MiB table, 16,384 faults of 4 KiB pages otherwise */
	sz = (sz + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
	s = aligned_alloc(2u << 20, sz);
	cr_assert_not_null(s);
	madvise(s, sz, MADV_HUGEPAGE);
	cr_assert_eq(fg_pfxset_init(s, sz, &cfg, 0x5eed), 0);
	return s;
}

/* Manual and config in turn, added a second apart; the third entry (an
 * allow) and the last (a block) expire, long after any test runs. */
struct fg_pfx_meta
sample_meta(size_t i)
{
	return (struct fg_pfx_meta){
		.tag = i % 2 == 0 ? FG_TAG_MANUAL : FG_TAG_CONFIG,
		.added_s = 1700000000u + (uint32_t)i,
		.expires_s = i == 2 || i == 6 ? 4000000000u + (uint32_t)i : 0,
	};
}

void
fill_sample(struct fg_fed_lists *l, struct fg_pfxset *s)
{
	for (size_t i = 0; i < nsample; i++) {
		struct fg_list_item it = item(sample[i][0], sample[i][1]);

		if (fg_list_is_pfx(it.list)) {
			struct fg_pfx_meta m = sample_meta(i);

			cr_assert_eq(fg_pfxset_add(s, fg_list_pfx(it.list), &it.pfx, &m), 0,
				     "%s %s", sample[i][0], sample[i][1]);
			cr_assert_eq(fg_lists_add(l, &it), -EINVAL, "a prefix in the domain lists");
			continue;
		}
		cr_assert_eq(fg_lists_add(l, &it), 0, "%s %s", sample[i][0], sample[i][1]);
	}
}

char *
printed(const struct fg_list_item *it)
{
	static char buf[512];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	cr_assert_not_null(f);
	fg_list_item_print(it, f);
	fclose(f);
	return buf;
}

char *
save_all(const struct fg_fed_lists *l, const struct fg_pfxset *s, const struct fg_tags *t,
	 size_t *len)
{
	char *buf = NULL;
	FILE *m = open_memstream(&buf, len);

	cr_assert_not_null(m);
	cr_assert_eq(fg_lists_save(l, s, t, m), 0);
	cr_assert_eq(fclose(m), 0);
	return buf;
}

char *
save(const struct fg_fed_lists *l, size_t *len)
{
	static struct fg_pfxset *empty;
	static struct fg_tags t;

	if (empty == NULL) {
		empty = pfxset_new();
		fg_tags_init(&t);
	}
	return save_all(l, empty, &t, len);
}

void
expect_lists_eq(const struct fg_fed_lists *a, const struct fg_fed_lists *b)
{
	for (int k = 0; k < FG_LIST_COUNT; k++) {
		uint32_t n = fg_lists_count(a, (enum fg_list)k);

		cr_assert_eq(fg_lists_count(b, (enum fg_list)k), n, "%s: %u entries, want %u",
			     fg_list_name((enum fg_list)k), fg_lists_count(b, (enum fg_list)k), n);
		for (uint32_t i = 0; i < n; i++) {
			struct fg_list_item x, y;

			fg_lists_get(a, (enum fg_list)k, i, &x);
			fg_lists_get(b, (enum fg_list)k, i, &y);
			cr_assert(memcmp(&x, &y, sizeof(x)) == 0, "%s entry %u: %s",
				  fg_list_name((enum fg_list)k), i, printed(&x));
		}
	}
}

void
expect_sets_eq(const struct fg_pfxset *a, const struct fg_tags *ta, const struct fg_pfxset *b,
	       const struct fg_tags *tb)
{
	struct fg_pfx_meta m[FG_PFX_LIST_COUNT], mb;
	struct fg_pfxset_stats sa, sb;
	struct fg_list_item it = { .list = FG_LIST_ALLOW };
	struct fg_prefix p;
	uint64_t pos = 0;
	uint32_t in;

	while (fg_pfxset_next(a, &pos, &p, &in, m) == 1)
		for (unsigned int k = 0; k < FG_PFX_LIST_COUNT; k++) {
			const char *txt;

			if (!((in >> k) & 1))
				continue;
			it.pfx = p;
			txt = printed(&it);
			cr_assert_eq(fg_pfxset_get(b, k, &p, &mb), 1, "list %u: %s missing", k,
				     txt);
			cr_assert_str_eq(fg_tag_name(tb, mb.tag), fg_tag_name(ta, m[k].tag),
					 "list %u: %s's tag", k, txt);
			cr_assert_eq(mb.added_s, m[k].added_s, "list %u: %s added", k, txt);
			cr_assert_eq(mb.expires_s, m[k].expires_s, "list %u: %s expires", k, txt);
		}
	fg_pfxset_stats(a, &sa);
	fg_pfxset_stats(b, &sb);
	for (unsigned int k = 0; k < FG_PFX_LIST_COUNT; k++) {
		cr_assert_eq(sb.rules4[k], sa.rules4[k], "list %u: %u IPv4 prefixes, want %u", k,
			     sb.rules4[k], sa.rules4[k]);
		cr_assert_eq(sb.rules6[k], sa.rules6[k], "list %u: %u IPv6 prefixes, want %u", k,
			     sb.rules6[k], sa.rules6[k]);
	}
}

bool
set_has(const struct fg_pfxset *s, unsigned int list, const char *text, struct fg_pfx_meta *m)
{
	struct fg_prefix p;

	cr_assert_eq(fg_prefix_parse(text, &p), 0, "%s", text);
	return fg_pfxset_get(s, list, &p, m) == 1;
}

void
expect_meta(const struct fg_pfxset *s, unsigned int list, const char *text, int tag,
	    uint32_t added_s, uint32_t expires_s)
{
	struct fg_pfx_meta m;

	cr_assert(set_has(s, list, text, &m), "list %u: %s missing", list, text);
	cr_assert_eq(m.tag, tag, "%s: tag %u, want %d", text, m.tag, tag);
	cr_assert_eq(m.added_s, added_s, "%s: added %u, want %u", text, m.added_s, added_s);
	cr_assert_eq(m.expires_s, expires_s, "%s: expires %u, want %u", text, m.expires_s,
		     expires_s);
}
