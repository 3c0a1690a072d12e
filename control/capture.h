/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FC_CAPTURE_H
#define FC_CAPTURE_H

/**
 * @file
 * A capture reader without libpcap's types, for code that includes the
 * kernel's BPF headers (libpcap's pcap/bpf.h defines the same names).
 */

#include <stddef.h>
#include <stdint.h>

struct fc_capture;

/** Open a pcap or pcapng file. NULL with a message in @p err on failure. */
struct fc_capture *fc_capture_open(const char *path, char *err, size_t errlen);

/** The capture's link type (libpcap DLT_ value) and its name. */
int fc_capture_dlt(const struct fc_capture *c);
const char *fc_capture_dlt_name(const struct fc_capture *c);

/** The next packet's captured bytes. @return 1, 0 at the end, -1 on error. */
int fc_capture_next(struct fc_capture *c, const uint8_t **data, uint32_t *len);

void fc_capture_close(struct fc_capture *c);

#endif /* FC_CAPTURE_H */
