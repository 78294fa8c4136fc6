/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sp-soak: sockprobed under peers that flap, for minutes.  Clients come
 * and go on a [listen] at --rate a second (sp-flap: each held up to
 * --hold ms, a quarter ended with an RST), and --targets targets are
 * cut by their peers (sp-peer, FIN for half, RST for the others) 300 ms
 * after every connect, with fresh checks each second; every 5 s a
 * reload adds or removes one more target.  It prints the
 * daemon's descriptors and memory quiet before the traffic, at the end
 * of the warm-up and at the end, and quiet again afterwards, and the
 * events watch delivered against the connections made.
 *
 * With --check it also judges: the descriptors quiet afterwards are
 * those quiet before; the heap in use (sockprobe_heap_inuse_bytes) quiet
 * afterwards is within noise of quiet before, and at the end within
 * noise of after the warm-up; RSS grew by less than a burst can leave
 * (memory is not judged with --no-rss, for sanitizers and valgrind, whose
 * allocators are not glibc's); every
 * client connection produced its down event and every target's last up
 * its down, and the daemon exits 0 on SIGTERM.  --valgrind runs the
 * daemon under memcheck, whose errors and leaks make that exit fail.
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bench.h"

#define START_S		30		/* the daemon answers (valgrind) */
#define QUIET_S		30		/* traffic ends, everything down */
#define CUT_MS		300		/* a target's peer ends it after */
#define RSS_NOISE_KIB	4096		/* a burst may leave a watcher's */
#define HEAP_NOISE_KIB	256		/* high-water arrays: epoll, timers */
#define MAX_TARGETS	1000
#define RELOAD_S	5		/* between reloads */

/* One snapshot of the daemon. */
struct sample {
	long		fds;
	long		rss_kib;
	long		heap_kib;	/* allocated, not freed; -1 unknown */
};

/* What watch delivered. */
struct tally {
	uint64_t	events;
	uint64_t	inbound_down;
	uint32_t	up[MAX_TARGETS];	/* per outbound target */
	uint32_t	down[MAX_TARGETS];
	char		last[MAX_TARGETS][12];	/* its last "to" */
	uint64_t	gaps;		/* "from" not the last "to" */
};

struct soak {
	const char	*sockprobed, *peer, *flap, *out;
	int		 duration_s;
	int		 rate;
	int		 ntargets;
	int		 hold_ms;
	bool		 check, no_rss, valgrind, keep;
	const char	*conf, *sock, *log, *vglog;
	uint16_t	 lport, tport[2];
	pid_t		 daemon, peers[2], flapper;
	int		 watch;
	struct lines	 wl;
	int		 flapout;		/* sp-flap's stdout */
	struct tally	 tally;
	struct sample	 quiet0, warm, end, quiet1;
	long		 rss_max_kib;
	uint64_t	 connected;
	char		 flap_summary[200];
};

static const struct option longopts[] = {
	{ "sockprobed",	required_argument,	NULL,	'D' },
	{ "peer",	required_argument,	NULL,	'p' },
	{ "flap",	required_argument,	NULL,	'f' },
	{ "duration",	required_argument,	NULL,	'd' },
	{ "rate",	required_argument,	NULL,	'r' },
	{ "targets",	required_argument,	NULL,	'T' },
	{ "hold",	required_argument,	NULL,	'H' },
	{ "out",	required_argument,	NULL,	'o' },
	{ "check",	no_argument,		NULL,	'C' },
	{ "no-rss",	no_argument,		NULL,	'R' },
	{ "valgrind",	no_argument,		NULL,	'V' },
	{ "keep",	no_argument,		NULL,	'k' },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

static struct soak	S;

static void	usage(FILE *, int) __attribute__((noreturn));
static int	num(const char *, int, int, const char *);
static void	at_exit(void);
static uint16_t	free_port(void);
static void	write_conf(bool);
static void	start_daemon(void);
static int	control_connect(void);
static json_t	*request(const char *);
static long	heap_kib(void);
static void	watch_start(void);
static void	watch_drain(int64_t);
static void	tally_event(const char *);
static void	sample(struct sample *);
static void	start_traffic(void);
static void	run(void);
static bool	quiet(void);
static void	wait_quiet(void);
static int	stop_daemon(void);
static int	judge(int);
static void	report(FILE *, int);
static void	dump(const char *);
static void	parse_args(int, char *[]);

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: sp-soak [-CkRVv] [-d SECONDS] [-r RATE] [-T TARGETS] "
	    "[-H MS]\n"
	    "               --sockprobed PATH --peer PATH --flap PATH "
	    "[-o FILE]\n"
	    "  -d, --duration S   seconds of traffic (default 600)\n"
	    "  -r, --rate N       client connections a second (default 100)\n"
	    "  -T, --targets N    targets cut by their peers (default 20)\n"
	    "  -H, --hold MS      longest a client stays (default 500)\n"
	    "  -C, --check        judge the figures; exit 1 if one fails\n"
	    "  -R, --no-rss       do not judge memory (sanitizers)\n"
	    "  -V, --valgrind     run sockprobed under memcheck\n"
	    "  -o, --out FILE     the figures as a markdown table\n"
	    "  -k, --keep         keep the temp dir; -v progress\n");
	exit(status);
}

