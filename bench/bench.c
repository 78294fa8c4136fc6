/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sp-bench: sockprobed against a raw epoll program on loopback, in one
 * run: detection latency, memory per held connection, CPU while idle,
 * and the time of `status --json`; a results table with each target
 * and whether it was met.  A program, not a test: it asserts nothing.
 */

#include "config.h"

#include <sys/utsname.h>

#include <err.h>
#include <stdint.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define FD_MARGIN	64		/* sockprobed's own descriptors */
#define SETTLE_S	1.5		/* round.c's SETTLE_MS */
#define LATE_S		1		/* round.c's */

/* The targets. */
#define TARGET_P99_FACTOR	2.0
#define TARGET_P99_PLUS_MS	0.5
#define TARGET_MEM_BYTES	2048
#define TARGET_CPU_PCT		10.0
#define TARGET_CPU_AT		15000
#define TARGET_STATUS_MS	200.0
#define TARGET_STATUS_AT	15000

static const struct option longopts[] = {
	{ "quick",	no_argument,		NULL,	'q' },
	{ "conns",	required_argument,	NULL,	'n' },
	{ "samples",	required_argument,	NULL,	'S' },
	{ "cpu-seconds", required_argument,	NULL,	'C' },
	{ "sockprobed",	required_argument,	NULL,	'D' },
	{ "sockprobectl", required_argument,	NULL,	'c' },
	{ "epoll",	required_argument,	NULL,	'e' },
	{ "out",	required_argument,	NULL,	'o' },
	{ "techniques",	required_argument,	NULL,	't' },
	{ "wrap",	required_argument,	NULL,	'w' },
	{ "raw",	required_argument,	NULL,	'r' },
	{ "survey",	required_argument,	NULL,	's' },
	{ "keep",	no_argument,		NULL,	'k' },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

static struct options	opts;
static char		load_start[64], load_end[64];

static void	usage(FILE *, int) __attribute__((noreturn));
static size_t	parse_size(const char *, size_t, size_t, const char *);
static void	parse_conns(const char *);
static const char *default_path(const char *);
static void	at_exit(void);
static void	report(FILE *, const struct round *, size_t,
		    const struct procmem *);
static void	report_rows(FILE *, const struct round *,
		    const struct procmem *);
static void	report_details(FILE *, const struct round *, size_t,
		    const struct procmem *);
static double	lat_ms(const struct latencies *, int, double);
static const char *comma(size_t, char *, size_t);
static const char *fmt_ms(double);
static void	loadavg(char *, size_t);
static void	write_raw(const char *, const struct round *, size_t);

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: sp-bench [-kqv] [-n N[,N...]] [-S SAMPLES] [-C SECONDS]\n"
	    "                [--sockprobed PATH] [--sockprobectl PATH] "
	    "[--epoll PATH]\n"
	    "                [-o FILE] [-r FILE] [-s DURATION] [-t TECHNIQUES]\n"
	    "                [-w COMMAND]\n"
	    "\n"
	    "  -q, --quick            1,000 connections, 100+100 closes, "
	    "3 s of CPU\n"
	    "  -n, --conns N,...      held connections per round "
	    "(default 1000,15000)\n"
	    "  -S, --samples N        closes of each kind, FIN and RST "
	    "(default 500)\n"
	    "  -C, --cpu-seconds S    CPU measuring window (default 30)\n"
	    "  -D, --sockprobed PATH  the daemon (default ../daemon/"
	    "sockprobed)\n"
	    "  -c, --sockprobectl PATH\n"
	    "                         the client (default ../ctl/"
	    "sockprobectl)\n"
	    "  -e, --epoll PATH       the baseline (default sp-bench-epoll "
	    "beside us)\n"
	    "  -o, --out FILE         also write the results as markdown\n"
	    "  -t, --techniques LIST  sockprobed's techniques (default: "
	    "its own)\n"
	    "  -w, --wrap COMMAND     run sockprobed under COMMAND "
	    "(valgrind, perf)\n"
	    "  -r, --raw FILE         every latency: held, program, kind, "
	    "ns\n"
	    "  -s, --survey DURATION  sockprobed's survey_interval "
	    "(default 0, off)\n"
	    "  -k, --keep             keep the temp dir (configs, logs)\n"
	    "  -v, --verbose          progress on stderr\n");
	exit(status);
}

