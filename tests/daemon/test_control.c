/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * control.c over real AF_UNIX sockets and a real event loop: the socket
 * is made with mode 0660 and a stale one replaced, a socket passed by
 * systemd is used and left alone, a client breaking a limit gets its
 * error and is dropped while the others are served, watchers get events
 * and a watcher that never reads is dropped alone, and the mutate right
 * follows the peer's uid and groups.  Includes control.c for its
 * client structure (the idle deadline is shortened, not waited for).
 */

#include "control.c"

#include <sys/wait.h>

#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>
#include <time.h>

#include <cmocka.h>
#include <event2/bufferevent_struct.h>

#define WAIT_MS		5000		/* bound on every wait */

struct peer {
	int	 fd;
	char	*buf;
	size_t	 len;
};

static struct sockprobed	sd;
static char			dir[64];
static char			sockpath[128];

static int
setup_base(void **state)
{
	(void)state;
	memset(&sd, 0, sizeof(sd));
	TAILQ_INIT(&sd.targets);
	TAILQ_INIT(&sd.listeners);
	clock_gettime(CLOCK_REALTIME, &sd.started);
	(void)snprintf(dir, sizeof(dir), "/tmp/sp-test-control.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	(void)snprintf(sockpath, sizeof(sockpath), "%s/control.sock", dir);
	sd.socket_override = sockpath;
	if ((sd.base = event_base_new()) == NULL ||
	    (sd.conf = conf_new()) == NULL)
		return -1;
	return 0;
}

static int
setup(void **state)
{
	if (setup_base(state) == -1)
		return -1;
	return control_init(&sd);
}

static int
teardown(void **state)
{
	struct target	*t;

	(void)state;
	control_free(&sd);
	while ((t = TAILQ_FIRST(&sd.targets)) != NULL) {
		TAILQ_REMOVE(&sd.targets, t, entry);
		target_free(t);
	}
	conf_free(sd.conf);
	event_base_free(sd.base);
	(void)unlink(sockpath);
	(void)rmdir(dir);
	return 0;
}

/* Let the daemon side run whatever is ready. */
static void
pump(void)
{
	int	i;

	for (i = 0; i < 4; i++)
		(void)event_base_loop(sd.base, EVLOOP_NONBLOCK);
}

static int64_t
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct peer *
peer_new(void)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	struct peer		*p;

	p = xcalloc(1, sizeof(*p));
	memcpy(sun.sun_path, sockpath, strlen(sockpath) + 1);
	p->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(p->fd != -1);
	assert_int_equal(connect(p->fd, (struct sockaddr *)&sun,
	    sizeof(sun)), 0);
	pump();
	return p;
}

static void
peer_free(struct peer *p)
{
	close(p->fd);
	free(p->buf);
	free(p);
	pump();
}

/* Send all of s (len bytes), running the loop while the socket is full. */
static void
peer_send_len(struct peer *p, const char *s, size_t len)
{
	int64_t	 deadline = now() + WAIT_MS;
	size_t	 off = 0;
	ssize_t	 n;

	while (off < len) {
		n = send(p->fd, s + off, len - off, MSG_NOSIGNAL);
		if (n > 0)
			off += (size_t)n;
		else if (n == -1 && errno != EAGAIN)
			fail_msg("send: %s", strerror(errno));
		pump();
		if (now() > deadline)
			fail_msg("send: timed out");
	}
}

static void
peer_send(struct peer *p, const char *s)
{
	peer_send_len(p, s, strlen(s));
}

/*
 * Read what is there into p's buffer; 0 on EOF or reset, 1 when data
 * came, -1 when nothing was ready.
 */
