/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lists as operators edit them (fg_lists.c) and the prefixes they
 * hold (fg_prefix_parse_why): parsing every verb and every error class
 * (exact messages), add and delete with their return codes and order,
 * allow-domain rebinding, copy, the checks, and the state file's text:
 * round trips, the exact format, and each way a damaged file is refused
 * with the line and the problem.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg_lists.h"
#include "test_util.h"

static struct fg_fed_lists la, lb;   /* zeroed by setup() */
static char err[512];

static void
setup(void)
{
	memset(&la, 0, sizeof(la));
	memset(&lb, 0, sizeof(lb));
	memset(err, 0, sizeof(err));
}

/* ---- helpers ---------------------------------------------------------- */

/* The 16 bytes of an IPv4 address mapped into IPv6. */
static void
v4m(uint8_t out[16], uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	memset(out, 0, 16);
	out[10] = out[11] = 0xff;
	out[12] = a;
	out[13] = b;
	out[14] = c;
	out[15] = d;
}

static void
expect_prefix(const struct fg_prefix *p, const uint8_t want[16], uint8_t len)
{
	cr_assert_eq(p->len, len, "len %u, want %u", p->len, len);
	cr_assert_arr_eq(p->addr, want, 16);
}

/* Parse that must fail with exactly @p msg. */
static void
parse_fails(const char *verb, const char *text, const char *msg)
{
	struct fg_list_item it;

	strcpy(err, "untouched");
	cr_assert_eq(fg_list_item_parse(verb, text, &it, err, sizeof(err)), -1,
		     "%s %s parsed", verb, text);
	cr_assert_str_eq(err, msg, "%s %s", verb, text);
}

static void
parse_in_fails(enum fg_list l, const char *text, const char *msg)
{
	struct fg_list_item it;

	strcpy(err, "untouched");
	cr_assert_eq(fg_list_item_parse_in(l, text, &it, err, sizeof(err)), -1,
		     "%s %s parsed", fg_list_name(l), text);
	cr_assert_str_eq(err, msg, "%s %s", fg_list_name(l), text);
}

/* CRC-32 (IEEE 802.3, reflected), written here independently of fg_lists.c. */
static uint32_t
crc32_ieee(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t c = 0xffffffffu;

	while (len--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
	}
	return ~c;
}

/* A state file: @p body, then the end line with @p count and a good CRC. */
static char *
file_of(const char *body, unsigned int count, size_t *len)
{
	size_t n = strlen(body);
	char *buf = malloc(n + 64);

	cr_assert_not_null(buf);
	memcpy(buf, body, n);
	n += (size_t)sprintf(buf + n, "end %u crc32=%08x\n", count, crc32_ieee(body, n));
	*len = n;
	return buf;
}

/* Load must fail with exactly @p msg. */
static void
load_fails(const char *buf, size_t len, const char *msg)
{
	strcpy(err, "untouched");
	cr_assert_eq(fg_lists_load(&lb, buf, len, err, sizeof(err)), -1, "loaded: %s", msg);
	cr_assert_str_eq(err, msg);
}

/* Load of @p body, ended by a good end line counting @p count, must fail
 * with exactly @p msg. */
static void
body_fails(const char *body, unsigned int count, const char *msg)
{
	size_t len;
	char *buf = file_of(body, count, &len);

	load_fails(buf, len, msg);
	free(buf);
}

/* The sample lists, added to la, saved into a malloc'ed buffer. */
static char *
sample_file(size_t *len)
{
	fill_sample(&la);
	return save(&la, len);
}

/* Entry @p i of list @p k, distinct for every i < 65536. */
static struct fg_list_item
nth(enum fg_list k, unsigned int i)
{
	char t[128];

	switch (k) {
	case FG_LIST_ALLOW:
	case FG_LIST_BLOCK:
		snprintf(t, sizeof(t), "10.%u.%u.0/24", i >> 8, i & 0xff);
		break;
	case FG_LIST_ALLOW_DOM:
		snprintf(t, sizeof(t), "d%u.example@10.%u.%u.0/24", i, i >> 8, i & 0xff);
		break;
	default:
		snprintf(t, sizeof(t), "d%u.example", i);
		break;
	}
	return item_in(k, t);
}

/* ---- fg_prefix_parse_why ------------------------------------------------ */

/* fg_prefix_parse_why(), "(accepted)" for NULL. */
static const char *
why(const char *s, struct fg_prefix *p)
{
	const char *w = fg_prefix_parse_why(s, p);

	return w != NULL ? w : "(accepted)";
}

/* fg_prefix_parse_why() must refuse each of the @p n strings @p bad with
 * @p msg; REFUSED() for an array. */
static void
refused(const char *const *bad, size_t n, const char *msg)
{
	struct fg_prefix p;

	for (size_t i = 0; i < n; i++)
		cr_expect_str_eq(why(bad[i], &p), msg, "'%s'", bad[i]);
}
#define REFUSED(bad, msg) refused(bad, sizeof(bad) / sizeof(bad[0]), msg)

Test(prefix, ipv4_prefixes_are_mapped)
{
	struct fg_prefix p;
	uint8_t a[16];

	cr_assert_null(fg_prefix_parse_why("10.0.0.0/8", &p));
	v4m(a, 10, 0, 0, 0);
	expect_prefix(&p, a, 96 + 8);
	cr_assert_null(fg_prefix_parse_why("192.0.2.1", &p));
	v4m(a, 192, 0, 2, 1);
	expect_prefix(&p, a, 128);
	cr_assert_null(fg_prefix_parse_why("192.0.2.1/32", &p));
	expect_prefix(&p, a, 128);
	cr_assert_null(fg_prefix_parse_why("0.0.0.0/0", &p));
	v4m(a, 0, 0, 0, 0);
	expect_prefix(&p, a, 96);
	cr_assert_eq(fg_prefix_parse("172.16.0.0/12", &p), 0);
	v4m(a, 172, 16, 0, 0);
	expect_prefix(&p, a, 108);
}