static size_t
parse_size(const char *s, size_t min, size_t max, const char *what)
{
	unsigned long long	v;
	char			*end;

	v = strtoull(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < min || v > max)
		errx(2, "%s %s: expected %zu to %zu", what, s, min, max);
	return (size_t)v;
}

/* "1000,15000": at most four rounds, each within the fd limit. */
static void
parse_conns(const char *s)
{
	char	*copy, *tok, *save = NULL;

	if ((copy = strdup(s)) == NULL)
		err(1, "strdup");
	opts.nconns = 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (opts.nconns == sizeof(opts.conns) / sizeof(opts.conns[0]))
			errx(2, "--conns: at most four rounds");
		opts.conns[opts.nconns++] = parse_size(tok, 2, PEERS_MAX,
		    "--conns");
	}
	free(copy);
	if (opts.nconns == 0)
		errx(2, "--conns: empty");
}

/* A program found relative to our own binary. */
static const char *
default_path(const char *rel)
{
	static char	 buf[3][4096];
	static int	 i;
	char		 self[2048], *slash;
	ssize_t		 n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		err(1, "/proc/self/exe");
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	/* Run from bench/.libs by a wrapper: step out of it. */
	if ((slash = strrchr(self, '/')) != NULL &&
	    strcmp(slash, "/.libs") == 0)
		*slash = '\0';
	i = (i + 1) % 3;
	(void)snprintf(buf[i], sizeof(buf[i]), "%s/%s", self, rel);
	return buf[i];
}

static void
at_exit(void)
{
	util_cleanup(opts.keep);
}

/* Percentile p of kind (0 FIN, 1 RST, 2 both) in ms; -1 when empty. */
static double
lat_ms(const struct latencies *l, int kind, double p)
{
	int64_t	*v;
	size_t	 n = 0, i, k;
	double	 ms;

	for (k = 0; k < 2; k++)
		if (kind == 2 || (int)k == kind)
			n += l->n[k];
	if (n == 0)
		return -1;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		err(1, "calloc");
	n = 0;
	for (k = 0; k < 2; k++)
		if (kind == 2 || (int)k == kind)
			for (i = 0; i < l->n[k]; i++)
				v[n++] = l->ns[k][i];
	ms = util_percentile(v, n, p) == INT64_MAX ? INFINITY :
	    (double)util_percentile(v, n, p) / NS_MS;
	free(v);
	return ms;
}

/* A latency for the tables: "0.042", "never", or "-". */
static const char *
fmt_ms(double ms)
{
	static char	buf[8][32];
	static int	i;

	i = (i + 1) % 8;
	if (isinf(ms))
		return "never";
	if (ms < -0.5)
		return "-";
	(void)snprintf(buf[i], sizeof(buf[i]), "%.3f", ms);
	return buf[i];
}

/* Every latency, one a line, for distributions the tables do not show. */
static void
write_raw(const char *path, const struct round *rs, size_t nr)
{
	static const char *const kind[] = { "fin", "rst" };
	const struct latencies	*l;
	FILE			*fp;
	size_t			 i, p, k, j;

	if ((fp = fopen(path, "w")) == NULL)
		err(1, "%s", path);
	for (i = 0; i < nr; i++)
		for (p = 0; p < 2; p++) {
			l = p == 0 ? &rs[i].sd_lat : &rs[i].base_lat;
			for (k = 0; k < 2; k++)
				for (j = 0; j < l->n[k]; j++)
					fprintf(fp, "%zu %s %s %lld\n",
					    rs[i].n, p == 0 ? "sockprobed" :
					    "epoll", kind[k],
					    l->ns[k][j] == INT64_MAX ? -1LL :
					    (long long)l->ns[k][j]);
		}
	if (fclose(fp) != 0)
		err(1, "%s", path);
}

