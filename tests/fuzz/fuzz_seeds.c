/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-seeds DIR: write the fixture table as seed corpora, one file per
 * fixture: DIR/l2l4/NAME (the frame) and DIR/sip/NAME (the L4 payload of
 * SIP fixtures). The fuzzers start from every case the tests know.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fixtures.h"

static int
put(const char *dir, const char *sub, const char *name, const uint8_t *b,
    size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	fwrite(b, 1, n, f);
	return fclose(f);
}

int
main(int argc, char **argv)
{
	static uint8_t frame[FX_BUF_MAX];

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz-seeds DIR\n");
		return 2;
	}
	if (mkdir(argv[1], 0755) != 0 && errno != EEXIST) {
		perror(argv[1]);
		return 1;
	}
	for (size_t i = 0; i < fg_fixtures_count; i++) {
		const struct fg_fixture *fx = &fg_fixtures[i];
		uint16_t offs[FX_REGION_COUNT];
		size_t len = fx_build(fx, frame, offs);

		if (put(argv[1], "l2l4", fx->name, frame, len) != 0 ||
		    (fx->s.dport == 5060 && len > offs[FX_PL] &&
		     put(argv[1], "sip", fx->name, frame + offs[FX_PL],
			 len - offs[FX_PL]) != 0)) {
			fprintf(stderr, "fuzz-seeds: %s: %s\n", argv[1],
				strerror(errno));
			return 1;
		}
	}
	return 0;
}
