/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sockprobectl selftest: as root, kill connections every way in a
 * scratch network namespace and time how long each technique takes to
 * notice on this kernel, next to what explain predicts.  This file runs
 * it: preconditions, signals and cleanup on every path, the scenarios
 * side by side in threads, the judgement and the two renderers.
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/utsname.h>

#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "sockprobe.h"
#include "proto.h"
#include "sockprobectl.h"
#include "selftest.h"

/* Past every scenario's own deadline: only a bug gets here. */
#define ST_RUN_LIMIT_US		(40 * 1000000LL)

static void	 st_signal_cb(int);
static void	 st_signals(struct selftest *);
static void	 st_init(struct selftest *);
static void	 st_stop(struct selftest *);
static void	 st_cleanup(struct selftest *);
static void	 st_atexit(void);
static void	 st_check_signal(struct selftest *);
static void	 st_fail(struct selftest *, const char *, ...)
		    __attribute__((format(printf, 2, 3), noreturn));
static void	*st_thread(void *);
static void	 st_run(struct selftest *);
static bool	 st_judge(const struct st_scn *, char *, size_t);
static json_t	*st_scn_json(const struct st_scn *);
static json_t	*st_json(const struct selftest *, int64_t);
static void	 st_render_predictions(const json_t *);
static void	 st_render_misses(const json_t *);
static void	 st_render(const json_t *);
static int	 st_exit_status(const json_t *, const struct selftest *);

/* One run per process: the signal handler and atexit() reach it here. */
static struct selftest		 st_the;
static volatile sig_atomic_t	 st_sig;
static volatile int		 st_wake_fd = -1;

/* Now on CLOCK_MONOTONIC, in microseconds: every time the run takes. */
int64_t
st_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The signal that asked us to stop, 0 if none: for waits to notice. */
int
st_interrupted(void)
{
	return st_sig;
}

/* Only note the signal and wake the main loop; it cleans up. */
static void
st_signal_cb(int sig)
{
	int	saved = errno;
	ssize_t	n = 0;

	st_sig = sig;
	if (st_wake_fd != -1)
		n = write(st_wake_fd, "s", 1);
	(void)n;
	errno = saved;
}

/*
 * SIGINT, SIGTERM and SIGHUP stop the run; no SA_RESTART, so that a
 * wait in the main thread returns at once.  SIGPIPE is ignored: a
 * command that dies before reading its script must not kill us.
 */
static void
st_signals(struct selftest *st)
{
	struct sigaction	sa;
	static const int	sigs[] = { SIGINT, SIGTERM, SIGHUP };
	size_t			i;

	st_wake_fd = st->wake[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = st_signal_cb;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) == -1)
			err(EXIT_USAGE, "sigaction");
	(void)signal(SIGPIPE, SIG_IGN);
}

static void
st_init(struct selftest *st)
{
	size_t	i;

	memset(st, 0, sizeof(*st));
	st_net_init(&st->net);
	for (i = 0; i < ST__PORTS; i++)
		st->listen_fd[i] = -1;
	for (i = 0; i < ST_NSCN; i++)
		st_scn_init(&st->scn[i], &st_defs[i]);
	if (pipe2(st->wake, O_CLOEXEC | O_NONBLOCK) == -1 ||
	    pipe2(st->stop, O_CLOEXEC) == -1)
		err(EXIT_USAGE, "pipe");
}

/*
 * Stop the scenario threads and wait for them: closing stop[1] wakes
 * every poll, shutdown() every blocking recv and send.
 */
static void
st_stop(struct selftest *st)
{
	size_t	i;

	if (st->stop[1] != -1) {
		close(st->stop[1]);
		st->stop[1] = -1;
	}
	for (i = 0; i < st->nscn; i++)
		if (st->scn[i].started && st->scn[i].t1_us < 0 &&
		    st->scn[i].fd != -1)
			(void)shutdown(st->scn[i].fd, SHUT_RDWR);
	for (i = 0; i < st->nscn; i++) {
		if (st->scn[i].started)
			(void)pthread_join(st->scn[i].thread, NULL);
		st->scn[i].started = false;
	}
}

/*
 * Undo everything, whatever was built: threads, sockets, the kill peer,
 * the listeners, the veth pair and the namespace.  Runs once, from the
 * normal path, an error exit (atexit) or a signal.
 */
static void
st_cleanup(struct selftest *st)
{
	size_t	i;

	if (st->cleaned)
		return;
	st->cleaned = true;
	st_stop(st);
	for (i = 0; i < ST_NSCN; i++)
		st_scn_free(&st->scn[i]);
	for (i = 0; i < ST__PORTS; i++)
		if (st->listen_fd[i] != -1) {
			close(st->listen_fd[i]);
			st->listen_fd[i] = -1;
		}
	st_net_destroy(&st->net);
}

