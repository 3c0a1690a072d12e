/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Running as a systemd service without linking libsystemd: readiness
 * through NOTIFY_SOCKET (the datagram protocol of sd_notify(3), stable
 * since systemd 209) and log lines that carry their syslog priority
 * ("<3>..." on stderr, as journald reads them: sd-daemon(3)).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_log.h>

#include "fg_dp.h"

void
fg_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return;
	n = strlen(path);
	if (n >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, n);
	if (sa.sun_path[0] == '@')   /* abstract namespace */
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0)
		FG_LOG(WARNING, "sd_notify %s to %s failed", state, path);
	close(fd);
}

/* Whether stderr is the journal stream systemd gave us (JOURNAL_STREAM
 * is "DEV:INODE" of that stream; a child whose stderr was redirected
 * inherits the variable, not the stream). */
static bool
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static bool journal;

const char *
fg_log_prefix(uint32_t level)
{
	static const char *const pfx[] = { "<0>", "<0>", "<1>", "<2>", "<3>", "<4>", "<5>",
					   "<6>", "<7>" };

	if (!journal)
		return "";
	return level < RTE_DIM(pfx) ? pfx[level] : "<7>";
}

/* The log stream's write: each line with the priority of the message
 * rte_log() is writing (RTE_LOG_ERR is 4, syslog's LOG_ERR 3). */
static ssize_t
journal_write(void *cookie, const char *buf, size_t size)
{
	const char *p = fg_log_prefix((uint32_t)rte_log_cur_msg_loglevel());
	size_t off = 0;

	(void)cookie;
	while (off < size) {
		const char *nl = memchr(buf + off, '\n', size - off);
		size_t len = nl != NULL ? (size_t)(nl - (buf + off)) + 1 : size - off;

		dprintf(STDERR_FILENO, "%s%.*s", p, (int)len, buf + off);
		off += len;
	}
	return (ssize_t)size;
}

void
fg_log_service_init(void)
{
	static const cookie_io_functions_t io = { .write = journal_write };
	FILE *f;

	journal = stderr_is_journal();
	if (!journal)
		return;
	/* DPDK's default stream writes stdout and syslog: twice in the journal */
	f = fopencookie(NULL, "w", io);
	if (f != NULL)
		rte_openlog_stream(f);
}
