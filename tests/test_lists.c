/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lists as operators edit them (fg_lists.c) and the prefixes they
 * hold (fg_prefix_parse_why): parsing every verb and every error class
 * (exact messages), add and delete with their return codes and order,
 * allow-domain rebinding, copy, the checks; the prefix lists, held by a
 * struct fg_pfxset, and their tags; the state file's text: round trips
 * of both (v2 prefix lines with their tag, added and expiry; v1 lines),
 * the exact format, and each way a damaged file is refused with the line
 * and the problem; list files (fg_list_file_parse).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg_lists.h"
#include "test_util.h"

static struct fg_fed_lists la, lb;   /* zeroed by setup() */
static struct fg_tags ta, tb;        /* fg_tags_init() */
static char err[512];

/* "now" of the loads: the v1 entries' added, what has expired */
#define NOW 1800000000u

/* Two empty sets, made when a test first uses them (each touches 64 MiB:
 * most tests need none), freed when its process exits. */
static struct fg_pfxset *
set_of(int i)
{
	static struct fg_pfxset *s[2];

	if (s[i] == NULL)
		s[i] = pfxset_new();
	return s[i];
}
#define sa (set_of(0))
#define sb (set_of(1))

static void
setup(void)
{
	memset(&la, 0, sizeof(la));
	memset(&lb, 0, sizeof(lb));
	memset(err, 0, sizeof(err));
	fg_tags_init(&ta);
	fg_tags_init(&tb);
}

/* sb emptied again (after a load that failed half way). */
static void
reset_sb(void)
{
	struct fg_pfxset_cfg cfg = test_pfx_cfg();

	cr_assert_eq(fg_pfxset_init(sb, fg_pfxset_size(&cfg), &cfg, 0x5eed), 0);
	fg_tags_init(&tb);
}

/* fg_lists_load() into lb, sb and tb at NOW. */
static int
load(const char *buf, size_t len)
{
	return fg_lists_load(&lb, sb, &tb, buf, len, NOW, err, sizeof(err));
}

/* The line of @p buf that @p at is in (1: the first). */
static unsigned int
line_of(const char *buf, const char *at)
{
	unsigned int n = 1;

	for (const char *p = buf; p < at; p++)
		n += *p == '\n';
	return n;
}

/* ---- helpers ---------------------------------------------------------- */

static void
expect_prefix(const struct fg_prefix *p, const uint8_t want[16], uint8_t len)
{
	cr_assert_eq(p->len, len, "len %u, want %u", p->len, len);
	cr_assert_arr_eq(p->addr, want, 16);
}

/* @p p is a.b.c.d mapped into IPv6 (::ffff:a.b.c.d), length @p len. */
static void
expect_v4(const struct fg_prefix *p, uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t len)
{
	const uint8_t want[16] = { [10] = 0xff, [11] = 0xff, a, b, c, d };

	expect_prefix(p, want, len);
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
	cr_assert_eq(load(buf, len), -1, "loaded: %s", msg);
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

/* Load of @p body, ended by a good end line counting @p count, at @p now
 * must succeed. */
static void
body_loads(const char *body, unsigned int count, uint32_t now)
{
	size_t len;
	char *buf = file_of(body, count, &len);

	cr_assert_eq(fg_lists_load(&lb, sb, &tb, buf, len, now, err, sizeof(err)), 0, "%s", err);
	free(buf);
}

/* The sample lists, added to la and sa, saved into a malloc'ed buffer. */
static char *
sample_file(size_t *len)
{
	fill_sample(&la, sa);
	return save_all(&la, sa, &ta, len);
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

	cr_assert_null(fg_prefix_parse_why("10.0.0.0/8", &p));
	expect_v4(&p, 10, 0, 0, 0, 96 + 8);
	cr_assert_null(fg_prefix_parse_why("192.0.2.1", &p));
	expect_v4(&p, 192, 0, 2, 1, 128);
	cr_assert_null(fg_prefix_parse_why("192.0.2.1/32", &p));
	expect_v4(&p, 192, 0, 2, 1, 128);
	cr_assert_null(fg_prefix_parse_why("0.0.0.0/0", &p));
	expect_v4(&p, 0, 0, 0, 0, 96);
	cr_assert_eq(fg_prefix_parse("172.16.0.0/12", &p), 0);
	expect_v4(&p, 172, 16, 0, 0, 108);
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

	cr_assert_eq(it.list, FG_LIST_ALLOW);
	expect_v4(&it.pfx, 10, 0, 0, 0, 104);
	cr_assert_str_eq(printed(&it), "10.0.0.0/8");

	it = item("allow", "192.0.2.7");
	cr_assert_eq(it.list, FG_LIST_ALLOW);
	expect_v4(&it.pfx, 192, 0, 2, 7, 128);
	cr_assert_str_eq(printed(&it), "192.0.2.7/32");

	it = item("allow", "2001:DB8::/32");
	cr_assert_eq(it.list, FG_LIST_ALLOW);
	cr_assert_str_eq(printed(&it), "2001:db8::/32");

	it = item("allow", "::ffff:10.0.0.0/104");   /* the mapped form is IPv4 */
	cr_assert_eq(it.list, FG_LIST_ALLOW);
	expect_v4(&it.pfx, 10, 0, 0, 0, 104);
	cr_assert_str_eq(printed(&it), "10.0.0.0/8");
}

Test(parse, block_addresses_and_prefixes, .init = setup)
{
	struct fg_list_item it = item("block", "198.51.100.0/24");
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 5 };

	cr_assert_eq(it.list, FG_LIST_BLOCK);
	expect_v4(&it.pfx, 198, 51, 100, 0, 120);
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

	cr_assert_eq(it.list, FG_LIST_ALLOW_DOM);
	cr_assert_str_eq(it.dom.domain, "sip.partner.example");
	cr_assert_eq(it.dom.nbind, 1);
	expect_v4(&it.dom.bind[0], 10, 1, 0, 0, 112);
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

	struct fg_pfx_meta m;

	/* prefixes are not domain list items: they go to a struct fg_pfxset */
	cr_assert_eq(fg_lists_add(&la, &a), -EINVAL);
	cr_assert_eq(fg_lists_add(&la, &b), -EINVAL);
	cr_assert_eq(fg_lists_del(&la, &a), -EINVAL);
	cr_assert_eq(fg_pfxset_add(sa, fg_list_pfx(a.list), &a.pfx, NULL), 0);
	cr_assert_eq(fg_pfxset_add(sa, fg_list_pfx(a.list), &a.pfx, NULL), -EEXIST);
	cr_assert_eq(fg_pfxset_add(sa, fg_list_pfx(a9.list), &a9.pfx, NULL), 0); /* other length */
	cr_assert_eq(fg_pfxset_add(sa, fg_list_pfx(b.list), &b.pfx, NULL), 0);  /* other list */
	cr_assert_eq(fg_lists_add(&la, &bd), 0);
	cr_assert_eq(fg_lists_add(&la, &bd_upper), -EEXIST);   /* domains are lowercase */
	cr_assert_eq(fg_lists_add(&la, &wd), 0);
	cr_assert_eq(fg_lists_add(&la, &wd), -EEXIST);
	cr_assert_eq(fg_lists_add(&la, &ad), 0);
	cr_assert_eq(fg_lists_add(&la, &ad), -EEXIST);
	cr_assert_eq(la.nallow_dom, 1);
	cr_assert_eq(la.nblock_dom, 1);
	cr_assert_eq(la.nwatch_dom, 1);
	cr_assert_eq(fg_lists_count(&la, FG_LIST_ALLOW), 0);    /* domain lists only */
	cr_assert_eq(fg_lists_count(&la, FG_LIST_BLOCK), 0);
	cr_assert_eq(fg_lists_entries(&la, sa, FG_LIST_ALLOW), 2);
	cr_assert_eq(fg_lists_entries(&la, sa, FG_LIST_BLOCK), 1);
	cr_assert_eq(fg_lists_count(&la, FG_LIST_WATCH_DOM), 1);
	cr_assert_eq(fg_lists_entries(&la, sa, FG_LIST_WATCH_DOM), 1);
	cr_assert(set_has(sa, FG_PFX_LIST_ALLOW, "10.0.0.0/8", &m));
	cr_assert(set_has(sa, FG_PFX_LIST_ALLOW, "10.0.0.0/9", &m));
	cr_assert(set_has(sa, FG_PFX_LIST_BLOCK, "10.0.0.0/8", &m));
	cr_assert_not(set_has(sa, FG_PFX_LIST_BLOCK, "10.0.0.0/9", &m));
	cr_assert_str_eq(la.block_dom[0], "x.example");
	cr_assert_str_eq(la.watch_dom[0], "x.example");
	cr_assert_str_eq(la.allow_dom[0].domain, "x.example");
	cr_assert_eq(la.allow_dom[0].nbind, 1);
}