Test(prefix, ipv6_prefixes)
{
	static const uint8_t db8[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	static const uint8_t one[16] = { [15] = 1 };
	static const uint8_t zero[16];
	struct fg_prefix p;

	cr_assert_null(fg_prefix_parse_why("2001:db8::/32", &p));
	expect_prefix(&p, db8, 32);
	cr_assert_null(fg_prefix_parse_why("::1", &p));
	expect_prefix(&p, one, 128);
	cr_assert_null(fg_prefix_parse_why("::/0", &p));
	expect_prefix(&p, zero, 0);
}

Test(prefix, length_out_of_range)
{
	struct fg_prefix p;

	cr_assert_str_eq(why("10.0.0.0/33", &p), "prefix length out of range (0-32)");
	cr_assert_str_eq(why("2001:db8::/129", &p), "prefix length out of range (0-128)");
	cr_assert_str_eq(why("10.0.0.0/4294967296", &p), "prefix length out of range (0-32)");
	cr_assert_eq(fg_prefix_parse("10.0.0.0/33", &p), -1);
}

Test(prefix, host_bits_set)
{
	static const char *const bad[] = { "10.0.0.1/8", "10.128.0.0/8", "2001:db8::1/64",
					   "::1/127" };
	struct fg_prefix p;

	REFUSED(bad, "host bits set after the prefix length");
	cr_assert_null(fg_prefix_parse_why("10.128.0.0/9", &p));
}

Test(prefix, not_an_address)
{
	static const char *const bad[] = { "foo", "", "10.0.0", "10.0.0.256", "1.2.3.4.5",
					   "2001:db8:::1", "10.0.0.0 ", "/8", "x.example" };

	REFUSED(bad, "not an IPv4 or IPv6 address");
}

Test(prefix, length_not_a_number)
{
	static const char *const bad[] = { "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-1",
					   "10.0.0.0/+8", "10.0.0.0/8x", "10.0.0.0/8/8",
					   "2001:db8::/", "10.0.0.0/99999999999999999999999" };

	REFUSED(bad, "prefix length is not a number");
}

/* strtoul() skips white space and takes a sign: the length must start
 * with a digit ("10.0.0.0/ 8" is not /8, in a state file line either). */
Test(prefix, white_space_before_the_length)
{
	static const char *const bad[] = { "10.0.0.0/ 8", "10.0.0.0/\t8", "10.0.0.0/ -8",
					   "::/ 0" };

	REFUSED(bad, "prefix length is not a number");
}

Test(prefix, too_long)
{
	char s[80];
	struct fg_prefix p;

	memset(s, '1', 64);
	s[64] = '\0';
	cr_assert_str_eq(why(s, &p), "too long for an address or prefix");
	/* 63 bytes is not refused for its length */
	s[63] = '\0';
	cr_assert_str_eq(why(s, &p), "not an IPv4 or IPv6 address");
}

/* ---- names ------------------------------------------------------------ */

Test(parse, list_names)
{
	static const char *const names[FG_LIST_COUNT] = {
		"allow", "block", "allow-domain", "block-domain", "watch-domain",
	};

	for (int k = 0; k < FG_LIST_COUNT; k++) {
		cr_assert_str_eq(fg_list_name((enum fg_list)k), names[k]);
		cr_assert_eq(fg_list_by_name(names[k]), (enum fg_list)k);
	}
	cr_assert_str_eq(fg_list_name(FG_LIST_COUNT), "?");
	cr_assert_eq(fg_list_by_name("watch"), FG_LIST_COUNT);
	cr_assert_eq(fg_list_by_name("Allow"), FG_LIST_COUNT);
	cr_assert_eq(fg_list_by_name(""), FG_LIST_COUNT);
}

/* ---- fg_list_item_parse: what operators type ----------------------------- */

Test(parse, allow_addresses_and_prefixes, .init = setup)
{
	struct fg_list_item it = item("allow", "10.0.0.0/8");
	uint8_t a[16];

	cr_assert_eq(it.list, FG_LIST_ALLOW);
	v4m(a, 10, 0, 0, 0);
	expect_prefix(&it.pfx, a, 104);
	cr_assert_str_eq(printed(&it), "10.0.0.0/8");

	it = item("allow", "192.0.2.7");
	cr_assert_eq(it.list, FG_LIST_ALLOW);
	v4m(a, 192, 0, 2, 7);
	expect_prefix(&it.pfx, a, 128);
	cr_assert_str_eq(printed(&it), "192.0.2.7/32");

	it = item("allow", "2001:DB8::/32");
	cr_assert_eq(it.list, FG_LIST_ALLOW);
	cr_assert_str_eq(printed(&it), "2001:db8::/32");

	it = item("allow", "::ffff:10.0.0.0/104");   /* the mapped form is IPv4 */
	cr_assert_eq(it.list, FG_LIST_ALLOW);
	v4m(a, 10, 0, 0, 0);
	expect_prefix(&it.pfx, a, 104);
	cr_assert_str_eq(printed(&it), "10.0.0.0/8");
}

Test(parse, block_addresses_and_prefixes, .init = setup)
{
	struct fg_list_item it = item("block", "198.51.100.0/24");
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 5 };
	uint8_t a[16];

	cr_assert_eq(it.list, FG_LIST_BLOCK);
	v4m(a, 198, 51, 100, 0);
	expect_prefix(&it.pfx, a, 120);
	it = item("block", "2001:db8:1::5");
	cr_assert_eq(it.list, FG_LIST_BLOCK);
	expect_prefix(&it.pfx, v6, 128);
	cr_assert_str_eq(printed(&it), "2001:db8:1::5/128");
	it = item("block", "::/0");
	cr_assert_eq(it.list, FG_LIST_BLOCK);
	cr_assert_eq(it.pfx.len, 0);
}

Test(parse, block_and_watch_domains, .init = setup)
{
	struct fg_list_item it = item("block", "SIP.Spam.EXAMPLE");

	cr_assert_eq(it.list, FG_LIST_BLOCK_DOM);
	cr_assert_str_eq(it.dom.domain, "sip.spam.example");   /* lowercased */
	cr_assert_eq(it.dom.nbind, 0);
	cr_assert_str_eq(printed(&it), "sip.spam.example");

	it = item("watch", "pbx-1.partner.example");
	cr_assert_eq(it.list, FG_LIST_WATCH_DOM);
	cr_assert_str_eq(it.dom.domain, "pbx-1.partner.example");

	it = item("watch", "localhost");     /* one label is a domain */
	cr_assert_eq(it.list, FG_LIST_WATCH_DOM);
	cr_assert_str_eq(it.dom.domain, "localhost");

	it = item("block", DOM63);           /* the longest a domain may be */
	cr_assert_eq(it.list, FG_LIST_BLOCK_DOM);
	cr_assert_str_eq(it.dom.domain, DOM63);
	cr_assert_eq(strlen(it.dom.domain), 63);
}

