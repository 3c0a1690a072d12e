/* SPDX-License-Identifier: BSD-3-Clause */
/* The shared-memory segment (fg_shm.h): create, attach, the protocols. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/futex.h>
#include <time.h>
#include <unistd.h>

#include "fg_err.h"
#include "fg_json.h"
#include "fg_lists.h"
#include "fg_shm.h"

uint64_t
fg_shm_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
fg_shm_unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
add_u64(uint64_t *dst, const uint64_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] += src[i];
}

#define FG_COUNTER_(name, field) { #name, offsetof(struct fg_counters, field) },
const struct fg_counter fg_ctr_table[] = { FG_COUNTERS_TABLE(FG_COUNTER_) };
const struct fg_counter fg_ctr_sip[] = { FG_COUNTERS_SIP(FG_COUNTER_) };
const struct fg_counter fg_ctr_rst[] = { FG_COUNTERS_RST(FG_COUNTER_) };

void
fg_counters_add(struct fg_counters *sum, const struct fg_counters *c)
{
	/* field by field: fg_limit_stats is cache aligned, its padding is not ours */
	_Static_assert(offsetof(struct fg_counters, lim) % sizeof(uint64_t) == 0,
		       "counters before lim are 64-bit words");
	add_u64((uint64_t *)sum, (const uint64_t *)c,
		offsetof(struct fg_counters, lim) / sizeof(uint64_t));
	add_u64(sum->lim.verdict, c->lim.verdict, FG_V_COUNT);
	add_u64(sum->lim.would, c->lim.would, FG_V_COUNT);
	sum->lim.blocks += c->lim.blocks;
	sum->lim.untracked += c->lim.untracked;
	add_u64((uint64_t *)&sum->lim.tab, (const uint64_t *)&c->lim.tab,
		sizeof(c->lim.tab) / sizeof(uint64_t));
}

uint64_t
fg_counters_passed(const struct fg_counters *c)
{
	uint64_t n = 0;

	for (unsigned int v = 0; v < FG_V_COUNT; v++)
		n += fg_verdict_drops(v) ? c->lim.would[v] : c->lim.verdict[v];
	return n;
}

uint64_t
fg_counters_would(const struct fg_counters *c)
{
	uint64_t n = 0;

	for (unsigned int v = 0; v < FG_V_COUNT; v++)
		n += c->lim.would[v];
	return n;
}

uint64_t
fg_counters_dropped(const struct fg_counters *c)
{
	uint64_t n = 0;

	for (unsigned int v = 0; v < FG_V_COUNT; v++)
		if (fg_verdict_drops(v))
			n += c->lim.verdict[v];
	return n;
}

bool
fg_shm_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= FG_SHM_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '-' || name[i] == '_'))
			return false;
	return true;
}

bool
fg_shm_alive(const struct fg_shm *s)
{
	pid_t pid = (pid_t)__atomic_load_n(&s->h.pid, __ATOMIC_ACQUIRE);

	if (__atomic_load_n(&s->h.stopped, __ATOMIC_ACQUIRE) || pid <= 0)
		return false;
	return kill(pid, 0) == 0 || errno == EPERM;
}

/* Check the name, set h->name, open the segment if it exists (*fd, or -1
 * with -errno returned). */
static int
open_existing(struct fg_shm_handle *h, const char *instance, char *err, size_t errlen,
	      int *fd)
{
	*fd = -1;
	if (!fg_shm_name_ok(instance))
		return fg_errf(err, errlen, -EINVAL, "instance '%s': letters, digits, '-' and '_', "
			       "at most %d", instance, FG_SHM_NAME_MAX - 1);
	snprintf(h->name, sizeof(h->name), "/%s", instance);
	*fd = shm_open(h->name, O_RDWR, 0);
	return *fd >= 0 ? 0 : -errno;
}

/* The segment's layout for @p pfx: struct fg_shm, the ops, the set. */
static size_t
layout(const struct fg_pfxset_cfg *pfx, uint64_t *ops_off, uint64_t *pfx_off,
       uint64_t *pfx_size)
{
	size_t ops = (size_t)pfx->rules * sizeof(struct fg_pfx_op);

	*ops_off = (sizeof(struct fg_shm) + 63) & ~(size_t)63;
	*pfx_off = (*ops_off + ops + 4095) & ~(size_t)4095;
	*pfx_size = fg_pfxset_size(pfx);
	return *pfx_size == 0 ? 0 : *pfx_off + *pfx_size;
}

