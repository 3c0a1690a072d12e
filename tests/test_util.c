/* SPDX-License-Identifier: BSD-3-Clause */
/* The Criterion tests' shared helpers (test_util.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

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

void
fill_sample(struct fg_fed_lists *l)
{
	for (size_t i = 0; i < nsample; i++) {
		struct fg_list_item it = item(sample[i][0], sample[i][1]);

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
save(const struct fg_fed_lists *l, size_t *len)
{
	char *buf = NULL;
	FILE *m = open_memstream(&buf, len);

	cr_assert_not_null(m);
	cr_assert_eq(fg_lists_save(l, m), 0);
	cr_assert_eq(fclose(m), 0);
	return buf;
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