Test(lists, get_returns_what_was_added, .init = setup)
{
	fill_sample(&la, sa);
	cr_assert_eq(fg_lists_entries(&la, sa, FG_LIST_ALLOW), 3);
	cr_assert_eq(fg_lists_entries(&la, sa, FG_LIST_BLOCK), 4);
	cr_assert_eq(fg_lists_count(&la, FG_LIST_ALLOW), 0);
	cr_assert_eq(fg_lists_count(&la, FG_LIST_BLOCK), 0);
	cr_assert_eq(fg_lists_count(&la, FG_LIST_ALLOW_DOM), 2);
	cr_assert_eq(fg_lists_count(&la, FG_LIST_BLOCK_DOM), 2);
	cr_assert_eq(fg_lists_count(&la, FG_LIST_WATCH_DOM), 2);
	for (size_t i = 0, seen[FG_LIST_COUNT] = { 0 }; i < nsample; i++) {
		struct fg_list_item want = item(sample[i][0], sample[i][1]), got;

		if (fg_list_is_pfx(want.list)) {
			struct fg_pfx_meta m, w = sample_meta(i);

			expect_meta(sa, fg_list_pfx(want.list), sample[i][1], w.tag, w.added_s,
				    w.expires_s);
			cr_assert_eq(fg_pfxset_get(sa, 1 - fg_list_pfx(want.list), &want.pfx, &m),
				     0, "%s %s: in the other list", sample[i][0], sample[i][1]);
			continue;
		}
		fg_lists_get(&la, want.list, (uint32_t)seen[want.list]++, &got);
		cr_assert(memcmp(&want, &got, sizeof(got)) == 0, "%s %s: got %s",
			  sample[i][0], sample[i][1], printed(&got));
	}
}

