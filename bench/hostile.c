/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sp-hostile: the real sockprobed against hostile control clients.  While
 * a legitimate client asks `status` every few milliseconds and the
 * daemon's memory is sampled, it sends malformed requests (each must earn
 * its error code, on a connection that stays), lines over the limit
 * (request_too_long, then a drop), a flood of clients connecting at once
 * (all but CTL_MAX_CLIENTS refused with too_many_clients), and keeps
 * clients that never send, stall in the middle of a line, or never read
 * the watch stream of targets that flap.  It prints the status latency
 * and the memory figures and exits 0 only when every answer was right,
 * the legitimate client was always answered, the memory stayed within
 * bounds and the daemon outlived it all.  --quick is the make check test
 * (no timing asserted); the full run is `make hostile`.
 */

#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"
#include "proto.h"

#define START_S		10	/* for the daemon to answer hello */
#define STOP_S		10	/* for it to exit after SIGTERM */
#define IDLE_MARGIN_MS	5000	/* past CTL_IDLE_MS, for the drop */
/* Lost descriptors, growing buffers: the quick run's memory allowance. */
#define QUICK_GROWTH_KB	(64 * 1024)

/* The quiet rule breakers, held open from before the attack to its end. */
struct quiet {
	struct hconn	*c;
	size_t		 n;
	int64_t		 opened;
};

static const struct option longopts[] = {
	{ "sockprobed",	required_argument,	NULL,	'd' },
	{ "out",	required_argument,	NULL,	'o' },
	{ "quick",	no_argument,		NULL,	'q' },
	{ "rss-growth-mb", required_argument,	NULL,	'm' },
	{ "reply-ms",	required_argument,	NULL,	'r' },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

static int		 peer_fd = -1;
static atomic_bool	 peer_stop;
static char		 tmpdir[] = "/tmp/sp-hostile.XXXXXX";
static char		 tmpfiles[3][64];	/* conf, socket, log */
static volatile sig_atomic_t made_tmpdir;

static void	usage(FILE *, int) __attribute__((noreturn));
static void	options(int, char **, struct hopts *);
static void	*peer_main(void *);
static uint16_t	peer_start(pthread_t *);
static void	write_conf(const struct hopts *, const char *, uint16_t);
static pid_t	daemon_start(const struct hopts *, const char *, const char *,
		    const char *);
static void	daemon_stop(pid_t, struct hresults *);
static void	quiet_open(const char *, struct quiet *, size_t, const char *);
static void	quiet_idle(const struct hopts *, struct quiet *, size_t *,
		    struct hresults *);
static void	quiet_watchers(struct quiet *, struct hresults *);
static void	quiet_close(struct quiet *);
static int	cmp_ns(const void *, const void *);
static size_t	window(const struct hresults *, int64_t, int64_t,
		    double[3]);
static void	slowest(const struct hresults *, int64_t);
static bool	report(const struct hopts *, struct hresults *, FILE *);
static void	cleanup(void);
static void	terminate(int);
static void	log_tail(const char *);

/* CLOCK_MONOTONIC in ns. */
int64_t
h_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * H_NS_S + ts.tv_nsec;
}

/* A progress line on stderr with -v. */
void
h_log(const struct hopts *o, const char *fmt, ...)
{
	va_list	ap;

	if (!o->verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "sp-hostile: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: sp-hostile --sockprobed PATH [--quick] "
	    "[--out FILE] [--rss-growth-mb N]\n"
	    "                  [--reply-ms N] [-v]\n");
	exit(status);
}

static void
options(int argc, char **argv, struct hopts *o)
{
	int	ch;

	*o = (struct hopts){ .requests = 10000, .workers = 8, .overlong = 10,
	    .flood = 1000, .silent = 20, .stallers = 20, .watchers = 20,
	    .targets = 50, .rss_growth_kb = -1, .reply_ms = 5000,
	    .wait_idle = true };
	while ((ch = getopt_long(argc, argv, "d:o:qm:r:vh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			o->sockprobed = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'q':
			o->quick = true;
			break;
		case 'm':
			o->rss_growth_kb = strtol(optarg, NULL, 10) * 1024;
			break;
		case 'r':
			o->reply_ms = (int)strtol(optarg, NULL, 10);
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout, 0);
		default:
			usage(stderr, 2);
		}
	}
	if (o->sockprobed == NULL || optind != argc || o->reply_ms <= 0)
		usage(stderr, 2);
	if (o->quick) {
		o->requests = 1000;
		o->workers = 4;
		o->overlong = 3;
		o->flood = 200;
		o->silent = o->stallers = o->watchers = 5;
		o->targets = 10;
		o->wait_idle = false;
		o->min_run_ms = 3000;
		if (o->rss_growth_kb < 0)
			o->rss_growth_kb = QUICK_GROWTH_KB;
	}
}