/* The 1-minute load average: how busy the machine was besides us. */
static void
loadavg(char *buf, size_t len)
{
	FILE	*fp;
	double	 l1;

	(void)snprintf(buf, len, "?");
	if ((fp = fopen("/proc/loadavg", "r")) == NULL)
		return;
	if (fscanf(fp, "%lf", &l1) == 1)
		(void)snprintf(buf, len, "%.2f", l1);
	fclose(fp);
}

/* 15000 as "15,000". */
static const char *
comma(size_t v, char *buf, size_t len)
{
	if (v >= 1000000)
		(void)snprintf(buf, len, "%zu,%03zu,%03zu", v / 1000000,
		    v / 1000 % 1000, v % 1000);
	else if (v >= 1000)
		(void)snprintf(buf, len, "%zu,%03zu", v / 1000, v % 1000);
	else
		(void)snprintf(buf, len, "%zu", v);
	return buf;
}

/* One round's rows of the main table. */
static void
report_rows(FILE *fp, const struct round *r, const struct procmem *idle)
{
	char	 n[32], t[64];
	double	 sd50, sd99, b50, b99, lim, per, bper;
	bool	 full;

	comma(r->n, n, sizeof(n));
	sd50 = lat_ms(&r->sd_lat, 2, 50);
	sd99 = lat_ms(&r->sd_lat, 2, 99);
	b50 = lat_ms(&r->base_lat, 2, 50);
	b99 = lat_ms(&r->base_lat, 2, 99);
	fprintf(fp, "| detection p50, close/RST to event | %s | %s ms | "
	    "%s ms | | |\n", n, fmt_ms(sd50), fmt_ms(b50));
	lim = TARGET_P99_FACTOR * b99 + TARGET_P99_PLUS_MS;
	fprintf(fp, "| detection p99, close/RST to event | %s | %s ms | "
	    "%s ms | ≤ 2 × %s + 0.5 = %s ms | %s |\n", n, fmt_ms(sd99),
	    fmt_ms(b99), fmt_ms(b99), fmt_ms(lim), sd99 >= 0 && b99 >= 0 &&
	    sd99 <= lim ? "PASS" : "MISS");
	per = (double)(r->sd_mem.anon_kib - idle->anon_kib) * 1024.0 /
	    (double)r->n;
	bper = (double)r->base_mem.anon_kib * 1024.0 / (double)r->n;
	fprintf(fp, "| user-space memory per connection | %s | %.0f B | "
	    "≤ %.0f B | ≤ %d B | %s |\n", n, per, bper, TARGET_MEM_BYTES,
	    per <= TARGET_MEM_BYTES ? "PASS" : "MISS");
	/* Not an issue target: a monitor must not fail healthy peers. */
	fprintf(fp, "| healthy connections not up before any close (down / "
	    "degraded) | %s | %zu / %zu | 0 | 0 (not an issue target) | "
	    "%s |\n", n, r->sd_down, r->sd_degraded,
	    r->sd_down + r->sd_degraded == 0 ? "PASS" : "FAIL");
	full = r->n >= TARGET_CPU_AT;
	(void)snprintf(t, sizeof(t), "≤ %.0f %% of one core",
	    TARGET_CPU_PCT);
	fprintf(fp, "| CPU holding idle, poll_interval 1s | %s | %.2f %% | "
	    "%.2f %% | %s | %s |\n", n, r->sd_cpu_pct, r->base_cpu_pct,
	    full ? t : "(at 15,000)", !full ? "" :
	    r->sd_cpu_pct <= TARGET_CPU_PCT ? "PASS" : "MISS");
	full = r->n >= TARGET_STATUS_AT;
	(void)snprintf(t, sizeof(t), "≤ %.0f ms", TARGET_STATUS_MS);
	fprintf(fp, "| `sockprobectl status --json` | %s | %.1f ms | | %s | "
	    "%s |\n", n, r->status_ctl_ms, full ? t : "(at 15,000)",
	    !full ? (r->status_ok ? "" : "FAILED") :
	    r->status_ok && r->status_ctl_ms <= TARGET_STATUS_MS ? "PASS" :
	    "MISS");
}