static void
st_atexit(void)
{
	st_cleanup(&st_the);
}

/*
 * A signal arrived: clean up, then die of it, as an interrupted
 * command should, so that the shell sees 128 + its number.
 */
static void
st_check_signal(struct selftest *st)
{
	int	sig = st_sig;

	if (sig == 0)
		return;
	st_cleanup(st);
	fprintf(stderr, "sockprobectl: selftest: interrupted by %s; the "
	    "scratch network is removed\n", strsignal(sig));
	(void)signal(sig, SIG_DFL);
	(void)raise(sig);
	_exit(128 + sig);
}

/*
 * Setup failed: an environment error, exit 2 after cleaning up (by the
 * atexit handler), unless a signal caused it.
 */
static void
st_fail(struct selftest *st, const char *fmt, ...)
{
	va_list	ap;
	char	msg[512];

	st_check_signal(st);
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errx(EXIT_USAGE, "selftest: %s", msg);
}

/* One scenario's death and detection; tells the main loop when done. */
static void *
st_thread(void *arg)
{
	struct st_scn	*s = arg;
	ssize_t		 n;

	s->def->run(&st_the, s);
	n = write(st_the.wake[1], "d", 1);
	(void)n;
	return NULL;
}

/*
 * The cut, then every scenario at once, each in a thread of its own
 * (some block in recv or send under their socket deadlines).  Signals
 * stay with the main thread, which waits for the threads or a signal.
 */
static void
st_run(struct selftest *st)
{
	sigset_t	 block, old;
	struct pollfd	 pfd;
	char		 msg[ST_ERR_MAX], buf[64];
	size_t		 i, done = 0;
	ssize_t		 n, j;
	int64_t		 limit;

	if (st_net_cut(&st->net, ntohs(st->listen_sa[ST_SILENT].sin_port),
	    msg, sizeof(msg)) == -1)
		st_fail(st, "%s", msg);
	st->cut_us = st_now_us();
	st_check_signal(st);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 0; i < st->nscn; i++) {
		if (pthread_create(&st->scn[i].thread, NULL, st_thread,
		    &st->scn[i]) != 0) {
			snprintf(st->scn[i].error, sizeof(st->scn[i].error),
			    "pthread_create failed");
			done++;
			continue;
		}
		st->scn[i].started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	limit = st->cut_us + ST_RUN_LIMIT_US;
	while (done < st->nscn && st_sig == 0 && st_now_us() < limit) {
		pfd = (struct pollfd){ .fd = st->wake[0], .events = POLLIN };
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		while ((n = read(st->wake[0], buf, sizeof(buf))) > 0)
			for (j = 0; j < n; j++)
				if (buf[j] == 'd')
					done++;
	}
	st_stop(st);
	st_check_signal(st);
}

/*
 * Whether a scenario met its prediction: the expected cause and
 * technique, and a latency within 20 % + 100 ms of the model's.  If
 * not, why, in reason.
 */
static bool
st_judge(const struct st_scn *s, char *reason, size_t len)
{
	const struct st_def	*d = s->def;
	int64_t			 diff, margin;

	reason[0] = '\0';
	if (s->error[0] != '\0')
		snprintf(reason, len, "%s", s->error);
	else if (s->t1_us < 0)
		snprintf(reason, len, "nothing noticed the death long past "
		    "the prediction");
	else if (s->v.cause != d->cause || s->v.technique != d->tech)
		snprintf(reason, len, "expected %s by %s, saw %s by %s: %s",
		    sp_cause_name(d->cause), sp_technique_name(d->tech),
		    sp_cause_name(s->v.cause),
		    sp_technique_name(s->v.technique), s->v.detail);
	else if (d->ti_cause != SP_CAUSE_NONE &&
	    (!s->has_ti || s->ti_v.cause != d->ti_cause))
		snprintf(reason, len, "TCP_INFO says %s, expected %s",
		    s->has_ti ? sp_cause_name(s->ti_v.cause) : "nothing",
		    sp_cause_name(d->ti_cause));
	else if (s->model_tech != d->tech || s->model_cause != d->cause)
		snprintf(reason, len, "the model names %s by %s",
		    sp_cause_name(s->model_cause),
		    sp_technique_name(s->model_tech));
	else if (s->predicted_us < 0)
		snprintf(reason, len, "the model says it is never noticed");
	else {
		diff = s->t1_us - s->t0_us - s->predicted_us;
		margin = s->predicted_us * ST_MARGIN_PCT / 100 + ST_MARGIN_US;
		if (diff > margin || -diff > margin)
			snprintf(reason, len, "%lld ms %s than predicted, more "
			    "than %d %% + %d ms", (long long)(diff < 0 ?
			    -diff : diff) / 1000, diff < 0 ? "sooner" :
			    "later", ST_MARGIN_PCT, ST_MARGIN_US / 1000);
	}
	return reason[0] == '\0';
}

