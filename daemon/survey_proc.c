/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Which process holds a socket, as `ss -p` finds out: sock_diag gives a
 * socket's inode, /proc/PID/fd links to "socket:[INODE]".  Only the
 * inodes asked for are looked up, the walk stops once all are found and
 * never reads more than a bounded number of descriptors; processes we
 * may not read (another user's, hidden by ProtectProc=) or that vanish
 * on the way are counted and skipped.  What was found is remembered
 * while the socket lives, so a socket costs one walk in its life.
 */

#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockprobe.h"
#include "sockprobed.h"

/* One inode's slot; inode 0 marks a free slot (no socket has inode 0). */
struct oslot {
	uint64_t	inode;
	struct owner	owner;		/* pid 0: not found */
	uint32_t	epoch;		/* last owners_seen() */
	bool		tried;		/* a walk looked for it */
};

/* Open addressing on the inode, kept at most half full. */
struct owners {
	struct oslot	*slots;
	size_t		 cap;		/* a power of two */
	size_t		 n;		/* inodes in the map */
	size_t		 unknown;	/* of which no walk looked yet */
	uint32_t	 epoch;
};

static struct oslot *owners_slot(const struct owners *, uint64_t);
static int	 owners_grow(struct owners *);
static void	 owners_tried(struct owners *, const struct owners_stats *);
static bool	 proc_pid(const char *, pid_t *);
static void	 proc_comm(int, const char *, char *);
static void	 proc_fds(struct owners *, int, const char *, pid_t,
		    bool, struct owners_stats *);

/* An empty map. */
struct owners *
owners_new(void)
{
	struct owners	*o;

	o = xcalloc(1, sizeof(*o));
	o->cap = 64;
	o->slots = xcalloc(o->cap, sizeof(*o->slots));
	return o;
}

void
owners_free(struct owners *o)
{
	if (o == NULL)
		return;
	free(o->slots);
	free(o);
}

/* The slot of inode, or the free slot where it would go. */
static struct oslot *
owners_slot(const struct owners *o, uint64_t inode)
{
	size_t	i = (size_t)((inode * 0x9e3779b97f4a7c15ULL) >> 20) &
		    (o->cap - 1);

	while (o->slots[i].inode != 0 && o->slots[i].inode != inode)
		i = (i + 1) & (o->cap - 1);
	return &o->slots[i];
}

static int
owners_grow(struct owners *o)
{
	struct oslot	*old = o->slots, *s;
	size_t		 oldcap = o->cap, i;

	o->cap *= 2;
	o->slots = xcalloc(o->cap, sizeof(*o->slots));
	for (i = 0; i < oldcap; i++) {
		if (old[i].inode == 0)
			continue;
		s = owners_slot(o, old[i].inode);
		*s = old[i];
	}
	free(old);
	return 0;
}

/* Ask for the owner of inode (0 is ignored); the map owns nothing else. */
void
owners_want(struct owners *o, uint64_t inode)
{
	struct oslot	*s;

	if (inode == 0)
		return;
	if ((o->n + 1) * 2 > o->cap)
		(void)owners_grow(o);
	s = owners_slot(o, inode);
	if (s->inode != 0)
		return;
	s->inode = inode;
	memset(&s->owner, 0, sizeof(s->owner));
	s->epoch = o->epoch;
	s->tried = false;
	o->n++;
	o->unknown++;
}

/* A new round of owners_seen() calls: what is not seen in it expires. */
void
owners_epoch(struct owners *o)
{
	o->epoch++;
}

/* The socket inode still exists: keep what is known of it. */
void
owners_seen(struct owners *o, uint64_t inode)
{
	struct oslot	*s;

	if (o->n == 0 || inode == 0)
		return;
	if ((s = owners_slot(o, inode))->inode == inode)
		s->epoch = o->epoch;
}

/* Forget the inodes not seen since owners_epoch(): those sockets closed. */
void
owners_expire(struct owners *o)
{
	struct oslot	*old = o->slots;
	size_t		 oldcap = o->cap, i;

	o->slots = xcalloc(o->cap, sizeof(*o->slots));
	o->n = o->unknown = 0;
	for (i = 0; i < oldcap; i++) {
		if (old[i].inode == 0 || old[i].epoch != o->epoch)
			continue;
		*owners_slot(o, old[i].inode) = old[i];
		o->n++;
		o->unknown += !old[i].tried;
	}
	free(old);
}

/*
 * After a walk: every inode it looked for counts as tried, found or
 * not, unless the walk was cut short (then the missing ones are looked
 * for again next time).
 */
static void
owners_tried(struct owners *o, const struct owners_stats *st)
{
	size_t	i;

	if (st->truncated)
		return;
	for (i = 0; i < o->cap; i++)
		if (o->slots[i].inode != 0 && !o->slots[i].tried) {
			o->slots[i].tried = true;
			o->unknown--;
		}
}

/* The owner of inode, or NULL when it was not asked for or not found. */
const struct owner *
owners_get(const struct owners *o, uint64_t inode)
{
	const struct oslot	*s;

	if (o == NULL || inode == 0)
		return NULL;
	s = owners_slot(o, inode);
	return s->inode == inode && s->owner.pid != 0 ? &s->owner : NULL;
}

/* Whether inode is in the map (asked for, or found in a process). */
bool
owners_has(const struct owners *o, uint64_t inode)
{
	return o != NULL && inode != 0 && owners_slot(o, inode)->inode ==
	    inode;
}


/* A /proc entry that is a process: all digits. */
static bool
proc_pid(const char *name, pid_t *pid)
{
	const char	*p;
	long		 v = 0;

	for (p = name; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p) || v > 100000000)
			return false;
		v = v * 10 + (*p - '0');
	}
	*pid = (pid_t)v;
	return p != name && v > 0;
}