static int
peer_read(struct peer *p)
{
	char	chunk[65536];
	ssize_t	n;

	n = recv(p->fd, chunk, sizeof(chunk), 0);
	if (n == 0 || (n == -1 && errno == ECONNRESET))
		return 0;
	if (n == -1) {
		assert_int_equal(errno, EAGAIN);
		return -1;
	}
	p->buf = realloc(p->buf, p->len + (size_t)n + 1);
	assert_non_null(p->buf);
	memcpy(p->buf + p->len, chunk, (size_t)n);
	p->len += (size_t)n;
	p->buf[p->len] = '\0';
	return 1;
}

/* The next line as JSON, within WAIT_MS, or NULL at EOF. */
static json_t *
peer_recv(struct peer *p)
{
	int64_t		 deadline = now() + WAIT_MS;
	json_error_t	 jerr;
	json_t		*j;
	char		*nl;
	size_t		 n;

	for (;;) {
		if (p->len > 0 && (nl = memchr(p->buf, '\n', p->len)) != NULL) {
			n = (size_t)(nl - p->buf);
			j = json_loadb(p->buf, n, 0, &jerr);
			if (j == NULL)
				fail_msg("bad line from the daemon: %s",
				    jerr.text);
			memmove(p->buf, nl + 1, p->len - n - 1);
			p->len -= n + 1;
			return j;
		}
		pump();
		if (peer_read(p) == 0)
			return NULL;
		if (now() > deadline)
			fail_msg("no line within %d ms", WAIT_MS);
		(void)poll(NULL, 0, 1);
	}
}

/* Within WAIT_MS the daemon closes p, after at most what it sent. */
static void
expect_closed(struct peer *p)
{
	int64_t	deadline = now() + WAIT_MS;

	for (;;) {
		pump();
		if (peer_read(p) == 0)
			return;
		if (now() > deadline)
			fail_msg("the daemon did not close the client");
		(void)poll(NULL, 0, 1);
	}
}

/* Nothing arrives for a while (and the client is not closed). */
static void
expect_silent(struct peer *p)
{
	int	i;

	for (i = 0; i < 20; i++) {
		pump();
		assert_int_equal(peer_read(p), -1);
		(void)poll(NULL, 0, 2);
	}
}

static void
expect_code(json_t *r, const char *code)
{
	assert_non_null(r);
	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(r, "error"), "code")), code);
	json_decref(r);
}

static void
expect_hello(struct peer *p)
{
	json_t	*r;

	peer_send(p, "{\"cmd\":\"hello\"}\n");
	r = peer_recv(p);
	assert_non_null(r);
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_int_equal(json_integer_value(json_object_get(r, "proto")),
	    CTL_PROTO_VERSION);
	json_decref(r);
}

