/* SPDX-License-Identifier: BSD-3-Clause */
/* Prefixes and domain names of the lists and the configuration. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fg_prefix.h"

int
fg_prefix_parse(const char *s, struct fg_prefix *p)
{
	return fg_prefix_parse_why(s, p) == NULL ? 0 : -1;
}

const char *
fg_prefix_parse_why(const char *s, struct fg_prefix *p)
{
	char buf[64], *slash, *end;
	unsigned long len;
	struct in_addr a4;
	bool v4;

	if (strlen(s) >= sizeof(buf))
		return "too long for an address or prefix";
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	memset(p, 0, sizeof(*p));
	v4 = inet_pton(AF_INET, buf, &a4) == 1;
	if (v4) {
		p->addr[10] = p->addr[11] = 0xff;
		memcpy(p->addr + 12, &a4, 4);
	} else if (inet_pton(AF_INET6, buf, p->addr) != 1) {
		return "not an IPv4 or IPv6 address";
	}
	len = v4 ? 32 : 128;
	if (slash != NULL) {
		errno = 0;
		len = strtoul(slash, &end, 10);
		if (errno != 0 || end == slash || *end != '\0' || slash[0] < '0' ||
		    slash[0] > '9')
			return "prefix length is not a number";
		if (len > (v4 ? 32u : 128u))
			return v4 ? "prefix length out of range (0-32)" :
				    "prefix length out of range (0-128)";
	}
	p->len = (uint8_t)(v4 ? len + 96 : len);
	/* host bits must be zero: "10.0.0.1/8" is a typo, not a prefix */
	for (unsigned int i = p->len; i < 128; i++)
		if (p->addr[i / 8] & (0x80 >> (i % 8)))
			return "host bits set after the prefix length";
	return NULL;
}

bool
fg_prefix_has(const struct fg_prefix *p, const uint8_t a[16])
{
	unsigned int full = p->len / 8, rest = p->len % 8;

	if (memcmp(p->addr, a, full) != 0)
		return false;
	return rest == 0 || ((p->addr[full] ^ a[full]) & (0xff00 >> rest)) == 0;
}

bool
fg_prefixes_have(const struct fg_prefix *p, uint32_t n, const uint8_t addr[16])
{
	for (uint32_t i = 0; i < n; i++)
		if (fg_prefix_has(&p[i], addr))
			return true;
	return false;
}

void
fg_prefix_print(const struct fg_prefix *p, FILE *f)
{
	static const uint8_t v4map[12] = { [10] = 0xff, [11] = 0xff };
	char buf[INET6_ADDRSTRLEN];

	if (p->len >= 96 && memcmp(p->addr, v4map, 12) == 0) {
		inet_ntop(AF_INET, p->addr + 12, buf, sizeof(buf));
		fprintf(f, "%s/%u", buf, p->len - 96u);
	} else {
		inet_ntop(AF_INET6, p->addr, buf, sizeof(buf));
		fprintf(f, "%s/%u", buf, p->len);
	}
}

int
fg_domain_parse(const char *s, char out[FG_DOMAIN_MAX])
{
	size_t n = strlen(s);
	struct fg_prefix ip;
	bool alpha = false;

	if (n == 0 || n >= FG_DOMAIN_MAX || s[0] == '.' || s[0] == '-' || s[n - 1] == '.')
		return -1;
	if (fg_prefix_parse(s, &ip) == 0)
		return -1;   /* SIP domains, not addresses */
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return -1;
		if (i > 0 && c == '.' && s[i - 1] == '.')
			return -1;
		alpha |= c >= 'a' && c <= 'z';
		out[i] = c;
	}
	out[n] = '\0';
	return alpha ? 0 : -1;
}

bool
fg_domain_eq(const char *domain, const uint8_t *s, size_t len)
{
	if (len >= FG_DOMAIN_MAX)
		return false;   /* no domain of ours is that long */
	/* most senders write domains in lowercase: one memcmp */
	if (memcmp(domain, s, len) == 0)
		return domain[len] == '\0';
	for (size_t i = 0; i < len; i++) {
		uint8_t c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		if (domain[i] == '\0' || (uint8_t)domain[i] != c)
			return false;
	}
	return domain[len] == '\0';
}