Test(lists, enospc_at_list_max, .init = setup)
{
	for (int k = FG_LIST_ALLOW_DOM; k < FG_LIST_COUNT; k++) {
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

/* The prefix lists hold more than a domain list: up to the set's rules. */
Test(lists, prefix_lists_hold_up_to_the_sets_rules, .init = setup)
{
	struct fg_list_item it;

	for (unsigned int i = 0; i < TEST_PFX_RULES; i++) {
		it = nth(i % 2 ? FG_LIST_BLOCK : FG_LIST_ALLOW, i);
		cr_assert_eq(fg_lists_add(&la, &it), -EINVAL);
		cr_assert_eq(fg_pfxset_add(sa, fg_list_pfx(it.list), &it.pfx, NULL), 0, "%u", i);
	}
	cr_assert_eq(fg_lists_entries(&la, sa, FG_LIST_ALLOW), TEST_PFX_RULES / 2);
	cr_assert_eq(fg_lists_entries(&la, sa, FG_LIST_BLOCK), TEST_PFX_RULES / 2);
	cr_assert_gt(TEST_PFX_RULES / 2, FG_FED_LIST_MAX);
	it = nth(FG_LIST_BLOCK, TEST_PFX_RULES);
	cr_assert_eq(fg_pfxset_add(sa, FG_PFX_LIST_BLOCK, &it.pfx, NULL), -ENOSPC);
	cr_assert_str_eq(fg_pfxset_nospc_name(sa), "[lists] max_prefixes reached");
	cr_assert_eq(fg_lists_entries(&la, sa, FG_LIST_BLOCK), TEST_PFX_RULES / 2);
}

Test(lists, del_prefixes_enoent, .init = setup)
{
	static const char *const pf[] = { "10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16",
					  "10.3.0.0/16", "10.4.0.0/16" };
	struct fg_list_item it;
	struct fg_pfx_meta m;

	for (size_t i = 0; i < 5; i++) {
		it = item("block", pf[i]);
		cr_assert_eq(fg_pfxset_add(sa, FG_PFX_LIST_BLOCK, &it.pfx, NULL), 0);
	}
	it = item("block", "10.9.0.0/16");
	cr_assert_eq(fg_pfxset_del(sa, FG_PFX_LIST_BLOCK, &it.pfx), -ENOENT);
	cr_assert_eq(fg_lists_del(&la, &it), -EINVAL);          /* not a domain list */
	it = item("block", "10.1.0.0/17");       /* same address, other length */
	cr_assert_eq(fg_pfxset_del(sa, FG_PFX_LIST_BLOCK, &it.pfx), -ENOENT);
	it = item("allow", "10.1.0.0/16");       /* other list */
	cr_assert_eq(fg_pfxset_del(sa, fg_list_pfx(it.list), &it.pfx), -ENOENT);
	cr_assert_eq(fg_lists_entries(&la, sa, FG_LIST_BLOCK), 5);

	it = item("block", "10.1.0.0/16");       /* the second */
	cr_assert_eq(fg_pfxset_del(sa, FG_PFX_LIST_BLOCK, &it.pfx), 0);
	cr_assert_eq(fg_pfxset_del(sa, FG_PFX_LIST_BLOCK, &it.pfx), -ENOENT);
	it = item("block", "10.4.0.0/16");       /* the last */
	cr_assert_eq(fg_pfxset_del(sa, FG_PFX_LIST_BLOCK, &it.pfx), 0);
	it = item("block", "10.0.0.0/8");        /* the first */
	cr_assert_eq(fg_pfxset_del(sa, FG_PFX_LIST_BLOCK, &it.pfx), 0);
	cr_assert_eq(fg_lists_entries(&la, sa, FG_LIST_BLOCK), 2);
	cr_assert(set_has(sa, FG_PFX_LIST_BLOCK, "10.2.0.0/16", &m));
	cr_assert(set_has(sa, FG_PFX_LIST_BLOCK, "10.3.0.0/16", &m));
	cr_assert_not(set_has(sa, FG_PFX_LIST_BLOCK, "10.0.0.0/8", &m));
	cr_assert_not(set_has(sa, FG_PFX_LIST_BLOCK, "10.1.0.0/16", &m));
	cr_assert_not(set_has(sa, FG_PFX_LIST_BLOCK, "10.4.0.0/16", &m));
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

/* The configuration's domains meet the running lists (a reload, a start
 * over a state file): what the file added comes in, what it dropped goes,
 * what floodctl added stays, an allowed domain takes the file's bindings. */
Test(lists, merge_config_domains, .init = setup)
{
	static struct fg_fed_lists prev, next;
	struct fg_list_item it;
	const char *const run[][2] = {
		{ "block", "old.example" }, { "block", "mine.example" },
		{ "allow", "p.example@10.1.0.0/16" }, { "watch", "w.example" },
	};
	const char *const file_prev[][2] = {
		{ "block", "old.example" }, { "allow", "p.example@10.1.0.0/16" },
		{ "watch", "w.example" },
	};
	const char *const file_next[][2] = {
		{ "block", "new.example" }, { "allow", "p.example@10.2.0.0/16" },
		{ "watch", "w.example" },
	};
	uint32_t add, del;

	memset(&prev, 0, sizeof(prev));
	memset(&next, 0, sizeof(next));
	for (size_t i = 0; i < sizeof(run) / sizeof(run[0]); i++) {
		it = item(run[i][0], run[i][1]);
		cr_assert_eq(fg_lists_add(&la, &it), 0);
	}
	for (size_t i = 0; i < 3; i++) {
		it = item(file_prev[i][0], file_prev[i][1]);
		cr_assert_eq(fg_lists_add(&prev, &it), 0);
		it = item(file_next[i][0], file_next[i][1]);
		cr_assert_eq(fg_lists_add(&next, &it), 0);
	}
	cr_assert_eq(fg_lists_merge_domains(&la, &prev, &next, &add, &del), 0);
	cr_assert_eq(add, 2, "new.example and p.example's bindings: %u", add);
	cr_assert_eq(del, 1, "old.example: %u", del);
	cr_assert_eq(la.nblock_dom, 2);
	cr_assert_str_eq(la.block_dom[0], "mine.example");
	cr_assert_str_eq(la.block_dom[1], "new.example");
	fg_lists_get(&la, FG_LIST_ALLOW_DOM, 0, &it);
	cr_assert_str_eq(printed(&it), "p.example@10.2.0.0/16");
	cr_assert_eq(la.nwatch_dom, 1);
	/* the same again: nothing to do */
	cr_assert_eq(fg_lists_merge_domains(&la, &next, &next, &add, &del), 0);
	cr_assert_eq(add + del, 0);
	/* at start there is no file before: only additions */
	cr_assert_eq(fg_lists_merge_domains(&la, NULL, &prev, &add, &del), 0);
	cr_assert_eq(add, 2, "old.example back, p.example rebound: %u", add);
	cr_assert_eq(del, 0);
	cr_assert_eq(la.nblock_dom, 3);
}

/* A full list: every domain that fits is merged, -ENOSPC says one did not. */
Test(lists, merge_config_domains_full, .init = setup)
{
	static struct fg_fed_lists next;
	struct fg_list_item it;
	uint32_t add, del;

	memset(&next, 0, sizeof(next));
	for (unsigned int i = 0; i < FG_FED_LIST_MAX; i++) {
		it = nth(FG_LIST_BLOCK_DOM, i);
		cr_assert_eq(fg_lists_add(&la, &it), 0);
	}
	it = item("block", "extra.example");
	cr_assert_eq(fg_lists_add(&next, &it), 0);
	it = item("watch", "w.example");
	cr_assert_eq(fg_lists_add(&next, &it), 0);
	cr_assert_eq(fg_lists_merge_domains(&la, NULL, &next, &add, &del), -ENOSPC);
	cr_assert_eq(add, 1, "w.example merged: %u", add);
	cr_assert_eq(la.nwatch_dom, 1);
	cr_assert_eq(la.nblock_dom, FG_FED_LIST_MAX);
}

Test(lists, copy_equals_original_for_used_entries, .init = setup)
{
	struct fg_fed_lists *dst = malloc(sizeof(*dst));

	cr_assert_not_null(dst);
	memset(dst, 0xa5, sizeof(*dst));
	fill_sample(&la, sa);
	cr_assert_eq(fg_lists_copy(dst, &la), 0);
	expect_lists_eq(&la, dst);
	cr_assert_eq(fg_lists_count(dst, FG_LIST_ALLOW), 0);
	cr_assert_eq(fg_lists_count(dst, FG_LIST_BLOCK), 0);
	cr_assert_eq(dst->nallow_dom, 2);
	cr_assert_eq(dst->nblock_dom, 2);
	cr_assert_eq(dst->nwatch_dom, 2);
	cr_assert_arr_eq(dst->allow_dom, la.allow_dom, 2 * sizeof(la.allow_dom[0]));
	cr_assert_arr_eq(dst->block_dom, la.block_dom, 2 * sizeof(la.block_dom[0]));
	cr_assert_arr_eq(dst->watch_dom, la.watch_dom, 2 * sizeof(la.watch_dom[0]));
	/* only the used entries: the rest of dst is as it was */
	cr_assert_eq(((uint8_t *)&dst->allow_dom[2])[0], 0xa5);
	cr_assert_eq(((uint8_t *)&dst->block_dom[2])[0], 0xa5);
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
	fill_sample(&la, sa);
	cr_assert_eq(fg_lists_check(&la), 0);
	la.allow_dom[0].bind[0].len = 128;
	cr_assert_eq(fg_lists_check(&la), 0);
}

Test(check, counts_above_max, .init = setup)
{
	uint32_t *n[] = { &la.nallow_dom, &la.nblock_dom, &la.nwatch_dom };

	for (size_t j = 0; j < FG_FED_LIST_MAX; j++)
		la.allow_dom[j].nbind = 1;                 /* an allowed domain binds */
	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
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
	fill_sample(&la, sa);
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
	fill_sample(&la, sa);
	la.allow_dom[0].bind[0].len = 129;
	cr_assert_eq(fg_lists_check(&la), -EINVAL);
	la.allow_dom[0].bind[0].len = 0;
	cr_assert_eq(fg_lists_check(&la), 0);
	la.allow_dom[1].bind[3].len = 255;
	cr_assert_eq(fg_lists_check(&la), -EINVAL);
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

#define HEAD "# floodguard lists v2: written by floodctl, loaded at start\n"
#define HEAD1 "# floodguard lists v1: written by floodctl, loaded at start\n"

Test(file, crc_is_crc32_ieee)
{
	/* the check value of CRC-32 (so hand-made files below are right) */
	cr_assert_eq(crc32_ieee("123456789", 9), 0xcbf43926u);
}

Test(file, exact_text, .init = setup)
{
	/* one prefix in both lists: its allow line, then its block line */
	static const char *const body =
		HEAD
		"allow 192.0.2.7/32 tag=manual added=1700000000\n"
		"block 192.0.2.7/32 tag=feed-1 added=1700000001 expires=1700003601\n"
		"allow-domain x.example@10.1.0.0/16|2001:db8:1::/48\n"
		"block-domain spam.example\n"
		"watch-domain w.example\n";
	struct fg_pfx_meta mm = { .tag = FG_TAG_MANUAL, .added_s = 1700000000u };
	struct fg_pfx_meta mf = { .added_s = 1700000001u, .expires_s = 1700003601u };
	struct fg_list_item p = item("block", "192.0.2.7");
	char want[1024];
	size_t len;
	char *buf;
	int feed = fg_tags_id(&ta, "feed-1", true);

	/* added out of list order: written by list, each in its order */
	struct fg_list_item it[] = {
		item("watch", "w.example"), item("block", "spam.example"),
		item("allow", "x.example@10.1.0.0/16|2001:db8:1::/48"),
	};
	cr_assert_eq(feed, 2);
	mf.tag = (uint16_t)feed;
	for (size_t i = 0; i < sizeof(it) / sizeof(it[0]); i++)
		cr_assert_eq(fg_lists_add(&la, &it[i]), 0);
	cr_assert_eq(fg_pfxset_add(sa, FG_PFX_LIST_BLOCK, &p.pfx, &mf), 0);
	cr_assert_eq(fg_pfxset_add(sa, FG_PFX_LIST_ALLOW, &p.pfx, &mm), 0);
	buf = save_all(&la, sa, &ta, &len);
	snprintf(want, sizeof(want), "%send 5 crc32=%08x\n", body,
		 crc32_ieee(body, strlen(body)));
	cr_assert_eq(len, strlen(want), "got:\n%.*s", (int)len, buf);
	cr_assert_arr_eq(buf, want, len, "got:\n%.*s", (int)len, buf);
	free(buf);
}

/* qsort() of lines */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Many prefixes: written in the set's order, one line per (list, prefix),
 * before the domains. The lines as a set are exactly these. */
Test(file, prefix_lines_are_every_entry, .init = setup)
{
	enum { N = 300 };
	char *want[2 * N + 1], *got[2 * N + 1], *buf, *p, *end;
	unsigned int nw = 0, ng = 0;
	struct fg_list_item w = item("watch", "w.example");
	size_t len;

	for (unsigned int i = 0; i < N; i++) {
		struct fg_list_item it = nth(FG_LIST_ALLOW, i);
		struct fg_pfx_meta m = { .tag = (uint16_t)(i % 2), .added_s = 1700000000u + i,
					 .expires_s = i % 3 == 0 ? 0 : 1800000000u + i };

		for (unsigned int k = 0; k < FG_PFX_LIST_COUNT; k++) {
			if (i % 4 == 3 && k == FG_PFX_LIST_ALLOW)
				continue;            /* some in the block list only */
			cr_assert_eq(fg_pfxset_add(sa, k, &it.pfx, &m), 0);
			int rc = asprintf(&want[nw++], "%s 10.%u.%u.0/24 tag=%s added=%u%s%.0u",
					  k == FG_PFX_LIST_ALLOW ? "allow" : "block", i >> 8,
					  i & 0xff, i % 2 ? "config" : "manual", m.added_s,
					  m.expires_s != 0 ? " expires=" : "", m.expires_s);

			cr_assert_neq(rc, -1);
		}
	}
	cr_assert_eq(fg_lists_add(&la, &w), 0);
	buf = save_all(&la, sa, &ta, &len);
	cr_assert_eq(strncmp(buf, HEAD, strlen(HEAD)), 0);
	p = buf + strlen(HEAD);
	for (unsigned int i = 0; i < nw; i++) {      /* the prefixes come first */
		end = strchr(p, '\n');
		cr_assert_not_null(end);
		*end = '\0';
		got[ng++] = p;
		p = end + 1;
	}
	cr_assert(strncmp(p, "watch-domain w.example\nend ", 27) == 0, "%s", p);
	{
		char e[64];

		snprintf(e, sizeof(e), "end %u crc32=", nw + 1);
		cr_assert(strstr(p, e) != NULL, "%s", p);
	}
	qsort(want, nw, sizeof(want[0]), cmp_str);
	qsort(got, ng, sizeof(got[0]), cmp_str);
	for (unsigned int i = 0; i < nw; i++)
		cr_assert_str_eq(got[i], want[i]);
	for (unsigned int i = 0; i < nw; i++)
		free(want[i]);
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
	cr_assert_eq(load(buf, len), 0, "%s", err);
	for (int k = 0; k < FG_LIST_COUNT; k++)
		cr_assert_eq(fg_lists_entries(&lb, sb, (enum fg_list)k), 0);
	free(buf);
}

Test(file, save_load_round_trip, .init = setup)
{
	size_t len;
	char *buf = sample_file(&len);

	cr_assert_eq(load(buf, len), 0, "%s", err);
	expect_lists_eq(&la, &lb);
	expect_sets_eq(sa, &ta, sb, &tb);
	expect_sets_eq(sb, &tb, sa, &ta);
	cr_assert_eq(fg_lists_check(&lb), 0);
	/* saved again: the same bytes */
	{
		size_t len2;
		char *buf2 = save_all(&lb, sb, &tb, &len2);

		cr_assert_eq(len2, len);
		cr_assert_arr_eq(buf2, buf, len, "was:\n%s\nnow:\n%s", buf, buf2);
		free(buf2);
	}
	free(buf);
}

Test(file, save_load_round_trip_full_lists, .init = setup)
{
	const unsigned int npfx = 1000;     /* more than a domain list holds */
	size_t len;
	char *buf, want[64];

	for (int k = FG_LIST_ALLOW_DOM; k < FG_LIST_COUNT; k++)
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
	for (unsigned int k = 0; k < FG_PFX_LIST_COUNT; k++)
		for (unsigned int i = 0; i < npfx; i++) {
			struct fg_list_item it = nth(FG_LIST_ALLOW, i + k * 7);
			struct fg_pfx_meta m = { .tag = (uint16_t)(i % 2), .added_s = i,
						 .expires_s = i % 5 ? 0 : UINT32_MAX - i };

			cr_assert_eq(fg_pfxset_add(sa, k, &it.pfx, &m), 0);
		}
	buf = save_all(&la, sa, &ta, &len);
	cr_assert_eq(load(buf, len), 0, "%s", err);
	expect_lists_eq(&la, &lb);
	expect_sets_eq(sa, &ta, sb, &tb);
	cr_assert_eq(fg_lists_entries(&lb, sb, FG_LIST_ALLOW), npfx);
	cr_assert_eq(fg_lists_entries(&lb, sb, FG_LIST_BLOCK), npfx);
	snprintf(want, sizeof(want), "\nend %u crc32=", 3 * FG_FED_LIST_MAX + 2 * npfx);
	cr_assert(strstr(buf, want) != NULL);
	free(buf);
}

Test(file, comments_and_blank_lines_are_skipped, .init = setup)
{
	struct fg_pfx_meta m;

	body_loads(HEAD "\n# a note\nblock 10.0.0.0/8\n\n# another\nwatch-domain w.example\n",
		   2, NOW);
	cr_assert_eq(fg_lists_entries(&lb, sb, FG_LIST_BLOCK), 1);
	cr_assert(set_has(sb, FG_PFX_LIST_BLOCK, "10.0.0.0/8", &m));
	cr_assert_eq(lb.nwatch_dom, 1);
	cr_assert_str_eq(lb.watch_dom[0], "w.example");
}

/* ---- v2 prefix lines: tag, added, expires ------------------------------- */

Test(file, v2_prefix_lines_round_trip, .init = setup)
{
	struct fg_pfx_meta m;
	int drop, firehol;
	size_t len2;
	char *again;

	body_loads(HEAD
		   "allow 10.0.0.0/8 tag=manual added=1700000000\n"
		   "block 2001:db8::/32 tag=spamhaus-drop added=1700000100 expires=1900000000\n"
		   "allow 192.0.2.1/32 tag=config added=5 expires=4294967295\n"
		   "block 192.0.2.0/24 tag=firehol.level1 added=0\n"
		   "block 198.51.100.0/24 added=7 tag=spamhaus-drop\n"
		   "block-domain spam.example\n", 6, NOW);
	drop = fg_tags_id(&tb, "spamhaus-drop", false);
	firehol = fg_tags_id(&tb, "firehol.level1", false);
	cr_assert_eq(drop, 2, "new tags take the next ids");
	cr_assert_eq(firehol, 3);
	expect_meta(sb, FG_PFX_LIST_ALLOW, "10.0.0.0/8", FG_TAG_MANUAL, 1700000000u, 0);
	expect_meta(sb, FG_PFX_LIST_BLOCK, "2001:db8::/32", drop, 1700000100u, 1900000000u);
	expect_meta(sb, FG_PFX_LIST_ALLOW, "192.0.2.1", FG_TAG_CONFIG, 5, UINT32_MAX);
	expect_meta(sb, FG_PFX_LIST_BLOCK, "192.0.2.0/24", firehol, 0, 0);
	expect_meta(sb, FG_PFX_LIST_BLOCK, "198.51.100.0/24", drop, 7, 0);  /* any order */
	cr_assert_not(set_has(sb, FG_PFX_LIST_BLOCK, "10.0.0.0/8", &m));
	cr_assert_eq(fg_lists_entries(&lb, sb, FG_LIST_ALLOW), 2);
	cr_assert_eq(fg_lists_entries(&lb, sb, FG_LIST_BLOCK), 3);
	cr_assert_eq(lb.nblock_dom, 1);
	/* written again and read back: the same entries, tags by name */
	again = save_all(&lb, sb, &tb, &len2);
	cr_assert(strstr(again, "block 2001:db8::/32 tag=spamhaus-drop added=1700000100 "
			 "expires=1900000000\n") != NULL, "%s", again);
	cr_assert(strstr(again, "block 198.51.100.0/24 tag=spamhaus-drop added=7\n") != NULL,
		  "%s", again);
	cr_assert(strstr(again, "allow 192.0.2.1/32 tag=config added=5 expires=4294967295\n") !=
		  NULL, "%s", again);
	memset(&la, 0, sizeof(la));
	cr_assert_eq(fg_lists_load(&la, sa, &ta, again, len2, NOW, err, sizeof(err)), 0, "%s",
		     err);
	expect_sets_eq(sb, &tb, sa, &ta);
	expect_sets_eq(sa, &ta, sb, &tb);
	expect_lists_eq(&lb, &la);
	free(again);
}

/* A v1 file (before tags): its prefixes are the operator's, added now. */
Test(file, v1_lines_load_as_manual, .init = setup)
{
	body_loads(HEAD1 "allow 10.0.0.0/8\nblock 2001:db8::/32\n"
		   "block 192.0.2.0/24 tag=config added=3\nwatch-domain w.example\n", 4, NOW);
	expect_meta(sb, FG_PFX_LIST_ALLOW, "10.0.0.0/8", FG_TAG_MANUAL, NOW, 0);
	expect_meta(sb, FG_PFX_LIST_BLOCK, "2001:db8::/32", FG_TAG_MANUAL, NOW, 0);
	/* a line with attributes among them keeps its own */
	expect_meta(sb, FG_PFX_LIST_BLOCK, "192.0.2.0/24", FG_TAG_CONFIG, 3, 0);
	cr_assert_eq(lb.nwatch_dom, 1);
	cr_assert_str_eq(fg_tag_name(&tb, 2), "?", "no tag created");
}

/* An entry whose time was up while floodguard was down is left out; the
 * end line still counts its line. */
Test(file, expired_entries_are_left_out, .init = setup)
{
	char body[512];
	struct fg_pfx_meta m;

	snprintf(body, sizeof(body), HEAD
		 "block 10.0.0.0/8 tag=manual added=1 expires=%u\n"
		 "block 10.1.0.0/16 tag=manual added=1 expires=%u\n"
		 "allow 10.2.0.0/16 tag=manual added=1 expires=%u\n"
		 "allow 10.3.0.0/16 tag=manual added=1 expires=1\n"
		 "allow 10.4.0.0/16 tag=manual added=1 expires=0\n", NOW, NOW + 1, NOW - 1);
	body_loads(body, 5, NOW);
	cr_assert_not(set_has(sb, FG_PFX_LIST_BLOCK, "10.0.0.0/8", &m), "expires now: gone");
	/* a second to go */
	expect_meta(sb, FG_PFX_LIST_BLOCK, "10.1.0.0/16", FG_TAG_MANUAL, 1, NOW + 1);
	cr_assert_not(set_has(sb, FG_PFX_LIST_ALLOW, "10.2.0.0/16", &m));
	cr_assert_not(set_has(sb, FG_PFX_LIST_ALLOW, "10.3.0.0/16", &m));
	expect_meta(sb, FG_PFX_LIST_ALLOW, "10.4.0.0/16", FG_TAG_MANUAL, 1, 0);  /* never */
	cr_assert_eq(fg_lists_entries(&lb, sb, FG_LIST_BLOCK), 1);
	cr_assert_eq(fg_lists_entries(&lb, sb, FG_LIST_ALLOW), 1);
	/* the same file a second earlier: all but the one of expires=1 */
	reset_sb();
	body_loads(body, 5, NOW - 2);
	cr_assert_eq(fg_lists_entries(&lb, sb, FG_LIST_BLOCK), 2);
	cr_assert_eq(fg_lists_entries(&lb, sb, FG_LIST_ALLOW), 2);
	cr_assert_not(set_has(sb, FG_PFX_LIST_ALLOW, "10.3.0.0/16", &m));
}

Test(file, bad_attributes_name_the_line, .init = setup)
{
	static const char *const bad[][2] = {
		{ "tag=", "tag=: not a tag name" },
		{ "tag=bad/name", "tag=bad/name: not a tag name" },
		{ "tag=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "tag=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: "
		  "not a tag name" },                                     /* 32 bytes */
		{ "added=x", "added=x: not a time in seconds" },
		{ "added=", "added=: not a time in seconds" },
		{ "added=12x", "added=12x: not a time in seconds" },
		{ "added=4294967296", "added=4294967296: not a time in seconds" },
		{ "tag=manual expires=-1", "expires=-1: not a time in seconds" },
		{ "expires=99999999999999999999", "expires=99999999999999999999: not a time in "
		  "seconds" },
		{ "owner=5", "owner: unknown (tag, added, expires)" },
		{ "tagmanual", "tagmanual: expected KEY=VALUE" },
	};
	char body[256], want[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), HEAD "block 10.0.0.0/8 tag=manual added=1\n"
			 "# x\nallow 10.1.0.0/16 %s\n", bad[i][0]);
		snprintf(want, sizeof(want), "line 4: %s", bad[i][1]);
		body_fails(body, 2, want);
	}
	/* a domain line takes no attributes */
	body_fails(HEAD "block-domain x.example tag=manual\n", 1, "line 2: x.example "
		   "tag=manual: not a SIP domain (letters, digits, '-' and '.' only, no empty "
		   "label)");
}

Test(file, more_tags_than_fit, .init = setup)
{
	size_t n = 0;
	char *body = malloc(80 * (FG_TAGS + 2)), want[128];

	cr_assert_not_null(body);
	n += (size_t)sprintf(body, HEAD);
	/* manual and config are there: FG_TAGS - 2 more fit */
	for (unsigned int i = 0; i < FG_TAGS - 1; i++)
		n += (size_t)sprintf(body + n, "block 10.%u.%u.0/24 tag=t%u added=1\n", i >> 8,
				     i & 0xff, i);
	snprintf(want, sizeof(want), "line %u: tag=t%u: more than 256 tags", FG_TAGS,
		 FG_TAGS - 2);
	body_fails(body, FG_TAGS - 1, want);
	free(body);
}

Test(file, flipped_byte_fails_the_checksum, .init = setup)
{
	size_t len;
	char *buf = sample_file(&len), *p;

	/* an entry that still parses: 10.0.0.0/8 -> 11.0.0.0/8 */
	p = strstr(buf, "allow 10.0.0.0/8 ");
	cr_assert_not_null(p);
	p[7] = '1';
	load_fails(buf, len, "line 15: checksum mismatch (the file was changed or damaged)");
	p[7] = '0';
	/* an attribute of it */
	p = strstr(buf, "added=1700000000\n");
	cr_assert_not_null(p);
	p[15] = '1';
	load_fails(buf, len, "line 15: checksum mismatch (the file was changed or damaged)");
	p[15] = '0';
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
		cr_assert_eq(load(buf, len), -1, "byte %zu flipped: loaded", i);
		cr_assert_str_neq(err, "");
		buf[i] ^= 0x01;
	}
	reset_sb();
	cr_assert_eq(load(buf, len), 0, "%s", err);
	expect_sets_eq(sa, &ta, sb, &tb);
	expect_lists_eq(&la, &lb);
	free(buf);
}

Test(file, truncated, .init = setup)
{
	size_t len, end;
	char *buf = sample_file(&len), *at, want[64];

	/* cut in the middle of the end line, and of an entry */
	load_fails(buf, len - 3, "line 15: truncated (no end line)");
	load_fails(buf, len - 1, "line 15: truncated (no end line)");
	at = strstr(buf, "block 198.51.100.0/24 ");
	cr_assert_not_null(at);
	snprintf(want, sizeof(want), "line %u: truncated (no end line)", line_of(buf, at));
	load_fails(buf, (size_t)(at - buf) + 10, want);
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

	memcpy(body, HEAD "# ", strlen(HEAD) + 2);
	memset(body + strlen(HEAD) + 2, 'x', 510);     /* a 512-byte comment */
	strcpy(body + strlen(HEAD) + 512, "\n");
	body_fails(body, 0, "line 2: too long");
	body[strlen(HEAD) + 511] = '\n';               /* 511 bytes: fine */
	body[strlen(HEAD) + 512] = '\0';
	body_loads(body, 0, NOW);
}

Test(file, more_entries_than_a_list_holds, .init = setup)
{
	size_t n = 0;
	char *body = malloc(64 * 300);

	cr_assert_not_null(body);
	n += (size_t)sprintf(body, HEAD);
	for (unsigned int i = 0; i <= FG_FED_LIST_MAX; i++)
		n += (size_t)sprintf(body + n, "block-domain d%u.example\n", i);
	body_fails(body, FG_FED_LIST_MAX + 1, "line 258: more than 256 block-domain entries");
	free(body);
}

/* The prefix lists take what the set holds: more than a domain list, up
 * to its rules, and then the line that did not fit is named. */
Test(file, more_prefixes_than_the_set_holds, .init = setup)
{
	size_t n = 0;
	char *body = malloc(64 * (TEST_PFX_RULES + 8)), want[128];

	cr_assert_not_null(body);
	n += (size_t)sprintf(body, HEAD);
	for (unsigned int i = 0; i < TEST_PFX_RULES; i++)
		n += (size_t)sprintf(body + n, "%s 10.%u.%u.0/24 tag=manual added=1\n",
				     i % 2 ? "allow" : "block", i >> 8, i & 0xff);
	body_loads(body, TEST_PFX_RULES, NOW);
	cr_assert_eq(fg_lists_entries(&lb, sb, FG_LIST_BLOCK), TEST_PFX_RULES / 2);
	cr_assert_eq(fg_lists_entries(&lb, sb, FG_LIST_ALLOW), TEST_PFX_RULES / 2);
	reset_sb();
	sprintf(body + n, "block 11.0.0.0/24\n");
	snprintf(want, sizeof(want), "line %u: the prefix lists are full ([lists] max_prefixes "
		 "reached)", TEST_PFX_RULES + 2);
	body_fails(body, TEST_PFX_RULES + 1, want);
	free(body);
}

Test(file, duplicate_lines, .init = setup)
{
	/* the end line counts lines; the lists hold each entry once */
	body_loads(HEAD "block 10.0.0.0/8 tag=manual added=1\n"
		   "block 10.0.0.0/8 tag=config added=2 expires=1900000000\n"
		   "allow-domain x.example@10.1.0.0/16\nallow-domain x.example@10.2.0.0/16\n",
		   4, NOW);
	cr_assert_eq(fg_lists_entries(&lb, sb, FG_LIST_BLOCK), 1);
	/* the later line's attributes */
	expect_meta(sb, FG_PFX_LIST_BLOCK, "10.0.0.0/8", FG_TAG_CONFIG, 2, 1900000000u);
	cr_assert_eq(lb.nallow_dom, 1);
	cr_assert_eq(lb.allow_dom[0].bind[0].addr[13], 2);   /* the later bindings */
}

Test(file, more_than_the_file_max, .init = setup)
{
	size_t len = FG_LISTS_FILE_MAX + 1;
	char *buf = malloc(len), want[128];

	cr_assert_not_null(buf);
	memset(buf, '#', len);
	snprintf(want, sizeof(want), "%zu bytes, more than a state file may have (%u)", len,
		 FG_LISTS_FILE_MAX);
	load_fails(buf, len, want);
	/* exactly the most: read (and here refused for what it holds) */
	for (size_t i = 99; i < FG_LISTS_FILE_MAX; i += 100)
		buf[i] = '\n';
	snprintf(want, sizeof(want), "line %u: truncated (no end line)",
		 FG_LISTS_FILE_MAX / 100 + (FG_LISTS_FILE_MAX % 100 != 0));
	load_fails(buf, FG_LISTS_FILE_MAX, want);
	free(buf);
}

/* ---- tags ---------------------------------------------------------------- */

Test(tags, init_id_name)
{
	struct fg_tags t;
	char name[16];

	memset(&t, 0x5a, sizeof(t));
	fg_tags_init(&t);
	cr_assert_str_eq(fg_tag_name(&t, FG_TAG_MANUAL), "manual");
	cr_assert_str_eq(fg_tag_name(&t, FG_TAG_CONFIG), "config");
	cr_assert_str_eq(fg_tag_name(&t, 2), "?", "no other tag");
	cr_assert_str_eq(fg_tag_name(&t, FG_TAGS), "?");
	cr_assert_str_eq(fg_tag_name(&t, UINT16_MAX), "?");
	cr_assert_eq(fg_tags_id(&t, "manual", false), FG_TAG_MANUAL);
	cr_assert_eq(fg_tags_id(&t, "config", true), FG_TAG_CONFIG);
	cr_assert_eq(fg_tags_id(&t, "feed", false), -ENOENT);
	cr_assert_eq(fg_tags_id(&t, "feed", true), 2);
	cr_assert_eq(fg_tags_id(&t, "feed", true), 2, "once");
	cr_assert_eq(fg_tags_id(&t, "feed", false), 2);
	cr_assert_str_eq(fg_tag_name(&t, 2), "feed");
	cr_assert_eq(fg_tags_id(&t, "Feed", false), -ENOENT, "names are exact");
	/* names: 1 to 31 of letters, digits, '-', '_', '.' */
	cr_assert_eq(fg_tags_id(&t, "", true), -EINVAL);
	cr_assert_eq(fg_tags_id(&t, "a b", true), -EINVAL);
	cr_assert_eq(fg_tags_id(&t, "a/b", true), -EINVAL);
	cr_assert_eq(fg_tags_id(&t, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true), -EINVAL);  /* 32 */
	cr_assert(fg_tag_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));                          /* 31 */
	cr_assert(fg_tag_ok("Firehol_level-1.v4"));
	/* FG_TAGS of them at most */
	for (int i = 3; i < FG_TAGS; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		cr_assert_eq(fg_tags_id(&t, name, true), i);
	}
	cr_assert_eq(fg_tags_id(&t, "one-more", true), -ENOSPC);
	cr_assert_eq(fg_tags_id(&t, "one-more", false), -ENOENT);
	cr_assert_eq(fg_tags_id(&t, "t255", true), 255);
}