int
fg_shm_create(struct fg_shm_handle *h, const char *instance, gid_t gid,
	      const struct fg_pfxset_cfg *pfx, char *err, size_t errlen)
{
	mode_t mode = gid == (gid_t)-1 ? 0600 : 0660;
	uint64_t ops_off, pfx_off, pfx_size;
	size_t size = layout(pfx, &ops_off, &pfx_off, &pfx_size);
	struct fg_shm *s;
	int fd, rc;

	if (size == 0)
		return fg_errf(err, errlen, -EINVAL, "[lists] max_prefixes %u, groups4 %u: out "
			       "of range", pfx->rules, pfx->groups4);

	rc = open_existing(h, instance, err, errlen, &fd);
	if (rc == -EINVAL)
		return rc;
	if (fd >= 0) {
		struct fg_shm_handle old = { .fd = fd };
		struct stat st;
		bool live = false;

		/* a segment of a data plane that died: replace it; a live one: refuse */
		if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(struct fg_shm_hdr)) {
			old.s = mmap(NULL, sizeof(struct fg_shm_hdr), PROT_READ, MAP_SHARED, fd, 0);
			if (old.s != MAP_FAILED) {
				/* the pid is set before the magic: one starting counts */
				live = fg_shm_alive(old.s) && old.s->h.pid != getpid();
				if (live)
					rc = old.s->h.pid;
				munmap(old.s, sizeof(struct fg_shm_hdr));
			}
		}
		close(fd);
		if (live)
			return fg_errf(err, errlen, -EEXIST, "instance '%s' is running (pid %d): "
				       "stop it or set another [control] instance", instance, rc);
		shm_unlink(h->name);
	}
	fd = shm_open(h->name, O_RDWR | O_CREAT | O_EXCL, mode);
	if (fd < 0)
		return fg_errf(err, errlen, -errno, "shm_open(%s) (errno=%i): %s", h->name, errno,
			       strerror(errno));
	/* the umask must not widen or narrow what the operator chose */
	if (fchmod(fd, mode) != 0 || (gid != (gid_t)-1 && fchown(fd, (uid_t)-1, gid) != 0) ||
	    ftruncate(fd, (off_t)size) != 0) {
		rc = -errno;
		fg_errf(err, errlen, rc, "setting up %s (errno=%i): %s", h->name, -rc,
			strerror(-rc));
		goto unlink;
	}
	/* reserved now: /dev/shm full later would be a SIGBUS in a worker */
	rc = -posix_fallocate(fd, 0, (off_t)size);
	if (rc != 0) {
		fg_errf(err, errlen, rc, "%s: %zu MiB of /dev/shm for the segment and its "
			"prefix lists (errno=%i): %s", h->name, size >> 20, -rc, strerror(-rc));
		goto unlink;
	}
	s = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s == MAP_FAILED) {
		rc = -errno;
		fg_errf(err, errlen, rc, "mmap %s (errno=%i): %s", h->name, -rc, strerror(-rc));
		goto unlink;
	}
	/* ftruncate gave zeroes; the header last, the magic after the rest */
	s->h.abi = FG_SHM_ABI;
	s->h.hdr_size = sizeof(s->h);
	s->h.size = size;
	s->h.ops_off = ops_off;
	s->h.ops_cap = pfx->rules;
	s->h.pfx_off = pfx_off;
	s->h.pfx_size = pfx_size;
	fg_tags_init(&s->tags);
	s->h.lists_size = sizeof(struct fg_fed_lists);
	s->h.counters_size = sizeof(struct fg_counters);
	s->h.event_size = sizeof(struct fg_event);
	s->h.pid = getpid();
	s->h.start_unix_ns = fg_shm_unix_ns();
	snprintf(s->h.instance, sizeof(s->h.instance), "%s", instance);
	h->s = s;
	h->size = size;
	h->fd = fd;
	return 0;
unlink:
	close(fd);
	shm_unlink(h->name);
	return rc;
}

