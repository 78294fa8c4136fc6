/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sockprobed: main, signals, the start and stop order, and reloads that
 * swap the configuration only when the whole new file is good.
 */

#include "config.h"

#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "sockprobe.h"
#include "sockprobed.h"

static void	usage(FILE *, int) __attribute__((noreturn));
static rlim_t	fd_reserve_start(void);
static struct event_base *base_new(enum event_backend);
static void	signal_cb(evutil_socket_t, short, void *);
static void	poll_cb(evutil_socket_t, short, void *);
static int	check_config(const char *);
static void	start(struct sockprobed *);
static void	stop(struct sockprobed *);
static void	teardown(struct sockprobed *);
static bool	target_conf_same(const struct conf *, const struct target_conf *,
		    const struct conf *, const struct target_conf *);
static void	apply_targets(struct sockprobed *, struct conf *);
static void	apply_listeners(struct sockprobed *, struct conf *);

static const struct option longopts[] = {
	{ "config",	required_argument,	NULL,	'c' },
	{ "check",	no_argument,		NULL,	'n' },
	{ "socket",	required_argument,	NULL,	's' },
	{ "debug",	no_argument,		NULL,	'd' },
	{ "help",	no_argument,		NULL,	'h' },
	{ "version",	no_argument,		NULL,	'V' },
	{ NULL,		0,			NULL,	0 }
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: sockprobed [-dn] [-c FILE] [-s SOCKET]\n"
	    "\n"
	    "  -c, --config FILE    configuration file (default: built-in "
	    "defaults)\n"
	    "  -n, --check          check the configuration, print it "
	    "normalised, exit\n"
	    "  -s, --socket PATH    control socket (overrides "
	    "control_socket)\n"
	    "  -d, --debug          log at debug level\n"
	    "  -h, --help           show this help\n"
	    "  -V, --version        show the version\n");
	exit(status);
}

/* Milliseconds on CLOCK_MONOTONIC: every deadline is measured on it. */
uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The first descriptor number the reserve keeps for the control socket.
 * Read each time: an operator may raise the limit with prlimit(1).
 */
static rlim_t
fd_reserve_start(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur == RLIM_INFINITY)
		return RLIM_INFINITY;
	if (rl.rlim_cur < 4 * FD_RESERVE)
		return rl.rlim_cur / 2;
	return rl.rlim_cur - FD_RESERVE;
}

/*
 * The kernel hands out the lowest free number, so a descriptor at or
 * above the reserve's start means that fewer than FD_RESERVE are left.
 */
bool
sockprobed_fd_fits(int fd)
{
	return fd >= 0 && (rlim_t)fd < fd_reserve_start();
}

/* A duplicate of fd takes the number the next socket would get. */
bool
sockprobed_fd_room(int fd)
{
	int	probe;
	bool	fits;

	if ((probe = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return false;
	fits = sockprobed_fd_fits(probe);
	(void)close(probe);
	return fits;
}

/*
 * The event base with the backend the operator chose: libevent picks
 * the backend by elimination, so every other method is avoided.
 */
static struct event_base *
base_new(enum event_backend backend)
{
	static const char *const methods[] = { "epoll", "poll", "select" };
	struct event_config	*cfg;
	struct event_base	*base;
	const char		*want = NULL;
	size_t			 i;

	if ((cfg = event_config_new()) == NULL)
		fatalx("event_config_new failed");
	if (backend != BACKEND_AUTO) {
		want = conf_backend_name(backend);
		for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
			if (strcmp(methods[i], want) != 0)
				(void)event_config_avoid_method(cfg,
				    methods[i]);
	}
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (base == NULL)
		fatalx("event base: backend %s unavailable",
		    want != NULL ? want : "auto");
	if (want != NULL && strcmp(event_base_get_method(base), want) != 0)
		fatalx("event base: asked for %s, libevent chose %s", want,
		    event_base_get_method(base));
	return base;
}

/* SIGHUP reloads; SIGTERM and SIGINT stop cleanly. */
static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct sockprobed	*sd = arg;
	struct conf_errors	 errs = { 0 };
	size_t			 i;

	(void)what;
	if (sig == SIGHUP) {
		if (sockprobed_reload(sd, &errs) == -1) {
			for (i = 0; i < errs.n; i++)
				log_warnx("reload refused: %s", errs.lines[i]);
			conf_errors_clear(&errs);
		}
		return;
	}
	log_info("received %s, stopping", sig == SIGTERM ? "SIGTERM" :
	    "SIGINT");
	stop(sd);
}

/*
 * Every 100 ms: the TCP_INFO sweep (each target keeps its own interval),
 * forgetting departed inbound peers, and STATUS= when counts changed:
 * at most ten times a second, however many events came.
 */
static void
poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sockprobed	*sd = arg;

	(void)fd;
	(void)what;
	target_poll_all(sd);
	listener_forget(sd);
	if (sd->status_dirty) {
		sd->status_dirty = false;
		notify_status(sd);
	}
}