static int
num(const char *s, int min, int max, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		errx(2, "%s: %s: expected %d..%d", what, s, min, max);
	return (int)v;
}

static void
at_exit(void)
{
	util_cleanup(S.keep);
}

/* A loopback port nobody listens on now. */
static uint16_t
free_port(void)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);
	int			fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		err(1, "free port");
	close(fd);
	return ntohs(sin.sin_port);
}

/*
 * The listener the clients flap on, and the targets, half of them on
 * each cutting peer; fresh checks every second; with extra, one more
 * target.  warning: the log would otherwise hold two lines for every
 * connection.  Replaced in one rename: a reload never reads half.
 */
static void
write_conf(bool extra)
{
	const char	*tmp = util_tmpfile("sockprobe.conf.new");
	FILE	*fp;
	int	 i;

	if ((fp = fopen(tmp, "w")) == NULL)
		err(1, "%s", tmp);
	fprintf(fp, "; generated by sp-soak\n[daemon]\nmetrics_listen =\n"
	    "log_level = warning\n\n[defaults]\ncheck_interval = 1s\n"
	    "reconnect_min = 100ms\nreconnect_max = 1s\n\n"
	    "[listen flap]\nbind = 127.0.0.1:%u\nbacklog = 1024\n"
	    "forget_after = 1s\n", S.lport);
	for (i = 0; i < S.ntargets; i++)
		fprintf(fp, "\n[target t%03d]\naddress = 127.0.0.1:%u\n", i,
		    S.tport[i % 2]);
	if (extra)
		fprintf(fp, "\n[target extra]\naddress = 127.0.0.1:%u\n",
		    S.tport[0]);
	if (fclose(fp) != 0 || rename(tmp, S.conf) == -1)
		err(1, "%s", S.conf);
}