/* The figures behind the main table. */
static void
report_details(FILE *fp, const struct round *rs, size_t nr,
    const struct procmem *idle)
{
	static const char *const kind[] = { "FIN", "RST", "both" };
	const struct latencies	*l;
	const struct round	*r;
	char			 n[32];
	size_t			 i, p, k;

	fprintf(fp, "\nDetection latency in ms: CLOCK_REALTIME just before "
	    "the peer's close() to the event's \"time\" (sockprobed) or to "
	    "just after recv() returned (baseline); a close never reported "
	    "counts as infinitely late.  Closes at Poisson moments (mean "
	    "2 ms apart), shared by both programs.  Up before: connections "
	    "up when the closes began, the only ones closed.  Late: "
	    "reported over %d s after the close.  Spurious: down without "
	    "our close.  Other: "
	    "events not going down.  Drops: packets the kernel's input "
	    "backlogs (net.core.netdev_max_backlog) dropped during the "
	    "round, machine-wide (both programs ran at once).\n\n"
	    "| held | program | closes | n | p50 | p90 | p99 | max | "
	    "up before | missed | late | wrong cause | spurious | other | "
	    "drops |\n"
	    "|--:|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
	    LATE_S);
	for (i = 0; i < nr; i++) {
		r = &rs[i];
		for (p = 0; p < 2; p++) {
			l = p == 0 ? &r->sd_lat : &r->base_lat;
			for (k = 0; k < 3; k++) {
				fprintf(fp, "| %s | %s | %s | %zu | %s | %s "
				    "| %s | %s |", comma(r->n, n, sizeof(n)),
				    p == 0 ? "sockprobed" : "epoll",
				    kind[k], k == 2 ? l->n[0] + l->n[1] :
				    l->n[k], fmt_ms(lat_ms(l, (int)k, 50)),
				    fmt_ms(lat_ms(l, (int)k, 90)),
				    fmt_ms(lat_ms(l, (int)k, 99)),
				    fmt_ms(lat_ms(l, (int)k, 100)));
				if (k < 2)
					fprintf(fp, " | | | | | | |\n");
				else
					fprintf(fp, " %zu%s | %zu | %zu | %zu "
					    "| %zu | %zu | %llu |\n",
					    l->candidates, l->cut_short ?
					    " (time ran out)" : "", l->missed,
					    l->late, l->wrong_cause,
					    l->spurious, l->other,
					    (unsigned long long)r->drops);
			}
		}
	}
	fprintf(fp, "\nsockprobed, memory from /proc/PID/status in KiB "
	    "(no targets: RssAnon %ld, VmRSS %ld): RssAnon and VmRSS %.1f s "
	    "after the peers accepted every connection, before any status "
	    "request; at end, after the status runs and the closes.  "
	    "status timed on the socket alone (\"raw\") and through "
	    "sockprobectl, medians:\n\n"
	    "| held | all connected after | RssAnon | VmRSS | "
	    "RssAnon at end | VmHWM | status raw | status ctl | response |\n"
	    "|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n", idle->anon_kib,
	    idle->rss_kib, SETTLE_S);
	for (i = 0; i < nr; i++) {
		r = &rs[i];
		fprintf(fp, "| %s | %.2f s | %ld | %ld | %ld | %ld | %.1f ms "
		    "| %.1f ms | %zu B%s%s |\n", comma(r->n, n, sizeof(n)),
		    r->sd_up_s, r->sd_mem.anon_kib, r->sd_mem.rss_kib,
		    r->sd_mem_end.anon_kib, r->sd_mem_end.hwm_kib,
		    r->status_raw_ms, r->status_ctl_ms, r->status_bytes,
		    r->status_ok ? "" : ": ", r->status_ok ? "" :
		    r->status_error);
	}
}