Test(parse, allow_bound_domains, .init = setup)
{
	struct fg_list_item it = item("allow", "SIP.Partner.example@10.1.0.0/16");
	uint8_t a[16];

	cr_assert_eq(it.list, FG_LIST_ALLOW_DOM);
	cr_assert_str_eq(it.dom.domain, "sip.partner.example");
	cr_assert_eq(it.dom.nbind, 1);
	v4m(a, 10, 1, 0, 0);
	expect_prefix(&it.dom.bind[0], a, 112);
	cr_assert_str_eq(printed(&it), "sip.partner.example@10.1.0.0/16");

	it = item("allow", "x.example@10.1.0.0/16|2001:db8::/32|192.0.2.9|10.2.0.0/15");
	cr_assert_eq(it.list, FG_LIST_ALLOW_DOM);
	cr_assert_eq(it.dom.nbind, FG_FED_BIND_MAX);
	cr_assert_eq(it.dom.bind[1].len, 32);
	cr_assert_eq(it.dom.bind[2].len, 128);
	cr_assert_eq(it.dom.bind[3].len, 96 + 15);
	cr_assert_str_eq(printed(&it),
			 "x.example@10.1.0.0/16|2001:db8::/32|192.0.2.9/32|10.2.0.0/15");

	/* empty alternatives are skipped, not errors */
	it = item("allow", "x.example@|10.1.0.0/16||");
	cr_assert_eq(it.dom.nbind, 1);
}

Test(parse, watch_addresses_are_not_list_items, .init = setup)
{
	/* the data plane's partner list takes them: -1 and an empty reason */
	parse_fails("watch", "10.0.0.1", "");
	parse_fails("watch", "2001:db8::1", "");
	parse_fails("watch", "10.0.0.0/8", "");
	parse_fails("watch", "10.0.0.0/33", "");
}

Test(parse, unknown_verb, .init = setup)
{
	parse_fails("deny", "10.0.0.1", "deny: no such list (allow, block, watch)");
	parse_fails("", "x.example", ": no such list (allow, block, watch)");
	parse_fails("allow-domain", "x.example@10.0.0.0/8",
		    "allow-domain: no such list (allow, block, watch)");
}

Test(parse, prefix_errors_for_each_verb, .init = setup)
{
	parse_fails("allow", "10.0.0.0/33", "10.0.0.0/33: prefix length out of range (0-32)");
	parse_fails("block", "2001:db8::/129",
		    "2001:db8::/129: prefix length out of range (0-128)");
	parse_fails("allow", "10.0.0.1/8", "10.0.0.1/8: host bits set after the prefix length");
	parse_fails("block", "10.0.0.1/8", "10.0.0.1/8: host bits set after the prefix length");
	parse_fails("block", "300.1.1.1", "300.1.1.1: not an IPv4 or IPv6 address");
	parse_fails("allow", "10.0.0.0/x", "10.0.0.0/x: prefix length is not a number");
	parse_fails("block", "10.1.2.3/-1", "10.1.2.3/-1: prefix length is not a number");
	parse_fails("block", "2001:db8::1::2", "2001:db8::1::2: not an IPv4 or IPv6 address");
}

Test(parse, domain_errors, .init = setup)
{
	static const char *const why =
		": not a SIP domain (letters, digits, '-' and '.' only, no empty label)";
	static const char *const bad[] = { "bad_name.example", "a..example", "-x.example",
					   "x.example.", ".x.example", "x example.org" };
	char want[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(want, sizeof(want), "%s%s", bad[i], why);
		parse_fails("block", bad[i], want);
		parse_fails("watch", bad[i], want);
	}
	/* an '@' makes a domain item of block and watch too: not a domain */
	snprintf(want, sizeof(want), "x.example@10.0.0.0/8%s", why);
	parse_fails("block", "x.example@10.0.0.0/8", want);
	parse_fails("watch", "x.example@10.0.0.0/8", want);
	parse_fails("block", DOM64, DOM64 ": domain longer than 63 bytes");
	parse_fails("watch", DOM64, DOM64 ": domain longer than 63 bytes");
}

Test(parse, bound_domain_errors, .init = setup)
{
	char long_text[300];

	parse_fails("allow", "x.example", "x.example: an allowed domain needs "
		    "'@PREFIX[|PREFIX...]', the prefixes its requests may come from");
	parse_fails("allow", "x.example@", "x.example@: binds to no prefix");
	parse_fails("allow", "x.example@||", "x.example@||: binds to no prefix");
	parse_fails("allow", "x.example@10.0.0.1/8",
		    "10.0.0.1/8: host bits set after the prefix length");
	parse_fails("allow", "x.example@10.0.0.0/8|10.0.0.0/33",
		    "10.0.0.0/33: prefix length out of range (0-32)");
	parse_fails("allow", "x.example@nowhere", "nowhere: not an IPv4 or IPv6 address");
	parse_fails("allow", "x.example@10.0.0.0/8|10.1.0.0/16|10.2.0.0/16|10.3.0.0/16|"
		    "10.4.0.0/16", "x.example@10.0.0.0/8|10.1.0.0/16|10.2.0.0/16|10.3.0.0/16|"
		    "10.4.0.0/16: more than 4 prefixes");
	parse_fails("allow", "bad_dom.example@10.0.0.0/8", "bad_dom.example: not a SIP domain "
		    "(letters, digits, '-' and '.' only, no empty label)");
	parse_fails("allow", "10.0.0.1@10.0.0.0/8", "10.0.0.1: not a SIP domain "
		    "(letters, digits, '-' and '.' only, no empty label)");
	parse_fails("allow", DOM64 "@10.0.0.0/8", DOM64 ": domain longer than 63 bytes");
	/* 256 bytes and more: refused before anything else */
	memset(long_text, 'a', sizeof(long_text));
	memcpy(long_text + 10, "@", 1);
	long_text[256] = '\0';
	{
		char want[320];

		snprintf(want, sizeof(want), "%s: too long", long_text);
		parse_fails("allow", long_text, want);
	}
}

/* Without ':' or '/' a text with any letter cannot be an address: a
 * domain spelled with the hex letters a-f ("abc.de", "cafe.de") is a
 * domain, for every verb. */
