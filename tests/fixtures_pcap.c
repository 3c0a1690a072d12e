/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fixtures-pcap OUT.pcap: write every fixture as one Ethernet frame, in
 * table order, and print "name<TAB>class<TAB>reason" per frame on stdout.
 * Feeds the floodctl inspect test, tshark and the fuzz corpora.
 */
#include <pcap/pcap.h>
#include <stdio.h>

#include "fg_parse.h"
#include "fixtures.h"

int
main(int argc, char **argv)
{
	static uint8_t frame[FX_BUF_MAX];
	pcap_dumper_t *d;
	pcap_t *p;

	if (argc != 2) {
		fprintf(stderr, "usage: fixtures-pcap OUT.pcap\n");
		return 2;
	}
	p = pcap_open_dead(DLT_EN10MB, FX_BUF_MAX);
	d = p != NULL ? pcap_dump_open(p, argv[1]) : NULL;
	if (d == NULL) {
		fprintf(stderr, "fixtures-pcap: %s: %s\n", argv[1],
			p != NULL ? pcap_geterr(p) : "pcap_open_dead failed");
		return 1;
	}
	for (size_t i = 0; i < fg_fixtures_count; i++) {
		const struct fg_fixture *fx = &fg_fixtures[i];
		struct pcap_pkthdr h = { .ts = { .tv_sec = 1700000000 + (long)i } };

		h.caplen = h.len = (bpf_u_int32)fx_build(fx, frame, NULL);
		pcap_dump((u_char *)d, &h, frame);
		printf("%s\t%s\t%s\n", fx->name, fg_class_name(fx->e.cls),
		       fg_reason_name(fx->e.reason));
	}
	pcap_dump_close(d);
	pcap_close(p);
	return 0;
}