int
fg_shm_attach(struct fg_shm_handle *h, const char *instance, char *err, size_t errlen)
{
	struct fg_shm_hdr hdr;
	struct stat st;
	int fd, rc;

	rc = open_existing(h, instance, err, errlen, &fd);
	if (rc == -EINVAL)
		return rc;
	if (fd < 0) {
		if (rc == -ENOENT)
			return fg_errf(err, errlen, rc, "no data plane '%s' (no /dev/shm%s): is "
				       "floodguard running in inline or host mode?", instance, h->name);
		if (rc == -EACCES)
			return fg_errf(err, errlen, rc, "/dev/shm%s: permission denied (the segment "
				       "is for its owner, or [control] group)", h->name);
		return fg_errf(err, errlen, rc, "shm_open(%s) (errno=%i): %s", h->name, -rc,
			       strerror(-rc));
	}
	if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(hdr) ||
	    pread(fd, &hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)) {
		close(fd);
		return fg_errf(err, errlen, -EPROTO, "/dev/shm%s: too small for a floodguard "
			       "segment", h->name);
	}
	if (hdr.magic != FG_SHM_MAGIC) {
		close(fd);
		return fg_errf(err, errlen, -EPROTO, "/dev/shm%s: not a floodguard segment, or "
			       "the data plane is still starting", h->name);
	}
	if (hdr.abi != FG_SHM_ABI || hdr.size < sizeof(struct fg_shm) ||
	    hdr.hdr_size != sizeof(hdr) || hdr.lists_size != sizeof(struct fg_fed_lists) ||
	    hdr.counters_size != sizeof(struct fg_counters) ||
	    hdr.event_size != sizeof(struct fg_event) || (size_t)st.st_size != hdr.size ||
	    hdr.ops_off < sizeof(struct fg_shm) ||
	    hdr.ops_off + (uint64_t)hdr.ops_cap * sizeof(struct fg_pfx_op) > hdr.pfx_off ||
	    hdr.pfx_off + hdr.pfx_size != hdr.size) {
		close(fd);
		return fg_errf(err, errlen, -EPROTO, "data plane '%s' (floodguard %.32s) speaks "
			       "shared-memory ABI %u (%" PRIu64 " bytes); this floodctl speaks ABI "
			       "%u (%zu bytes): use the floodctl of the same build", instance,
			       hdr.version, hdr.abi, hdr.size, FG_SHM_ABI, sizeof(struct fg_shm));
	}
	h->s = mmap(NULL, hdr.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	h->size = hdr.size;
	if (h->s == MAP_FAILED) {
		rc = -errno;
		close(fd);
		return fg_errf(err, errlen, rc, "mmap %s (errno=%i): %s", h->name, -rc,
			       strerror(-rc));
	}
	h->fd = fd;
	return 0;
}

void
fg_shm_close(struct fg_shm_handle *h, bool unlink)
{
	if (h->s == NULL)
		return;
	munmap(h->s, h->size);
	close(h->fd);
	if (unlink)
		shm_unlink(h->name);
	h->s = NULL;
}