/* One scenario as data: what died, what saw it, when, and the verdict. */
static json_t *
st_scn_json(const struct st_scn *s)
{
	json_t	*o;
	char	 reason[ST_ERR_MAX + SP_DETAIL_MAX];
	bool	 ok;

	ok = st_judge(s, reason, sizeof(reason));
	o = xjson(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "name", s->def->name,
	    "death", s->def->death,
	    "expected_technique", sp_technique_name(s->def->tech),
	    "expected_cause", sp_cause_name(s->def->cause),
	    "technique", sp_technique_name(s->v.technique),
	    "cause", sp_cause_name(s->v.cause),
	    "error", proto_errno_name(s->v.error),
	    "tcp_state", sp_tcp_state_name(s->v.tcp_state),
	    "detail", s->v.detail));
	if (s->has_ti) {
		json_object_set_new(o, "tcp_info_cause",
		    xjson(json_string(sp_cause_name(s->ti_v.cause))));
		json_object_set_new(o, "tcp_info_detail",
		    xjson(json_string(s->ti_v.detail)));
	}
	json_object_set_new(o, "measured_us", s->t1_us < 0 ? json_null() :
	    xjson(json_integer(s->t1_us - s->t0_us)));
	json_object_set_new(o, "predicted_us", s->predicted_us < 0 ?
	    json_null() : xjson(json_integer(s->predicted_us)));
	json_object_set_new(o, "margin_us", xjson(json_integer(
	    (s->predicted_us > 0 ? s->predicted_us : 0) * ST_MARGIN_PCT /
	    100 + ST_MARGIN_US)));
	json_object_set_new(o, "predicted_by", xjson(json_string(
	    s->def->mode == SP_FAIL__MAX ? "rtt" :
	    sp_failure_name(s->def->mode))));
	json_object_set_new(o, "model", xjson(json_string(s->how)));
	json_object_set_new(o, "explain", s->explain[0] == '\0' ?
	    json_null() : xjson(json_string(s->explain)));
	json_object_set_new(o, "verdict", xjson(json_string(ok ? "ok" :
	    "MISS")));
	json_object_set_new(o, "reason", xjson(json_string(reason)));
	return o;
}

/* The whole run as one object, for both renderers. */
static json_t *
st_json(const struct selftest *st, int64_t started)
{
	struct utsname	 u;
	json_t		*root, *arr, *o;
	char		 host[INET_ADDRSTRLEN], peer[INET_ADDRSTRLEN];
	size_t		 i, passed = 0;

	if (uname(&u) == -1)
		snprintf(u.release, sizeof(u.release), "unknown");
	inet_ntop(AF_INET, &st->net.host_ip, host, sizeof(host));
	inet_ntop(AF_INET, &st->net.peer_ip, peer, sizeof(peer));
	arr = xjson(json_array());
	for (i = 0; i < st->nscn; i++) {
		o = st_scn_json(&st->scn[i]);
		if (strcmp(json_string_value(json_object_get(o, "verdict")),
		    "ok") == 0)
			passed++;
		json_array_append_new(arr, o);
	}
	root = xjson(json_pack("{s:s, s:{s:s, s:s, s:s, s:i, s:i}, "
	    "s:{s:i, s:i}, s:o, s:i, s:i, s:I}",
	    "kernel", u.release,
	    "network", "host_if", st->net.host_if, "host_address", host,
	    "peer_address", peer,
	    "live_port", ntohs(st->listen_sa[ST_LIVE].sin_port),
	    "silent_port", ntohs(st->listen_sa[ST_SILENT].sin_port),
	    "margin", "percent", ST_MARGIN_PCT, "plus_ms",
	    ST_MARGIN_US / 1000,
	    "scenarios", arr,
	    "passed", (int)passed,
	    "missed", (int)(st->nscn - passed),
	    "elapsed_ms", (json_int_t)((st_now_us() - started) / 1000)));
	return root;
}

/* How each prediction was made, with the explain command behind it. */
static void
st_render_predictions(const json_t *scns)
{
	const json_t	*s;
	const char	*explain;
	struct kv	*kv = kv_new();
	size_t		 i;

	output_section("Predictions");
	json_array_foreach(scns, i, s) {
		explain = json_string_value(json_object_get(s, "explain"));
		kv_add(kv, json_string_value(json_object_get(s, "name")),
		    COLOR_NONE, "%s%s%s", json_string_value(json_object_get(s,
		    "model")), explain != NULL ? "\n$ " : "",
		    explain != NULL ? explain : "");
	}
	kv_print(kv);
	kv_free(kv);
}

