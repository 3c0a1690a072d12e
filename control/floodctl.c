/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * floodctl: the operator's CLI. Commands are a table; each handler owns
 * its option parsing and its help text (next to the handler).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "floodctl.h"

static int fc_help(int argc, char **argv);

#ifndef FG_HAVE_XDP
const char fc_xdp_usage[] = "usage: floodctl xdp test [OPTIONS] FILE\n"
	"(this floodctl was built without libbpf, clang or bpftool)\n";

int
fc_xdp(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fc_err("xdp", "built without the XDP program (libbpf, clang and bpftool are "
	       "needed at build time)");
	return FC_EXIT_FAIL;
}
#endif

static const struct fc_cmd fc_cmds[] = {
#define FC_CMD_(name, handler, summary) { #name, fc_##handler, summary, fc_##name##_usage },
	FC_COMMANDS(FC_CMD_)
#undef FC_CMD_
	{ "help", fc_help, "show help for a command", "floodctl help [COMMAND]\n" },
};

#define FC_NCMDS (sizeof(fc_cmds) / sizeof(fc_cmds[0]))

void
fc_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "floodctl %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: floodctl COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < FC_NCMDS; i++)
		fprintf(f, "  %-10s %s\n", fc_cmds[i].name, fc_cmds[i].summary);
	fprintf(f, "\n'floodctl help COMMAND' or 'floodctl COMMAND --help' "
		"for details.\nexit status: 0 done, 1 failed, 2 bad usage, 3 nothing to do\n"
		"(already on, or not on, the list).\n");
}

static const struct fc_cmd *
find_cmd(const char *name)
{
	for (size_t i = 0; i < FC_NCMDS; i++)
		if (strcmp(fc_cmds[i].name, name) == 0)
			return &fc_cmds[i];
	return NULL;
}

static int
fc_help(int argc, char **argv)
{
	const struct fc_cmd *c;

	if (argc < 2) {
		usage(stdout);
		return FC_EXIT_OK;
	}
	c = find_cmd(argv[1]);
	if (c == NULL) {
		fc_err("help", "unknown command '%s'", argv[1]);
		return FC_EXIT_USAGE;
	}
	fputs(c->usage, stdout);
	return FC_EXIT_OK;
}

int
main(int argc, char **argv)
{
	const struct fc_cmd *c;
	bool next;
	int k = 1;

	/* common options may come before the verb: move the verb first, the
	 * command parses them where they stand after it */
	while (k < argc && fc_common_opt(argv[k], &next))
		k += next ? 2 : 1;
	if (k > 1) {
		char *verb;

		if (k >= argc) {
			fprintf(stderr, "floodctl: %s: no command after the options\n",
				argv[argc - 1]);
			usage(stderr);
			return FC_EXIT_USAGE;
		}
		verb = argv[k];
		memmove(&argv[2], &argv[1], (size_t)(k - 1) * sizeof(*argv));
		argv[1] = verb;
	}
	if (argc < 2) {
		usage(stderr);
		return FC_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return FC_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("floodctl %s\n", FG_VERSION);
		return FC_EXIT_OK;
	}
	c = find_cmd(argv[1]);
	if (c == NULL) {
		fprintf(stderr, "floodctl: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return FC_EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(c->usage, stdout);
			return FC_EXIT_OK;
		}
	}
	return c->run(argc - 1, argv + 1);
}