/* ---- list files (fg_list_file_parse) ------------------------------------- */

/* What the callback saw: per line with an item, "LINE: ITEM" or
 * "LINE! WHY", joined by newlines. */
struct seen {
	char text[8192];
	size_t n;
	unsigned int calls, stop_at;   /* return 7 at call stop_at (0: never) */
};

static int
seen_fn(const struct fg_list_item *it, unsigned int line, const char *why, void *arg)
{
	struct seen *sn = arg;

	sn->calls++;
	cr_assert((it == NULL) != (why == NULL), "an item or a reason");
	if (it != NULL)
		sn->n += (size_t)snprintf(sn->text + sn->n, sizeof(sn->text) - sn->n,
					  "%u: %s %s\n", line, fg_list_name(it->list),
					  printed(it));
	else
		sn->n += (size_t)snprintf(sn->text + sn->n, sizeof(sn->text) - sn->n,
					  "%u! %s\n", line, why);
	cr_assert_lt(sn->n, sizeof(sn->text));
	return sn->calls == sn->stop_at ? 7 : 0;
}

static void
parses_to(const char *verb, const char *buf, size_t len, const char *want)
{
	struct seen sn = { .n = 0 };

	cr_assert_eq(fg_list_file_parse(verb, buf, len, seen_fn, &sn), 0);
	cr_assert_str_eq(sn.text, want);
}
#define PARSES_TO(verb, lit, want) parses_to(verb, lit, sizeof(lit) - 1, want)