/* /proc/PID/comm into comm (16 bytes), "" when it cannot be read. */
static void
proc_comm(int procfd, const char *pid, char *comm)
{
	char	path[64];
	ssize_t	n;
	int	fd;

	comm[0] = '\0';
	(void)snprintf(path, sizeof(path), "%s/comm", pid);
	if ((fd = openat(procfd, path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, comm, OWNER_COMM_MAX);
	(void)close(fd);
	if (n <= 0) {
		comm[0] = '\0';
		return;
	}
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
}

/*
 * The descriptors of one process.  all: every socket inode is added to
 * the map as owned by it (the process filter); else only inodes already
 * asked for get it as their owner.
 */
static void
proc_fds(struct owners *o, int procfd, const char *name, pid_t pid,
    bool all, struct owners_stats *st)
{
	struct dirent	*de;
	struct oslot	*s;
	DIR		*d;
	char		 path[64], link[64], comm[OWNER_COMM_MAX + 1];
	uint64_t	 inode;
	ssize_t		 n;
	int		 fd;
	bool		 named = false;

	(void)snprintf(path, sizeof(path), "%s/fd", name);
	if ((fd = openat(procfd, path, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		if (errno == EACCES || errno == EPERM)
			st->unreadable++;
		return;			/* ENOENT: it exited meanwhile */
	}
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return;
	}
	st->processes++;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (st->fds >= OWNERS_MAX_FDS) {
			st->truncated = true;
			break;
		}
		st->fds++;
		n = readlinkat(fd, de->d_name, link, sizeof(link) - 1);
		if (n < 9 || strncmp(link, "socket:[", 8) != 0)
			continue;
		link[n] = '\0';
		inode = strtoull(link + 8, NULL, 10);
		if (inode == 0)
			continue;
		if (all)
			owners_want(o, inode);
		s = owners_slot(o, inode);
		if (s->inode != inode || s->tried || s->owner.pid != 0)
			continue;
		if (!named) {
			proc_comm(procfd, name, comm);
			named = true;
		}
		s->owner.pid = pid;
		memcpy(s->owner.comm, comm, sizeof(s->owner.comm));
		s->tried = true;
		o->unknown--;
		if (!all && o->unknown == 0)
			break;
	}
	(void)closedir(d);
}

/*
 * Find the owner of every inode asked for and not looked for yet,
 * walking /proc until all are found or OWNERS_MAX_FDS descriptors were
 * read.  Never fails: what it could not see stays unknown and the stats
 * say why.
 */
void
owners_scan(struct owners *o, struct owners_stats *st)
{
	struct dirent	*de;
	DIR		*d;
	pid_t		 pid;

	memset(st, 0, sizeof(*st));
	if (o->unknown == 0 || (d = opendir("/proc")) == NULL)
		return;
	st->ran = true;
	while (o->unknown > 0 && !st->truncated &&
	    (de = readdir(d)) != NULL)
		if (proc_pid(de->d_name, &pid))
			proc_fds(o, dirfd(d), de->d_name, pid, false, st);
	(void)closedir(d);
	owners_tried(o, st);
}

/*
 * Add every socket of process pid (pid > 0), or of each process named
 * comm, to the map with its owner: the `sockets` process filter.
 * Returns how many processes matched and could be read; st->unreadable
 * counts those that matched but could not be.
 */
size_t
owners_of_process(struct owners *o, pid_t pid, const char *comm,
    struct owners_stats *st)
{
	struct dirent	*de;
	DIR		*d;
	char		 name[24], c[OWNER_COMM_MAX + 1];
	pid_t		 p;
	size_t		 before;

	memset(st, 0, sizeof(*st));
	if ((d = opendir("/proc")) == NULL)
		return 0;
	st->ran = true;
	if (pid > 0) {
		(void)snprintf(name, sizeof(name), "%d", (int)pid);
		proc_fds(o, dirfd(d), name, pid, true, st);
	} else {
		while ((de = readdir(d)) != NULL) {
			if (!proc_pid(de->d_name, &p))
				continue;
			proc_comm(dirfd(d), de->d_name, c);
			if (strcmp(c, comm) != 0)
				continue;
			before = st->unreadable;
			proc_fds(o, dirfd(d), de->d_name, p, true, st);
			if (st->unreadable == before)
				st->matched++;
		}
	}
	if (pid > 0 && st->unreadable == 0 && st->processes == 1)
		st->matched = 1;
	(void)closedir(d);
	return st->matched;
}