/* Why each scenario that missed did. */
static void
st_render_misses(const json_t *scns)
{
	const json_t	*s;
	struct kv	*kv = kv_new();
	size_t		 i;

	output_section("Misses");
	json_array_foreach(scns, i, s)
		if (strcmp(json_string_value(json_object_get(s, "verdict")),
		    "ok") != 0)
			kv_add(kv, json_string_value(json_object_get(s,
			    "name")), COLOR_RED, "%s", json_string_value(
			    json_object_get(s, "reason")));
	kv_print(kv);
	kv_free(kv);
}

/* For people: the network, the table, the predictions, the misses. */
static void
st_render(const json_t *root)
{
	static const struct column cols[] = {
		{ "SCENARIO", "name", 0 },
		{ "DEATH", "death", 0 },
		{ "SEEN BY", "technique", 0 },
		{ "CAUSE", "cause", COL_CAUSE },
		{ "MEASURED", "measured_us", COL_US },
		{ "PREDICTED", "predicted_us", COL_US },
		{ "VERDICT", "verdict", 0 },
	};
	const json_t	*net = json_object_get(root, "network");
	const json_t	*scns = json_object_get(root, "scenarios");
	struct kv	*kv = kv_new();

	output_section("Scratch network (removed)");
	kv_add(kv, "kernel", COLOR_NONE, "%s", json_string_value(
	    json_object_get(root, "kernel")));
	kv_add(kv, "veth", COLOR_NONE, "%s %s <-> %s in an anonymous "
	    "namespace", json_string_value(json_object_get(net, "host_if")),
	    json_string_value(json_object_get(net, "host_address")),
	    json_string_value(json_object_get(net, "peer_address")));
	kv_add(kv, "margin", COLOR_NONE, "%d %% of the prediction + %d ms",
	    ST_MARGIN_PCT, ST_MARGIN_US / 1000);
	kv_print(kv);
	kv_free(kv);
	output_section("Time from the death to the verdict");
	output_table(cols, sizeof(cols) / sizeof(cols[0]), scns);
	st_render_predictions(scns);
	if (json_integer_value(json_object_get(root, "missed")) > 0)
		st_render_misses(scns);
	printf("\n%lld of %zu within %d %% + %d ms of the prediction, in "
	    "%.1f s\n", (long long)json_integer_value(json_object_get(root,
	    "passed")), json_array_size(scns), ST_MARGIN_PCT,
	    ST_MARGIN_US / 1000, (double)json_integer_value(json_object_get(
	    root, "elapsed_ms")) / 1000.0);
}

/*
 * 0 if every scenario met its prediction, 1 if any missed, 2 if a
 * system call failed inside a scenario (the host, not the kernel's
 * timing, is to blame).
 */
static int
st_exit_status(const json_t *root, const struct selftest *st)
{
	size_t	i;

	for (i = 0; i < st->nscn; i++)
		if (st->scn[i].error[0] != '\0')
			return EXIT_USAGE;
	return json_integer_value(json_object_get(root, "missed")) > 0 ?
	    EXIT_DOWN : EXIT_OK;
}

/* selftest: build, kill, time, judge, clean up, report. */
int
selftest_main(struct ctl *ctl, int argc, char **argv)
{
	struct selftest	*st = &st_the;
	struct st_scn	*s;
	char		 msg[ST_ERR_MAX];
	int64_t		 started = st_now_us();
	json_t		*root;
	int		 rc;

	(void)argc;
	(void)argv;
	if (geteuid() != 0)
		errx(EXIT_USAGE, "selftest: must be run as root: it builds a "
		    "network namespace, a veth pair and nftables rules");
	st_init(st);
	if (st_net_tools(&st->net, msg, sizeof(msg)) == -1)
		errx(EXIT_USAGE, "selftest: %s", msg);
	if (sp_kernel_read(NULL, &st->kernel) == -1)
		err(EXIT_USAGE, "selftest: /proc/sys/net/ipv4");
	st_signals(st);
	if (atexit(st_atexit) != 0)
		errx(EXIT_USAGE, "selftest: atexit failed");
	if (st_net_build(&st->net, msg, sizeof(msg)) == -1)
		st_fail(st, "%s", msg);
	st_check_signal(st);
	if (st_scn_listen(st, msg, sizeof(msg)) == -1)
		st_fail(st, "%s", msg);
	for (st->nscn = 0; st->nscn < ST_NSCN; st->nscn++) {
		s = &st->scn[st->nscn];
		if (s->def->setup(st, s) == -1)
			st_fail(st, "%s: %s", s->def->name, s->error);
		st_check_signal(st);
	}
	st_run(st);
	st_cleanup(st);
	st_check_signal(st);		/* a late ^C still means stop */
	root = st_json(st, started);
	if (ctl->json)
		output_json(root);
	else
		st_render(root);
	rc = st_exit_status(root, st);
	json_decref(root);
	return rc;
}