Test(listfile, comments_blank_lines_and_spaces, .init = setup)
{
	PARSES_TO("block",
		  "# FireHOL level 1\n"
		  "; Spamhaus DROP List 2026/01/01\n"
		  "\n"
		  "10.0.0.0/8\n"
		  "   \t \n"
		  "  192.0.2.0/24   # a comment after it\n"
		  "\t198.51.100.0/24 ; SBL123456\n"
		  "2001:db8::/32#no space\n"
		  "spam.example\n"
		  "#10.9.9.9\n"
		  ";10.9.9.9\n",
		  "4: block 10.0.0.0/8\n"
		  "6: block 192.0.2.0/24\n"
		  "7: block 198.51.100.0/24\n"
		  "8: block 2001:db8::/32\n"
		  "9: block-domain spam.example\n");
	PARSES_TO("allow", "192.0.2.1\nx.example@10.1.0.0/16\n",
		  "1: allow 192.0.2.1/32\n2: allow-domain x.example@10.1.0.0/16\n");
	PARSES_TO("block", "", "");
	PARSES_TO("block", "\n\n# only comments\n", "");
}

Test(listfile, crlf_and_no_final_newline, .init = setup)
{
	PARSES_TO("block", "# dos\r\n10.0.0.0/8\r\n\r\n192.0.2.0/24 \r\n198.51.100.7",
		  "2: block 10.0.0.0/8\n4: block 192.0.2.0/24\n5: block 198.51.100.7/32\n");
	PARSES_TO("block", "10.0.0.0/8\r", "1: block 10.0.0.0/8\n");
}