void
fg_shm_reader_online(struct fg_shm *s, unsigned int lcore, bool online)
{
	struct fg_shm_reader *r = &s->rd[lcore];

	/* online before the first load of gen: a writer that sees it offline
	 * may write the other copy, which this reader has not picked yet */
	__atomic_store_n(&r->seen, __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
	__atomic_store_n(&r->online, online ? 1u : 0u, __ATOMIC_SEQ_CST);
}

/* Wait until every online reader reads generation g. */
static int
grace(struct fg_shm *s, uint64_t g, uint32_t timeout_ms, char *err, size_t errlen)
{
	uint64_t deadline = fg_shm_mono_ns() + (uint64_t)timeout_ms * 1000000u;

	for (unsigned int l = 0; l < FG_SHM_LCORES; l++) {
		unsigned int spins = 0;

		while (__atomic_load_n(&s->rd[l].online, __ATOMIC_SEQ_CST) &&
		       __atomic_load_n(&s->rd[l].seen, __ATOMIC_ACQUIRE) != g) {
			if (++spins % 256 != 0)
				continue;
			if (!fg_shm_alive(s))
				return 0;    /* nobody reads any more */
			if (fg_shm_mono_ns() > deadline)
				return fg_errf(err, errlen, -ETIMEDOUT, "lcore %u of the data plane "
					       "still reads list generation %" PRIu64 " after %u ms "
					       "(stalled?): nothing changed", l,
					       __atomic_load_n(&s->rd[l].seen, __ATOMIC_ACQUIRE),
					       timeout_ms);
			if (spins > 4096)
				sched_yield();
		}
	}
	return 0;
}

int
fg_shm_lists_update(struct fg_shm_handle *h, fg_shm_edit_fn edit, void *arg,
		    uint32_t timeout_ms, char *err, size_t errlen)
{
	struct fg_shm *s = h->s;
	struct fg_fed_lists *next;
	uint64_t g;
	int rc;

	if (flock(h->fd, LOCK_EX) != 0)
		return fg_errf(err, errlen, -errno, "flock (errno=%i): %s", errno, strerror(errno));
	g = __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE);
	rc = grace(s, g, timeout_ms, err, errlen);
	if (rc != 0)
		goto unlock;
	next = &s->lists[(g + 1) & 1];
	if (fg_lists_copy(next, &s->lists[g & 1]) != 0 || fg_lists_check(next) != 0) {
		rc = fg_errf(err, errlen, -EINVAL, "the current lists are damaged (generation %"
			     PRIu64 "): nothing changed", g);
		goto unlock;
	}
	rc = edit(next, arg);
	if (rc != 0) {
		err[0] = '\0';
		goto unlock;
	}
	if (fg_lists_check(next) != 0) {
		rc = fg_errf(err, errlen, -EINVAL, "the edited lists fail their checks: not "
			     "published");
		goto unlock;
	}
	/* saved before it is published: what the data plane applies has
	 * always reached the file (killed in between: the file is one update
	 * ahead, and the next update writes it again) */
	if (s->h.state_path[0] != '\0' &&
	    fg_shm_state_save(s->h.state_path, next, fg_shm_pfx(h), &s->tags, err, errlen) != 0)
		rc = -EIO;    /* applied all the same: blocking must not wait for a disk */
	__atomic_store_n(&s->gen_unix_ns, fg_shm_unix_ns(), __ATOMIC_RELAXED);
	__atomic_store_n(&s->gen, g + 1, __ATOMIC_RELEASE);    /* the update happens here */
unlock:
	flock(h->fd, LOCK_UN);
	return rc;
}

int
fg_shm_lists_read(struct fg_shm_handle *h, struct fg_fed_lists *out)
{
	return fg_shm_lists_read_flags(h, out, 0);
}

int
fg_shm_lists_read_flags(struct fg_shm_handle *h, struct fg_fed_lists *out, int flags)
{
	uint64_t g;
	int rc;

	/* writers write the copy that is not current: holding their lock
	 * keeps the current one still */
	if (flock(h->fd, LOCK_SH | flags) != 0)
		return -errno;
	g = __atomic_load_n(&h->s->gen, __ATOMIC_ACQUIRE);
	rc = fg_lists_copy(out, &h->s->lists[g & 1]);
	flock(h->fd, LOCK_UN);
	return rc != 0 ? rc : fg_lists_check(out);
}

struct lists_arg {
	const struct fg_fed_lists *l;
	const struct fg_pfxset *s;
	const struct fg_tags *t;
};

static int
lists_write(FILE *f, void *arg)
{
	const struct lists_arg *a = arg;

	return fg_lists_save(a->l, a->s, a->t, f);
}

int
fg_shm_state_save(const char *path, const struct fg_fed_lists *l, const struct fg_pfxset *s,
		  const struct fg_tags *t, char *err, size_t errlen)
{
	struct lists_arg a = { l, s, t };

	return fg_shm_file_save(path, lists_write, &a, err, errlen);
}

int
fg_shm_file_save(const char *path, int (*write)(FILE *f, void *arg), void *arg, char *err,
		 size_t errlen)
{
	char tmp[300];
	FILE *f;
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return fg_errf(err, errlen, -ENAMETOOLONG, "%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return fg_errf(err, errlen, -errno, "state file %s (errno=%i): %s", tmp, errno,
			       strerror(errno));
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return fg_errf(err, errlen, -ENOMEM, "fdopen");
	}
	rc = write(f, arg);
	rc = rc > 0 ? 0 : rc;
	if (rc == 0 && (fflush(f) != 0 || fsync(fd) != 0))
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	/* the old file stays as PATH.prev (the last good state if PATH is
	 * ever damaged); rename is atomic: a crash leaves the old or the new */
	if (rc == 0) {
		char prev[310];

		snprintf(prev, sizeof(prev), "%s.prev", path);
		unlink(prev);
		if (link(path, prev) != 0 && errno != ENOENT)
			rc = -errno;
		if (rc == 0 && rename(tmp, path) != 0)
			rc = -errno;
	}
	if (rc != 0) {
		unlink(tmp);
		return fg_errf(err, errlen, rc, "state file %s (errno=%i): %s", path, -rc,
			       strerror(-rc));
	}
	return 0;
}

