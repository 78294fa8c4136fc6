/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The Prometheus endpoint: GET /metrics on metrics_listen (evhttp on the
 * daemon's loop) and the `metrics` control command, both answered with
 * one text in the exposition format 0.0.4, built in memory in one pass.
 */

#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netdb.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <jansson.h>

#include "sockprobe.h"
#include "sockprobed.h"

#define METRICS_PATH		"/metrics"
#define METRICS_ALLOW		"GET, HEAD"
#define METRICS_MAX_HEADERS	8192	/* bytes of request line and headers */
#define METRICS_MAX_BODY	1024	/* a GET has none; POST gets 405 */
#define METRICS_TIMEOUT_S	10	/* to read a request, write a reply */
#define METRICS_BACKLOG		64

/* mallinfo2() came with glibc 2.33. */
#ifdef __GLIBC__
#if __GLIBC_PREREQ(2, 33)
#define METRICS_HEAP	1
#endif
#endif

/* Every evhttp method, so that ours answers 405 rather than libevent. */
#define METRICS_METHODS	(EVHTTP_REQ_GET | EVHTTP_REQ_POST | \
	EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | \
	EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | \
	EVHTTP_REQ_PATCH)

_Static_assert((size_t)SP_CAUSE__MAX * SP_TECH__MAX <= UINT8_MAX,
    "struct evcounts counts pairs in a uint8_t");

/* The endpoint: one evhttp, at most one bound socket. */
struct metrics {
	struct sockprobed		*sd;
	struct evhttp			*http;
	struct evhttp_bound_socket	*bound;
	char				*addr;		/* bound's, NULL: none */
	uint64_t			 render_us;	/* the last text's cost */
	struct event			*ev_resume;	/* after accept fails */
	bool				 paused;
};

/*
 * The endpoint, for the accept error callback: libevent passes it
 * evhttp's own argument, not ours.
 */
static struct metrics	*metrics_self;

/* The text being built; after a failed allocation it only counts. */
struct mtext {
	char		*buf;
	size_t		 len, cap;
	bool		 oom;
	bool		 labels;	/* a sample's '{' is written */
};

/*
 * A per-connection gauge or counter read from the target; `need` says
 * when it has a value, `us` that the value is microseconds shown in
 * seconds.
 */
enum conn_need {
	NEED_NONE,		/* always */
	NEED_TCP,		/* held, with TCP_INFO polled */
	NEED_CONNECTED		/* a handshake was timed */
};

struct conn_family {
	const char	*name;
	const char	*type;
	const char	*help;
	enum conn_need	 need;
	bool		 us;
	uint64_t	(*value)(const struct target *);
};

static int	 metrics_bind(const char *, char *, size_t);
static bool	 metrics_explicit(const struct conf *);
static int	 metrics_serve(struct metrics *, const char *, char *,
		    size_t);