Test(listfile, bad_items_are_named_by_line, .init = setup)
{
	PARSES_TO("block", "10.0.0.0/8\n# x\n10.0.0.0/33\n10.0.0.1/8 ; host bits\n"
		  "bad_name.example\n192.0.2.0/24\n",
		  "1: block 10.0.0.0/8\n"
		  "3! 10.0.0.0/33: prefix length out of range (0-32)\n"
		  "4! 10.0.0.1/8: host bits set after the prefix length\n"
		  "5! bad_name.example: not a SIP domain (letters, digits, '-' and '.' only, "
		  "no empty label)\n"
		  "6: block 192.0.2.0/24\n");
	PARSES_TO("allow", "x.example\n", "1! x.example: an allowed domain needs "
		  "'@PREFIX[|PREFIX...]', the prefixes its requests may come from\n");
	/* not a list at all: each line says so */
	PARSES_TO("deny", "10.0.0.0/8\n", "1! deny: no such list (allow, block, watch)\n");
	/* watch takes no address: no reason from the parser, the callback's own */
	PARSES_TO("watch", "10.0.0.1\n", "1! not an item of this list\n");
}

Test(listfile, nul_byte, .init = setup)
{
	static const char buf[] = "10.0.0.0/8\n192.0.2.0/24\0junk\n198.51.100.0/24\n\0\n";

	parses_to("block", buf, sizeof(buf) - 1,
		  "1: block 10.0.0.0/8\n"
		  "2! a NUL byte: not a text file\n"
		  "3: block 198.51.100.0/24\n"
		  "4! a NUL byte: not a text file\n");
}

