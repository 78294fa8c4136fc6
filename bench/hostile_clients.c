/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sp-hostile's clients: line-reading connections to the control socket,
 * the legitimate client timing `status` in its own thread, the daemon's
 * resident memory sampled in another, and the flood of clients that
 * connect at once, of which all but CTL_MAX_CLIENTS must be refused.
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "hostile.h"
#include "proto.h"

#define STATUS_PAUSE_MS	2	/* between two status requests */
#define RSS_PAUSE_MS	50	/* between two samples */

static int	 unix_addr(struct sockaddr_un *, const char *);
static void	*status_main(void *);
static void	*rss_main(void *);
static void	 status_record(struct hresults *, int64_t, int64_t);
static int	 flood_connect(struct hconn *, size_t, const char *, int64_t);
static void	 flood_classify(struct hconn *, size_t, bool *, size_t *,
		    struct hresults *);

static const char	*status_path;
static const struct hopts *status_opts;
static struct hresults	*status_res;
static pthread_t	 status_thread, rss_thread;
static atomic_bool	 status_stop, status_ready, rss_stop;
static pid_t		 rss_pid;

static int
unix_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

/* A blocking connection to the control socket; 0 or -1 with errno. */
int
hconn_open(struct hconn *c, const char *path)
{
	struct sockaddr_un	sun;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (unix_addr(&sun, path) == -1 ||
	    (c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		hconn_close(c);
		return -1;
	}
	return 0;
}

/*
 * A nonblocking connect: 0 connected, -1 with EAGAIN while the daemon's
 * listen backlog is full (try again), other errno for real failures.
 */
int
hconn_open_nb(struct hconn *c, const char *path)
{
	struct sockaddr_un	sun;
	int			saved_errno;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (unix_addr(&sun, path) == -1 ||
	    (c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1)
		return -1;
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved_errno = errno;
		hconn_close(c);
		errno = saved_errno;
		return -1;
	}
	return 0;
}

void
hconn_close(struct hconn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
}

/* Send all of buf (blocking or not, waiting for room); 0 or -1. */
int
hconn_send(struct hconn *c, const void *buf, size_t len)
{
	const char	*p = buf;
	struct pollfd	 pfd = { .fd = c->fd, .events = POLLOUT };
	ssize_t		 n;

	while (len > 0) {
		if ((n = send(c->fd, p, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -1;
			if (poll(&pfd, 1, 10000) <= 0)
				return -1;
			continue;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read what is there without blocking: 1 got bytes, 0 nothing yet, -1
 * EOF (or ECONNRESET, how AF_UNIX says the daemon closed with our
 * bytes unread: whatever it sent before is read first).
 */
int
hconn_fill(struct hconn *c)
{
	ssize_t	n;
	char	*nb;

	if (c->eof)
		return -1;
	if (c->cap - c->len < 65536) {
		if ((nb = realloc(c->buf, c->cap + 65536)) == NULL)
			return 0;
		c->buf = nb;
		c->cap += 65536;
	}
	n = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
	if (n > 0) {
		c->len += (size_t)n;
		return 1;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	c->eof = true;
	return -1;
}

/* The next whole line, malloc'd without its newline, or NULL. */
char *
hconn_line(struct hconn *c)
{
	char	*nl, *line;
	size_t	 n;

	if (c->len == 0 || (nl = memchr(c->buf, '\n', c->len)) == NULL)
		return NULL;
	n = (size_t)(nl - c->buf);
	if ((line = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(line, c->buf, n);
	line[n] = '\0';
	memmove(c->buf, nl + 1, c->len - n - 1);
	c->len -= n + 1;
	return line;
}

/* The next line within ms, or NULL at EOF or when none came. */
char *
hconn_wait_line(struct hconn *c, int ms)
{
	struct pollfd	 pfd = { .fd = c->fd, .events = POLLIN };
	int64_t		 end = h_now() + (int64_t)ms * H_NS_MS, left;
	char		*line;

	for (;;) {
		if ((line = hconn_line(c)) != NULL)
			return line;
		if (c->eof)
			return NULL;
		if ((left = (end - h_now()) / H_NS_MS) < 0)
			return NULL;
		if (poll(&pfd, 1, (int)left + 1) == -1 && errno != EINTR)
			return NULL;
		(void)hconn_fill(c);
	}
}

/* Whether the daemon closes within ms (what was still unread is dropped). */
bool
hconn_wait_eof(struct hconn *c, int ms)
{
	struct pollfd	pfd = { .fd = c->fd, .events = POLLIN };
	int64_t		end = h_now() + (int64_t)ms * H_NS_MS, left;

	while (!c->eof) {
		c->len = 0;
		if ((left = (end - h_now()) / H_NS_MS) < 0)
			return false;
		if (poll(&pfd, 1, (int)left + 1) == -1 && errno != EINTR)
			return false;
		(void)hconn_fill(c);
	}
	return true;
}

/*
 * The error code of a response line, "" for a success, NULL for what is
 * not a response object at all.  Points into a static buffer per call.
 */
const char *
h_error_code(const char *line, bool *ok)
{
	static _Thread_local char	code[64];
	json_t				*o;
	const char			*s;

	*ok = false;
	if ((o = json_loads(line, 0, NULL)) == NULL)
		return NULL;
	if (!json_is_boolean(json_object_get(o, "ok"))) {
		json_decref(o);
		return NULL;
	}
	*ok = json_is_true(json_object_get(o, "ok"));
	s = json_string_value(json_object_get(json_object_get(o, "error"),
	    "code"));
	(void)snprintf(code, sizeof(code), "%s", s != NULL ? s : "");
	json_decref(o);
	return code;
}

static void
status_record(struct hresults *r, int64_t at, int64_t ns)
{
	int64_t	*na, *nv;
	size_t	 cap;

	if (r->nstatus == r->capstatus) {
		cap = r->capstatus > 0 ? r->capstatus * 2 : 4096;
		if ((na = realloc(r->status_at, cap * sizeof(*na))) == NULL)
			return;
		r->status_at = na;
		if ((nv = realloc(r->status_ns, cap * sizeof(*nv))) == NULL)
			return;
		r->status_ns = nv;
		r->capstatus = cap;
	}
	r->status_at[r->nstatus] = at;
	r->status_ns[r->nstatus++] = ns;
}

/*
 * The legitimate client: one connection, made before the attack, asking
 * `status` every few milliseconds and timing each answer.  A status not
 * answered within reply_ms, or answered with an error, is a failure; the
 * client then reconnects (it may be refused while the flood holds every
 * slot, which is counted too).
 */
static void *
status_main(void *arg)
{
	static const char	 req[] = "{\"cmd\":\"status\"}\n";
	struct hconn		 c = { .fd = -1 };
	const char		*code;
	char			*line;
	int64_t			 t0;
	bool			 ok;

	(void)arg;
	while (!atomic_load(&status_stop)) {
		if (c.fd == -1 && hconn_open(&c, status_path) == -1) {
			atomic_fetch_add(&status_res->status_failed, 1);
			usleep(100000);
			continue;
		}
		t0 = h_now();
		line = NULL;
		if (hconn_send(&c, req, sizeof(req) - 1) == 0)
			line = hconn_wait_line(&c, status_opts->reply_ms);
		code = line != NULL ? h_error_code(line, &ok) : NULL;
		if (code == NULL || !ok) {
			atomic_fetch_add(&status_res->status_failed, 1);
			h_log(status_opts, "status: %s", line != NULL ? line :
			    "no answer");
			hconn_close(&c);
		} else
			status_record(status_res, t0, h_now() - t0);
		atomic_store(&status_ready, true);
		free(line);
		usleep(STATUS_PAUSE_MS * 1000);
	}
	hconn_close(&c);
	return NULL;
}

/* Start the legitimate client; its connection is up when this returns. */
void
h_status_start(const struct hopts *o, const char *path, struct hresults *r)
{
	status_path = path;
	status_opts = o;
	status_res = r;
	atomic_store(&status_stop, false);
	atomic_store(&status_ready, false);
	if (pthread_create(&status_thread, NULL, status_main, NULL) != 0) {
		fprintf(stderr, "sp-hostile: pthread_create failed\n");
		exit(2);
	}
	/* Its first answer: the connection holds a slot from now on. */
	while (!atomic_load(&status_ready))
		usleep(1000);
}

void
h_status_stop(void)
{
	atomic_store(&status_stop, true);
	pthread_join(status_thread, NULL);
}

/* VmRSS of pid in KiB, or -1 when it is gone. */
long
h_rss_kb(pid_t pid)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 kb = -1;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void *
rss_main(void *arg)
{
	struct hresults	*r = arg;
	long		 kb;

	while (!atomic_load(&rss_stop)) {
		if ((kb = h_rss_kb(rss_pid)) > r->rss_peak_kb)
			r->rss_peak_kb = kb;
		usleep(RSS_PAUSE_MS * 1000);
	}
	return NULL;
}

/* Sample the daemon's RSS every RSS_PAUSE_MS; the peak goes to r. */
void
h_rss_start(pid_t pid, struct hresults *r)
{
	rss_pid = pid;
	atomic_store(&rss_stop, false);
	if (pthread_create(&rss_thread, NULL, rss_main, r) != 0) {
		fprintf(stderr, "sp-hostile: pthread_create failed\n");
		exit(2);
	}
}

void
h_rss_stop(void)
{
	atomic_store(&rss_stop, true);
	pthread_join(rss_thread, NULL);
}

/*
 * Connect all n at once, nonblocking: a full listen backlog (EAGAIN) is
 * retried until the deadline.  Each sends hello at once.  The number
 * connected.
 */
static int
flood_connect(struct hconn *cs, size_t n, const char *path, int64_t end)
{
	static const char	hello[] = "{\"cmd\":\"hello\"}\n";
	size_t			i, done = 0;

	for (i = 0; i < n; i++)
		cs[i].fd = -1;
	while (done < n && h_now() < end) {
		for (i = 0; i < n; i++) {
			if (cs[i].fd != -1 || cs[i].eof)
				continue;
			if (hconn_open_nb(&cs[i], path) == -1) {
				if (errno != EAGAIN)
					cs[i].eof = true;	/* failed */
				continue;
			}
			done++;
			/* Refused at once: the send may meet a closed peer. */
			(void)send(cs[i].fd, hello, sizeof(hello) - 1,
			    MSG_NOSIGNAL);
		}
		if (done < n)
			usleep(1000);
	}
	return (int)done;
}

/*
 * What one flood client got: served (hello answered), refused
 * (too_many_clients, then closed), or anything else.
 */
static void
flood_classify(struct hconn *c, size_t i, bool *settled, size_t *left,
    struct hresults *r)
{
	const char	*code;
	char		*line;
	bool		 ok;

	if ((line = hconn_line(c)) == NULL && !c->eof)
		return;
	code = line != NULL ? h_error_code(line, &ok) : NULL;
	if (code != NULL && ok)
		r->flood_served++;
	else if (code != NULL && strcmp(code, CTL_ERR_TOO_MANY) == 0 &&
	    hconn_wait_eof(c, 1000))
		r->flood_refused++;
	else {
		r->flood_other++;
		fprintf(stderr, "sp-hostile: flood client %zu: %s\n", i,
		    line != NULL ? line : "closed without a word");
	}
	free(line);
	settled[i] = true;
	(*left)--;
}

/*
 * n clients connect at once while `others` slots are held already: at
 * most CTL_MAX_CLIENTS - others are served; every other one must read
 * too_many_clients and be closed.  The served stay connected until every
 * client is settled, so the refusals are real.
 */
void
h_flood(const struct hopts *o, const char *path, size_t others,
    struct hresults *r)
{
	struct hconn	*cs;
	struct pollfd	*pfds;
	bool		*settled;
	int64_t		 t0 = h_now(), end = t0 + 30 * H_NS_S;
	size_t		 i, left;

	cs = calloc(o->flood + 1, sizeof(*cs));
	pfds = calloc(o->flood + 1, sizeof(*pfds));
	settled = calloc(o->flood + 1, sizeof(*settled));
	if (cs == NULL || pfds == NULL || settled == NULL) {
		fprintf(stderr, "sp-hostile: out of memory\n");
		exit(2);
	}
	r->flood_limit = CTL_MAX_CLIENTS > others ? CTL_MAX_CLIENTS - others :
	    0;
	r->flood_connected = (size_t)flood_connect(cs, o->flood, path, end);
	left = o->flood;
	for (i = 0; i < o->flood; i++)
		if (cs[i].fd == -1) {
			settled[i] = true;
			left--;
			r->flood_other++;
		}
	while (left > 0 && h_now() < end) {
		for (i = 0; i < o->flood; i++) {
			pfds[i].fd = settled[i] ? -1 : cs[i].fd;
			pfds[i].events = POLLIN;
		}
		if (poll(pfds, o->flood, 100) == -1)
			break;
		for (i = 0; i < o->flood; i++) {
			if (settled[i] || pfds[i].revents == 0)
				continue;
			(void)hconn_fill(&cs[i]);
			flood_classify(&cs[i], i, settled, &left, r);
		}
	}
	r->flood_other += left;		/* never settled */
	r->flood_ns = h_now() - t0;
	for (i = 0; i < o->flood; i++)
		hconn_close(&cs[i]);
	free(cs);
	free(pfds);
	free(settled);
}