int
fg_shm_file_read(const char *path, size_t max, char **out, size_t *outlen, char *err,
		 size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t got;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		return rc == -ENOENT ? rc : fg_errf(err, errlen, rc, "%s (errno=%i): %s", path, -rc,
						strerror(-rc));
	}
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size > max) {
		close(fd);
		return fg_errf(err, errlen, -EFBIG, "%s: %lld bytes, more than a state file may "
			       "have (%zu)", path, (long long)st.st_size, max);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return -ENOMEM;
	}
	got = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (got != st.st_size) {
		free(buf);
		return fg_errf(err, errlen, -EIO, "%s: short read", path);
	}
	buf[got] = '\0';
	*out = buf;
	*outlen = (size_t)got;
	return 0;
}

int
fg_shm_state_load(const char *path, struct fg_fed_lists *l, struct fg_pfxset *s,
		  struct fg_tags *t, char *err, size_t errlen)
{
	size_t got;
	char *buf;
	int rc = fg_shm_file_read(path, FG_LISTS_FILE_MAX, &buf, &got, err, errlen);

	if (rc != 0)
		return rc;
	if (fg_lists_load(l, s, t, buf, got, (uint32_t)(fg_shm_unix_ns() / 1000000000u), err,
			  errlen) != 0) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		rc = fg_errf(err, errlen, -EINVAL, "%s: %s", path, why);
	}
	free(buf);
	return rc;
}

int
fg_shm_tag(struct fg_shm_handle *h, const char *name)
{
	int id;

	if (flock(h->fd, LOCK_EX) != 0)
		return -errno;
	id = fg_tags_id(&h->s->tags, name, true);
	flock(h->fd, LOCK_UN);
	return id;
}

/* The futex words of the transactions: a waiter sleeps while the word
 * still holds what it read (at most @p ts); a notifier moves it on and
 * wakes the one waiter. */
static void
futex_wait(uint32_t *w, uint32_t seen, const struct timespec *ts)
{
	syscall(SYS_futex, w, FUTEX_WAIT, seen, ts, NULL, 0);
}