/* The socket is ours, 0660, and removed when the daemon stops. */
static void
test_socket_mode(void **state)
{
	struct stat	st;

	(void)state;
	assert_int_equal(lstat(sockpath, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	control_free(&sd);
	assert_int_equal(lstat(sockpath, &st), -1);
	assert_int_equal(errno, ENOENT);
}

/* Requests in one write, CRLF, errors: each answered, in order. */
static void
test_requests(void **state)
{
	struct peer	*p;
	json_t		*r;

	(void)state;
	p = peer_new();
	expect_hello(p);
	peer_send(p, "{\"cmd\":\"status\"}\r\nnot json\n{\"cmd\":\"nope\"}\n"
	    "\n{\"cmd\":\"hello\"}\n");
	r = peer_recv(p);
	assert_true(json_is_array(json_object_get(r, "targets")));
	json_decref(r);
	expect_code(peer_recv(p), CTL_ERR_BAD_REQUEST);
	expect_code(peer_recv(p), CTL_ERR_UNKNOWN_COMMAND);
	expect_code(peer_recv(p), CTL_ERR_BAD_REQUEST);
	r = peer_recv(p);
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	/* Still served after all that. */
	expect_hello(p);
	peer_free(p);
}

/*
 * A line of CTL_MAX_LINE bytes is served; one byte more, with or
 * without its newline, is refused and the client dropped, the other
 * client unaffected.
 */
static void
test_too_long(void **state)
{
	struct peer	*a, *b;
	char		*line;
	size_t		 n;

	(void)state;
	a = peer_new();
	line = xcalloc(1, CTL_MAX_LINE + 64);
	n = (size_t)snprintf(line, CTL_MAX_LINE, "{\"cmd\":\"hello\"}");
	memset(line + n, ' ', CTL_MAX_LINE - n);
	line[CTL_MAX_LINE] = '\n';

	b = peer_new();
	peer_send_len(b, line, CTL_MAX_LINE + 1);
	json_decref(peer_recv(b));
	expect_hello(b);

	line[CTL_MAX_LINE] = ' ';
	line[CTL_MAX_LINE + 1] = '\n';
	peer_send_len(b, line, CTL_MAX_LINE + 2);
	expect_code(peer_recv(b), CTL_ERR_TOO_LONG);
	expect_closed(b);
	peer_free(b);

	/* Without a newline at all: refused once past the limit. */
	b = peer_new();
	memset(line, 'x', CTL_MAX_LINE + 64);
	peer_send_len(b, line, CTL_MAX_LINE + 64);
	expect_code(peer_recv(b), CTL_ERR_TOO_LONG);
	expect_closed(b);
	peer_free(b);

	expect_hello(a);
	peer_free(a);
	free(line);
}

/* Client CTL_MAX_CLIENTS + 1 is told and dropped; a freed slot serves. */
static void
test_too_many(void **state)
{
	struct peer	*p[CTL_MAX_CLIENTS], *extra;
	size_t		 i;

	(void)state;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		p[i] = peer_new();
	assert_int_equal(sd.control->nclients, CTL_MAX_CLIENTS);
	extra = peer_new();
	expect_code(peer_recv(extra), CTL_ERR_TOO_MANY);
	expect_closed(extra);
	peer_free(extra);
	expect_hello(p[0]);
	expect_hello(p[CTL_MAX_CLIENTS - 1]);
	peer_free(p[5]);
	assert_int_equal(sd.control->nclients, CTL_MAX_CLIENTS - 1);
	extra = peer_new();
	expect_hello(extra);
	peer_free(extra);
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (i != 5)
			peer_free(p[i]);
	assert_int_equal(sd.control->nclients, 0);
}

static struct control_client *
last_client(void)
{
	return TAILQ_LAST(&sd.control->clients, control_clients);
}

/*
 * A silent client has CTL_IDLE_MS to speak (shortened here to 100 ms),
 * then gets idle_timeout and is dropped; a watcher has no deadline.
 */
static void
test_idle(void **state)
{
	struct control_client	*cl;
	struct timeval		 tv = { 0, 100000 };
	struct peer		*p, *w;

	(void)state;
	p = peer_new();
	cl = last_client();
	assert_int_equal(cl->bev->timeout_read.tv_sec * 1000 +
	    cl->bev->timeout_read.tv_usec / 1000, CTL_IDLE_MS);
	bufferevent_set_timeouts(cl->bev, &tv, NULL);

	w = peer_new();
	peer_send(w, "{\"cmd\":\"watch\"}\n");
	json_decref(peer_recv(w));
	assert_false(evutil_timerisset(&last_client()->bev->timeout_read));

	expect_code(peer_recv(p), CTL_ERR_IDLE);
	expect_closed(p);
	peer_free(p);
	expect_silent(w);
	peer_free(w);
}

/* Watchers get each event line; other clients get none. */
static void
test_watch(void **state)
{
	struct peer	*w, *o;
	json_t		*ev, *r;

	(void)state;
	w = peer_new();
	o = peer_new();
	peer_send(w, "{\"cmd\":\"watch\"}\n");
	r = peer_recv(w);
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_true(json_is_true(json_object_get(r, "watching")));
	json_decref(r);
	ev = json_pack("{s:s, s:s, s:s}", "target", "db", "from", "up", "to",
	    "down");
	control_broadcast(&sd, ev);
	assert_int_equal(ev->refcount, 1);		/* not consumed */
	r = peer_recv(w);
	assert_true(json_equal(r, ev));
	json_decref(r);
	expect_silent(o);
	/* A watcher's requests are still answered. */
	expect_hello(w);
	json_decref(ev);
	peer_free(w);
	peer_free(o);
}

/*
 * A watcher that never reads is dropped once CTL_MAX_OUTPUT is queued
 * for it; a watcher that reads gets every event, in order, and new
 * clients are served.
 */
static void
test_watch_slow(void **state)
{
	struct peer	*slow, *fast, *late;
	json_t		*ev, *r;
	char		*detail;
	size_t		 i, n = CTL_MAX_OUTPUT / 65536 + 64;

	(void)state;
	slow = peer_new();
	fast = peer_new();
	peer_send(slow, "{\"cmd\":\"watch\"}\n");
	peer_send(fast, "{\"cmd\":\"watch\"}\n");
	json_decref(peer_recv(slow));
	json_decref(peer_recv(fast));
	detail = xcalloc(1, 65536);
	memset(detail, 'd', 65535);
	for (i = 0; i < n; i++) {
		ev = json_pack("{s:I, s:s}", "seq", (json_int_t)i, "detail",
		    detail);
		control_broadcast(&sd, ev);
		json_decref(ev);
		r = peer_recv(fast);
		assert_non_null(r);
		assert_int_equal(json_integer_value(json_object_get(r, "seq")),
		    i);
		json_decref(r);
	}
	free(detail);
	/* The slow one's queue passed the cap long before n events. */
	assert_int_equal(sd.control->nclients, 1);
	expect_closed(slow);
	peer_free(slow);
	late = peer_new();
	expect_hello(late);
	peer_free(late);
	peer_free(fast);
}

/*
 * Watchers that never read cannot take every slot: past CTL_MAX_WATCHERS
 * a watch is refused with too_many_clients, the client stays connected
 * and served, and a slot freed by a watcher is watchable again.
 */
static void
test_watch_cap(void **state)
{
	struct peer	*w[CTL_MAX_WATCHERS], *extra;
	json_t		*r;
	size_t		 i;

	(void)state;
	for (i = 0; i < CTL_MAX_WATCHERS; i++) {
		w[i] = peer_new();
		peer_send(w[i], "{\"cmd\":\"watch\"}\n");
		r = peer_recv(w[i]);
		assert_true(json_is_true(json_object_get(r, "watching")));
		json_decref(r);
	}
	extra = peer_new();
	peer_send(extra, "{\"cmd\":\"watch\"}\n");
	expect_code(peer_recv(extra), CTL_ERR_TOO_MANY);
	expect_hello(extra);
	assert_false(last_client()->watching);

	peer_free(w[0]);
	peer_send(extra, "{\"cmd\":\"watch\"}\n");
	r = peer_recv(extra);
	assert_true(json_is_true(json_object_get(r, "watching")));
	json_decref(r);
	for (i = 1; i < CTL_MAX_WATCHERS; i++)
		peer_free(w[i]);
	peer_free(extra);
}

/* A client that half-closes gets its answers, even a last unended line. */
static void
test_half_close(void **state)
{
	struct peer	*p;
	json_t		*r;

	(void)state;
	p = peer_new();
	peer_send(p, "{\"cmd\":\"hello\"}\n{\"cmd\":\"status\"}");
	assert_int_equal(shutdown(p->fd, SHUT_WR), 0);
	r = peer_recv(p);
	assert_int_equal(json_integer_value(json_object_get(r, "proto")),
	    CTL_PROTO_VERSION);
	json_decref(r);
	r = peer_recv(p);
	assert_true(json_is_array(json_object_get(r, "targets")));
	json_decref(r);
	expect_closed(p);
	peer_free(p);
	assert_int_equal(sd.control->nclients, 0);
}

/* A dead daemon's socket is replaced; anything else is left alone. */
static void
test_stale(void **state)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	struct stat		 st;
	struct peer		*p;
	int			 fd, other;

	(void)state;
	control_free(&sd);
	memcpy(sun.sun_path, sockpath, strlen(sockpath) + 1);

	/* A socket file nobody listens on: stale, replaced. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	assert_int_equal(control_init(&sd), 0);
	p = peer_new();
	expect_hello(p);
	peer_free(p);

	/* Another daemon is serving it: refused, its socket intact. */
	control_free(&sd);
	other = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(other, (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	assert_int_equal(listen(other, 4), 0);
	assert_int_equal(control_init(&sd), -1);
	assert_null(sd.control);
	assert_int_equal(lstat(sockpath, &st), 0);
	close(other);
	(void)unlink(sockpath);

	/* Not a socket: never removed. */
	fd = open(sockpath, O_CREAT | O_WRONLY, 0600);
	assert_true(fd != -1);
	close(fd);
	assert_int_equal(control_init(&sd), -1);
	assert_int_equal(lstat(sockpath, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	(void)unlink(sockpath);

	/* No directory: a clear failure, nothing created. */
	(void)snprintf(sockpath, sizeof(sockpath), "%s/missing/c.sock", dir);
	assert_int_equal(control_init(&sd), -1);
	(void)snprintf(sockpath, sizeof(sockpath), "%s/control.sock", dir);
	assert_int_equal(control_init(&sd), 0);
}

/* Put fd on SD_LISTEN_FDS_START as systemd would, with the variables. */
static void
pass_fd(int fd)
{
	char	pid[32];

	assert_int_equal(dup2(fd, SD_LISTEN_FDS_START), SD_LISTEN_FDS_START);
	close(fd);
	(void)snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "1", 1);
}

/* Keep SD_LISTEN_FDS_START taken so nothing else lands on it. */
static void
reserve_fd3(void)
{
	int	fd;

	if ((fd = open("/dev/null", O_RDONLY)) == -1)
		abort();
	if (fd != SD_LISTEN_FDS_START) {
		(void)dup2(fd, SD_LISTEN_FDS_START);
		close(fd);
	}
}

/*
 * Socket activation: the passed socket is served, the variables are
 * cleared for children, and the path (systemd's) survives the daemon.
 * A passed socket of another kind is refused.
 */
static void
test_activation(void **state)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	struct stat		 st;
	struct peer		*p;
	int			 fd;

	(void)state;
	memcpy(sun.sun_path, sockpath, strlen(sockpath) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 4), 0);
	pass_fd(fd);
	/* The path the daemon would bind is elsewhere: it must not. */
	sd.socket_override = "/nonexistent/dir/c.sock";
	assert_int_equal(control_init(&sd), 0);
	assert_true(sd.control->activated);
	assert_null(getenv("LISTEN_FDS"));
	p = peer_new();
	expect_hello(p);
	peer_free(p);
	control_free(&sd);
	assert_int_equal(lstat(sockpath, &st), 0);
	(void)unlink(sockpath);
	reserve_fd3();

	fd = socket(AF_INET, SOCK_STREAM, 0);
	pass_fd(fd);
	assert_int_equal(control_init(&sd), -1);
	close(SD_LISTEN_FDS_START);
	reserve_fd3();
	sd.socket_override = sockpath;
}

/*
 * As uid/gid 65534 with the groups given: connect, and report through
 * the exit status whether hello's may_mutate and add's answer agree
 * with want (0 yes, 1 no, 2 setup failed).
 */
static int
child_check(gid_t gid, const gid_t *groups, size_t ngroups, bool want)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	char			 buf[4096];
	const char		*req = "{\"cmd\":\"hello\"}\n"
				    "{\"cmd\":\"add\",\"name\":\"x\","
				    "\"address\":\"1.2.3.4:5\"}\n";
	ssize_t			 n;
	size_t			 len = 0, i, lines = 0;
	int			 fd;

	if (setgroups(ngroups, groups) == -1 || setresgid(gid, gid, gid) ==
	    -1 || setresuid(65534, 65534, 65534) == -1)
		return 2;
	memcpy(sun.sun_path, sockpath, strlen(sockpath) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		return 2;
	alarm(5);
	while (lines < 2 && len < sizeof(buf) - 1) {
		if ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) <= 0)
			return 2;
		for (i = len; i < len + (size_t)n; i++)
			lines += buf[i] == '\n';
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (want)
		return strstr(buf, "\"may_mutate\":true") != NULL &&
		    strstr(buf, CTL_ERR_NOT_AUTHORIZED) == NULL ? 0 : 1;
	return strstr(buf, "\"may_mutate\":false") != NULL &&
	    strstr(buf, CTL_ERR_NOT_AUTHORIZED) != NULL ? 0 : 1;
}

/* Run child_check in a child while the loop serves it. */
static void
expect_child(gid_t gid, const gid_t *groups, size_t ngroups, bool want)
{
	struct target	*t;
	int64_t		 deadline = now() + WAIT_MS;
	pid_t		 pid, r;
	int		 status;

	if ((pid = fork()) == 0)
		_exit(child_check(gid, groups, ngroups, want));
	assert_true(pid > 0);
	while ((r = waitpid(pid, &status, WNOHANG)) == 0) {
		pump();
		(void)poll(NULL, 0, 1);
		if (now() > deadline) {
			kill(pid, SIGKILL);
			fail_msg("child did not finish");
		}
	}
	assert_int_equal(r, pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("gid %u, %zu groups: want may_mutate %d, child says "
		    "%d", (unsigned)gid, ngroups, want, WEXITSTATUS(status));
	/* Added exactly when allowed; gone again for the next child. */
	if ((t = target_find(&sd, "x")) != NULL) {
		TAILQ_REMOVE(&sd.targets, t, entry);
		target_free(t);
	}
	assert_true(want == (t != NULL));
}

/*
 * The mutate right: refused to nobody; granted to a member of
 * control_group by primary or supplementary group.  Needs root to
 * become someone else.
 */
static void
test_credentials(void **state)
{
	struct group	*gr;
	struct peer	*p;
	json_t		*r;
	gid_t		 g, other = 65534;

	(void)state;
	/* Our own uid (root or not) may. */
	p = peer_new();
	peer_send(p, "{\"cmd\":\"hello\"}\n");
	r = peer_recv(p);
	assert_true(json_is_true(json_object_get(r, "may_mutate")));
	json_decref(r);
	peer_free(p);
	if (geteuid() != 0)
		skip();
	/* Members of "daemon" (gid 1 on Debian) stand in for the group. */
	assert_non_null(gr = getgrnam("daemon"));
	g = gr->gr_gid;
	free(sd.conf->daemon.control_group);
	sd.conf->daemon.control_group = xstrdup("daemon");
	/* Like a SocketMode=0666 unit: anyone may connect and read. */
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chmod(sockpath, 0666), 0);

	expect_child(65534, NULL, 0, false);
	expect_child(65534, &other, 1, false);
	expect_child(g, NULL, 0, true);
	/* Not in nobody's database entry: the process's groups count. */
	expect_child(65534, &g, 1, true);
	/* A control_group that does not exist grants nothing. */
	free(sd.conf->daemon.control_group);
	sd.conf->daemon.control_group = xstrdup("no-such-group-here");
	expect_child(g, &g, 1, false);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_socket_mode, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_cap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_watch_slow, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_half_close, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activation, setup_base,
		    teardown),
		cmocka_unit_test_setup_teardown(test_credentials, setup,
		    teardown),
	};

	reserve_fd3();
	signal(SIGPIPE, SIG_IGN);
	log_init(LOG_CRIT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
