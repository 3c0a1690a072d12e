/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FLOODCTL_H
#define FLOODCTL_H

/** Exit codes scripts can trust (docs/cli.md). */
#define FC_EXIT_OK      0  /**< done */
#define FC_EXIT_FAIL    1  /**< could not do it (I/O, data plane, ...) */
#define FC_EXIT_USAGE   2  /**< bad command line: nothing was done */
#define FC_EXIT_NOOP    3  /**< nothing to do: already (or not) on the list */

#include <stdbool.h>
#include <stdint.h>

#include "fg_shm.h"

/** Options every command that talks to a data plane takes. */
#define COMMON_USAGE \
"options (before or after the command):\n" \
"  -i, --instance NAME  the data plane's [control] instance (default floodguard)\n" \
"      --json           JSON output (read commands)\n" \
"      --timeout MS     wait this long for the data plane (default 1000)\n"

/** A command's connection to a data plane. */
struct fc_ctx {
	struct fg_shm_handle h;
	bool json;
	uint32_t timeout_ms;
};

/**
 * Take the common options out of (*argc, *argv) (the command name is
 * argv[0]; on return argv[0] is the first other argument) and attach.
 * @return FC_EXIT_OK or an exit code (the error printed).
 */
int fc_ctx_init(struct fc_ctx *c, const char *cmd, int *argc, char ***argv);
/** Whether @p a is one of the common options (-i/--instance, --json,
 * --timeout); *next: its value is the next argument. */
bool fc_common_opt(const char *a, bool *next);
void fc_ctx_fini(struct fc_ctx *c);

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

/**
 * The commands, in `floodctl help` order: X(name, handler, one-line help).
 * The handler fc_HANDLER(argc, argv) may serve several commands (argv[0]
 * is the command name); each command's usage text fc_NAME_usage is
 * defined next to its handler.
 */
#define FC_COMMANDS(X) \
	X(inspect, inspect, "print what the classifier sees in a capture") \
	X(xdp, xdp, "run the XDP program over a capture (xdp test FILE)") \
	X(allow, lists, "the allow list: add, del, list") \
	X(block, lists, "the block list: add, del, list") \
	X(watch, lists, "the watch list: add, del, list, promote") \
	X(status, status, "is the data plane running; list sizes") \
	X(stats, stats, "counters by reason, class, port, lcore") \
	X(top, top, "the heaviest sources by events, drops, bytes") \
	X(blocked, blocked, "the flood-blocked sources: why, since, until") \
	X(unblock, unblock, "lift a flood block now (--forgive: its offences too)") \
	X(events, events, "blocks, watches, list and monitor switches (--follow)") \
	X(set, setget, "change a threshold while running") \
	X(get, setget, "a configuration key's running value") \
	X(reload, reload, "re-read the configuration file (thresholds)") \
	X(metrics, metrics, "Prometheus text exposition (--listen)") \
	X(bgp, bgp, "BGP export of blocks and the cluster's routes")

#define FC_DECLARE_(name, handler, summary) \
	int fc_##handler(int argc, char **argv); \
	extern const char fc_##name##_usage[];
FC_COMMANDS(FC_DECLARE_)
#undef FC_DECLARE_

#endif /* FLOODCTL_H */