static void
futex_notify(uint32_t *w)
{
	__atomic_add_fetch(w, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* Until the list thread is done with transaction @p seq: it wakes us. */
static int
wait_done(struct fg_shm *s, uint64_t seq, uint64_t deadline)
{
	for (;;) {
		uint32_t w = __atomic_load_n(&s->done_wake, __ATOMIC_ACQUIRE);
		struct timespec ts = { 0, 10000000 };   /* to check it is alive */
		uint64_t now;

		if (__atomic_load_n(&s->done_seq, __ATOMIC_ACQUIRE) == seq)
			return 0;
		if (!fg_shm_alive(s))
			return -ESRCH;
		now = fg_shm_mono_ns();
		if (now > deadline)
			return -ETIMEDOUT;
		if (deadline - now < 10000000)
			ts.tv_nsec = (long)(deadline - now);
		futex_wait(&s->done_wake, w, &ts);
	}
}

int
fg_shm_pfx_txn(struct fg_shm_handle *h, const struct fg_shm_txn *txn, struct fg_pfx_op *ops,
	       struct fg_shm_txn_res *res, uint32_t timeout_ms, char *err, size_t errlen)
{
	struct fg_shm *s = h->s;
	uint64_t deadline = fg_shm_mono_ns() + (uint64_t)timeout_ms * 1000000u, seq;
	struct fg_pfx_op *area = fg_shm_ops(h);
	int rc;

	memset(res, 0, sizeof(*res));
	if (txn->nops > s->h.ops_cap)
		return fg_errf(err, errlen, -E2BIG, "%u changes in one update, more than the data "
			       "plane takes (%u: [lists] max_prefixes)", txn->nops, s->h.ops_cap);
	if (!__atomic_load_n(&s->h.pfx_ready, __ATOMIC_ACQUIRE))
		return fg_errf(err, errlen, -EAGAIN, "the data plane's list thread is not running "
			       "(starting, or stopped)");
	if (flock(h->fd, LOCK_EX) != 0)
		return fg_errf(err, errlen, -errno, "flock (errno=%i): %s", errno, strerror(errno));
	/* a writer killed after handing one over: it is applied first */
	seq = __atomic_load_n(&s->txn_seq, __ATOMIC_ACQUIRE);
	rc = wait_done(s, seq, deadline);
	if (rc != 0) {
		rc = fg_errf(err, errlen, rc, rc == -ESRCH ? "the data plane exited" :
			     "the data plane's list thread is still applying the last update "
			     "after %u ms: nothing changed", timeout_ms);
		goto unlock;
	}
	memcpy(area, ops, (size_t)txn->nops * sizeof(*ops));
	s->txn = *txn;
	s->txn.handed_ns = fg_shm_mono_ns();
	__atomic_store_n(&s->txn_seq, seq + 1, __ATOMIC_RELEASE);    /* handed over here */
	futex_notify(&s->txn_wake);
	rc = wait_done(s, seq + 1, deadline);
	if (rc != 0) {
		rc = fg_errf(err, errlen, rc, rc == -ESRCH ? "the data plane exited" :
			     "handed to the data plane but not applied after %u ms: it will be",
			     timeout_ms);
		goto unlock;
	}
	*res = s->res;
	memcpy(ops, area, (size_t)txn->nops * sizeof(*ops));
	if (res->rc != 0) {
		rc = fg_errf(err, errlen, res->rc, "%s: nothing changed", res->msg);
		goto unlock;
	}
	/* entries of the cluster's routes are not saved: nothing to write */
	if (s->h.state_path[0] != '\0' && !fg_tag_bgp(fg_tag_name(&s->tags, txn->tag))) {
		struct fg_fed_lists *l = malloc(sizeof(*l));
		uint64_t g = __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE);

		/* after it applied: killed in between, the file is one update
		 * behind until the next one writes it */
		if (l == NULL || fg_lists_copy(l, &s->lists[g & 1]) != 0 ||
		    fg_shm_state_save(s->h.state_path, l, fg_shm_pfx(h), &s->tags, err,
				      errlen) != 0)
			rc = -EIO;
		free(l);
	}
unlock:
	flock(h->fd, LOCK_UN);
	return rc;
}

const struct fg_shm_txn *
fg_shm_pfx_pending(struct fg_shm *s, uint32_t timeout_ms)
{
	uint32_t w = __atomic_load_n(&s->txn_wake, __ATOMIC_ACQUIRE);
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };

	if (__atomic_load_n(&s->txn_seq, __ATOMIC_ACQUIRE) ==
	    __atomic_load_n(&s->done_seq, __ATOMIC_RELAXED))
		futex_wait(&s->txn_wake, w, &ts);
	if (__atomic_load_n(&s->txn_seq, __ATOMIC_ACQUIRE) ==
	    __atomic_load_n(&s->done_seq, __ATOMIC_RELAXED))
		return NULL;
	return &s->txn;
}

