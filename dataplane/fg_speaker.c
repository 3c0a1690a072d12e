/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The BGP speaker (docs/bgp.md): with [bgp] peers set, the data plane
 * writes exabgp's configuration from [bgp] and starts it; exabgp runs
 * floodctl's feed, which does the rest through the segment. The data
 * plane and its workers never wait for either.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fg_dp.h"
#include "fg_speaker.h"

#define FG_RUN_DIR "/run/floodguard"

extern char **environ;

/* floodctl beside floodguard (installed), or in the build tree's
 * control/ (built), or on the PATH. */
static void
feed_path(char *out, size_t n)
{
	static const char *const rel[] = { "floodctl", "../control/floodctl" };
	char exe[PATH_MAX], *slash;
	ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (k > 0) {
		exe[k] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL) {
			slash[1] = '\0';
			for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
				char p[PATH_MAX + 32];

				snprintf(p, sizeof(p), "%s%s", exe, rel[i]);
				if (access(p, X_OK) == 0 && realpath(p, out) != NULL)
					return;
			}
		}
	}
	snprintf(out, n, "/usr/bin/floodctl");
}

static int
write_conf(const char *path, const struct fg_bgp_cfg *b, const char *instance)
{
	char feed[PATH_MAX];
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -errno;
	feed_path(feed, sizeof(feed));
	fprintf(f, "# written by floodguard from [bgp]: changes here are lost\n"
		"process floodguard {\n\trun %s -i %s bgp feed;\n\tencoder text;\n}\n",
		feed, instance);
	for (uint32_t i = 0; i < b->npeers; i++)
		fprintf(f, "neighbor %s {\n\trouter-id %s;\n\tlocal-address %s;\n"
			"\tlocal-as %" PRIu32 ";\n\tpeer-as %" PRIu32 ";\n"
			"\tfamily {\n\t\tipv4 unicast;\n\t\tipv6 unicast;\n\t\tipv4 flow;\n"
			"\t\tipv6 flow;\n\t}\n"
			"\tapi {\n\t\tprocesses [ floodguard ];\n\t\tneighbor-changes;\n"
			"\t\treceive {\n\t\t\tparsed;\n\t\t\tupdate;\n\t\t}\n\t}\n}\n",
			b->peer[i], b->router_id, b->local, b->local_as, b->peer_as);
	return fclose(f) == 0 ? 0 : -errno;
}

/* A speaker a previous floodguard of this instance left running: the pid
 * in @p pidfile, if its command line still names @p conf (the pid may be
 * anyone's now). */
static void
end_leftover(const char *pidfile, const char *conf)
{
	FILE *f = fopen(pidfile, "r");
	char cmd[512] = "", path[64];
	int pid = 0;

	if (f == NULL)
		return;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	f = pid > 1 ? fopen(path, "r") : NULL;
	if (f != NULL) {
		size_t k = fread(cmd, 1, sizeof(cmd) - 1, f);

		cmd[k] = '\0';
		for (size_t i = 0; i < k; i++)       /* its arguments, NUL-separated */
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		fclose(f);
	}
	if (strstr(cmd, conf) != NULL) {
		FG_LOG(NOTICE, "bgp: ending the speaker a previous run left (pid %d)", pid);
		kill(pid, SIGTERM);
	}
}

int
fg_speaker_start(struct fg_shm *s, const struct fg_bgp_cfg *b, const char *instance)
{
	char conf[256], log[256], pidfile[256], logenv[300];
	char *argv[] = { (char *)b->speaker, conf, NULL };
	char *env[] = { "exabgp.daemon.user=root", "exabgp.daemon.daemonize=false",
			"exabgp.daemon.drop=false", "exabgp.tcp.bind=", "exabgp.api.ack=true",
			"exabgp.api.cli=false", "exabgp.reactor.speed=0.1",
			"exabgp.api.encoder=text", "exabgp.log.level=INFO", logenv,
			"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	FILE *f;
	int rc;

	s->bgp.cfg = *b;
	if (b->npeers == 0)
		return 0;
	if (mkdir(FG_RUN_DIR, 0755) != 0 && errno != EEXIST)
		return -errno;
	snprintf(conf, sizeof(conf), FG_RUN_DIR "/%s.exabgp.conf", instance);
	snprintf(log, sizeof(log), FG_RUN_DIR "/%s.exabgp.log", instance);
	snprintf(pidfile, sizeof(pidfile), FG_RUN_DIR "/%s.exabgp.pid", instance);
	snprintf(logenv, sizeof(logenv), "exabgp.log.destination=%s", log);
	end_leftover(pidfile, conf);
	rc = write_conf(conf, b, instance);
	if (rc != 0) {
		FG_LOG(ERR, "bgp: %s (errno=%i): %s", conf, -rc, strerror(-rc));
		return rc;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	rc = posix_spawn(&pid, b->speaker, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		FG_LOG(ERR, "bgp: [bgp] speaker: %s (errno=%i): %s", b->speaker, rc,
		       strerror(rc));
		return -rc;
	}
	s->bgp.speaker_pid = pid;
	f = fopen(pidfile, "w");
	if (f != NULL) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
	FG_LOG(INFO, "bgp: speaker %s (pid %d) for %" PRIu32 " peer(s), configuration %s, "
	       "log %s", b->speaker, (int)pid, b->npeers, conf, log);
	return 0;
}

void
fg_speaker_stop(struct fg_shm *s)
{
	pid_t pid = s->bgp.speaker_pid;

	if (pid <= 0)
		return;
	/* hold_s: the feed withdraws the routes when it ends, and ends the
	 * speaker; otherwise its sessions close now and the peers drop them */
	if (s->bgp.cfg.hold_s == 0) {
		kill(pid, SIGTERM);
		FG_LOG(INFO, "bgp: speaker ended: the peers withdraw the routes");
	} else {
		FG_LOG(INFO, "bgp: the routes stay %" PRIu32 " s, then the feed withdraws them",
		       s->bgp.cfg.hold_s);
	}
}