Test(parse, domains_of_hex_letters_are_domains, .init = setup)
{
	struct fg_list_item it;

	cr_expect_eq(fg_list_item_parse("block", "abc.de", &it, err, sizeof(err)), 0,
		     "block abc.de: %s", err);
	cr_expect_eq(it.list, FG_LIST_BLOCK_DOM);
	cr_expect_str_eq(it.dom.domain, "abc.de");
	err[0] = 'x';
	cr_expect_eq(fg_list_item_parse("watch", "cafe.de", &it, err, sizeof(err)), 0,
		     "watch cafe.de: '%s'", err);
	cr_expect_eq(it.list, FG_LIST_WATCH_DOM);
	cr_expect_str_eq(it.dom.domain, "cafe.de");
	cr_expect_eq(fg_list_item_parse("allow", "cafe.de", &it, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "cafe.de: an allowed domain needs '@PREFIX[|PREFIX...]', "
			 "the prefixes its requests may come from");
	/* with an '@' the same name is a domain (this part passes today) */
	cr_expect_eq(fg_list_item_parse("allow", "cafe.de@10.0.0.0/8", &it, err, sizeof(err)),
		     0, "%s", err);
	cr_expect_eq(it.list, FG_LIST_ALLOW_DOM);
	cr_expect_str_eq(it.dom.domain, "cafe.de");
}

Test(parse, parse_in_each_list, .init = setup)
{
	struct fg_list_item it = item_in(FG_LIST_ALLOW, "10.0.0.0/8");

	cr_assert_eq(it.list, FG_LIST_ALLOW);
	cr_assert_eq(it.pfx.len, 104);
	it = item_in(FG_LIST_BLOCK, "2001:db8::/32");
	cr_assert_eq(it.list, FG_LIST_BLOCK);
	cr_assert_eq(it.pfx.len, 32);
	it = item_in(FG_LIST_ALLOW_DOM, "x.example@10.1.0.0/16");
	cr_assert_eq(it.list, FG_LIST_ALLOW_DOM);
	cr_assert_eq(it.dom.nbind, 1);
	it = item_in(FG_LIST_BLOCK_DOM, "X.example");
	cr_assert_eq(it.list, FG_LIST_BLOCK_DOM);
	cr_assert_str_eq(it.dom.domain, "x.example");
	it = item_in(FG_LIST_WATCH_DOM, "w.example");
	cr_assert_eq(it.list, FG_LIST_WATCH_DOM);
	cr_assert_str_eq(it.dom.domain, "w.example");
	/* hex letters and digits in a list that takes only domains: fine */
	it = item_in(FG_LIST_BLOCK_DOM, "abc.de");
	cr_assert_str_eq(it.dom.domain, "abc.de");
	/* a domain list takes no address, an address list no domain */
	parse_in_fails(FG_LIST_BLOCK_DOM, "10.0.0.1", "10.0.0.1: not a SIP domain (letters, "
		       "digits, '-' and '.' only, no empty label)");
	parse_in_fails(FG_LIST_WATCH_DOM, "2001:db8::1", "2001:db8::1: not a SIP domain "
		       "(letters, digits, '-' and '.' only, no empty label)");
	parse_in_fails(FG_LIST_ALLOW, "x.example", "x.example: not an IPv4 or IPv6 address");
	parse_in_fails(FG_LIST_BLOCK, "10.0.0.0/40",
		       "10.0.0.0/40: prefix length out of range (0-32)");
	parse_in_fails(FG_LIST_ALLOW_DOM, "x.example", "x.example: an allowed domain needs "
		       "'@PREFIX[|PREFIX...]', the prefixes its requests may come from");
	parse_in_fails(FG_LIST_COUNT, "10.0.0.1", "no such list");
}

/* ---- add, delete ------------------------------------------------------- */

Test(lists, add_and_eexist, .init = setup)
{
	struct fg_list_item a = item("allow", "10.0.0.0/8");
	struct fg_list_item a9 = item("allow", "10.0.0.0/9");
	struct fg_list_item b = item("block", "10.0.0.0/8");
	struct fg_list_item bd = item("block", "x.example");
	struct fg_list_item bd_upper = item("block", "X.EXAMPLE");
	struct fg_list_item wd = item("watch", "x.example");
	struct fg_list_item ad = item("allow", "x.example@10.0.0.0/8");

	cr_assert_eq(fg_lists_add(&la, &a), 0);
	cr_assert_eq(fg_lists_add(&la, &a), -EEXIST);
	cr_assert_eq(fg_lists_add(&la, &a9), 0);       /* same address, other length */
	cr_assert_eq(fg_lists_add(&la, &b), 0);        /* same prefix, other list */
	cr_assert_eq(fg_lists_add(&la, &bd), 0);
	cr_assert_eq(fg_lists_add(&la, &bd_upper), -EEXIST);   /* domains are lowercase */
	cr_assert_eq(fg_lists_add(&la, &wd), 0);
	cr_assert_eq(fg_lists_add(&la, &wd), -EEXIST);
	cr_assert_eq(fg_lists_add(&la, &ad), 0);
	cr_assert_eq(fg_lists_add(&la, &ad), -EEXIST);
	cr_assert_eq(la.nallow, 2);
	cr_assert_eq(la.nblock, 1);
	cr_assert_eq(la.nallow_dom, 1);
	cr_assert_eq(la.nblock_dom, 1);
	cr_assert_eq(la.nwatch_dom, 1);
	cr_assert_eq(fg_lists_count(&la, FG_LIST_ALLOW), 2);
	cr_assert_eq(fg_lists_count(&la, FG_LIST_WATCH_DOM), 1);
	cr_assert_eq(la.allow[0].len, 104);
	cr_assert_eq(la.allow[1].len, 105);
	cr_assert_str_eq(la.block_dom[0], "x.example");
	cr_assert_str_eq(la.watch_dom[0], "x.example");
	cr_assert_str_eq(la.allow_dom[0].domain, "x.example");
	cr_assert_eq(la.allow_dom[0].nbind, 1);
}

Test(lists, get_returns_what_was_added, .init = setup)
{
	fill_sample(&la);
	cr_assert_eq(fg_lists_count(&la, FG_LIST_ALLOW), 3);
	cr_assert_eq(fg_lists_count(&la, FG_LIST_BLOCK), 4);
	cr_assert_eq(fg_lists_count(&la, FG_LIST_ALLOW_DOM), 2);
	cr_assert_eq(fg_lists_count(&la, FG_LIST_BLOCK_DOM), 2);
	cr_assert_eq(fg_lists_count(&la, FG_LIST_WATCH_DOM), 2);
	for (size_t i = 0, seen[FG_LIST_COUNT] = { 0 }; i < nsample; i++) {
		struct fg_list_item want = item(sample[i][0], sample[i][1]), got;

		fg_lists_get(&la, want.list, (uint32_t)seen[want.list]++, &got);
		cr_assert(memcmp(&want, &got, sizeof(got)) == 0, "%s %s: got %s",
			  sample[i][0], sample[i][1], printed(&got));
	}
}

Test(lists, enospc_at_list_max, .init = setup)
{
	for (int k = 0; k < FG_LIST_COUNT; k++) {
		struct fg_list_item over = nth((enum fg_list)k, FG_FED_LIST_MAX);
		struct fg_list_item first = nth((enum fg_list)k, 0);

		for (unsigned int i = 0; i < FG_FED_LIST_MAX; i++) {
			struct fg_list_item it = nth((enum fg_list)k, i);

			cr_assert_eq(fg_lists_add(&la, &it), 0, "%s %u", fg_list_name(it.list), i);
		}
		cr_assert_eq(fg_lists_count(&la, (enum fg_list)k), FG_FED_LIST_MAX);
		cr_assert_eq(fg_lists_add(&la, &over), -ENOSPC, "%s", fg_list_name(over.list));
		cr_assert_eq(fg_lists_add(&la, &first), -EEXIST);     /* full, but there */
		cr_assert_eq(fg_lists_count(&la, (enum fg_list)k), FG_FED_LIST_MAX);
		/* one out, one in */
		cr_assert_eq(fg_lists_del(&la, &first), 0);
		cr_assert_eq(fg_lists_add(&la, &over), 0);
		cr_assert_eq(fg_lists_count(&la, (enum fg_list)k), FG_FED_LIST_MAX);
		cr_assert_eq(fg_lists_add(&la, &first), -ENOSPC);
	}
	cr_assert_eq(fg_lists_check(&la), 0);
}

Test(lists, del_enoent_and_order_kept, .init = setup)
{
	static const char *const pf[] = { "10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16",
					  "10.3.0.0/16", "10.4.0.0/16" };
	struct fg_list_item it, got;
	uint8_t a[16];

	for (size_t i = 0; i < 5; i++) {
		it = item("block", pf[i]);
		cr_assert_eq(fg_lists_add(&la, &it), 0);
	}
	it = item("block", "10.9.0.0/16");
	cr_assert_eq(fg_lists_del(&la, &it), -ENOENT);
	it = item("block", "10.1.0.0/17");       /* same address, other length */
	cr_assert_eq(fg_lists_del(&la, &it), -ENOENT);
	it = item("allow", "10.1.0.0/16");       /* other list */
	cr_assert_eq(fg_lists_del(&la, &it), -ENOENT);
	cr_assert_eq(la.nblock, 5);

	it = item("block", "10.1.0.0/16");       /* the second */
	cr_assert_eq(fg_lists_del(&la, &it), 0);
	cr_assert_eq(fg_lists_del(&la, &it), -ENOENT);
	it = item("block", "10.4.0.0/16");       /* the last */
	cr_assert_eq(fg_lists_del(&la, &it), 0);
	it = item("block", "10.0.0.0/8");        /* the first */
	cr_assert_eq(fg_lists_del(&la, &it), 0);
	cr_assert_eq(fg_lists_count(&la, FG_LIST_BLOCK), 2);
	fg_lists_get(&la, FG_LIST_BLOCK, 0, &got);
	v4m(a, 10, 2, 0, 0);
	expect_prefix(&got.pfx, a, 112);
	fg_lists_get(&la, FG_LIST_BLOCK, 1, &got);
	v4m(a, 10, 3, 0, 0);
	expect_prefix(&got.pfx, a, 112);
	cr_assert_eq(got.list, FG_LIST_BLOCK);
}

Test(lists, del_domains_by_name_order_kept, .init = setup)
{
	static const char *const d[] = { "a.example", "b.example", "c.example", "d.example" };
	struct fg_list_item it;

	for (size_t i = 0; i < 4; i++) {
		char t[64];

		it = item("watch", d[i]);
		cr_assert_eq(fg_lists_add(&la, &it), 0);
		it = item("block", d[i]);
		cr_assert_eq(fg_lists_add(&la, &it), 0);
		snprintf(t, sizeof(t), "%s@10.%zu.0.0/16", d[i], i);
		it = item("allow", t);
		cr_assert_eq(fg_lists_add(&la, &it), 0);
	}
	it = item("watch", "B.EXAMPLE");
	cr_assert_eq(fg_lists_del(&la, &it), 0);
	it = item("block", "a.example");
	cr_assert_eq(fg_lists_del(&la, &it), 0);
	/* an allowed domain goes by its name, whatever the bindings given */
	it = item("allow", "c.example@192.0.2.0/24");
	cr_assert_eq(fg_lists_del(&la, &it), 0);
	cr_assert_eq(fg_lists_del(&la, &it), -ENOENT);
	it = item("watch", "e.example");
	cr_assert_eq(fg_lists_del(&la, &it), -ENOENT);

	cr_assert_eq(la.nwatch_dom, 3);
	cr_assert_str_eq(la.watch_dom[0], "a.example");
	cr_assert_str_eq(la.watch_dom[1], "c.example");
	cr_assert_str_eq(la.watch_dom[2], "d.example");
	cr_assert_eq(la.nblock_dom, 3);
	cr_assert_str_eq(la.block_dom[0], "b.example");
	cr_assert_str_eq(la.block_dom[1], "c.example");
	cr_assert_str_eq(la.block_dom[2], "d.example");
	cr_assert_eq(la.nallow_dom, 3);
	cr_assert_str_eq(la.allow_dom[0].domain, "a.example");
	cr_assert_str_eq(la.allow_dom[1].domain, "b.example");
	cr_assert_str_eq(la.allow_dom[2].domain, "d.example");
	cr_assert_eq(la.allow_dom[2].bind[0].addr[13], 3);    /* 10.3.0.0/16 moved along */
	cr_assert_eq(la.allow_dom[2].bind[0].len, 112);
}

Test(lists, del_at_full_list_last_and_first, .init = setup)
{
	struct fg_list_item last = nth(FG_LIST_WATCH_DOM, FG_FED_LIST_MAX - 1);
	struct fg_list_item first = nth(FG_LIST_WATCH_DOM, 0);

	for (unsigned int i = 0; i < FG_FED_LIST_MAX; i++) {
		struct fg_list_item it = nth(FG_LIST_WATCH_DOM, i);

		cr_assert_eq(fg_lists_add(&la, &it), 0);
	}
	cr_assert_eq(fg_lists_del(&la, &last), 0);
	cr_assert_eq(fg_lists_del(&la, &first), 0);
	cr_assert_eq(la.nwatch_dom, FG_FED_LIST_MAX - 2);
	for (unsigned int i = 0; i < FG_FED_LIST_MAX - 2; i++) {
		char want[32];

		snprintf(want, sizeof(want), "d%u.example", i + 1);
		cr_assert_str_eq(la.watch_dom[i], want);
	}
}

Test(lists, allow_domain_rebinding, .init = setup)
{
	struct fg_list_item before = item("allow", "before.example@192.0.2.0/24");
	struct fg_list_item x1 = item("allow", "x.example@10.1.0.0/16");
	struct fg_list_item after = item("allow", "after.example@198.51.100.0/24");
	struct fg_list_item x2 = item("allow", "X.Example@10.2.0.0/16|2001:db8::/32");
	struct fg_list_item got;

	cr_assert_eq(fg_lists_add(&la, &before), 0);
	cr_assert_eq(fg_lists_add(&la, &x1), 0);
	cr_assert_eq(fg_lists_add(&la, &after), 0);
	cr_assert_eq(fg_lists_add(&la, &x1), -EEXIST);     /* same bindings: nothing */
	cr_assert_eq(fg_lists_add(&la, &x2), 0);           /* new bindings replace */
	cr_assert_eq(la.nallow_dom, 3);
	fg_lists_get(&la, FG_LIST_ALLOW_DOM, 1, &got);     /* in its place */
	cr_assert(memcmp(&got, &x2, sizeof(got)) == 0, "got %s", printed(&got));
	cr_assert_str_eq(printed(&got), "x.example@10.2.0.0/16|2001:db8::/32");
	cr_assert_eq(got.dom.nbind, 2);
	cr_assert_eq(fg_lists_add(&la, &x2), -EEXIST);
	/* fewer bindings than before: the old ones do not linger */
	cr_assert_eq(fg_lists_add(&la, &x1), 0);
	fg_lists_get(&la, FG_LIST_ALLOW_DOM, 1, &got);
	cr_assert_eq(got.dom.nbind, 1);
	cr_assert_str_eq(printed(&got), "x.example@10.1.0.0/16");
	cr_assert_str_eq(la.allow_dom[0].domain, "before.example");
	cr_assert_str_eq(la.allow_dom[2].domain, "after.example");
}

Test(lists, allow_domain_rebinding_when_full, .init = setup)
{
	struct fg_list_item it;

	for (unsigned int i = 0; i < FG_FED_LIST_MAX; i++) {
		it = nth(FG_LIST_ALLOW_DOM, i);
		cr_assert_eq(fg_lists_add(&la, &it), 0);
	}
	it = item("allow", "d7.example@2001:db8::/32");
	cr_assert_eq(fg_lists_add(&la, &it), 0);
	cr_assert_eq(la.nallow_dom, FG_FED_LIST_MAX);
	cr_assert_eq(la.allow_dom[7].bind[0].len, 32);
	cr_assert_eq(la.allow_dom[7].bind[0].addr[0], 0x20);
}

Test(lists, copy_equals_original_for_used_entries, .init = setup)
{
	struct fg_fed_lists *dst = malloc(sizeof(*dst));

	cr_assert_not_null(dst);
	memset(dst, 0xa5, sizeof(*dst));
	fill_sample(&la);
	fg_lists_copy(dst, &la);
	expect_lists_eq(&la, dst);
	cr_assert_eq(dst->nallow, 3);
	cr_assert_eq(dst->nblock, 4);
	cr_assert_eq(dst->nallow_dom, 2);
	cr_assert_eq(dst->nblock_dom, 2);
	cr_assert_eq(dst->nwatch_dom, 2);
	cr_assert_arr_eq(dst->allow, la.allow, 3 * sizeof(la.allow[0]));
	cr_assert_arr_eq(dst->block, la.block, 4 * sizeof(la.block[0]));
	cr_assert_arr_eq(dst->allow_dom, la.allow_dom, 2 * sizeof(la.allow_dom[0]));
	cr_assert_arr_eq(dst->block_dom, la.block_dom, 2 * sizeof(la.block_dom[0]));
	cr_assert_arr_eq(dst->watch_dom, la.watch_dom, 2 * sizeof(la.watch_dom[0]));
	/* only the used entries: the rest of dst is as it was */
	cr_assert_eq(((uint8_t *)&dst->allow[3])[0], 0xa5);
	cr_assert_eq(((uint8_t *)&dst->watch_dom[2])[0], 0xa5);
	cr_assert_eq(fg_lists_check(dst), 0);
	/* and an empty source empties the counts */
	memset(&lb, 0, sizeof(lb));
	fg_lists_copy(dst, &lb);
	for (int k = 0; k < FG_LIST_COUNT; k++)
		cr_assert_eq(fg_lists_count(dst, (enum fg_list)k), 0);
	free(dst);
}

/* ---- fg_lists_check ---------------------------------------------------- */

Test(check, good_lists_pass, .init = setup)
{
	cr_assert_eq(fg_lists_check(&la), 0);
	fill_sample(&la);
	cr_assert_eq(fg_lists_check(&la), 0);
	la.allow[0].len = 128;
	la.block[0].len = 128;
	cr_assert_eq(fg_lists_check(&la), 0);
}

Test(check, counts_above_max, .init = setup)
{
	uint32_t *n[] = { &la.nallow, &la.nblock, &la.nallow_dom, &la.nblock_dom,
			  &la.nwatch_dom };

	for (size_t j = 0; j < FG_FED_LIST_MAX; j++)
		la.allow_dom[j].nbind = 1;                 /* an allowed domain binds */
	for (size_t i = 0; i < 5; i++) {
		*n[i] = FG_FED_LIST_MAX;
		cr_assert_eq(fg_lists_check(&la), 0);      /* zeroed entries are fine */
		*n[i] = FG_FED_LIST_MAX + 1;
		cr_assert_eq(fg_lists_check(&la), -EINVAL, "count %zu", i);
		*n[i] = UINT32_MAX;
		cr_assert_eq(fg_lists_check(&la), -EINVAL, "count %zu", i);
		*n[i] = 0;
	}
}

Test(check, unterminated_domains, .init = setup)
{
	fill_sample(&la);
	memset(la.block_dom[1], 'a', FG_DOMAIN_MAX);
	cr_assert_eq(fg_lists_check(&la), -EINVAL);
	la.nblock_dom = 1;                         /* beyond the count: not read */
	cr_assert_eq(fg_lists_check(&la), 0);
	memset(la.watch_dom[0], 'w', FG_DOMAIN_MAX);
	cr_assert_eq(fg_lists_check(&la), -EINVAL);
	la.watch_dom[0][FG_DOMAIN_MAX - 1] = '\0';
	cr_assert_eq(fg_lists_check(&la), 0);
	memset(la.allow_dom[1].domain, 'd', FG_DOMAIN_MAX);
	cr_assert_eq(fg_lists_check(&la), -EINVAL);
}

Test(check, prefix_lengths_and_bindings, .init = setup)
{
	fill_sample(&la);
	la.allow[2].len = 129;
	cr_assert_eq(fg_lists_check(&la), -EINVAL);
	la.allow[2].len = 128;
	la.block[3].len = 255;
	cr_assert_eq(fg_lists_check(&la), -EINVAL);
	la.block[3].len = 0;
	la.allow_dom[1].bind[3].len = 129;
	cr_assert_eq(fg_lists_check(&la), -EINVAL);
	la.allow_dom[1].bind[3].len = 48;
	cr_assert_eq(fg_lists_check(&la), 0);
	la.allow_dom[1].nbind = FG_FED_BIND_MAX + 1;
	cr_assert_eq(fg_lists_check(&la), -EINVAL);
	la.allow_dom[1].nbind = 2;
	la.allow_dom[1].bind[3].len = 200;         /* beyond nbind: not read */
	cr_assert_eq(fg_lists_check(&la), 0);
}

/* ---- the state file ----------------------------------------------------- */

#define HEAD "# floodguard lists v1: written by floodctl, loaded at start\n"

Test(file, crc_is_crc32_ieee)
{
	/* the check value of CRC-32 (so hand-made files below are right) */
	cr_assert_eq(crc32_ieee("123456789", 9), 0xcbf43926u);
}

Test(file, exact_text, .init = setup)
{
	static const char *const body =
		HEAD
		"allow 10.0.0.0/8\n"
		"allow 2001:db8::/32\n"
		"block 192.0.2.7/32\n"
		"allow-domain x.example@10.1.0.0/16|2001:db8:1::/48\n"
		"block-domain spam.example\n"
		"watch-domain w.example\n";
	char want[512];
	size_t len;
	char *buf;

	/* added out of list order: written by list, each in its order */
	struct fg_list_item it[] = {
		item("watch", "w.example"), item("allow", "10.0.0.0/8"),
		item("block", "spam.example"), item("block", "192.0.2.7"),
		item("allow", "x.example@10.1.0.0/16|2001:db8:1::/48"),
		item("allow", "2001:db8::/32"),
	};
	for (size_t i = 0; i < sizeof(it) / sizeof(it[0]); i++)
		cr_assert_eq(fg_lists_add(&la, &it[i]), 0);
	buf = save(&la, &len);
	snprintf(want, sizeof(want), "%send 6 crc32=%08x\n", body,
		 crc32_ieee(body, strlen(body)));
	cr_assert_eq(len, strlen(want));
	cr_assert_arr_eq(buf, want, len, "got:\n%.*s", (int)len, buf);
	free(buf);
}

Test(file, empty_lists, .init = setup)
{
	char want[128];
	size_t len;
	char *buf = save(&la, &len);

	snprintf(want, sizeof(want), HEAD "end 0 crc32=%08x\n", crc32_ieee(HEAD, strlen(HEAD)));
	cr_assert_eq(len, strlen(want));
	cr_assert_arr_eq(buf, want, len);
	memset(&lb, 0xff, sizeof(lb));
	cr_assert_eq(fg_lists_load(&lb, buf, len, err, sizeof(err)), 0, "%s", err);
	for (int k = 0; k < FG_LIST_COUNT; k++)
		cr_assert_eq(fg_lists_count(&lb, (enum fg_list)k), 0);
	free(buf);
}

Test(file, save_load_round_trip, .init = setup)
{
	size_t len;
	char *buf = sample_file(&len);

	cr_assert_eq(fg_lists_load(&lb, buf, len, err, sizeof(err)), 0, "%s", err);
	expect_lists_eq(&la, &lb);
	cr_assert_eq(fg_lists_check(&lb), 0);
	/* saved again: the same bytes */
	{
		size_t len2;
		char *buf2 = save(&lb, &len2);

		cr_assert_eq(len2, len);
		cr_assert_arr_eq(buf2, buf, len);
		free(buf2);
	}
	free(buf);
}

Test(file, save_load_round_trip_full_lists, .init = setup)
{
	size_t len;
	char *buf;

	for (int k = 0; k < FG_LIST_COUNT; k++)
		for (unsigned int i = 0; i < FG_FED_LIST_MAX; i++) {
			struct fg_list_item it = nth((enum fg_list)k, i);

			if (k == FG_LIST_ALLOW_DOM) {   /* the longest lines there are */
				for (uint32_t j = 1; j < FG_FED_BIND_MAX; j++) {
					it.dom.bind[j] = it.dom.bind[0];
					memset(it.dom.bind[j].addr, 0xff, 15);
					it.dom.bind[j].addr[15] = (uint8_t)j;
					it.dom.bind[j].len = 128;
				}
				it.dom.nbind = FG_FED_BIND_MAX;
			}
			cr_assert_eq(fg_lists_add(&la, &it), 0);
		}
	buf = save(&la, &len);
	cr_assert_eq(fg_lists_load(&lb, buf, len, err, sizeof(err)), 0, "%s", err);
	expect_lists_eq(&la, &lb);
	cr_assert(strstr(buf, "\nend 1280 crc32=") != NULL);
	free(buf);
}

Test(file, comments_and_blank_lines_are_skipped, .init = setup)
{
	size_t len;
	char *buf = file_of(HEAD "\n# a note\nblock 10.0.0.0/8\n\n# another\n"
			    "watch-domain w.example\n", 2, &len);

	cr_assert_eq(fg_lists_load(&lb, buf, len, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(lb.nblock, 1);
	cr_assert_eq(lb.block[0].len, 104);
	cr_assert_eq(lb.nwatch_dom, 1);
	cr_assert_str_eq(lb.watch_dom[0], "w.example");
	free(buf);
}

Test(file, flipped_byte_fails_the_checksum, .init = setup)
{
	size_t len;
	char *buf = sample_file(&len), *p;

	/* an entry that still parses: 10.0.0.0/8 -> 11.0.0.0/8 */
	p = strstr(buf, "allow 10.0.0.0/8\n");
	cr_assert_not_null(p);
	p[7] = '1';
	load_fails(buf, len, "line 15: checksum mismatch (the file was changed or damaged)");
	p[7] = '0';
	/* the header comment is covered too */
	buf[2]++;
	load_fails(buf, len, "line 15: checksum mismatch (the file was changed or damaged)");
	buf[2]--;
	/* and the checksum itself */
	p = strstr(buf, "crc32=");
	cr_assert_not_null(p);
	p[6] = p[6] == '0' ? '1' : '0';
	load_fails(buf, len, "line 15: checksum mismatch (the file was changed or damaged)");
	free(buf);
}

Test(file, every_single_byte_flip_is_refused, .init = setup)
{
	size_t len;
	char *buf = sample_file(&len);

	for (size_t i = 0; i < len; i++) {
		buf[i] ^= 0x01;
		cr_assert_eq(fg_lists_load(&lb, buf, len, err, sizeof(err)), -1,
			     "byte %zu flipped: loaded", i);
		cr_assert_str_neq(err, "");
		buf[i] ^= 0x01;
	}
	cr_assert_eq(fg_lists_load(&lb, buf, len, err, sizeof(err)), 0, "%s", err);
	free(buf);
}

Test(file, truncated, .init = setup)
{
	size_t len, end;
	char *buf = sample_file(&len);

	/* cut in the middle of the end line, and of an entry */
	load_fails(buf, len - 3, "line 15: truncated (no end line)");
	load_fails(buf, len - 1, "line 15: truncated (no end line)");
	end = (size_t)(strstr(buf, "block 198.51.100.0/24\n") - buf);
	load_fails(buf, end + 10, "line 5: truncated (no end line)");
	/* cut at a line boundary: the end line is missing */
	end = (size_t)(strstr(buf, "\nend ") - buf) + 1;
	load_fails(buf, end, "no end line (the file is truncated)");
	load_fails(buf, strlen(HEAD), "no end line (the file is truncated)");
	load_fails(buf, 0, "no end line (the file is truncated)");
	free(buf);
}

Test(file, wrong_count, .init = setup)
{
	size_t len;
	char *buf;

	body_fails(HEAD "block 10.0.0.0/8\nblock 10.1.0.0/16\n", 3,
		   "line 4: 2 entries, the end line says 3");
	body_fails(HEAD "block 10.0.0.0/8\nblock 10.1.0.0/16\n", 1,
		   "line 4: 2 entries, the end line says 1");
	/* a saved file with its count changed (the count is outside the CRC) */
	buf = sample_file(&len);
	{
		char *p = strstr(buf, "\nend 13 ");

		cr_assert_not_null(p);
		p[6] = '4';
		load_fails(buf, len, "line 15: 13 entries, the end line says 14");
	}
	free(buf);
}

Test(file, unknown_list_name, .init = setup)
{
	body_fails(HEAD "block 10.0.0.0/8\nallowx 10.0.0.0/8\n", 2, "line 3: allowx: no such list");
	/* the verb is not a list */
	body_fails(HEAD "watch w.example\n", 1, "line 2: watch: no such list");
	body_fails(HEAD "block-domain\n", 1, "line 2: expected 'LIST ITEM'");
}

Test(file, bad_items_name_the_line, .init = setup)
{
	body_fails(HEAD "block 10.0.0.0/8\n# x\nallow 10.0.0.0/33\n", 2,
		   "line 4: 10.0.0.0/33: prefix length out of range (0-32)");
	body_fails(HEAD "block 10.0.0.1/8\n", 1,
		   "line 2: 10.0.0.1/8: host bits set after the prefix length");
	body_fails(HEAD "block-domain 10.0.0.1\n", 1, "line 2: 10.0.0.1: not a SIP domain "
		   "(letters, digits, '-' and '.' only, no empty label)");
	body_fails(HEAD "allow-domain x.example\n", 1, "line 2: x.example: an allowed domain "
		   "needs '@PREFIX[|PREFIX...]', the prefixes its requests may come from");
	body_fails(HEAD "allow x.example\n", 1, "line 2: x.example: not an IPv4 or IPv6 address");
	body_fails(HEAD "watch-domain " DOM64 "\n", 1,
		   "line 2: " DOM64 ": domain longer than 63 bytes");
}

Test(file, bad_end_line, .init = setup)
{
	static const char *const text = HEAD "block 10.0.0.0/8\nend one crc32=0\n";

	load_fails(text, strlen(text), "line 3: bad end line");
	load_fails(HEAD "end 0\n", strlen(HEAD "end 0\n"), "line 2: bad end line");
	load_fails(HEAD "end 0 crc32=xyz\n", strlen(HEAD "end 0 crc32=xyz\n"),
		   "line 2: bad end line");
}

Test(file, data_after_the_end_line, .init = setup)
{
	size_t len;
	char *buf = sample_file(&len), *more = malloc(len + 32);

	cr_assert_not_null(more);
	memcpy(more, buf, len);
	memcpy(more + len, "block 10.0.0.0/8\n", 17);
	load_fails(more, len + 17, "line 15: data after the end line");
	load_fails(more, len + 1, "line 15: data after the end line");
	memcpy(more + len, "\n", 1);
	load_fails(more, len + 1, "line 15: data after the end line");
	free(more);
	free(buf);
}

Test(file, line_too_long, .init = setup)
{
	char body[1024];
	size_t len;
	char *buf;

	memcpy(body, HEAD "# ", strlen(HEAD) + 2);
	memset(body + strlen(HEAD) + 2, 'x', 510);     /* a 512-byte comment */
	strcpy(body + strlen(HEAD) + 512, "\n");
	body_fails(body, 0, "line 2: too long");
	body[strlen(HEAD) + 511] = '\n';               /* 511 bytes: fine */
	body[strlen(HEAD) + 512] = '\0';
	buf = file_of(body, 0, &len);
	cr_assert_eq(fg_lists_load(&lb, buf, len, err, sizeof(err)), 0, "%s", err);
	free(buf);
}

Test(file, more_entries_than_a_list_holds, .init = setup)
{
	size_t n = 0;
	char *body = malloc(64 * 300);

	cr_assert_not_null(body);
	n += (size_t)sprintf(body, HEAD);
	for (unsigned int i = 0; i <= FG_FED_LIST_MAX; i++)
		n += (size_t)sprintf(body + n, "block 10.%u.%u.0/24\n", i >> 8, i & 0xff);
	body_fails(body, FG_FED_LIST_MAX + 1, "line 258: more than 256 block entries");
	free(body);
}

Test(file, duplicate_lines, .init = setup)
{
	size_t len;
	char *buf = file_of(HEAD "block 10.0.0.0/8\nblock 10.0.0.0/8\n"
			    "allow-domain x.example@10.1.0.0/16\n"
			    "allow-domain x.example@10.2.0.0/16\n", 4, &len);

	/* the end line counts lines; the lists hold each entry once */
	cr_assert_eq(fg_lists_load(&lb, buf, len, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(lb.nblock, 1);
	cr_assert_eq(lb.nallow_dom, 1);
	cr_assert_eq(lb.allow_dom[0].bind[0].addr[13], 2);   /* the later bindings */
	free(buf);
}

Test(file, more_than_the_file_max, .init = setup)
{
	size_t len = FG_LISTS_FILE_MAX + 1;
	char *buf = malloc(len);

	cr_assert_not_null(buf);
	memset(buf, '#', len);
	load_fails(buf, len, "4194305 bytes, more than a state file may have (4194304)");
	/* exactly the most: read (and here refused for what it holds) */
	for (size_t i = 99; i < FG_LISTS_FILE_MAX; i += 100)
		buf[i] = '\n';
	load_fails(buf, FG_LISTS_FILE_MAX, "line 41944: truncated (no end line)");
	free(buf);
}