void
fg_shm_pfx_done(struct fg_shm *s, const struct fg_shm_txn_res *res)
{
	s->res = *res;
	__atomic_store_n(&s->done_seq, __atomic_load_n(&s->txn_seq, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
	futex_notify(&s->done_wake);
}

/* Until the main lcore has answered request @p seq. */
static int
wait_answer(const struct fg_shm *s, uint64_t seq, uint64_t deadline)
{
	while (__atomic_load_n(&s->resp_seq, __ATOMIC_ACQUIRE) != seq) {
		if (!fg_shm_alive(s))
			return -ESRCH;
		if (fg_shm_mono_ns() > deadline)
			return -ETIMEDOUT;
		usleep(50);
	}
	return 0;
}

int
fg_shm_call(struct fg_shm_handle *h, const struct fg_shm_req *req, struct fg_shm_resp *resp,
	    uint32_t timeout_ms)
{
	struct fg_shm *s = h->s;
	uint64_t deadline = fg_shm_mono_ns() + (uint64_t)timeout_ms * 1000000u, seq;
	int rc;

	if (flock(h->fd, LOCK_EX) != 0)
		return -errno;
	/* a requester killed after posting left an answered or pending
	 * request: wait for it before overwriting the slot */
	seq = __atomic_load_n(&s->req_seq, __ATOMIC_ACQUIRE);
	rc = wait_answer(s, seq, deadline);
	if (rc != 0)
		goto unlock;
	s->req = *req;
	__atomic_store_n(&s->req_seq, seq + 1, __ATOMIC_RELEASE);
	futex_notify(&s->req_wake);    /* the main lcore answers now, not at its next tick */
	rc = wait_answer(s, seq + 1, deadline);
	if (rc != 0)
		goto unlock;
	*resp = s->resp;
	rc = 0;
unlock:
	flock(h->fd, LOCK_UN);
	return rc;
}

void
fg_shm_request_wait(struct fg_shm *s, uint32_t timeout_us)
{
	uint32_t w = __atomic_load_n(&s->req_wake, __ATOMIC_ACQUIRE);
	struct timespec ts = { timeout_us / 1000000, (long)(timeout_us % 1000000) * 1000 };

	if (__atomic_load_n(&s->req_seq, __ATOMIC_ACQUIRE) == s->resp_seq)
		futex_wait(&s->req_wake, w, &ts);
}

const struct fg_shm_req *
fg_shm_pending(struct fg_shm *s)
{
	uint64_t q = __atomic_load_n(&s->req_seq, __ATOMIC_ACQUIRE);

	return q != s->resp_seq ? &s->req : NULL;
}

void
fg_shm_answer(struct fg_shm *s, const struct fg_shm_resp *resp)
{
	s->resp = *resp;
	__atomic_store_n(&s->resp_seq, __atomic_load_n(&s->req_seq, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
}

void
fg_shm_seq_begin(uint64_t *seq)
{
	__atomic_store_n(seq, *seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

void
fg_shm_seq_end(uint64_t *seq)
{
	__atomic_store_n(seq, *seq + 1, __ATOMIC_RELEASE);
}

void
fg_shm_stats_begin(struct fg_shm *s)
{
	fg_shm_seq_begin(&s->stats_seq);
}

void
fg_shm_stats_end(struct fg_shm *s)
{
	fg_shm_seq_end(&s->stats_seq);
}

int
fg_shm_seq_read(const uint64_t *seq, void *dst, const void *src, size_t n)
{
	for (int tries = 0; tries < 1000; tries++) {
		uint64_t a = __atomic_load_n(seq, __ATOMIC_ACQUIRE), b;

		if (a & 1) {
			usleep(100);
			continue;
		}
		memcpy(dst, src, n);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		b = __atomic_load_n(seq, __ATOMIC_RELAXED);
		if (a == b)
			return 0;
	}
	return -EAGAIN;
}

int
fg_shm_stats_read(const struct fg_shm *s, struct fg_shm *out)
{
	size_t from = offsetof(struct fg_shm, stats_seq), to = offsetof(struct fg_shm, ev_head);

	return fg_shm_seq_read(&s->stats_seq, (uint8_t *)out + from, (const uint8_t *)s + from,
			       to - from);
}

static void (*event_hook)(const struct fg_event *ev);

void
fg_shm_event(struct fg_shm *s, enum fg_event_kind kind, uint32_t cls, const uint8_t addr[16],
	     uint64_t arg, uint64_t unix_time_ns)
{
	fg_shm_event_dom(s, kind, cls, addr, NULL, arg, unix_time_ns);
}

void
fg_shm_event_dom(struct fg_shm *s, enum fg_event_kind kind, uint32_t cls,
		 const uint8_t addr[16], const char *domain, uint64_t arg,
		 uint64_t unix_time_ns)
{
	uint64_t n = s->ev_head;
	struct fg_event *e = &s->ev[n & (FG_SHM_EVENTS - 1)];

	__atomic_store_n(&e->seq, 2 * n + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e->unix_ns = unix_time_ns;
	e->kind = kind;
	e->cls = cls;
	e->arg = arg;
	memcpy(e->addr, addr, 16);
	snprintf(e->domain, sizeof(e->domain), "%s", domain != NULL ? domain : "");
	__atomic_store_n(&e->seq, 2 * n + 2, __ATOMIC_RELEASE);
	__atomic_store_n(&s->ev_head, n + 1, __ATOMIC_RELEASE);
	if (event_hook != NULL)
		event_hook(e);
}

void
fg_shm_event_hook(void (*fn)(const struct fg_event *ev))
{
	event_hook = fn;
}

int
fg_event_line(const struct fg_event *ev, char *buf, size_t len)
{
	char addr[64], why[64], dom[FG_DOMAIN_MAX + 8] = "";
	int n = snprintf(buf, len, "event=%s unix_ms=%" PRIu64 " seq=%" PRIu64,
			 fg_event_name(ev->kind), ev->unix_ns / 1000000u, ev->seq / 2 - 1);
	size_t k = n > 0 && (size_t)n < len ? (size_t)n : len;

	/* a domain is letters, digits, '-' and '.' (the parser's): no quoting */
	if (ev->domain[0] != '\0')
		snprintf(dom, sizeof(dom), " domain=%.*s", FG_DOMAIN_MAX - 1, ev->domain);

	fg_addr_str(ev->addr, addr, sizeof(addr));
	switch (ev->kind) {
	case FG_EV_BLOCK:
		return n + snprintf(buf + k, len - k, " class=%s src=%s penalty_ms=%" PRIu64,
				    fg_class_name(ev->cls), addr, ev->arg);
	case FG_EV_WATCH:
	case FG_EV_UNWATCH:
		fg_fed_reasons_str((uint32_t)ev->arg, why, sizeof(why));
		return n + snprintf(buf + k, len - k, " class=%s src=%s reasons=%s%s",
				    fg_class_name(ev->cls), addr, why[0] != '\0' ? why : "-", dom);
	case FG_EV_ALERT:
		fg_fed_reasons_str((uint32_t)ev->arg & 0xffff, why, sizeof(why));
		return n + snprintf(buf + k, len - k, " class=%s src=%s reasons=%s mode=%s%s",
				    fg_class_name(ev->cls), addr, why[0] != '\0' ? why : "-",
				    fg_fed_mode_name((enum fg_fed_mode)(ev->arg >> 16)), dom);
	case FG_EV_LISTS:
		return n + snprintf(buf + k, len - k, " generation=%" PRIu64, ev->arg);
	case FG_EV_UNBLOCK:
		return n + snprintf(buf + k, len - k, " class=%s src=%s offences=%" PRIu64,
				    fg_class_name(ev->cls), addr, ev->arg);
	case FG_EV_MONITOR:
		return n + snprintf(buf + k, len - k, " scope=%s monitor=%s",
				    fg_mon_scope_name(ev->cls), ev->arg ? "on" : "off");
	default:
		/* a kind this formatter has no fields for: all of them, raw */
		return n + snprintf(buf + k, len - k, " class=%s src=%s arg=%" PRIu64,
				    fg_class_name(ev->cls), addr, ev->arg);
	}
}

int
fg_shm_event_read(const struct fg_shm *s, uint64_t pos, struct fg_event *ev)
{
	const struct fg_event *e = &s->ev[pos & (FG_SHM_EVENTS - 1)];
	uint64_t head = __atomic_load_n(&s->ev_head, __ATOMIC_ACQUIRE), a;

	if (pos >= head)
		return 0;
	if (head - pos > FG_SHM_EVENTS)
		return -1;
	a = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
	memcpy(ev, e, sizeof(*ev));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (a != 2 * pos + 2 || __atomic_load_n(&e->seq, __ATOMIC_RELAXED) != a)
		return -1;
	return 1;
}

static const char *const ev_names[FG_EV_COUNT] = {
	[FG_EV_BLOCK] = "block", [FG_EV_WATCH] = "watch", [FG_EV_UNWATCH] = "unwatch",
	[FG_EV_LISTS] = "lists", [FG_EV_MONITOR] = "monitor",
	[FG_EV_ALERT] = "alert",
	[FG_EV_UNBLOCK] = "unblock",
};

const char *
fg_event_name(enum fg_event_kind k)
{
	return k < FG_EV_COUNT && ev_names[k] != NULL ? ev_names[k] : "?";
}
