/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sockprobectl probe: a one-shot diagnosis of one peer without the
 * daemon.  Resolve, connect (classified and timed), read TCP_INFO, apply
 * each technique, close while watching the states, and put the detection
 * budget into words.  Everything lands in one JSON object first.
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "sockprobe.h"
#include "proto.h"
#include "sockprobectl.h"

/* How long to wait for what a peer sends unprompted (banner, FIN, RST). */
#define PROBE_SETTLE_MS		100
#define PROBE_PAYLOAD_MAX	1024
#define PROBE_REPLY_MAX		4096

struct probe {
	const struct ctl	*ctl;
	json_t			*root;
	json_t			*techniques;
	int			 fd;
	struct sockaddr_storage	 local;
	struct sockaddr_storage	 peer;
	struct sp_kernel	 kernel;
	char			 payload[PROBE_PAYLOAD_MAX];
	size_t			 payload_len;
	char			 expect[PROBE_PAYLOAD_MAX];
	size_t			 expect_len;
	pid_t			 self_pid;	/* --listen-self echo peer */
	json_t			*failure;	/* first verdict that failed */
};

static int64_t	 now_us(void);
static void	 probe_unescape(const char *, const char *, char *, size_t,
		    size_t *);
static void	 probe_escape(const char *, size_t, char *, size_t);
static void	 probe_addr(const struct sockaddr *, char *, size_t);
static void	 probe_self_start(struct probe *, char *, size_t);
static void	 probe_self_stop(struct probe *);
static struct addrinfo *probe_resolve(struct probe *, const char *,
		    uint16_t);
static int	 probe_socket(struct probe *, const struct addrinfo *);
static bool	 probe_connect(struct probe *, const struct addrinfo *,
		    json_t *);
static void	 probe_fail(struct probe *, json_t *);
static void	 probe_settle(struct probe *);
static enum sp_tcp_state probe_state(int);
static void	 probe_tcp_info(struct probe *);
static void	 probe_read(struct probe *);
static void	 probe_write(struct probe *);
static json_t	*probe_reply(struct probe *, int);
static void	 probe_settings(struct probe *, const json_t *,
		    const json_t *);
static void	 probe_budget(struct probe *);
static json_t	*probe_options(const struct ctl *);
static int	 probe_result(struct probe *, bool);
static void	 probe_prepare(struct probe *, struct ctl *, int, char **,
		    char *, size_t);
static void	 probe_connected(struct probe *);
static void	 probe_judge_reply(struct probe *, const char *, size_t, bool,
		    struct sp_verdict *);

static int64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Turn a command-line payload into bytes: \r \n \t \\ and \xHH, as in
 * the daemon's probe_payload.  A bad escape is a usage error.
 */
static void
probe_unescape(const char *what, const char *in, char *out, size_t outlen,
    size_t *len)
{
	const char	*s;
	char		 hex[3];
	size_t		 n = 0;
	char		 c;

	for (s = in; *s != '\0'; s++) {
		c = *s;
		if (c == '\\') {
			switch (*++s) {
			case 'r':
				c = '\r';
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case '\\':
				c = '\\';
				break;
			case 'x':
				if (!isxdigit((unsigned char)s[1]) ||
				    !isxdigit((unsigned char)s[2]))
					errx(EXIT_USAGE, "%s: \\x needs two "
					    "hex digits", what);
				hex[0] = s[1];
				hex[1] = s[2];
				hex[2] = '\0';
				c = (char)strtoul(hex, NULL, 16);
				s += 2;
				break;
			default:
				errx(EXIT_USAGE, "%s: unknown escape \\%c "
				    "(\\r \\n \\t \\\\ \\xHH)", what,
				    *s != '\0' ? *s : ' ');
			}
		}
		if (n == outlen)
			errx(EXIT_USAGE, "%s: longer than %zu bytes", what,
			    outlen);
		out[n++] = c;
	}
	*len = n;
}

