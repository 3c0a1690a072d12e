/* SPDX-License-Identifier: BSD-3-Clause */
/* libpcap behind fc_capture (capture.h). */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture.h"

struct fc_capture {
	pcap_t *pc;
};

struct fc_capture *
fc_capture_open(const char *path, char *err, size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct fc_capture *c = malloc(sizeof(*c));

	if (c == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	c->pc = pcap_open_offline(path, errbuf);
	if (c->pc == NULL) {
		snprintf(err, errlen, "%s: %s", path, errbuf);
		free(c);
		return NULL;
	}
	return c;
}

int
fc_capture_dlt(const struct fc_capture *c)
{
	return pcap_datalink(c->pc);
}

const char *
fc_capture_dlt_name(const struct fc_capture *c)
{
	const char *n = pcap_datalink_val_to_name(pcap_datalink(c->pc));

	return n != NULL ? n : "?";
}

int
fc_capture_next(struct fc_capture *c, const uint8_t **data, uint32_t *len)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc = pcap_next_ex(c->pc, &h, &d);

	if (rc != 1)
		return rc == PCAP_ERROR_BREAK ? 0 : -1;
	*data = d;
	*len = h->caplen;
	return 1;
}

void
fc_capture_close(struct fc_capture *c)
{
	if (c == NULL)
		return;
	pcap_close(c->pc);
	free(c);
}