/* The targets' peer: accepts and closes at once, so each target flaps. */
static void *
peer_main(void *arg)
{
	struct pollfd	pfd = { .fd = peer_fd, .events = POLLIN };
	int		fd;

	(void)arg;
	while (!atomic_load(&peer_stop)) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		while ((fd = accept4(peer_fd, NULL, NULL, SOCK_NONBLOCK)) != -1)
			close(fd);
	}
	return NULL;
}

static uint16_t
peer_start(pthread_t *t)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((peer_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    bind(peer_fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(peer_fd, 1024) == -1 ||
	    getsockname(peer_fd, (struct sockaddr *)&sin, &len) == -1) {
		perror("sp-hostile: peer");
		exit(2);
	}
	atomic_store(&peer_stop, false);
	if (pthread_create(t, NULL, peer_main, NULL) != 0) {
		fprintf(stderr, "sp-hostile: pthread_create failed\n");
		exit(2);
	}
	return ntohs(sin.sin_port);
}

/*
 * Targets that connect, are closed at once and reconnect within 200 ms:
 * a steady stream of events for the watchers that do not read.  No
 * metrics endpoint, no fresh checks, health events not logged.
 */
static void
write_conf(const struct hopts *o, const char *path, uint16_t port)
{
	FILE	*fp;
	size_t	 i;

	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		exit(2);
	}
	fprintf(fp, "; generated by sp-hostile\n[daemon]\nmetrics_listen =\n"
	    "log_level = warning\n\n[defaults]\ncheck_interval = 0\n"
	    "reconnect_min = 100ms\nreconnect_max = 200ms\n");
	for (i = 0; i < o->targets; i++)
		fprintf(fp, "\n[target t%zu]\naddress = 127.0.0.1:%u\n", i,
		    (unsigned)port);
	if (fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
}

/* sockprobed on its own socket, its stderr in log; up within START_S. */
static pid_t
daemon_start(const struct hopts *o, const char *conf, const char *sock,
    const char *log)
{
	struct hconn	 c;
	char		*line;
	int64_t		 end = h_now() + START_S * H_NS_S;
	pid_t		 pid;
	int		 fd;

	if ((pid = fork()) == -1) {
		perror("sp-hostile: fork");
		exit(2);
	}
	if (pid == 0) {
		/* Killed with us (a test's timeout), never left behind. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 ||
		    getppid() == 1 ||
		    (fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
		    dup2(fd, STDERR_FILENO) == -1)
			_exit(127);
		execl(o->sockprobed, o->sockprobed, "-c", conf, "-s", sock,
		    (char *)NULL);
		_exit(127);
	}
	while (h_now() < end) {
		if (hconn_open(&c, sock) == 0) {
			line = NULL;
			if (hconn_send(&c, "{\"cmd\":\"hello\"}\n", 16) == 0)
				line = hconn_wait_line(&c, 1000);
			hconn_close(&c);
			if (line != NULL) {
				free(line);
				return pid;
			}
		}
		if (waitpid(pid, NULL, WNOHANG) == pid)
			break;
		usleep(20000);
	}
	fprintf(stderr, "sp-hostile: sockprobed did not come up (%s)\n", log);
	kill(pid, SIGKILL);
	exit(2);
}

/* Still alive?  Then SIGTERM, and it must exit 0 within STOP_S. */
static void
daemon_stop(pid_t pid, struct hresults *r)
{
	int64_t	end;
	int	status;

	if (waitpid(pid, &status, WNOHANG) != 0 || kill(pid, 0) == -1) {
		r->daemon_died = true;
		return;
	}
	kill(pid, SIGTERM);
	for (end = h_now() + STOP_S * H_NS_S; h_now() < end;
	    usleep(20000)) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			r->exit_status = WIFEXITED(status) ?
			    WEXITSTATUS(status) : 128 + WTERMSIG(status);
			return;
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	r->exit_status = -1;
}

/* n connections that send first (NULL: nothing) and never read. */
static void
quiet_open(const char *path, struct quiet *q, size_t n, const char *first)
{
	size_t	i;

	q->n = n;
	q->opened = h_now();
	if ((q->c = calloc(n + 1, sizeof(*q->c))) == NULL) {
		fprintf(stderr, "sp-hostile: out of memory\n");
		exit(2);
	}
	for (i = 0; i < n; i++) {
		if (hconn_open(&q->c[i], path) == -1) {
			perror("sp-hostile: connect");
			exit(2);
		}
		if (first != NULL)
			(void)hconn_send(&q->c[i], first, strlen(first));
	}
}

/*
 * The silent and the stalled: each must read idle_timeout, not before
 * CTL_IDLE_MS has passed since it last sent, and be closed.
 */
static void
quiet_idle(const struct hopts *o, struct quiet *q, size_t *dropped,
    struct hresults *r)
{
	const char	*code;
	char		*line;
	int64_t		 wait_ms;
	size_t		 i;
	bool		 ok;

	for (i = 0; i < q->n; i++) {
		wait_ms = (q->opened - h_now()) / H_NS_MS + CTL_IDLE_MS +
		    IDLE_MARGIN_MS;
		line = hconn_wait_line(&q->c[i], wait_ms > 0 ? (int)wait_ms :
		    1);
		code = line != NULL ? h_error_code(line, &ok) : NULL;
		if (code != NULL && strcmp(code, CTL_ERR_IDLE) == 0 &&
		    hconn_wait_eof(&q->c[i], o->reply_ms)) {
			(*dropped)++;
			if (h_now() - q->opened < (CTL_IDLE_MS - 100) *
			    H_NS_MS)
				r->idle_early++;
		} else
			fprintf(stderr, "sp-hostile: idle client: %s\n",
			    line != NULL ? line : "no idle_timeout");
		free(line);
	}
}

/*
 * The watchers that never read: now read what the daemon queued for
 * them.  Dropped at CTL_MAX_OUTPUT unread, or still connected.
 */
static void
quiet_watchers(struct quiet *q, struct hresults *r)
{
	char	*line;
	size_t	 i;
	int	 rc;

	for (i = 0; i < q->n; i++) {
		do {
			while ((line = hconn_line(&q->c[i])) != NULL) {
				r->watch_events++;
				free(line);
			}
			rc = hconn_fill(&q->c[i]);
		} while (rc == 1);
		if (q->c[i].eof)
			r->watchers_dropped++;
		else
			r->watchers_kept++;
	}
	/* The first line of each was the answer to watch itself. */
	r->watch_events -= r->watch_events >= q->n ? q->n : r->watch_events;
}

static void
quiet_close(struct quiet *q)
{
	size_t	i;

	for (i = 0; i < q->n; i++)
		hconn_close(&q->c[i]);
	free(q->c);
}

static int
cmp_ns(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The status times of requests made in [from, to): their number, and
 * p50, p99 and the maximum in ms (-1 with none).
 */
static size_t
window(const struct hresults *r, int64_t from, int64_t to, double ms[3])
{
	int64_t	*v;
	size_t	 i, n = 0;

	ms[0] = ms[1] = ms[2] = -1;
	if ((v = calloc(r->nstatus + 1, sizeof(*v))) == NULL)
		return 0;
	for (i = 0; i < r->nstatus; i++)
		if (r->status_at[i] >= from && r->status_at[i] < to)
			v[n++] = r->status_ns[i];
	if (n > 0) {
		qsort(v, n, sizeof(*v), cmp_ns);
		ms[0] = (double)v[(n - 1) / 2] / H_NS_MS;
		ms[1] = (double)v[(size_t)((double)(n - 1) * 0.99 + 0.5)] /
		    H_NS_MS;
		ms[2] = (double)v[n - 1] / H_NS_MS;
	}
	free(v);
	return n;
}

/* With -v: the five slowest status answers, and when they came. */
static void
slowest(const struct hresults *r, int64_t t0)
{
	size_t	i, k, worst[5] = { 0 }, n = 0;

	for (i = 0; i < r->nstatus; i++) {
		for (k = 0; k < n && r->status_ns[worst[k]] >= r->status_ns[i];
		    k++)
			;
		if (k == 5)
			continue;
		memmove(worst + k + 1, worst + k, (4 - k) * sizeof(*worst));
		worst[k] = i;
		if (n < 5)
			n++;
	}
	for (k = 0; k < n; k++)
		printf("     slow status: %.2f ms at %+.1f s\n",
		    (double)r->status_ns[worst[k]] / H_NS_MS,
		    (double)(r->status_at[worst[k]] - t0) / H_NS_S);
}

/*
 * The figures, as lines and into fp (markdown) when given; true when
 * every check passed.
 */
static bool
report(const struct hopts *o, struct hresults *r, FILE *fp)
{
	char	lines[12][256];
	double	atk[3], all[3];
	size_t	n = 0, i, natk, nall;
	long	growth = r->rss_peak_kb - r->rss_start_kb;
	bool	pass = true;

	natk = window(r, r->attack_start, r->attack_end, atk);
	nall = window(r, 0, INT64_MAX, all);
#define LINE(ok, ...) do {						\
	(void)snprintf(lines[n], sizeof(lines[n]), __VA_ARGS__);	\
	printf("%s %s\n", (ok) ? "ok  " : "FAIL", lines[n++]);		\
	pass = pass && (ok);						\
} while (0)
	LINE(r->answered_right == o->requests && r->workers_alive ==
	    o->workers, "malformed requests: %zu sent, %zu answered with "
	    "the right error, %zu wrong, %zu unanswered; %zu of %zu "
	    "connections still served", (size_t)r->sent,
	    (size_t)r->answered_right, (size_t)r->wrong_code,
	    (size_t)r->no_answer, r->workers_alive, o->workers);
	if (r->first_wrong[0] != '\0')
		printf("     first wrong: %s\n", r->first_wrong);
	LINE(r->overlong_dropped == o->overlong, "lines over %d bytes: %zu "
	    "of %zu answered request_too_long and dropped; a line of "
	    "exactly %d bytes served", CTL_MAX_LINE,
	    r->overlong_dropped == (size_t)-1 ? 0 : r->overlong_dropped,
	    o->overlong, CTL_MAX_LINE);
	LINE(r->flood_other == 0 && r->flood_served > 0 &&
	    r->flood_served <= r->flood_limit && r->flood_served +
	    r->flood_refused == o->flood, "clients at once: %zu connected "
	    "in %.1f s, %zu served (room for %zu), %zu refused "
	    "too_many_clients, %zu otherwise", r->flood_connected,
	    (double)r->flood_ns / H_NS_S, r->flood_served, r->flood_limit,
	    r->flood_refused, r->flood_other);
	if (o->wait_idle)
		LINE(r->silent_dropped == o->silent && r->stallers_dropped ==
		    o->stallers && r->idle_early == 0, "silent clients: "
		    "%zu of %zu, half-line clients: %zu of %zu dropped with "
		    "idle_timeout after %d ms (%zu early)", r->silent_dropped,
		    o->silent, r->stallers_dropped, o->stallers, CTL_IDLE_MS,
		    r->idle_early);
	else
		LINE(true, "silent clients: %zu, half-line clients: %zu held "
		    "through the run (idle_timeout after %d ms: full run "
		    "only)", o->silent, o->stallers, CTL_IDLE_MS);
	LINE(true, "watchers that never read: %zu dropped at %d bytes "
	    "unread, %zu still connected; %zu events queued for them",
	    r->watchers_dropped, CTL_MAX_OUTPUT, r->watchers_kept,
	    r->watch_events);
	LINE(r->status_failed == 0 && natk > 0, "status during the attack "
	    "(%.1f s): %zu answered, p50 %.2f ms, p99 %.2f ms, max %.2f ms "
	    "(target p99 <= 50 ms)", (double)(r->attack_end -
	    r->attack_start) / H_NS_S, natk, atk[0], atk[1], atk[2]);
	LINE(r->status_failed == 0 && nall > 0, "status over the whole run: "
	    "%zu answered, %zu failed; p50 %.2f ms, p99 %.2f ms, max %.2f ms",
	    nall, (size_t)r->status_failed, all[0], all[1], all[2]);
	if (o->verbose)
		slowest(r, r->attack_start - (int64_t)500 * H_NS_MS);
	LINE(o->rss_growth_kb < 0 || growth <= o->rss_growth_kb,
	    "daemon RSS: start %.1f MiB, peak %.1f MiB, end %.1f MiB%s",
	    r->rss_start_kb / 1024.0, r->rss_peak_kb / 1024.0,
	    r->rss_end_kb / 1024.0, o->rss_growth_kb < 0 ? "" :
	    " (growth allowed in this run: see --rss-growth-mb)");
	LINE(!r->daemon_died && r->exit_status == 0, "daemon: %s, run "
	    "%.1f s", r->daemon_died ? "DIED" : r->exit_status == 0 ?
	    "alive throughout, exit 0 on SIGTERM" : "bad exit on SIGTERM",
	    (double)r->run_ns / H_NS_S);
#undef LINE
	if (fp != NULL) {
		fprintf(fp, "| hostile control clients (sp-hostile%s) | |\n"
		    "|---|---|\n", o->quick ? " --quick" : "");
		for (i = 0; i < n; i++)
			fprintf(fp, "| %zu | %s |\n", i + 1, lines[i]);
	}
	return pass;
}

/* The temporary directory and the three files that may be in it. */
static void
cleanup(void)
{
	size_t	i;

	if (!made_tmpdir)
		return;
	/* unlink() and rmdir() only: it may run from a signal handler. */
	for (i = 0; i < sizeof(tmpfiles) / sizeof(tmpfiles[0]); i++)
		(void)unlink(tmpfiles[i]);
	(void)rmdir(tmpdir);
}

/* SIGTERM, SIGINT (a test's timeout): clean up; the daemon follows us. */
static void
terminate(int sig)
{
	cleanup();
	_exit(128 + sig);
}

/* The daemon's last words, when the run failed. */
static void
log_tail(const char *path)
{
	char	 buf[4096];
	FILE	*f;
	long	 size;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >
	    (long)sizeof(buf) - 1)
		(void)fseek(f, size - (long)sizeof(buf) + 1, SEEK_SET);
	else
		rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	fprintf(stderr, "sp-hostile: the end of %s:\n%s\n", path, buf);
}

int
main(int argc, char *argv[])
{
	struct hopts	 o;
	struct hresults	 r = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct quiet	 silent, stallers, watchers;
	struct rlimit	 rl;
	pthread_t	 peer;
	char		 conf[64], sock[64], log[64];
	int64_t		 t0;
	pid_t		 pid;
	FILE		*out = NULL;
	bool		 pass;

	options(argc, argv, &o);
	/* One line at a time, also into a test's log. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	/* The flood and the quiet clients: more than the usual 1024 fds. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (mkdtemp(tmpdir) == NULL) {
		perror("sp-hostile: mkdtemp");
		return 2;
	}
	(void)snprintf(conf, sizeof(conf), "%s/sockprobe.conf", tmpdir);
	(void)snprintf(sock, sizeof(sock), "%s/control.sock", tmpdir);
	(void)snprintf(log, sizeof(log), "%s/sockprobed.log", tmpdir);
	memcpy(tmpfiles[0], conf, sizeof(tmpfiles[0]));
	memcpy(tmpfiles[1], sock, sizeof(tmpfiles[1]));
	memcpy(tmpfiles[2], log, sizeof(tmpfiles[2]));
	made_tmpdir = 1;
	atexit(cleanup);
	signal(SIGTERM, terminate);
	signal(SIGINT, terminate);
	write_conf(&o, conf, peer_start(&peer));
	pid = daemon_start(&o, conf, sock, log);
	usleep(500000);			/* the targets' first round */
	r.rss_start_kb = r.rss_peak_kb = h_rss_kb(pid);
	h_rss_start(pid, &r);
	h_status_start(&o, sock, &r);
	t0 = h_now();

	h_log(&o, "quiet clients");
	quiet_open(sock, &silent, o.silent, NULL);
	quiet_open(sock, &stallers, o.stallers, "{\"cmd\":\"sta");
	quiet_open(sock, &watchers, o.watchers, "{\"cmd\":\"watch\"}\n");
	h_log(&o, "%zu malformed requests", o.requests);
	r.attack_start = h_now();
	h_malformed(&o, sock, &r);
	h_log(&o, "lines over the limit");
	h_overlong(&o, sock, &r);
	h_log(&o, "%zu clients at once", o.flood);
	h_flood(&o, sock, 1 + o.silent + o.stallers + o.watchers, &r);
	r.attack_end = h_now();
	while (h_now() - t0 < (int64_t)o.min_run_ms * H_NS_MS)
		usleep(50000);
	if (o.wait_idle) {
		h_log(&o, "waiting for the idle drops");
		quiet_idle(&o, &silent, &r.silent_dropped, &r);
		quiet_idle(&o, &stallers, &r.stallers_dropped, &r);
	}
	quiet_watchers(&watchers, &r);

	h_status_stop();
	r.run_ns = h_now() - t0;
	quiet_close(&silent);
	quiet_close(&stallers);
	quiet_close(&watchers);
	usleep(1000000);		/* the daemon frees what they held */
	h_rss_stop();
	r.rss_end_kb = h_rss_kb(pid);
	daemon_stop(pid, &r);
	atomic_store(&peer_stop, true);
	pthread_join(peer, NULL);
	close(peer_fd);

	if (o.out != NULL && (out = fopen(o.out, "w")) == NULL)
		perror(o.out);
	pass = report(&o, &r, out);
	if (out != NULL)
		fclose(out);
	fflush(stdout);
	if (!pass)
		log_tail(log);
	free(r.status_at);
	free(r.status_ns);
	return pass ? 0 : 1;
}