static void	 metrics_release(struct metrics *);
static void	 metrics_accept_error_cb(struct evconnlistener *, void *);
static void	 metrics_resume_cb(evutil_socket_t, short, void *);
static void	 metrics_errs_add(struct conf_errors *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 metrics_request_cb(struct evhttp_request *, void *);
static void	 metrics_reply(struct evhttp_request *, int, const char *,
		    const char *);
static void	 metrics_free_cb(const void *, size_t, void *);
static void	 mt_reserve(struct mtext *, size_t);
static void	 mt_put(struct mtext *, const char *, size_t);
static void	 mt_str(struct mtext *, const char *);
static void	 mt_u64(struct mtext *, uint64_t);
static void	 mt_frac(struct mtext *, uint64_t, uint64_t, unsigned);
static void	 mt_family(struct mtext *, const char *, const char *,
		    const char *);
static void	 mt_begin(struct mtext *, const char *);
static void	 mt_label(struct mtext *, const char *, const char *);
static void	 mt_end(struct mtext *);
static void	 mt_value(struct mtext *, uint64_t);
static bool	 conn_shown(const struct target *);
static bool	 conn_has(const struct target *, enum conn_need);
static uint64_t	 conn_up(const struct target *);
static uint64_t	 conn_rtt(const struct target *);
static uint64_t	 conn_rttvar(const struct target *);
static uint64_t	 conn_retransmits(const struct target *);
static uint64_t	 conn_retransmitted(const struct target *);
static uint64_t	 conn_lost(const struct target *);
static uint64_t	 conn_unacked(const struct target *);
static uint64_t	 conn_probes(const struct target *);
static uint64_t	 conn_connect(const struct target *);
static void	 text_conn(struct mtext *, struct sockprobed *);
static void	 text_conn_info(struct mtext *, struct sockprobed *);
static void	 text_conn_health(struct mtext *, struct sockprobed *);
static void	 text_conn_events(struct mtext *, struct sockprobed *);
static void	 text_events(struct mtext *, const struct evcounts *,
		    const char *, const char *, const char *);
static void	 text_listeners(struct mtext *, struct sockprobed *);
static void	 text_host(struct mtext *, const struct sockprobed *);
static void	 text_gauge(struct mtext *, const char *, const char *,
		    uint64_t);
static void	 text_daemon(struct mtext *, struct sockprobed *);
static void	 text_process(struct mtext *, const struct sockprobed *);
static uint64_t	 process_open_fds(void);
#ifdef METRICS_HEAP
static void	 mt_heap(struct mtext *);
#endif

static const struct conn_family conn_families[] = {
	{ "sockprobe_up", "gauge",
	    "1 while the held connection is alive (health up or degraded), "
	    "0 while connecting or down.", NEED_NONE, false, conn_up },
	{ "sockprobe_tcp_rtt_seconds", "gauge",
	    "Smoothed round-trip time of the held connection (tcpi_rtt).",
	    NEED_TCP, true, conn_rtt },
	{ "sockprobe_tcp_rttvar_seconds", "gauge",
	    "Round-trip time variation of the held connection "
	    "(tcpi_rttvar).", NEED_TCP, true, conn_rttvar },
	{ "sockprobe_tcp_retransmits", "gauge",
	    "Retransmission timeouts not yet recovered from, now "
	    "(tcpi_retransmits).", NEED_TCP, false, conn_retransmits },
	{ "sockprobe_tcp_retransmitted_segments_total", "counter",
	    "Segments retransmitted over the held connection's life "
	    "(tcpi_total_retrans); starts again at 0 with each connection.",
	    NEED_TCP, false, conn_retransmitted },
	{ "sockprobe_tcp_lost_segments", "gauge",
	    "Segments the kernel considers lost, now (tcpi_lost).",
	    NEED_TCP, false, conn_lost },
	{ "sockprobe_tcp_unacked_segments", "gauge",
	    "Segments sent and not yet acknowledged (tcpi_unacked).",
	    NEED_TCP, false, conn_unacked },
	{ "sockprobe_keepalive_probes", "gauge",
	    "Keepalive or zero-window probes sent and unanswered "
	    "(tcpi_probes).", NEED_TCP, false, conn_probes },
	{ "sockprobe_connect_seconds", "gauge",
	    "How long the last handshake of the held connection took.",
	    NEED_CONNECTED, true, conn_connect },
};

#define NCONN_FAMILIES	(sizeof(conn_families) / sizeof(conn_families[0]))

/* Health states in the order of enum health, as label values. */
static const enum health health_states[] = {
	HEALTH_CONNECTING, HEALTH_UP, HEALTH_DEGRADED, HEALTH_DOWN,
};

/*
 * Bind the running configuration's metrics_listen.  Only an address the
 * file sets is worth refusing to start for: the built-in default may be
 * taken (another sockprobed, a test running beside us).
 */
int
metrics_init(struct sockprobed *sd)
{
	struct metrics	*m;
	const char	*addr = sd->conf->daemon.metrics_listen;
	char		 err[256];

	m = xcalloc(1, sizeof(*m));
	m->sd = sd;
	if ((m->http = evhttp_new(sd->base)) == NULL)
		fatalx("metrics: evhttp_new failed");
	evhttp_set_allowed_methods(m->http, METRICS_METHODS);
	evhttp_set_max_headers_size(m->http, METRICS_MAX_HEADERS);
	evhttp_set_max_body_size(m->http, METRICS_MAX_BODY);
	evhttp_set_timeout(m->http, METRICS_TIMEOUT_S);
	evhttp_set_gencb(m->http, metrics_request_cb, m);
	if ((m->ev_resume = evtimer_new(sd->base, metrics_resume_cb, m)) ==
	    NULL)
		fatalx("metrics: evtimer_new failed");
	sd->metrics = m;
	metrics_self = m;
	if (addr == NULL) {
		log_info("metrics: off (metrics_listen is empty)");
		return 0;
	}
	if (metrics_serve(m, addr, err, sizeof(err)) == 0)
		return 0;
	if (metrics_explicit(sd->conf)) {
		log_warnx("metrics: %s: %s", addr, err);
		return -1;
	}
	log_warnx("metrics: %s (the default): %s; the endpoint is off until "
	    "a reload binds it", addr, err);
	return 0;
}

/*
 * Rebind for a reload before anything else changes.  A new address that
 * collides with the one we serve (the same port on a wider address) is
 * retried once the old socket is released, which is restored if the new
 * one still fails.
 */
int
metrics_reload(struct sockprobed *sd, const struct conf *nc,
    struct conf_errors *errs)
{
	struct metrics	*m = sd->metrics;
	const char	*want = nc->daemon.metrics_listen;
	char		 err[256], olderr[256], *old;
	int		 rc;

	if (m == NULL)
		return 0;
	if (want == NULL) {
		if (m->bound != NULL)
			log_info("metrics: off (metrics_listen is empty)");
		metrics_release(m);
		return 0;
	}
	if (m->bound != NULL && strcmp(m->addr, want) == 0)
		return 0;
	if ((rc = metrics_serve(m, want, err, sizeof(err))) == -1 &&
	    m->bound != NULL) {
		old = xstrdup(m->addr);
		metrics_release(m);
		if ((rc = metrics_serve(m, want, err, sizeof(err))) == -1 &&
		    metrics_serve(m, old, olderr, sizeof(olderr)) == -1)
			log_warnx("metrics: %s: %s; the endpoint is off", old,
			    olderr);
		free(old);
	}
	if (rc == 0)
		return 0;
	if (metrics_explicit(nc)) {
		metrics_errs_add(errs, "%s: [daemon] metrics_listen: %s: %s",
		    sd->conf_path != NULL ? sd->conf_path : "(built-in)",
		    want, err);
		return -1;
	}
	log_warnx("metrics: %s (the default): %s", want, err);
	return 0;
}

/* Close the endpoint and its connections (stop). */
void
metrics_free(struct sockprobed *sd)
{
	struct metrics	*m = sd->metrics;

	if (m == NULL)
		return;
	evhttp_free(m->http);		/* closes the bound socket too */
	event_free(m->ev_resume);
	free(m->addr);
	free(m);
	sd->metrics = NULL;
	metrics_self = NULL;
}

/* Whether the file set metrics_listen (else it is the default). */
static bool
metrics_explicit(const struct conf *c)
{
	int	idx;

	if (conf_daemon_key("metrics_listen", &idx) == NULL)
		return false;
	return (c->daemon.set & (1ULL << idx)) != 0;
}

/*
 * A listening TCP socket on addr (host:port; a name is resolved here,
 * once, at start or reload), or -1 with the reason in err.
 */
static int
metrics_bind(const char *addr, char *err, size_t errlen)
{
	struct addrinfo	 hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	}, *res, *ai;
	const char	*errstr;
	char		 host[256], port[8];
	uint16_t	 p;
	int		 fd = -1, on = 1, rc, saved = EADDRNOTAVAIL;

	if (sp_hostport_split(addr, host, sizeof(host), &p, &errstr) == -1) {
		(void)snprintf(err, errlen, "%s", errstr);
		return -1;
	}
	(void)snprintf(port, sizeof(port), "%u", p);
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		(void)snprintf(err, errlen, "%s", gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd != -1 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
		    sizeof(on)) == 0 && bind(fd, ai->ai_addr,
		    ai->ai_addrlen) == 0 && listen(fd, METRICS_BACKLOG) == 0)
			break;
		saved = errno;
		if (fd != -1)
			(void)close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		(void)snprintf(err, errlen, "%s", strerror(saved));
		errno = saved;
	}
	return fd;
}