/* The whole report: context, the main table, the details. */
static void
report(FILE *fp, const struct round *rs, size_t nr,
    const struct procmem *idle)
{
	struct utsname	u;
	char		when[64], list[128], n[32], n2[32];
	time_t		now = time(NULL);
	double		slope;
	size_t		i, off;
	int		k;

	(void)strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC",
	    gmtime(&now));
	if (uname(&u) == -1)
		memset(&u, 0, sizeof(u));
	list[0] = '\0';
	for (i = 0, off = 0; i < nr && off < sizeof(list); i++) {
		k = snprintf(list + off, sizeof(list) - off, "%s%s",
		    i > 0 ? " and " : "", comma(rs[i].n, n, sizeof(n)));
		if (k < 0)
			break;
		off += (size_t)k;
	}
	fprintf(fp, "sp-bench %s, %s: Linux %s %s, %ld CPUs; %s held "
	    "connections on loopback; %zu FIN + %zu RST closes per round; "
	    "CPU over %d s; sockprobed's techniques: %s, survey_interval "
	    "%s; 1-minute load average %s before, %s after.\n\n",
	    opts.quick ? "--quick" : "(full)", when, u.release, u.machine,
	    sysconf(_SC_NPROCESSORS_ONLN), list, opts.samples, opts.samples,
	    opts.cpu_seconds, opts.techniques != NULL ? opts.techniques :
	    "its defaults", opts.survey != NULL ? opts.survey : "0",
	    load_start, load_end);
	fprintf(fp, "| figure | held | sockprobed | raw epoll baseline | "
	    "target | result |\n|---|--:|--:|--:|---|---|\n");
	for (i = 0; i < nr; i++)
		report_rows(fp, &rs[i], idle);
	if (nr >= 2 && rs[nr - 1].n > rs[0].n) {
		/* The fixed part cancels out: what one more connection costs. */
		slope = (double)(rs[nr - 1].sd_mem.anon_kib -
		    rs[0].sd_mem.anon_kib) * 1024.0 /
		    (double)(rs[nr - 1].n - rs[0].n);
		fprintf(fp, "| user-space memory per connection, slope | "
		    "%s → %s | %.0f B | | ≤ %d B | %s |\n",
		    comma(rs[0].n, n, sizeof(n)), comma(rs[nr - 1].n, n2,
		    sizeof(n2)), slope, TARGET_MEM_BYTES,
		    slope <= TARGET_MEM_BYTES ? "PASS" : "MISS");
	}
	report_details(fp, rs, nr, idle);
	fprintf(fp, "\nBaseline: sp-bench-epoll, one epoll set, recv on "
	    "wake; its memory is RssAnon / held (an upper bound), its CPU "
	    "that of reading TCP_INFO of every connection once a second. "
	    "sockprobed's memory per connection is (RssAnon with N held - "
	    "RssAnon with none) / N: heap and stacks, no kernel socket "
	    "memory.\n");
}