static int
check_config(const char *path)
{
	struct conf_errors	 errs = { 0 };
	struct conf		*c;
	size_t			 i;

	c = path != NULL ? conf_check(path, &errs) : conf_new();
	if (c == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.lines[i]);
		conf_errors_clear(&errs);
		return 1;
	}
	conf_print(c, stdout);
	conf_free(c);
	return 0;
}

/* Targets and listeners from the running configuration. */
static void
start(struct sockprobed *sd)
{
	struct target_conf	*tc;
	struct timeval		 tv = { 0, 100000 };

	/* Listeners first: a target may point at one of our own. */
	while ((tc = TAILQ_FIRST(&sd->conf->listens)) != NULL) {
		TAILQ_REMOVE(&sd->conf->listens, tc, entry);
		if (listener_start(sd, tc) == -1)
			fatalx("listen %s: cannot start", tc->name);
	}
	while ((tc = TAILQ_FIRST(&sd->conf->targets)) != NULL) {
		TAILQ_REMOVE(&sd->conf->targets, tc, entry);
		target_start(target_new(sd, tc));
	}
	sd->ev_poll = event_new(sd->base, -1, EV_PERSIST, poll_cb, sd);
	if (sd->ev_poll == NULL || event_add(sd->ev_poll, &tv) == -1)
		fatalx("poll timer");
	survey_start(sd);
}

/* Close every connection cleanly and leave the loop. */
static void
stop(struct sockprobed *sd)
{
	struct target	*t;
	struct listener	*l;

	if (sd->stopping)
		return;
	sd->stopping = true;
	notify_stopping();
	while ((l = TAILQ_FIRST(&sd->listeners)) != NULL) {
		TAILQ_REMOVE(&sd->listeners, l, entry);
		listener_free(l);
	}
	while ((t = TAILQ_FIRST(&sd->targets)) != NULL) {
		TAILQ_REMOVE(&sd->targets, t, entry);
		target_free(t);
	}
	control_free(sd);
	survey_free(sd);
	metrics_free(sd);
	event_base_loopbreak(sd->base);
}

/*
 * Free what main() made, after the loop or when the start failed (a
 * sanitizer or valgrind then reports nothing; stop() has already freed
 * the control socket and the endpoint on the normal path).
 */
static void
teardown(struct sockprobed *sd)
{
	metrics_free(sd);
	control_free(sd);
	if (sd->ev_poll != NULL)
		event_free(sd->ev_poll);
	if (sd->ev_watchdog != NULL)
		event_free(sd->ev_watchdog);
	event_free(sd->ev_sighup);
	event_free(sd->ev_sigterm);
	event_free(sd->ev_sigint);
	if (sd->dns != NULL)
		evdns_base_free(sd->dns, 0);
	conf_free(sd->conf);
	event_base_free(sd->base);
}

/* Whether two sections would print alike: then the connection stays. */
static bool
target_conf_same(const struct conf *ca, const struct target_conf *a,
    const struct conf *cb, const struct target_conf *b)
{
	char	*ta = NULL, *tb = NULL;
	size_t	 la = 0, lb = 0;
	FILE	*fa, *fb;
	bool	 same;

	if ((fa = open_memstream(&ta, &la)) == NULL)
		return false;
	if ((fb = open_memstream(&tb, &lb)) == NULL) {
		fclose(fa);
		free(ta);
		return false;
	}
	/* Every key, so a changed [defaults] counts too. */
	conf_print_section(ca, a, fa, true);
	conf_print_section(cb, b, fb, true);
	fclose(fa);
	fclose(fb);
	same = la == lb && memcmp(ta, tb, la) == 0;
	free(ta);
	free(tb);
	return same;
}

/*
 * Outbound targets after a reload: gone ones are closed, new ones start,
 * changed ones restart, unchanged ones keep their connection.
 */
static void
apply_targets(struct sockprobed *sd, struct conf *nc)
{
	struct target		*t, *next;
	struct target_conf	*tc;
	struct nameidx		 idx = { 0 };
	bool			 indexed = true;

	/* By name in O(1): a reload of many targets stays linear. */
	TAILQ_FOREACH(tc, &nc->targets, entry)
		if (nameidx_add(&idx, tc) == -1)
			indexed = false;
	TAILQ_FOREACH_SAFE(t, &sd->targets, entry, next) {
		if (t->kind != TARGET_OUTBOUND)
			continue;
		tc = indexed ? nameidx_find(&idx, t->name) :
		    conf_find_target(nc, t->name);
		if (tc != NULL && target_conf_same(sd->conf, t->conf, nc, tc)) {
			TAILQ_REMOVE(&nc->targets, tc, entry);
			conf_target_release(tc);
			continue;
		}
		TAILQ_REMOVE(&sd->targets, t, entry);
		target_free(t);
	}
	nameidx_free(&idx);
	while ((tc = TAILQ_FIRST(&nc->targets)) != NULL) {
		TAILQ_REMOVE(&nc->targets, tc, entry);
		target_start(target_new(sd, tc));
	}
}