/* Bytes as readable text, escaped the way --send takes them. */
static void
probe_escape(const char *buf, size_t len, char *out, size_t outlen)
{
	size_t	i, o = 0;
	int	n;

	out[0] = '\0';
	for (i = 0; i < len && o + 5 < outlen; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\r')
			n = snprintf(out + o, outlen - o, "\\r");
		else if (c == '\n')
			n = snprintf(out + o, outlen - o, "\\n");
		else if (c == '\t')
			n = snprintf(out + o, outlen - o, "\\t");
		else if (c == '\\')
			n = snprintf(out + o, outlen - o, "\\\\");
		else if (c < 0x20 || c >= 0x7f)
			n = snprintf(out + o, outlen - o, "\\x%02x", c);
		else
			n = snprintf(out + o, outlen - o, "%c", c);
		o += (size_t)n;
	}
}

/* "192.0.2.1:80" or "[2001:db8::1]:80". */
static void
probe_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	char	host[NI_MAXHOST], port[NI_MAXSERV];
	socklen_t salen;

	salen = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
	if (getnameinfo(sa, salen, host, sizeof(host), port, sizeof(port),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s",
	    host, port);
}

/*
 * --listen-self: a loopback echo peer in a child process, which closes
 * its end when it reads EOF, so the close can be watched to TIME_WAIT.
 */
static void
probe_self_start(struct probe *p, char *target, size_t len)
{
	struct sockaddr_in	 sin = { .sin_family = AF_INET };
	socklen_t		 slen = sizeof(sin);
	char			 buf[4096];
	ssize_t			 n;
	int			 lfd, cfd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 1) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) == -1)
		err(EXIT_DOWN, "--listen-self: loopback listener");
	fflush(stdout);
	if ((p->self_pid = fork()) == -1)
		err(EXIT_DOWN, "fork");
	if (p->self_pid == 0) {
		/* The child: bounded in case the parent never connects. */
		alarm((p->ctl->timeout_ms / 1000) + 30);
		if ((cfd = accept(lfd, NULL, NULL)) == -1)
			_exit(1);
		while ((n = read(cfd, buf, sizeof(buf))) > 0)
			if (write(cfd, buf, (size_t)n) != n)
				break;
		close(cfd);
		_exit(0);
	}
	close(lfd);
	snprintf(target, len, "127.0.0.1:%u", ntohs(sin.sin_port));
}

/* End the --listen-self child, which we started, and reap it. */
static void
probe_self_stop(struct probe *p)
{
	if (p->self_pid <= 0)
		return;
	(void)kill(p->self_pid, SIGTERM);
	(void)waitpid(p->self_pid, NULL, 0);
	p->self_pid = -1;
}

/* getaddrinfo, timed; every address is reported.  NULL if none. */
static struct addrinfo *
probe_resolve(struct probe *p, const char *host, uint16_t port)
{
	struct addrinfo	 hints = { .ai_socktype = SOCK_STREAM,
			    .ai_protocol = IPPROTO_TCP };
	struct addrinfo	*res = NULL, *ai;
	json_t		*r, *addrs;
	char		 serv[8], buf[NI_MAXHOST + 16];
	int64_t		 t0;
	int		 rc;

	hints.ai_family = p->ctl->family;
	snprintf(serv, sizeof(serv), "%u", port);
	t0 = now_us();
	rc = getaddrinfo(host, serv, &hints, &res);
	addrs = xjson(json_array());
	r = xjson(json_pack("{s:s, s:i, s:I, s:o, s:s}", "host", host,
	    "port", (int)port, "elapsed_us", (json_int_t)(now_us() - t0),
	    "addresses", addrs, "error", rc == 0 ? "" : gai_strerror(rc)));
	json_object_set_new(p->root, "resolve", r);
	if (rc != 0) {
		snprintf(buf, sizeof(buf), "%s: %s", host, gai_strerror(rc));
		probe_fail(p, xjson(json_pack("{s:s, s:s, s:s, s:s, s:s}",
		    "technique", "connect", "cause", "local", "error", "",
		    "tcp_state", "UNKNOWN", "detail", buf)));
		return NULL;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		probe_addr(ai->ai_addr, buf, sizeof(buf));
		json_array_append_new(addrs, xjson(json_string(buf)));
	}
	return res;
}