/* sockprobed, under memcheck if asked, until its socket answers. */
static void
start_daemon(void)
{
	char	*argv[16], vglog[300];
	int64_t	 deadline;
	size_t	 n = 0;
	int	 fd, logfd;

	if (S.valgrind) {
		(void)snprintf(vglog, sizeof(vglog), "--log-file=%s", S.vglog);
		argv[n++] = (char *)(uintptr_t)"valgrind";
		argv[n++] = (char *)(uintptr_t)"--leak-check=full";
		argv[n++] = (char *)(uintptr_t)
		    "--errors-for-leak-kinds=definite,indirect";
		argv[n++] = (char *)(uintptr_t)"--error-exitcode=1";
		argv[n++] = (char *)(uintptr_t)"--track-fds=no";
		argv[n++] = vglog;
	}
	argv[n++] = (char *)(uintptr_t)S.sockprobed;
	argv[n++] = (char *)(uintptr_t)"-c";
	argv[n++] = (char *)(uintptr_t)S.conf;
	argv[n++] = (char *)(uintptr_t)"-s";
	argv[n++] = (char *)(uintptr_t)S.sock;
	argv[n] = NULL;
	if ((logfd = open(S.log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		err(1, "%s", S.log);
	S.daemon = util_spawn(argv, -1, logfd, logfd);
	close(logfd);
	deadline = util_now(CLOCK_MONOTONIC) + START_S * NS_SECOND;
	while (util_now(CLOCK_MONOTONIC) < deadline) {
		util_check();
		if (!util_alive(S.daemon))
			errx(1, "sockprobed exited at start; see %s", S.log);
		if ((fd = control_connect()) != -1) {
			close(fd);
			return;
		}
		util_sleep_ns(50 * NS_MS);
	}
	errx(1, "sockprobed does not answer on %s", S.sock);
}

/* A connection to the control socket, or -1. */
static int
control_connect(void)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	int			fd;

	if (strlen(S.sock) >= sizeof(sun.sun_path))
		errx(1, "%s: path too long", S.sock);
	memcpy(sun.sun_path, S.sock, strlen(S.sock) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Subscribe to events; the answer to the request comes first. */
static void
watch_start(void)
{
	const char	*req = "{\"cmd\":\"watch\"}\n";
	char		*line;

	if ((S.watch = control_connect()) == -1)
		err(1, "watch: %s", S.sock);
	util_lines_init(&S.wl, S.watch);
	if (write(S.watch, req, strlen(req)) != (ssize_t)strlen(req))
		err(1, "watch: write");
	line = util_line(&S.wl, util_now(CLOCK_MONOTONIC) + 10 * NS_SECOND);
	if (line == NULL || strstr(line, "\"ok\":true") == NULL)
		errx(1, "watch refused: %s", line != NULL ? line : "(none)");
}

/* Read the events that came, until deadline (CLOCK_MONOTONIC). */
static void
watch_drain(int64_t deadline)
{
	char	*line;

	while ((line = util_line(&S.wl, deadline)) != NULL)
		tally_event(line);
	if (S.wl.eof)
		errx(1, "sockprobed closed the watch; see %s", S.log);
}

/* Count one event: client peers going down, targets going up or down. */
static void
tally_event(const char *line)
{
	json_t		*ev;
	json_error_t	 jerr;
	const char	*target, *to, *from;
	int		 i;

	if ((ev = json_loads(line, 0, &jerr)) == NULL)
		errx(1, "watch: not JSON: %s", line);
	S.tally.events++;
	target = json_string_value(json_object_get(ev, "target"));
	to = json_string_value(json_object_get(ev, "to"));
	from = json_string_value(json_object_get(ev, "from"));
	if (target != NULL && to != NULL && from != NULL) {
		if (strncmp(target, "flap/", 5) == 0 &&
		    strcmp(to, "down") == 0)
			S.tally.inbound_down++;
		else if (sscanf(target, "t%d", &i) == 1 && i >= 0 &&
		    i < MAX_TARGETS) {
			/* Each change starts where the last one ended. */
			if (S.tally.last[i][0] != '\0' &&
			    strcmp(S.tally.last[i], from) != 0)
				S.tally.gaps++;
			(void)snprintf(S.tally.last[i], sizeof(S.tally.last[i]),
			    "%s", to);
			if (strcmp(to, "up") == 0)
				S.tally.up[i]++;
			else if (strcmp(to, "down") == 0)
				S.tally.down[i]++;
		}
	}
	json_decref(ev);
}

/* The daemon's open descriptors and resident memory now. */
static void
sample(struct sample *s)
{
	struct procmem	 m;
	struct dirent	*de;
	char		 path[64];
	DIR		*d;

	s->fds = 0;
	(void)snprintf(path, sizeof(path), "/proc/%d/fd", (int)S.daemon);
	if ((d = opendir(path)) == NULL)
		err(1, "%s", path);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			s->fds++;
	closedir(d);
	s->rss_kib = util_procmem(S.daemon, &m) == 0 ? m.rss_kib : -1;
	s->heap_kib = heap_kib();
	if (s->rss_kib > S.rss_max_kib)
		S.rss_max_kib = s->rss_kib;
}

/* The cutting peers, then the flapping clients. */
static void
start_traffic(void)
{
	static const char *const mode[2] = { "close", "rst" };
	char	 addr[2][32], hold[16], cut[16], rate[16], secs[16], laddr[32];
	int	 i, fds[2];

	for (i = 0; i < 2; i++) {
		(void)snprintf(addr[i], sizeof(addr[i]), "127.0.0.1:%u",
		    S.tport[i]);
		(void)snprintf(cut, sizeof(cut), "%d", CUT_MS);
		S.peers[i] = util_spawn((char *[]){ (char *)(uintptr_t)S.peer,
		    (char *)(uintptr_t)"-l", addr[i],
		    (char *)(uintptr_t)"-m", (char *)(uintptr_t)mode[i],
		    (char *)(uintptr_t)"-d", cut, NULL }, -1, -1, -1);
	}
	(void)snprintf(laddr, sizeof(laddr), "127.0.0.1:%u", S.lport);
	(void)snprintf(rate, sizeof(rate), "%d", S.rate);
	(void)snprintf(secs, sizeof(secs), "%d", S.duration_s);
	(void)snprintf(hold, sizeof(hold), "%d", S.hold_ms);
	if (pipe2(fds, O_CLOEXEC) == -1)
		err(1, "pipe");
	S.flapper = util_spawn((char *[]){ (char *)(uintptr_t)S.flap,
	    (char *)(uintptr_t)"-r", rate, (char *)(uintptr_t)"-t", secs,
	    (char *)(uintptr_t)"-H", hold, (char *)(uintptr_t)"-R",
	    (char *)(uintptr_t)"25", laddr, NULL }, -1, fds[1], -1);
	close(fds[1]);
	/* Its one line comes at the end; the pipe never fills. */
	S.flap_summary[0] = '\0';
	S.flapout = fds[0];
}

/*
 * The traffic, for duration_s: events read as they come, a sample each
 * second; the warm-up ends after a fifth of the run (at most a minute).
 */
static void
run(void)
{
	struct sample	cur;
	int64_t		start, now, end, next, warm_at, warm;
	bool		warmed = false;
	long		tick = 0;

	warm = (int64_t)S.duration_s * NS_SECOND / 5;
	if (warm > 60 * NS_SECOND)
		warm = 60 * NS_SECOND;
	start_traffic();
	start = util_now(CLOCK_MONOTONIC);
	end = start + (int64_t)S.duration_s * NS_SECOND;
	warm_at = start + warm;
	next = start + NS_SECOND;
	while ((now = util_now(CLOCK_MONOTONIC)) < end) {
		util_check();
		if (!util_alive(S.daemon))
			errx(1, "sockprobed died; see %s", S.log);
		watch_drain(next < end ? next : end);
		if (util_now(CLOCK_MONOTONIC) < next)
			continue;
		next += NS_SECOND;
		if (++tick % RELOAD_S == 0) {
			write_conf(tick / RELOAD_S % 2 == 1);
			if (kill(S.daemon, SIGHUP) == -1)
				err(1, "kill -HUP sockprobed");
		}
		sample(&cur);
		if (!warmed && util_now(CLOCK_MONOTONIC) >= warm_at) {
			S.warm = cur;
			warmed = true;
		}
		if ((next - start) / NS_SECOND % 10 == 0)
			vlog("%llds: %ld fds, RSS %ld KiB, heap %ld KiB, "
			    "%llu events",
			    (long long)((next - start) / NS_SECOND), cur.fds,
			    cur.rss_kib, cur.heap_kib,
			    (unsigned long long)S.tally.events);
	}
	sample(&S.end);
	if (!warmed)
		S.warm = S.end;
}

/* One request on a new connection: the parsed answer, or NULL. */
static json_t *
request(const char *req)
{
	struct lines	 l;
	json_error_t	 jerr;
	json_t		*o = NULL;
	char		*line;
	int		 fd;

	if ((fd = control_connect()) == -1)
		return NULL;
	util_lines_init(&l, fd);
	if (write(fd, req, strlen(req)) == (ssize_t)strlen(req) &&
	    (line = util_line(&l, util_now(CLOCK_MONOTONIC) +
	    10 * NS_SECOND)) != NULL)
		o = json_loads(line, 0, &jerr);
	util_lines_free(&l);
	close(fd);
	return o;
}

/* sockprobe_heap_inuse_bytes from the metrics, in KiB; -1 without. */
static long
heap_kib(void)
{
	const char	*text, *p;
	json_t		*o;
	long		 kib = -1;

	if ((o = request("{\"cmd\":\"metrics\"}\n")) == NULL)
		return -1;
	text = json_string_value(json_object_get(o, "text"));
	if (text != NULL &&
	    (p = strstr(text, "\nsockprobe_heap_inuse_bytes ")) != NULL)
		kib = strtol(p + 28, NULL, 10) / 1024;
	json_decref(o);
	return kib;
}

/* Whether no client peer is remembered and every target is down. */
static bool
quiet(void)
{
	json_t		*o, *t;
	size_t		 i;
	bool		 done;

	if ((o = request("{\"cmd\":\"status\"}\n")) == NULL)
		return false;
	done = json_array_size(json_object_get(o, "targets")) ==
	    (size_t)S.ntargets;
	json_array_foreach(json_object_get(o, "targets"), i, t)
		if (strcmp(json_string_value(json_object_get(t, "health")),
		    "down") != 0)
			done = false;
	json_decref(o);
	return done;
}

/*
 * The clients' last line, the peers stopped, and quiet: every client
 * forgotten, every target down (refused now).  Events are read on.
 */
static void
wait_quiet(void)
{
	struct lines	 fl;
	int64_t		 deadline;
	char		*line = NULL;
	int		 i;

	util_lines_init(&fl, S.flapout);
	deadline = util_now(CLOCK_MONOTONIC) + QUIET_S * NS_SECOND;
	while (line == NULL && util_now(CLOCK_MONOTONIC) < deadline) {
		watch_drain(util_now(CLOCK_MONOTONIC) + 50 * NS_MS);
		line = util_line(&fl, util_now(CLOCK_MONOTONIC) + 50 * NS_MS);
	}
	if (line == NULL)
		errx(1, "sp-flap gave no summary");
	(void)snprintf(S.flap_summary, sizeof(S.flap_summary), "%s", line);
	if (sscanf(line, "connected %llu", (unsigned long long *)
	    &S.connected) != 1)
		errx(1, "sp-flap: %s", line);
	util_lines_free(&fl);
	close(S.flapout);
	/* Back to the targets counted, if extra was in. */
	write_conf(false);
	if (kill(S.daemon, SIGHUP) == -1)
		err(1, "kill -HUP sockprobed");
	for (i = 0; i < 2; i++)
		util_stop(S.peers[i], 2000);
	while (!quiet()) {
		if (util_now(CLOCK_MONOTONIC) > deadline)
			errx(1, "not quiet after %d s; see %s", QUIET_S, S.log);
		watch_drain(util_now(CLOCK_MONOTONIC) + 200 * NS_MS);
	}
	/* The last events, and a fresh check in flight, settle. */
	watch_drain(util_now(CLOCK_MONOTONIC) + NS_SECOND);
	for (i = 0; i < 50; i++) {
		sample(&S.quiet1);
		if (S.quiet1.fds <= S.quiet0.fds)
			break;
		watch_drain(util_now(CLOCK_MONOTONIC) + 100 * NS_MS);
	}
}

/* SIGTERM: its exit status (valgrind's verdict under --valgrind). */
static int
stop_daemon(void)
{
	int	status;

	if (kill(S.daemon, SIGTERM) == -1)
		err(1, "kill sockprobed");
	if (util_wait(S.daemon, util_now(CLOCK_MONOTONIC) + 120 * NS_SECOND,
	    &status) == -1)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
	    WTERMSIG(status);
}

/* --check: each figure against its bound; the number that failed. */
static int
judge(int exitcode)
{
	long	heap_noise = S.warm.heap_kib / 4;
	int	i, failed = 0;

	if (heap_noise < HEAP_NOISE_KIB / 2)
		heap_noise = HEAP_NOISE_KIB / 2;
#define FAILED(...)	do { printf("FAIL: " __VA_ARGS__); printf("\n"); \
			    failed++; } while (0)
	if (S.quiet1.fds != S.quiet0.fds)
		FAILED("descriptors: %ld quiet before, %ld quiet after",
		    S.quiet0.fds, S.quiet1.fds);
	/*
	 * A leak grows the heap in use with the traffic; RSS also keeps
	 * what a burst allocated and freed, so it is only held to a loose
	 * bound.
	 */
	if (!S.no_rss && S.quiet0.heap_kib >= 0 && S.quiet1.heap_kib >
	    S.quiet0.heap_kib + HEAP_NOISE_KIB)
		FAILED("heap in use: %ld KiB quiet before, %ld KiB quiet "
		    "after", S.quiet0.heap_kib, S.quiet1.heap_kib);
	if (!S.no_rss && S.warm.heap_kib >= 0 && S.end.heap_kib >
	    S.warm.heap_kib + heap_noise)
		FAILED("heap in use grew under load: %ld KiB after the "
		    "warm-up, %ld KiB at the end", S.warm.heap_kib,
		    S.end.heap_kib);
	if (!S.no_rss && S.end.rss_kib > S.warm.rss_kib + RSS_NOISE_KIB)
		FAILED("RSS grew: %ld KiB after the warm-up, %ld KiB at the "
		    "end", S.warm.rss_kib, S.end.rss_kib);
	if (S.tally.inbound_down != S.connected)
		FAILED("%llu client connections, %llu down events",
		    (unsigned long long)S.connected,
		    (unsigned long long)S.tally.inbound_down);
	if (S.tally.gaps != 0)
		FAILED("%llu target events did not start where the last "
		    "ended", (unsigned long long)S.tally.gaps);
	for (i = 0; i < S.ntargets; i++)
		if (S.tally.up[i] == 0 || strcmp(S.tally.last[i], "down") != 0)
			FAILED("target t%03d: %u ups, last event to %s", i,
			    S.tally.up[i], S.tally.last[i]);
	if (exitcode != 0)
		FAILED("sockprobed exited %d on SIGTERM%s", exitcode,
		    S.valgrind ? " (memcheck found errors or leaks)" : "");
#undef FAILED
	return failed;
}

/* The figures, as text or (md) as markdown rows. */
static void
report(FILE *fp, int exitcode)
{
	uint64_t	reconnects = 0;
	int		i;

	for (i = 0; i < S.ntargets; i++)
		reconnects += S.tally.up[i];
	if (fp == stdout) {
		printf("sp-soak: %d s, %d clients/s (each up to %d ms, a "
		    "quarter reset), %d targets cut %d ms after each "
		    "connect\n", S.duration_s, S.rate, S.hold_ms, S.ntargets,
		    CUT_MS);
		printf("clients: %s; %llu down events\n", S.flap_summary,
		    (unsigned long long)S.tally.inbound_down);
		printf("targets: %llu connections, %llu events out of "
		    "sequence; %d reloads\n", (unsigned long long)reconnects,
		    (unsigned long long)S.tally.gaps,
		    S.duration_s / RELOAD_S + 1);
		printf("descriptors: %ld quiet before, %ld after the warm-up, "
		    "%ld at the end, %ld quiet after\n", S.quiet0.fds,
		    S.warm.fds, S.end.fds, S.quiet1.fds);
		printf("RSS (KiB): %ld quiet before, %ld after the warm-up, "
		    "%ld at the end (peak %ld), %ld quiet after\n",
		    S.quiet0.rss_kib, S.warm.rss_kib, S.end.rss_kib,
		    S.rss_max_kib, S.quiet1.rss_kib);
		printf("heap in use (KiB): %ld quiet before, %ld after the "
		    "warm-up, %ld at the end, %ld quiet after\n",
		    S.quiet0.heap_kib, S.warm.heap_kib, S.end.heap_kib,
		    S.quiet1.heap_kib);
		printf("sockprobed exit on SIGTERM: %d%s\n", exitcode,
		    S.valgrind ? " (memcheck)" : "");
		return;
	}
	fprintf(fp, "| soak, %d s%s | %d clients/s + %d targets cut every "
	    "%d ms: %llu peers came and went | descriptors %ld -> %ld "
	    "(quiet), %ld -> %ld (under load) | RSS %ld -> %ld KiB, heap "
	    "in use %ld -> %ld KiB (warm-up -> end), %ld -> %ld KiB "
	    "(quiet) | %llu/%llu down events, %llu out of sequence |\n",
	    S.duration_s, S.valgrind ? ", memcheck" : "", S.rate,
	    S.ntargets, CUT_MS,
	    (unsigned long long)(S.connected + reconnects), S.quiet0.fds,
	    S.quiet1.fds, S.warm.fds, S.end.fds, S.warm.rss_kib,
	    S.end.rss_kib, S.warm.heap_kib, S.end.heap_kib,
	    S.quiet0.heap_kib, S.quiet1.heap_kib,
	    (unsigned long long)S.tally.inbound_down,
	    (unsigned long long)S.connected,
	    (unsigned long long)S.tally.gaps);
}

/* A file to stderr: memcheck's report when it failed the run. */
static void
dump(const char *path)
{
	char	 buf[4096];
	size_t	 n;
	FILE	*fp;

	if ((fp = fopen(path, "r")) == NULL) {
		warn("%s", path);
		return;
	}
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		(void)fwrite(buf, 1, n, stderr);
	fclose(fp);
}

/* The options, into S; paths to the three programs are required. */
static void
parse_args(int argc, char *argv[])
{
	int	ch;

	S.duration_s = 600;
	S.rate = 100;
	S.ntargets = 20;
	S.hold_ms = 500;
	while ((ch = getopt_long(argc, argv, "Cd:D:f:hH:ko:p:r:RT:vV",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'C':
			S.check = true;
			break;
		case 'd':
			S.duration_s = num(optarg, 2, 86400, "duration");
			break;
		case 'D':
			S.sockprobed = optarg;
			break;
		case 'f':
			S.flap = optarg;
			break;
		case 'H':
			S.hold_ms = num(optarg, 0, 60000, "hold");
			break;
		case 'k':
			S.keep = true;
			break;
		case 'o':
			S.out = optarg;
			break;
		case 'p':
			S.peer = optarg;
			break;
		case 'r':
			S.rate = num(optarg, 1, 10000, "rate");
			break;
		case 'R':
			S.no_rss = true;
			break;
		case 'T':
			S.ntargets = num(optarg, 1, MAX_TARGETS, "targets");
			break;
		case 'v':
			util_verbose = true;
			break;
		case 'V':
			S.valgrind = S.no_rss = true;
			break;
		case 'h':
			usage(stdout, 0);
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc || S.sockprobed == NULL || S.peer == NULL ||
	    S.flap == NULL)
		usage(stderr, 2);
}

int
main(int argc, char *argv[])
{
	FILE	*fp;
	int	 exitcode, failed = 0;

	parse_args(argc, argv);
	util_signals();
	if (atexit(at_exit) != 0)
		err(1, "atexit");
	/* The real binary, not libtool's script: memcheck must see it. */
	S.sockprobed = util_resolve(S.sockprobed);
	S.conf = util_tmpfile("sockprobe.conf");
	S.sock = util_tmpfile("control.sock");
	S.log = util_tmpfile("sockprobed.log");
	S.vglog = util_tmpfile("memcheck.log");
	S.lport = free_port();
	S.tport[0] = free_port();
	S.tport[1] = free_port();
	write_conf(false);
	start_daemon();
	watch_start();
	/* Targets refused (no peer yet), no client: the quiet baseline. */
	watch_drain(util_now(CLOCK_MONOTONIC) + NS_SECOND);
	sample(&S.quiet0);
	vlog("quiet: %ld fds, %ld KiB", S.quiet0.fds, S.quiet0.rss_kib);
	run();
	wait_quiet();
	util_lines_free(&S.wl);
	close(S.watch);
	exitcode = stop_daemon();
	report(stdout, exitcode);
	if (S.out != NULL) {
		if ((fp = fopen(S.out, "a")) == NULL)
			err(1, "%s", S.out);
		report(fp, exitcode);
		fclose(fp);
	}
	if (S.valgrind && exitcode != 0)
		dump(S.vglog);
	if (S.check)
		failed = judge(exitcode);
	return failed > 0 ? 1 : 0;
}
