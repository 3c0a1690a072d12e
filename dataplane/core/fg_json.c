/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <string.h>

#include "fg_json.h"

/* Length of the valid UTF-8 sequence at s (max n bytes), 0 if invalid. */
static size_t
utf8_seq_len(const uint8_t *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong, surrogate or beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void
fg_json_str(FILE *f, const void *str, size_t len)
{
	const uint8_t *s = str;
	size_t i = 0;

	fputc('"', f);
	while (i < len) {
		uint8_t c = s[i];
		size_t n;

		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c == '\r') {
			fputs("\\r", f);
		} else if (c == '\t') {
			fputs("\\t", f);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
		} else if (c < 0x80) {
			fputc(c, f);
		} else if ((n = utf8_seq_len(s + i, len - i)) != 0) {
			fwrite(s + i, 1, n, f);
			i += n;
			continue;
		} else {
			fprintf(f, "\\u%04x", c);
		}
		i++;
	}
	fputc('"', f);
}

void
fg_json_key(FILE *f, const char *key, int first)
{
	fprintf(f, "%s\"%s\":", first ? "" : ",", key);
}

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

const char *
fg_addr_str(const uint8_t addr[16], char *buf, size_t size)
{
	if (memcmp(addr, v4mapped, sizeof(v4mapped)) == 0)
		return inet_ntop(AF_INET, addr + 12, buf, (socklen_t)size);
	return inet_ntop(AF_INET6, addr, buf, (socklen_t)size);
}

void
fg_json_addr(FILE *f, const uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN];

	fprintf(f, "\"%s\"", fg_addr_str(addr, buf, sizeof(buf)));
}