/* A nonblocking socket with the options the command line asked for. */
static int
probe_socket(struct probe *p, const struct addrinfo *ai)
{
	const struct ctl	*ctl = p->ctl;
	int			 fd;

	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return -1;
	if (ctl->keepalive.enabled &&
	    sp_set_keepalive(fd, &ctl->keepalive) == -1)
		err(EXIT_DOWN, "keepalive");
	if (ctl->user_timeout_ms != 0 &&
	    sp_set_user_timeout(fd, ctl->user_timeout_ms) == -1)
		err(EXIT_DOWN, "TCP_USER_TIMEOUT");
	if (ctl->syn_retries != 0 &&
	    sp_set_syn_retries(fd, ctl->syn_retries) == -1)
		err(EXIT_DOWN, "TCP_SYNCNT");
	/* Technique "timeout": the deadlines the socket itself carries. */
	if (sp_set_recv_timeout(fd, ctl->timeout_ms) == -1 ||
	    sp_set_send_timeout(fd, ctl->timeout_ms) == -1)
		err(EXIT_DOWN, "SO_RCVTIMEO/SO_SNDTIMEO");
	return fd;
}

/*
 * One connect attempt, timed in microseconds and classified; appended
 * to attempts.  On success p->fd and the addresses are set.
 */
static bool
probe_connect(struct probe *p, const struct addrinfo *ai, json_t *attempts)
{
	struct sp_verdict	 v;
	socklen_t		 len;
	json_t			*a;
	char			 addr[NI_MAXHOST + 16];
	int64_t			 t0, us;
	int			 fd;

	probe_addr(ai->ai_addr, addr, sizeof(addr));
	sp_verdict_init(&v);
	if ((fd = probe_socket(p, ai)) == -1) {
		sp_verdict_set(&v, SP_TECH_CONNECT, SP_CAUSE_LOCAL, errno);
		us = 0;
	} else {
		t0 = now_us();
		if (sp_connect_poll(fd, ai->ai_addr, ai->ai_addrlen,
		    (int)p->ctl->timeout_ms, &v) == -1)
			err(EXIT_DOWN, "connect %s", addr);
		us = now_us() - t0;
	}
	a = xjson(json_pack("{s:s, s:s, s:I, s:s, s:s}", "address", addr,
	    "result", v.cause == SP_CAUSE_NONE ? "connected" :
	    sp_cause_name(v.cause), "elapsed_us", (json_int_t)us,
	    "error", proto_errno_name(v.error), "detail", v.detail));
	json_array_append(attempts, a);
	if (v.cause != SP_CAUSE_NONE) {
		json_object_set_new(p->root, "handshake", a);
		probe_fail(p, xjson(proto_verdict_json(&v)));
		if (fd != -1)
			close(fd);
		return false;
	}
	len = sizeof(p->local);
	(void)getsockname(fd, (struct sockaddr *)&p->local, &len);
	len = sizeof(p->peer);
	(void)getpeername(fd, (struct sockaddr *)&p->peer, &len);
	probe_addr((struct sockaddr *)&p->local, addr, sizeof(addr));
	json_object_set_new(a, "local", xjson(json_string(addr)));
	json_object_set_new(p->root, "handshake", a);
	/* A failure of an earlier address is history now. */
	json_decref(p->failure);
	p->failure = NULL;
	p->fd = fd;
	return true;
}

/* Remember the first verdict that makes the probe fail; takes v. */
static void
probe_fail(struct probe *p, json_t *v)
{
	if (p->failure == NULL)
		p->failure = v;
	else
		json_decref(v);
}

/*
 * Give the peer a moment to say what it says unprompted (a banner, a
 * FIN, an RST) before looking, so a peer that closes right after accept
 * is seen as such rather than racing the checks.
 */
static void
probe_settle(struct probe *p)
{
	struct pollfd	pfd = { .fd = p->fd, .events = POLLIN | POLLRDHUP };

	(void)poll(&pfd, 1, PROBE_SETTLE_MS);
}

/* The socket's TCP state; UNKNOWN if TCP_INFO cannot be read. */
static enum sp_tcp_state
probe_state(int fd)
{
	struct sp_tcp_info	ti;

	if (sp_tcp_info_read(fd, &ti) == -1)
		return SP_TCP_UNKNOWN;
	return (enum sp_tcp_state)ti.state;
}