Test(listfile, line_of_line_max_bytes, .init = setup)
{
	char buf[3 * FG_LIST_LINE_MAX], want[128];
	size_t n = 0;

	/* FG_LIST_LINE_MAX - 1 bytes: an item and a long comment */
	n += (size_t)sprintf(buf, "10.0.0.0/8 #");
	memset(buf + n, 'c', FG_LIST_LINE_MAX - 1 - n);
	n = FG_LIST_LINE_MAX - 1;
	buf[n++] = '\n';
	/* FG_LIST_LINE_MAX bytes: a bad line, whatever it holds */
	n += (size_t)sprintf(buf + n, "192.0.2.0/24 #");
	memset(buf + n, 'c', 2 * FG_LIST_LINE_MAX - n);
	n = 2 * FG_LIST_LINE_MAX;
	buf[n++] = '\n';
	n += (size_t)sprintf(buf + n, "198.51.100.0/24\n");
	snprintf(want, sizeof(want), "1: block 10.0.0.0/8\n2! line too long\n"
		 "3: block 198.51.100.0/24\n");
	cr_assert_eq(FG_LIST_LINE_MAX, 512);
	parses_to("block", buf, n, want);
	/* a last line that long without a newline */
	memset(buf, ' ', FG_LIST_LINE_MAX);
	parses_to("block", buf, FG_LIST_LINE_MAX, "1! line too long\n");
	parses_to("block", buf, FG_LIST_LINE_MAX - 1, "");
}