/* Serve addr instead of what is served now: 0, or -1 with err. */
static int
metrics_serve(struct metrics *m, const char *addr, char *err, size_t errlen)
{
	struct evhttp_bound_socket	*b;
	int				 fd;

	if ((fd = metrics_bind(addr, err, errlen)) == -1)
		return -1;
	if ((b = evhttp_accept_socket_with_handle(m->http, fd)) == NULL) {
		(void)close(fd);
		(void)snprintf(err, errlen, "evhttp cannot accept on it");
		return -1;
	}
	metrics_release(m);
	m->bound = b;
	m->addr = xstrdup(addr);
	evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(b),
	    metrics_accept_error_cb);
	log_info("metrics: serving http://%s%s", addr, METRICS_PATH);
	return 0;
}

/* Stop listening; connections in progress finish. */
static void
metrics_release(struct metrics *m)
{
	if (m->bound != NULL)
		evhttp_del_accept_socket(m->http, m->bound);
	m->bound = NULL;
	(void)evtimer_del(m->ev_resume);
	m->paused = false;
	free(m->addr);
	m->addr = NULL;
}

/*
 * accept() failed on the endpoint.  libevent would only log it and try
 * again at once: with the descriptor table full, a loop on accept() and
 * a log line each turn.  Stop listening instead and look again in a
 * second, as listen.c does; queued clients wait in the backlog.
 */
static void
metrics_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct metrics	*m = metrics_self;
	struct timeval	 tv = { 1, 0 };
	int		 err = EVUTIL_SOCKET_ERROR();

	(void)arg;
	if (m == NULL || m->bound == NULL ||
	    evhttp_bound_socket_get_listener(m->bound) != lev)
		return;
	if (!m->paused)
		log_warnx("metrics: accept: %s: pausing, retrying every 1s",
		    strerror(err));
	m->paused = true;
	(void)evconnlistener_disable(lev);
	if (evtimer_add(m->ev_resume, &tv) == -1)
		fatalx("metrics: evtimer_add");
}