/* Technique "tcp_info": the snapshot and its verdict. */
static void
probe_tcp_info(struct probe *p)
{
	struct sp_tcp_info	ti;
	struct sp_verdict	v;

	memset(&ti, 0, sizeof(ti));
	if (sp_check_tcp_info(p->fd, &v, &ti) == -1)
		err(EXIT_DOWN, "TCP_INFO");
	json_object_set_new(p->root, "tcp_info",
	    xjson(proto_tcp_info_json(&ti)));
	json_object_set_new(p->techniques, "tcp_info",
	    xjson(proto_verdict_json(&v)));
	if (sp_cause_severity(v.cause) == SP_SEVERITY_DOWN)
		probe_fail(p, xjson(proto_verdict_json(&v)));
}

/* Technique "read": peek for FIN, RST or a pending error. */
static void
probe_read(struct probe *p)
{
	struct sp_verdict	v;

	if (sp_check_read(p->fd, &v) == -1)
		err(EXIT_DOWN, "read check");
	json_object_set_new(p->techniques, "read",
	    xjson(proto_verdict_json(&v)));
	if (sp_cause_severity(v.cause) == SP_SEVERITY_DOWN)
		probe_fail(p, xjson(proto_verdict_json(&v)));
}

/*
 * Technique "write", only with --send: the send's verdict, then the
 * reply, which must start with --expect if given.
 */
static void
probe_write(struct probe *p)
{
	struct sp_verdict	 v;
	ssize_t			 sent = 0;
	json_t			*w, *reply;

	if (p->ctl->send == NULL) {
		json_object_set_new(p->techniques, "write",
		    xjson(json_pack("{s:s, s:b, s:s}", "technique", "write",
		    "skipped", 1, "detail", "no payload: give --send to test "
		    "writing")));
		return;
	}
	if (sp_check_write(p->fd, p->payload, p->payload_len, &sent, &v) ==
	    -1)
		err(EXIT_DOWN, "write check");
	w = xjson(proto_verdict_json(&v));
	json_object_set_new(w, "sent_bytes", xjson(json_integer(sent)));
	if (v.cause != SP_CAUSE_NONE) {
		probe_fail(p, xjson(proto_verdict_json(&v)));
	} else {
		reply = probe_reply(p, p->expect_len > 0 ?
		    (int)p->ctl->timeout_ms : PROBE_SETTLE_MS);
		json_object_set_new(w, "reply", reply);
	}
	json_object_set_new(p->techniques, "write", w);
}

/*
 * Read the reply until it is as long as --expect, the peer closes, or
 * timeout_ms pass.  Without --expect, whatever came is reported and no
 * reply is not a failure.
 */