Test(listfile, callback_stops_the_parse, .init = setup)
{
	static const char buf[] = "10.0.0.0/8\n10.0.0.0/33\n192.0.2.0/24\n198.51.100.0/24\n";
	struct seen sn = { .stop_at = 2 };

	cr_assert_eq(fg_list_file_parse("block", buf, sizeof(buf) - 1, seen_fn, &sn), 7);
	cr_assert_eq(sn.calls, 2);
	cr_assert_str_eq(sn.text, "1: block 10.0.0.0/8\n"
			 "2! 10.0.0.0/33: prefix length out of range (0-32)\n");
}

/* The cluster's entries (tag bgp:...) come again from BGP: never saved. */
Test(file, bgp_entries_are_not_saved, .init = setup)
{
	struct fg_list_item a = nth(FG_LIST_ALLOW, 1), b = nth(FG_LIST_ALLOW, 2);
	int bgp = fg_tags_id(&ta, FG_TAG_BGP "198.18.9.2", true);
	struct fg_pfx_meta mine = { .tag = FG_TAG_MANUAL, .added_s = 5 };
	size_t len;
	char *buf;

	cr_assert_geq(bgp, 2);
	cr_assert_eq(fg_pfxset_add(sa, FG_PFX_LIST_BLOCK, &a.pfx, &mine), 0);
	cr_assert_eq(fg_pfxset_add(sa, FG_PFX_LIST_BLOCK, &b.pfx,
				   &(struct fg_pfx_meta){ .tag = (uint16_t)bgp, .added_s = 6 }), 0);
	buf = save_all(&la, sa, &ta, &len);
	cr_assert(strstr(buf, "block 10.0.1.0/24 tag=manual added=5\nend 1 crc32=") != NULL,
		  "%s", buf);
	cr_assert_null(strstr(buf, "bgp:"), "%s", buf);
	free(buf);
	/* an operator's tag cannot look like one */
	cr_assert_not(fg_tag_ok("bgp:198.18.9.2"));
	cr_assert(fg_tag_bgp("bgp:198.18.9.2"));
	cr_assert_not(fg_tag_bgp("bgp:"));
	cr_assert_not(fg_tag_bgp("bgp:a:b"));
	cr_assert_not(fg_tag_bgp("manual"));
}