int
main(int argc, char *argv[])
{
	struct round	*rs;
	struct procmem	 idle;
	FILE		*fp;
	const char	*raw = NULL;
	size_t		 i, nofile;
	int		 ch, failed = 0;

	opts.conns[0] = 1000;
	opts.conns[1] = 15000;
	opts.nconns = 2;
	opts.samples = 500;
	opts.cpu_seconds = 30;
	opts.status_runs = 7;
	while ((ch = getopt_long(argc, argv, "C:c:D:e:hkn:o:qr:S:s:t:vw:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'q':
			opts.quick = true;
			opts.conns[0] = 1000;
			opts.nconns = 1;
			opts.samples = 100;
			opts.cpu_seconds = 3;
			opts.status_runs = 3;
			break;
		case 'n':
			parse_conns(optarg);
			break;
		case 'S':
			opts.samples = parse_size(optarg, 1, 100000,
			    "--samples");
			break;
		case 'C':
			opts.cpu_seconds = (int)parse_size(optarg, 1, 3600,
			    "--cpu-seconds");
			break;
		case 'D':
			opts.sockprobed = optarg;
			break;
		case 'c':
			opts.sockprobectl = optarg;
			break;
		case 'e':
			opts.epoll = optarg;
			break;
		case 'o':
			opts.out = optarg;
			break;
		case 'k':
			opts.keep = true;
			break;
		case 't':
			opts.techniques = optarg;
			break;
		case 'w':
			opts.wrap = optarg;
			break;
		case 'r':
			raw = optarg;
			break;
		case 's':
			opts.survey = optarg;
			break;
		case 'v':
			util_verbose = true;
			break;
		case 'h':
			usage(stdout, 0);
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc)
		usage(stderr, 2);
	for (i = 0; i < opts.nconns; i++)
		if (2 * opts.samples > opts.conns[i])
			errx(2, "%zu closes of each kind need at least %zu "
			    "connections", opts.samples, 2 * opts.samples);
	opts.sockprobed = util_resolve(opts.sockprobed != NULL ?
	    opts.sockprobed : default_path("../daemon/sockprobed"));
	opts.sockprobectl = util_resolve(opts.sockprobectl != NULL ?
	    opts.sockprobectl : default_path("../ctl/sockprobectl"));
	opts.epoll = util_resolve(opts.epoll != NULL ? opts.epoll :
	    default_path("sp-bench-epoll"));
	srandom((unsigned)util_now(CLOCK_MONOTONIC));
	/* Nothing else bounds a round: 1,000,000 with a limit to match. */
	nofile = util_raise_nofile();
	for (i = 0; i < opts.nconns; i++)
		if (opts.conns[i] + FD_MARGIN > nofile)
			errx(2, "%zu connections: sockprobed would need %zu "
			    "descriptors, the hard limit is %zu", opts.conns[i],
			    opts.conns[i] + FD_MARGIN, nofile);
	util_signals();
	if (atexit(at_exit) != 0)
		err(1, "atexit");
	if ((rs = calloc(opts.nconns, sizeof(*rs))) == NULL)
		err(1, "calloc");

	loadavg(load_start, sizeof(load_start));
	if (subject_idle(&opts, &idle) == -1)
		errx(1, "sockprobed without targets did not start");
	vlog("sockprobed without targets: RssAnon %ld KiB", idle.anon_kib);
	for (i = 0; i < opts.nconns; i++) {
		rs[i].n = opts.conns[i];
		vlog("round %zu: %zu connections", i + 1, rs[i].n);
		if (round_run(&opts, &rs[i], 1 + 2 * (int)i) == -1)
			failed++;
		util_check();
	}
	loadavg(load_end, sizeof(load_end));
	report(stdout, rs, opts.nconns, &idle);
	if (opts.out != NULL) {
		if ((fp = fopen(opts.out, "w")) == NULL)
			err(1, "%s", opts.out);
		report(fp, rs, opts.nconns, &idle);
		if (fclose(fp) != 0)
			err(1, "%s", opts.out);
	}
	if (raw != NULL)
		write_raw(raw, rs, opts.nconns);
	for (i = 0; i < opts.nconns; i++) {
		util_lat_free(&rs[i].sd_lat);
		util_lat_free(&rs[i].base_lat);
	}
	free(rs);
	if (failed > 0)
		warnx("%d step%s failed: see the messages above", failed,
		    failed == 1 ? "" : "s");
	return failed > 0 ? 1 : 0;
}