static json_t *
probe_reply(struct probe *p, int timeout_ms)
{
	struct sp_verdict	 v;
	char			 buf[PROBE_REPLY_MAX], text[PROBE_REPLY_MAX];
	size_t			 got = 0;
	ssize_t			 n;
	int64_t			 deadline, left;
	bool			 eof = false, matched;
	json_t			*r;

	sp_verdict_init(&v);
	deadline = now_us() + (int64_t)timeout_ms * 1000;
	while (got < sizeof(buf) && !eof &&
	    (p->expect_len == 0 || got < p->expect_len)) {
		if ((left = (deadline - now_us()) / 1000) <= 0)
			break;
		if (sp_select_read(p->fd, (int)left, &v) == -1)
			err(EXIT_DOWN, "select");
		if (v.cause == SP_CAUSE_NO_REPLY)
			break;
		n = recv(p->fd, buf + got, sizeof(buf) - got, MSG_DONTWAIT);
		if (n > 0) {
			got += (size_t)n;
			if (p->expect_len == 0)
				break;
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		/* EOF, or an error the kernel reports only now. */
		(void)sp_classify_recv(p->fd, n, n == -1 ? errno : 0, &v);
		eof = true;
	}
	probe_judge_reply(p, buf, got, eof, &v);
	matched = v.cause == SP_CAUSE_NONE && p->expect_len > 0;
	v.tcp_state = probe_state(p->fd);
	probe_escape(buf, got, text, sizeof(text));
	r = xjson(proto_verdict_json(&v));
	json_object_set_new(r, "bytes", xjson(json_integer((json_int_t)got)));
	json_object_set_new(r, "data", xjson(json_string(text)));
	if (p->expect_len > 0) {
		json_object_set_new(r, "expect",
		    xjson(json_string(p->ctl->expect)));
		json_object_set_new(r, "matched", xjson(json_boolean(matched)));
		if (!matched)
			probe_fail(p, xjson(proto_verdict_json(&v)));
	}
	return r;
}

/*
 * The reply's verdict: with --expect, a prefix that differs is
 * expect_mismatch, one cut short by the deadline no_reply, one cut
 * short by the peer keeps the verdict of that recv (peer_closed, reset).
 */
static void
probe_judge_reply(struct probe *p, const char *buf, size_t got, bool eof,
    struct sp_verdict *v)
{
	const char	*e = p->ctl->expect;
	char		 t[32];
	size_t		 n = got < p->expect_len ? got : p->expect_len;

	if (p->expect_len == 0) {
		sp_verdict_set(v, SP_TECH_WRITE, SP_CAUSE_NONE, 0);
		snprintf(v->detail, sizeof(v->detail), "%s", got > 0 ?
		    "the peer answered" : "no reply, and none was expected");
	} else if (got >= p->expect_len &&
	    memcmp(buf, p->expect, p->expect_len) == 0) {
		sp_verdict_set(v, SP_TECH_WRITE, SP_CAUSE_NONE, 0);
		snprintf(v->detail, sizeof(v->detail), "the reply starts with "
		    "\"%s\"", e);
	} else if (memcmp(buf, p->expect, n) != 0) {
		sp_verdict_set(v, SP_TECH_WRITE, SP_CAUSE_EXPECT_MISMATCH, 0);
		snprintf(v->detail, sizeof(v->detail), "the reply does not "
		    "start with \"%s\"", e);
	} else if (!eof) {
		sp_verdict_set(v, SP_TECH_TIMEOUT, SP_CAUSE_NO_REPLY, 0);
		snprintf(v->detail, sizeof(v->detail), "%s within %s",
		    got > 0 ? "only part of the reply came" : "no reply",
		    output_ms(p->ctl->timeout_ms, t, sizeof(t)));
	}
}

/*
 * Techniques keepalive, user_timeout and timeout act only when the peer
 * dies: report what was set, what the kernel reads back, and what each
 * would detect.  Keepalive and the user timeout are judged by the
 * kernel's own budget (kbudget: no SO_RCVTIMEO/SO_SNDTIMEO), the
 * timeout by the full one.
 */
static void
probe_settings(struct probe *p, const json_t *budget, const json_t *kbudget)
{
	const json_t		*modes = json_object_get(kbudget, "modes");
	const json_t		*all = json_object_get(budget, "modes");
	struct sp_keepalive	 ka;
	uint32_t		 ut = 0, rcv = 0, snd = 0;

	memset(&ka, 0, sizeof(ka));
	if (sp_get_keepalive(p->fd, &ka) == -1 ||
	    sp_get_user_timeout(p->fd, &ut) == -1 ||
	    sp_get_recv_timeout(p->fd, &rcv) == -1 ||
	    sp_get_send_timeout(p->fd, &snd) == -1)
		err(EXIT_DOWN, "getsockopt");
	json_object_set_new(p->techniques, "keepalive", xjson(json_pack(
	    "{s:s, s:{s:b, s:i, s:i, s:i}, s:{s:b, s:i, s:i, s:i}, s:O}",
	    "technique", "keepalive",
	    "set", "enabled", p->ctl->keepalive.enabled,
	    "idle_s", (int)p->ctl->keepalive.idle_s,
	    "interval_s", (int)p->ctl->keepalive.interval_s,
	    "count", (int)p->ctl->keepalive.count,
	    "effective", "enabled", ka.enabled, "idle_s", (int)ka.idle_s,
	    "interval_s", (int)ka.interval_s, "count", (int)ka.count,
	    "detects", json_array_get(modes, SP_FAIL_IDLE))));
	json_object_set_new(p->techniques, "user_timeout", xjson(json_pack(
	    "{s:s, s:{s:I}, s:{s:I}, s:O}",
	    "technique", "user_timeout",
	    "set", "user_timeout_ms", (json_int_t)p->ctl->user_timeout_ms,
	    "effective", "user_timeout_ms", (json_int_t)ut,
	    "detects", json_array_get(modes, SP_FAIL_BUSY))));
	json_object_set_new(p->techniques, "timeout", xjson(json_pack(
	    "{s:s, s:{s:I, s:I}, s:{s:I, s:I}, s:O}",
	    "technique", "timeout",
	    "set", "recv_timeout_ms", (json_int_t)p->ctl->timeout_ms,
	    "send_timeout_ms", (json_int_t)p->ctl->timeout_ms,
	    "effective", "recv_timeout_ms", (json_int_t)rcv,
	    "send_timeout_ms", (json_int_t)snd,
	    "detects", json_array_get(all, SP_FAIL_BUSY))));
}

/* The budget of this very socket, on this host. */
static void
probe_budget(struct probe *p)
{
	struct sp_budget_opts	 o;
	struct sp_budget	 b, kb;
	json_t			*bj, *kbj;

	if (sp_budget_opts_read(p->fd, &o) == -1)
		err(EXIT_DOWN, "reading the socket's options");
	/* Unset, TCP_LINGER2 reads back as tcp_fin_timeout: not ours. */
	if (o.linger2_s == p->kernel.fin_timeout_s)
		o.linger2_s = 0;
	if (sp_budget_compute(&p->kernel, &o, &b) == -1)
		err(EXIT_DOWN, "budget");
	bj = xjson(proto_budget_json(&b));
	json_object_set_new(bj, "options", xjson(proto_budget_opts_json(&o)));
	json_object_set_new(p->root, "budget", bj);
	/* What the kernel alone would do, without our own deadlines. */
	o.recv_timeout_ms = o.send_timeout_ms = 0;
	if (sp_budget_compute(&p->kernel, &o, &kb) == -1)
		err(EXIT_DOWN, "budget");
	kbj = xjson(proto_budget_json(&kb));
	probe_settings(p, bj, kbj);
	json_decref(kbj);
}

/* The options as they apply, defaults filled in. */
static json_t *
probe_options(const struct ctl *ctl)
{
	return xjson(json_pack("{s:{s:b, s:i, s:i, s:i}, s:I, s:o, s:I, "
	    "s:o, s:o}",
	    "keepalive", "enabled", ctl->keepalive.enabled,
	    "idle_s", (int)ctl->keepalive.idle_s,
	    "interval_s", (int)ctl->keepalive.interval_s,
	    "count", (int)ctl->keepalive.count,
	    "user_timeout_ms", (json_int_t)ctl->user_timeout_ms,
	    "syn_retries", ctl->syn_retries != 0 ?
	    json_integer(ctl->syn_retries) : json_null(),
	    "timeout_ms", (json_int_t)ctl->timeout_ms,
	    "send", ctl->send != NULL ? json_string(ctl->send) : json_null(),
	    "expect", ctl->expect != NULL ? json_string(ctl->expect) :
	    json_null()));
}

/* The verdict of the whole probe, and the exit status it means. */
static int
probe_result(struct probe *p, bool connected)
{
	const json_t	*f = p->failure, *ti;
	enum health	 h = HEALTH_UP;
	enum sp_cause	 c;
	const char	*cause;

	ti = json_object_get(p->techniques, "tcp_info");
	cause = json_string_value(json_object_get(ti, "cause"));
	if (f != NULL)
		h = HEALTH_DOWN;
	else if (cause != NULL && sp_cause_parse(cause, &c) == 0 &&
	    sp_cause_severity(c) == SP_SEVERITY_DEGRADED) {
		h = HEALTH_DEGRADED;
		f = ti;
	}
	json_object_set_new(p->root, "result", xjson(json_pack(
	    "{s:b, s:s, s:s, s:s, s:s, s:i}",
	    "reachable", connected,
	    "health", proto_health_name(h),
	    "technique", f != NULL ? json_string_value(
	    json_object_get(f, "technique")) : "none",
	    "cause", f != NULL ? json_string_value(
	    json_object_get(f, "cause")) : "none",
	    "detail", f != NULL ? json_string_value(
	    json_object_get(f, "detail")) : "the peer answered as expected",
	    "exit", h == HEALTH_DOWN ? EXIT_DOWN : EXIT_OK)));
	return h == HEALTH_DOWN ? EXIT_DOWN : EXIT_OK;
}

/*
 * Fill in the probe's defaults (those of the daemon's [defaults]), turn
 * the payloads into bytes and find the target; usage errors exit 2
 * before anything is allocated.
 */
static void
probe_prepare(struct probe *p, struct ctl *ctl, int argc, char **argv,
    char *target, size_t len)
{
	if (ctl->listen_self == (argc == 2))
		errx(EXIT_USAGE, "probe: give HOST:PORT or --listen-self");
	if (!ctl->keepalive_given) {
		ctl->keepalive.enabled = true;
		ctl->keepalive.idle_s = PROBE_KEEPALIVE_IDLE_S;
		ctl->keepalive.interval_s = PROBE_KEEPALIVE_INTERVAL_S;
		ctl->keepalive.count = PROBE_KEEPALIVE_COUNT;
	}
	if (!ctl->user_timeout_given)
		ctl->user_timeout_ms = PROBE_USER_TIMEOUT_MS;
	if (ctl->expect != NULL && ctl->send == NULL)
		errx(EXIT_USAGE, "probe: --expect needs --send");
	if (ctl->send != NULL)
		probe_unescape("--send", ctl->send, p->payload,
		    sizeof(p->payload), &p->payload_len);
	if (ctl->send != NULL && p->payload_len == 0)
		errx(EXIT_USAGE, "--send: empty: a zero-length send "
		    "transmits nothing");
	if (ctl->expect != NULL)
		probe_unescape("--expect", ctl->expect, p->expect,
		    sizeof(p->expect), &p->expect_len);
	if (ctl->listen_self)
		probe_self_start(p, target, len);
	else
		snprintf(target, len, "%s", argv[1]);
}

/*
 * The checks on a connected socket, in an order that loses nothing:
 * read first, since it captures a pending error that every later look
 * at the socket would consume unseen; the close last.
 */
static void
probe_connected(struct probe *p)
{
	probe_settle(p);
	probe_read(p);
	probe_tcp_info(p);
	probe_write(p);
	probe_budget(p);
	json_object_set(p->root, "techniques", p->techniques);
	json_object_set_new(p->root, "close", xjson(probe_close(p->fd,
	    (struct sockaddr *)&p->local, (struct sockaddr *)&p->peer,
	    &p->kernel)));
	p->fd = -1;	/* probe_close() closed it */
}

/* probe HOST:PORT | --listen-self */
int
probe_main(struct ctl *ctl, int argc, char **argv)
{
	struct probe		 p = { .ctl = ctl, .fd = -1, .self_pid = -1 };
	struct addrinfo		*res, *ai;
	json_t			*attempts;
	char			 target[512], host[NI_MAXHOST];
	const char		*errstr;
	uint16_t		 port;
	bool			 connected = false;
	int			 status;

	probe_prepare(&p, ctl, argc, argv, target, sizeof(target));
	if (sp_hostport_split(target, host, sizeof(host), &port,
	    &errstr) == -1)
		errx(EXIT_USAGE, "probe: %s: %s", target, errstr);
	ctl_kernel_read(ctl, &p.kernel);

	p.root = xjson(json_object());
	p.techniques = xjson(json_object());
	attempts = xjson(json_array());
	json_object_set_new(p.root, "target", xjson(json_string(target)));
	json_object_set_new(p.root, "options", probe_options(ctl));
	if ((res = probe_resolve(&p, host, port)) != NULL) {
		json_object_set(p.root, "attempts", attempts);
		for (ai = res; ai != NULL && !connected; ai = ai->ai_next)
			connected = probe_connect(&p, ai, attempts);
		freeaddrinfo(res);
	}
	if (connected)
		probe_connected(&p);
	status = probe_result(&p, connected);
	probe_self_stop(&p);
	if (ctl->json)
		output_json(p.root);
	else
		probe_render(p.root);
	json_decref(attempts);
	json_decref(p.techniques);
	json_decref(p.failure);
	json_decref(p.root);
	return status;
}