/* A second after accept failed: listen again once a descriptor is free. */
static void
metrics_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct metrics		*m = arg;
	struct evconnlistener	*lev;
	struct timeval		 tv = { 1, 0 };

	(void)fd;
	(void)what;
	if (m->bound == NULL)
		return;
	lev = evhttp_bound_socket_get_listener(m->bound);
	if (!sockprobed_fd_room(evconnlistener_get_fd(lev))) {
		if (evtimer_add(m->ev_resume, &tv) == -1)
			fatalx("metrics: evtimer_add");
		return;
	}
	log_info("metrics: descriptors free again, accepting");
	m->paused = false;
	if (evconnlistener_enable(lev) == -1)
		log_warnx("metrics: cannot accept again");
}

/* One more line for a refused reload. */
static void
metrics_errs_add(struct conf_errors *errs, const char *fmt, ...)
{
	va_list	  ap;
	char	**lines, *line;

	if ((lines = reallocarray(errs->lines, errs->n + 1,
	    sizeof(*lines))) == NULL)
		fatal("reallocarray");
	errs->lines = lines;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	errs->lines[errs->n++] = line;
}

/*
 * Every request: GET or HEAD of /metrics gets the text; another method
 * on /metrics 405 with Allow, any other path 404.  Runs on the loop and
 * never waits: the text is built in memory and handed to evhttp whole.
 */
static void
metrics_request_cb(struct evhttp_request *req, void *arg)
{
	struct metrics		*m = arg;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	struct evkeyvalq	*oh = evhttp_request_get_output_headers(req);
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	struct evbuffer		*body;
	const char		*path;
	char			*text;
	size_t			 len;

	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || strcmp(path, METRICS_PATH) != 0) {
		metrics_reply(req, HTTP_NOTFOUND, "Not Found",
		    "Not Found: only " METRICS_PATH " is served here\n");
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(oh, "Allow", METRICS_ALLOW);
		metrics_reply(req, 405, "Method Not Allowed",
		    "Method Not Allowed: " METRICS_PATH " takes "
		    METRICS_ALLOW "\n");
		return;
	}
	evhttp_add_header(oh, "Content-Type", METRICS_CONTENT_TYPE);
	/* HEAD: the same headers, and libevent sends no body. */
	if (cmd == EVHTTP_REQ_HEAD) {
		evhttp_send_reply(req, HTTP_OK, "OK", NULL);
		return;
	}
	if ((text = metrics_text(m->sd, &len)) == NULL ||
	    (body = evbuffer_new()) == NULL) {
		free(text);
		metrics_reply(req, HTTP_INTERNAL, "Internal Server Error",
		    "out of memory\n");
		return;
	}
	if (evbuffer_add_reference(body, text, len, metrics_free_cb,
	    NULL) == -1) {
		free(text);
		evbuffer_free(body);
		metrics_reply(req, HTTP_INTERNAL, "Internal Server Error",
		    "out of memory\n");
		return;
	}
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

/* A short plain-text answer: an error, in words. */
static void
metrics_reply(struct evhttp_request *req, int code, const char *reason,
    const char *text)
{
	struct evkeyvalq	*oh = evhttp_request_get_output_headers(req);
	struct evbuffer		*body;

	evhttp_add_header(oh, "Content-Type", "text/plain; charset=utf-8");
	if ((body = evbuffer_new()) != NULL)
		(void)evbuffer_add(body, text, strlen(text));
	evhttp_send_reply(req, code, reason, body);
	if (body != NULL)
		evbuffer_free(body);
}

/* evbuffer's cleanup of the text it was lent. */
static void
metrics_free_cb(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)(uintptr_t)data);
}

/*
 * The whole exposition.  Families come one after the other, each with
 * HELP and TYPE, and each walks the connections once: the text format
 * wants a family's samples together.
 */
char *
metrics_text(struct sockprobed *sd, size_t *lenp)
{
	struct mtext	mt = { 0 };
	uint64_t	t0 = target_clock_us();

	/*
	 * About 1 KiB per connection with every series shown: reserve more,
	 * as untouched pages cost nothing, so that the text is never copied
	 * while it grows.
	 */
	mt_reserve(&mt, 65536 + sd->ntargets * 1536);
	text_conn(&mt, sd);
	text_listeners(&mt, sd);
	text_host(&mt, sd);
	text_daemon(&mt, sd);
	text_process(&mt, sd);
	if (mt.oom) {
		free(mt.buf);
		return NULL;
	}
	if (sd->metrics != NULL)
		sd->metrics->render_us = target_clock_us() - t0;
	*lenp = mt.len;
	return mt.buf;
}

/* The same text for the control socket: {"content_type", "text"}. */
json_t *
metrics_json(struct sockprobed *sd)
{
	char	*text;
	size_t	 len;
	json_t	*o;

	if ((text = metrics_text(sd, &len)) == NULL)
		return NULL;
	o = json_pack("{s:s, s:s%}", "content_type", METRICS_CONTENT_TYPE,
	    "text", text, len);
	free(text);
	return o;
}

