/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_PREFIX_H
#define FG_PREFIX_H

/**
 * @file
 * Address prefixes (IPv4 mapped into IPv6, as fg_pkt addresses are) and
 * SIP domain names as the lists and the configuration hold them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** A prefix; IPv4 ones are mapped, len counts the 96 bits of ::ffff:0:0/96. */
struct fg_prefix {
	uint8_t addr[16];
	uint8_t len;
};

/** Parse "a.b.c.d[/n]" or "x::y[/n]" (host bits must be zero). @return 0 or -1. */
int fg_prefix_parse(const char *s, struct fg_prefix *p);

/** As fg_prefix_parse(). @return NULL, or why @p s is not a prefix. */
const char *fg_prefix_parse_why(const char *s, struct fg_prefix *p);

/** Whether @p addr (16 bytes) is inside @p p. */
bool fg_prefix_has(const struct fg_prefix *p, const uint8_t addr[16]);

/** Whether @p addr is inside any of @p n prefixes. */
bool fg_prefixes_have(const struct fg_prefix *p, uint32_t n, const uint8_t addr[16]);

/** Print as "a.b.c.d/n" or "x::y/n". */
void fg_prefix_print(const struct fg_prefix *p, FILE *f);

#define FG_DOMAIN_MAX 64   /**< bytes of a domain name, NUL included */

/**
 * Check and copy a SIP domain name (letters, digits, '-', '.'; not an
 * address) lowercased into @p out. @return 0 or -1.
 */
int fg_domain_parse(const char *s, char out[FG_DOMAIN_MAX]);

/**
 * Whether @p len bytes at @p s equal the lowercase @p domain (a buffer of
 * FG_DOMAIN_MAX bytes), ignoring case.
 */
bool fg_domain_eq(const char *domain, const uint8_t *s, size_t len);

#endif /* FG_PREFIX_H */