/* Listeners after a reload, by the same rule as targets. */
static void
apply_listeners(struct sockprobed *sd, struct conf *nc)
{
	struct listener		*l, *next;
	struct target_conf	*tc, *found;

	TAILQ_FOREACH_SAFE(l, &sd->listeners, entry, next) {
		found = NULL;
		TAILQ_FOREACH(tc, &nc->listens, entry)
			if (strcmp(tc->name, l->conf->name) == 0)
				found = tc;
		if (found != NULL &&
		    target_conf_same(sd->conf, l->conf, nc, found)) {
			TAILQ_REMOVE(&nc->listens, found, entry);
			conf_target_release(found);
			continue;
		}
		TAILQ_REMOVE(&sd->listeners, l, entry);
		listener_free(l);
	}
	while ((tc = TAILQ_FIRST(&nc->listens)) != NULL) {
		TAILQ_REMOVE(&nc->listens, tc, entry);
		if (listener_start(sd, tc) == -1) {
			log_warnx("listen %s: not started", tc->name);
			conf_target_release(tc);
		}
	}
}

/* Re-read the file and apply it; a bad file changes nothing. */
int
sockprobed_reload(struct sockprobed *sd, struct conf_errors *errs)
{
	struct conf	*nc;

	notify_reloading();
	nc = sd->conf_path != NULL ? conf_load(sd->conf_path, errs) :
	    conf_new();
	if (nc == NULL) {
		sd->reload_failures++;
		notify_ready(sd);
		return -1;
	}
	/* The endpoint first: an address that cannot be bound refuses all. */
	if (metrics_reload(sd, nc, errs) == -1) {
		conf_free(nc);
		sd->reload_failures++;
		notify_ready(sd);
		return -1;
	}
	if (strcmp(nc->daemon.control_socket,
	    sd->conf->daemon.control_socket) != 0 ||
	    nc->daemon.event_backend != sd->conf->daemon.event_backend)
		log_warnx("reload: control_socket and event_backend take "
		    "effect at the next start");
	log_setlevel(nc->daemon.log_level);
	apply_targets(sd, nc);
	apply_listeners(sd, nc);
	/* The new [daemon] and [defaults] stay; sections now live in targets. */
	conf_free(sd->conf);
	sd->conf = nc;
	survey_start(sd);
	sd->reloads++;
	log_info("reloaded %s", sd->conf_path != NULL ? sd->conf_path :
	    "built-in defaults");
	notify_ready(sd);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct sockprobed	 sd = { 0 };
	struct conf_errors	 errs = { 0 };
	bool			 check = false, debug = false;
	size_t			 i;
	int			 ch;

	while ((ch = getopt_long(argc, argv, "c:dhns:V", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			sd.conf_path = optarg;
			break;
		case 'd':
			debug = true;
			break;
		case 'h':
			usage(stdout, 0);
		case 'n':
			check = true;
			break;
		case 's':
			sd.socket_override = optarg;
			break;
		case 'V':
			printf("sockprobed %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc)
		usage(stderr, 2);
	if (check)
		return check_config(sd.conf_path);

	sd.conf = sd.conf_path != NULL ? conf_load(sd.conf_path, &errs) :
	    conf_new();
	if (sd.conf == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.lines[i]);
		conf_errors_clear(&errs);
		return 1;
	}
	log_init(debug ? LOG_DEBUG : sd.conf->daemon.log_level);
	/* Writes use MSG_NOSIGNAL; this catches any write() that does not. */
	if (sp_sigpipe_set(SP_SIGPIPE_IGNORE) == -1)
		fatal("SIGPIPE");
	clock_gettime(CLOCK_REALTIME, &sd.started);
	TAILQ_INIT(&sd.targets);
	TAILQ_INIT(&sd.listeners);
	sd.base = base_new(sd.conf->daemon.event_backend);
	if ((sd.dns = evdns_base_new(sd.base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL)
		log_warnx("dns: no nameservers; only numeric addresses work");
	sd.ev_sighup = evsignal_new(sd.base, SIGHUP, signal_cb, &sd);
	sd.ev_sigterm = evsignal_new(sd.base, SIGTERM, signal_cb, &sd);
	sd.ev_sigint = evsignal_new(sd.base, SIGINT, signal_cb, &sd);
	if (sd.ev_sighup == NULL || sd.ev_sigterm == NULL ||
	    sd.ev_sigint == NULL || event_add(sd.ev_sighup, NULL) == -1 ||
	    event_add(sd.ev_sigterm, NULL) == -1 ||
	    event_add(sd.ev_sigint, NULL) == -1)
		fatalx("signal events");
	/* Before the control socket, which a failure here would leave. */
	if (metrics_init(&sd) == -1 || control_init(&sd) == -1) {
		teardown(&sd);
		return 1;
	}
	start(&sd);
	(void)notify_watchdog_init(&sd);
	log_info("started with %s, %zu targets, %s backend",
	    sd.conf_path != NULL ? sd.conf_path : "built-in defaults",
	    sd.ntargets, event_base_get_method(sd.base));
	notify_ready(&sd);
	if (event_base_dispatch(sd.base) == -1)
		fatalx("event loop failed");
	teardown(&sd);
	log_info("stopped");
	return 0;
}