/* Count one event: a known pair's count grows, a new pair is appended. */
void
metrics_count(struct evcounts *c, enum sp_cause cause,
    enum sp_technique tech)
{
	struct evcount	*v;
	size_t		 i, cap;

	for (i = 0; i < c->n; i++) {
		if (c->v[i].cause == cause && c->v[i].technique == tech) {
			c->v[i].n++;
			return;
		}
	}
	if (c->n == c->cap) {
		cap = c->cap == 0 ? 2 : (size_t)c->cap * 2;
		if (cap > UINT8_MAX)
			cap = UINT8_MAX;
		/* Without memory the count is lost, not the daemon. */
		if (cap == c->cap ||
		    (v = reallocarray(c->v, cap, sizeof(*v))) == NULL)
			return;
		c->v = v;
		c->cap = (uint8_t)cap;
	}
	c->v[c->n++] = (struct evcount){ .n = 1, .cause = (uint8_t)cause,
	    .technique = (uint8_t)tech };
}

void
metrics_counts_free(struct evcounts *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static void
mt_reserve(struct mtext *mt, size_t more)
{
	size_t	 cap;
	char	*p;

	if (mt->oom || mt->len + more <= mt->cap)
		return;
	for (cap = mt->cap == 0 ? 4096 : mt->cap; cap < mt->len + more;
	    cap *= 2)
		;
	if ((p = realloc(mt->buf, cap)) == NULL) {
		mt->oom = true;
		return;
	}
	mt->buf = p;
	mt->cap = cap;
}

static void
mt_put(struct mtext *mt, const char *s, size_t n)
{
	if (mt->len + n > mt->cap) {
		mt_reserve(mt, n);
		if (mt->oom)
			return;
	}
	memcpy(mt->buf + mt->len, s, n);
	mt->len += n;
}

static void
mt_str(struct mtext *mt, const char *s)
{
	mt_put(mt, s, strlen(s));
}

/* A whole number in decimal, without printf: scrapes are per target. */
static void
mt_u64(struct mtext *mt, uint64_t v)
{
	char	d[20], *p = d + sizeof(d);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	mt_put(mt, p, (size_t)(d + sizeof(d) - p));
}

/* whole.frac, frac having digits digits (the fraction of 10^digits). */
static void
mt_frac(struct mtext *mt, uint64_t whole, uint64_t frac, unsigned digits)
{
	char	d[20];
	int	i;

	mt_u64(mt, whole);
	for (i = (int)digits - 1; i >= 0; i--) {
		d[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	mt_put(mt, ".", 1);
	mt_put(mt, d, digits);
}

/* # HELP and # TYPE of a family (help is ours: nothing to escape). */
static void
mt_family(struct mtext *mt, const char *name, const char *type,
    const char *help)
{
	mt_str(mt, "# HELP ");
	mt_str(mt, name);
	mt_put(mt, " ", 1);
	mt_str(mt, help);
	mt_str(mt, "\n# TYPE ");
	mt_str(mt, name);
	mt_put(mt, " ", 1);
	mt_str(mt, type);
	mt_put(mt, "\n", 1);
}

static void
mt_begin(struct mtext *mt, const char *name)
{
	mt_str(mt, name);
	mt->labels = false;
}

/* name="value" with \, " and newline escaped as the format says. */
static void
mt_label(struct mtext *mt, const char *name, const char *value)
{
	size_t	n;

	mt_put(mt, mt->labels ? "," : "{", 1);
	mt->labels = true;
	mt_str(mt, name);
	mt_put(mt, "=\"", 2);
	for (;;) {
		n = strcspn(value, "\\\"\n");
		mt_put(mt, value, n);
		if (value[n] == '\0')
			break;
		mt_put(mt, value[n] == '\\' ? "\\\\" : value[n] == '"' ?
		    "\\\"" : "\\n", 2);
		value += n + 1;
	}
	mt_put(mt, "\"", 1);
}

/* Close the labels and start the value. */
static void
mt_end(struct mtext *mt)
{
	if (mt->labels)
		mt_put(mt, "} ", 2);
	else
		mt_put(mt, " ", 1);
}

static void
mt_value(struct mtext *mt, uint64_t v)
{
	mt_end(mt);
	mt_u64(mt, v);
	mt_put(mt, "\n", 1);
}

/*
 * Connections with series of their own: every outbound target; an
 * inbound peer only when its listener asks (metrics_per_peer), since
 * peers come and go and each would be a new series.
 */
static bool
conn_shown(const struct target *t)
{
	return t->kind == TARGET_OUTBOUND || t->conf->metrics_per_peer;
}

static bool
conn_has(const struct target *t, enum conn_need need)
{
	switch (need) {
	case NEED_TCP:
		/* Without TCP_INFO polls the snapshot says nothing. */
		return target_held(t) && target_tech_on(t, SP_TECH_TCP_INFO);
	case NEED_CONNECTED:
		return t->connect_us != 0;
	default:
		return true;
	}
}

static uint64_t
conn_up(const struct target *t)
{
	return t->health.state == HEALTH_UP ||
	    t->health.state == HEALTH_DEGRADED;
}

static uint64_t
conn_rtt(const struct target *t)
{
	return t->tcp.rtt_us;
}

static uint64_t
conn_rttvar(const struct target *t)
{
	return t->tcp.rttvar_us;
}

static uint64_t
conn_retransmits(const struct target *t)
{
	return t->tcp.retransmits;
}

static uint64_t
conn_retransmitted(const struct target *t)
{
	return t->tcp.total_retrans;
}

static uint64_t
conn_lost(const struct target *t)
{
	return t->tcp.lost;
}

static uint64_t
conn_unacked(const struct target *t)
{
	return t->tcp.unacked;
}

static uint64_t
conn_probes(const struct target *t)
{
	return t->tcp.probes;
}

static uint64_t
conn_connect(const struct target *t)
{
	return t->connect_us;
}

/* The per-connection families, labelled by target. */
static void
text_conn(struct mtext *mt, struct sockprobed *sd)
{
	const struct conn_family	*f;
	const struct target		*t;
	uint64_t			 v;
	size_t				 i;

	text_conn_info(mt, sd);
	text_conn_health(mt, sd);
	for (i = 0; i < NCONN_FAMILIES; i++) {
		f = &conn_families[i];
		mt_family(mt, f->name, f->type, f->help);
		TAILQ_FOREACH(t, &sd->targets, entry) {
			if (!conn_shown(t) || !conn_has(t, f->need))
				continue;
			mt_begin(mt, f->name);
			mt_label(mt, "target", t->name);
			v = f->value(t);
			if (f->us) {
				mt_end(mt);
				mt_frac(mt, v / 1000000, v % 1000000, 6);
				mt_put(mt, "\n", 1);
			} else
				mt_value(mt, v);
		}
	}
	text_conn_events(mt, sd);
}

/* sockprobe_target_info: what a target label stands for. */
static void
text_conn_info(struct mtext *mt, struct sockprobed *sd)
{
	const struct target	*t;

	mt_family(mt, "sockprobe_target_info", "gauge",
	    "Always 1: a monitored connection, its kind, its peer and, for "
	    "an inbound peer, its listener.");
	TAILQ_FOREACH(t, &sd->targets, entry) {
		if (!conn_shown(t))
			continue;
		mt_begin(mt, "sockprobe_target_info");
		mt_label(mt, "target", t->name);
		mt_label(mt, "kind", t->kind == TARGET_OUTBOUND ?
		    "outbound" : "inbound");
		mt_label(mt, "peer", target_peer(t));
		if (t->kind == TARGET_INBOUND)
			mt_label(mt, "listener", t->listener->conf->name);
		mt_value(mt, 1);
	}
}

/* sockprobe_health: one series per state, 1 for the current one. */
static void
text_conn_health(struct mtext *mt, struct sockprobed *sd)
{
	const struct target	*t;
	size_t			 i;

	mt_family(mt, "sockprobe_health", "gauge",
	    "1 for the connection's health state, 0 for the others.");
	TAILQ_FOREACH(t, &sd->targets, entry) {
		if (!conn_shown(t))
			continue;
		for (i = 0; i < HEALTH__MAX; i++) {
			mt_begin(mt, "sockprobe_health");
			mt_label(mt, "target", t->name);
			mt_label(mt, "state",
			    proto_health_name(health_states[i]));
			mt_value(mt, t->health.state == health_states[i]);
		}
	}
}

/* sockprobe_events_total{target,cause,technique}. */
static void
text_conn_events(struct mtext *mt, struct sockprobed *sd)
{
	const struct target	*t;

	mt_family(mt, "sockprobe_events_total", "counter",
	    "Health events of the connection, by cause and by the technique "
	    "that saw it.");
	TAILQ_FOREACH(t, &sd->targets, entry)
		if (conn_shown(t))
			text_events(mt, &t->health.counts,
			    "sockprobe_events_total", "target", t->name);
}

/* The samples of one event count list, under label lname="lvalue". */
static void
text_events(struct mtext *mt, const struct evcounts *c, const char *name,
    const char *lname, const char *lvalue)
{
	size_t	i;

	for (i = 0; i < c->n; i++) {
		mt_begin(mt, name);
		mt_label(mt, lname, lvalue);
		mt_label(mt, "cause",
		    sp_cause_name((enum sp_cause)c->v[i].cause));
		mt_label(mt, "technique",
		    sp_technique_name((enum sp_technique)c->v[i].technique));
		mt_value(mt, c->v[i].n);
	}
}

/* Inbound peers, aggregated per listener: bounded whatever the traffic. */
static void
text_listeners(struct mtext *mt, struct sockprobed *sd)
{
	const struct listener	*l;
	const struct target	*t;
	uint64_t		 n[HEALTH__MAX];
	size_t			 i;

	mt_family(mt, "sockprobe_inbound_peers", "gauge",
	    "Peers accepted on the listener and monitored now (down ones "
	    "until forget_after), by health state.");
	TAILQ_FOREACH(l, &sd->listeners, entry) {
		memset(n, 0, sizeof(n));
		if (l->npeers > 0)
			TAILQ_FOREACH(t, &sd->targets, entry)
				if (t->listener == l &&
				    t->health.state < HEALTH__MAX)
					n[t->health.state]++;
		for (i = 0; i < HEALTH__MAX; i++) {
			mt_begin(mt, "sockprobe_inbound_peers");
			mt_label(mt, "listener", l->conf->name);
			mt_label(mt, "state",
			    proto_health_name(health_states[i]));
			mt_value(mt, n[health_states[i]]);
		}
	}
	mt_family(mt, "sockprobe_inbound_accepted_total", "counter",
	    "Connections the listener accepted.");
	TAILQ_FOREACH(l, &sd->listeners, entry) {
		mt_begin(mt, "sockprobe_inbound_accepted_total");
		mt_label(mt, "listener", l->conf->name);
		mt_value(mt, l->accepted);
	}
	mt_family(mt, "sockprobe_inbound_events_total", "counter",
	    "Health events of the listener's peers, forgotten ones included, "
	    "by cause and technique.");
	TAILQ_FOREACH(l, &sd->listeners, entry)
		text_events(mt, &l->counts, "sockprobe_inbound_events_total",
		    "listener", l->conf->name);
}

/* A family of one unlabelled gauge. */
static void
text_gauge(struct mtext *mt, const char *name, const char *help, uint64_t v)
{
	mt_family(mt, name, "gauge", help);
	mt_begin(mt, name);
	mt_value(mt, v);
}

/* The host survey's last findings; nothing before its first round. */
static void
text_host(struct mtext *mt, const struct sockprobed *sd)
{
	const struct survey_summary	*s = survey_last(sd);
	int				 st;

	if (s == NULL || !s->valid)
		return;
	mt_family(mt, "sockprobe_host_sockets", "gauge",
	    "TCP sockets of the host by state, at the last survey.");
	for (st = SP_TCP_UNKNOWN + 1; st < SP_TCP__MAX; st++) {
		mt_begin(mt, "sockprobe_host_sockets");
		mt_label(mt, "state", sp_tcp_state_name((enum sp_tcp_state)st));
		mt_value(mt, s->by_state[st]);
	}
	text_gauge(mt, "sockprobe_host_orphan_sockets", "TCP sockets no "
	    "descriptor owns any more, at the last survey.", s->orphans);
	text_gauge(mt, "sockprobe_host_closewait_suspects", "Sockets in "
	    "CLOSE_WAIT for longer than closewait_alarm: their owner never "
	    "closed after the peer did (a leak).", s->closewait_suspects);
	text_gauge(mt, "sockprobe_host_listen_queue_full", "Listening "
	    "sockets whose accept queue is full: the kernel drops "
	    "handshakes.", s->listen_queue_full);
	text_gauge(mt, "sockprobe_host_retransmitting_sockets", "TCP "
	    "sockets retransmitting, backing off or with segments lost, at "
	    "the last survey.", s->retransmitting);
	mt_family(mt, "sockprobe_host_survey_timestamp_seconds", "gauge",
	    "When the last host survey ran (Unix time).");
	mt_begin(mt, "sockprobe_host_survey_timestamp_seconds");
	mt_end(mt);
	mt_frac(mt, (uint64_t)s->at.tv_sec, (uint64_t)s->at.tv_nsec / 1000, 6);
	mt_put(mt, "\n", 1);
	mt_family(mt, "sockprobe_host_survey_duration_seconds", "gauge",
	    "How long the last host survey took.");
	mt_begin(mt, "sockprobe_host_survey_duration_seconds");
	mt_end(mt);
	mt_frac(mt, s->duration_us / 1000000, s->duration_us % 1000000, 6);
	mt_put(mt, "\n", 1);
}

/* The daemon's own counters. */
static void
text_daemon(struct mtext *mt, struct sockprobed *sd)
{
	const struct target	*t;
	uint64_t		 n[2] = { 0, 0 }, us;

	mt_family(mt, "sockprobe_build_info", "gauge",
	    "Always 1: the running sockprobed's version.");
	mt_begin(mt, "sockprobe_build_info");
	mt_label(mt, "version", PACKAGE_VERSION);
	mt_value(mt, 1);
	mt_family(mt, "sockprobe_connections", "gauge",
	    "Monitored connections: outbound targets and inbound peers.");
	TAILQ_FOREACH(t, &sd->targets, entry)
		n[t->kind == TARGET_INBOUND]++;
	mt_begin(mt, "sockprobe_connections");
	mt_label(mt, "kind", "outbound");
	mt_value(mt, n[0]);
	mt_begin(mt, "sockprobe_connections");
	mt_label(mt, "kind", "inbound");
	mt_value(mt, n[1]);
	/*
	 * SIGPIPE is ignored, so no signal is ever counted: each EPIPE is
	 * a write that would have raised one.
	 */
	mt_family(mt, "sockprobe_epipe_total", "counter",
	    "Writes that failed with EPIPE, each a SIGPIPE the daemon "
	    "ignores.");
	mt_begin(mt, "sockprobe_epipe_total");
	mt_value(mt, sd->epipe_total);
	mt_family(mt, "sockprobe_reloads_total", "counter",
	    "Configuration reloads applied.");
	mt_begin(mt, "sockprobe_reloads_total");
	mt_value(mt, sd->reloads);
	mt_family(mt, "sockprobe_reload_failures_total", "counter",
	    "Configuration reloads refused (the running set stayed).");
	mt_begin(mt, "sockprobe_reload_failures_total");
	mt_value(mt, sd->reload_failures);
	if (sd->metrics == NULL)
		return;
	us = sd->metrics->render_us;
	mt_family(mt, "sockprobe_metrics_render_seconds", "gauge",
	    "How long building the previous metrics text took (the loop "
	    "waits that long).");
	mt_begin(mt, "sockprobe_metrics_render_seconds");
	mt_end(mt);
	mt_frac(mt, us / 1000000, us % 1000000, 6);
	mt_put(mt, "\n", 1);
}

/* The process metrics every Prometheus client library exports. */
static void
text_process(struct mtext *mt, const struct sockprobed *sd)
{
	struct rusage		ru;
	struct rlimit		rl;
	unsigned long long	size, resident;
	uint64_t		us, page = (uint64_t)sysconf(_SC_PAGESIZE);
	FILE			*fp;
	int			 n = 0;

	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		us = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
		    1000000 + (uint64_t)(ru.ru_utime.tv_usec +
		    ru.ru_stime.tv_usec);
		mt_family(mt, "process_cpu_seconds_total", "counter",
		    "User and system CPU time spent, in seconds.");
		mt_begin(mt, "process_cpu_seconds_total");
		mt_end(mt);
		mt_frac(mt, us / 1000000, us % 1000000, 6);
		mt_put(mt, "\n", 1);
	}
	if ((fp = fopen("/proc/self/statm", "re")) != NULL) {
		n = fscanf(fp, "%llu %llu", &size, &resident);
		(void)fclose(fp);
	}
	if (n == 2) {
		mt_family(mt, "process_resident_memory_bytes", "gauge",
		    "Resident memory size in bytes.");
		mt_begin(mt, "process_resident_memory_bytes");
		mt_value(mt, (uint64_t)resident * page);
		mt_family(mt, "process_virtual_memory_bytes", "gauge",
		    "Virtual memory size in bytes.");
		mt_begin(mt, "process_virtual_memory_bytes");
		mt_value(mt, (uint64_t)size * page);
	}
	mt_family(mt, "process_open_fds", "gauge",
	    "Number of open file descriptors.");
	mt_begin(mt, "process_open_fds");
	mt_value(mt, process_open_fds());
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		mt_family(mt, "process_max_fds", "gauge",
		    "Maximum number of open file descriptors.");
		mt_begin(mt, "process_max_fds");
		mt_value(mt, rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX :
		    (uint64_t)rl.rlim_cur);
	}
#ifdef METRICS_HEAP
	mt_heap(mt);
#endif
	mt_family(mt, "process_start_time_seconds", "gauge",
	    "Start time of the process since the Unix epoch in seconds.");
	mt_begin(mt, "process_start_time_seconds");
	mt_end(mt);
	mt_frac(mt, (uint64_t)sd->started.tv_sec,
	    (uint64_t)sd->started.tv_nsec / 1000, 6);
	mt_put(mt, "\n", 1);
}

#ifdef METRICS_HEAP
/*
 * What the allocator has handed out and not got back: a leak shows here
 * as steady growth, while RSS also keeps what was freed after a burst
 * (the allocator holds on to it), which is no leak.
 */
static void
mt_heap(struct mtext *mt)
{
	struct mallinfo2	mi = mallinfo2();

	mt_family(mt, "sockprobe_heap_inuse_bytes", "gauge",
	    "Heap memory allocated and not freed, in bytes (mallinfo2 "
	    "uordblks + hblkhd); RSS also counts freed memory the "
	    "allocator keeps.");
	mt_begin(mt, "sockprobe_heap_inuse_bytes");
	mt_value(mt, (uint64_t)mi.uordblks + (uint64_t)mi.hblkhd);
}
#endif

/* Entries of /proc/self/fd, less the one reading it. */
static uint64_t
process_open_fds(void)
{
	struct dirent	*de;
	DIR		*d;
	uint64_t	 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	(void)closedir(d);
	return n > 0 ? n - 1 : 0;
}
