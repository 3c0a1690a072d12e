/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FLOODCTL_H
#define FLOODCTL_H

/** Exit codes scripts can trust (docs/cli.md). */
#define FC_EXIT_OK      0  /**< done */
#define FC_EXIT_FAIL    1  /**< could not do it (I/O, data plane, ...) */
#define FC_EXIT_USAGE   2  /**< bad command line: nothing was done */

/** One floodctl command: name, handler, one-line help, usage text. */
struct fc_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *usage;
};

/** Print "floodctl CMD: <message>" to stderr (printf-style). */
void fc_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int fc_inspect(int argc, char **argv);
extern const char fc_inspect_usage[];
int fc_xdp(int argc, char **argv);
extern const char fc_xdp_usage[];

#endif /* FLOODCTL_H */
