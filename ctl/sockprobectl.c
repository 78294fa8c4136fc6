/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sockprobectl: the command line.  Options and verbs are tables; each
 * verb names the option groups it takes and whether it needs sockprobed,
 * and the dispatcher checks both before the verb runs.
 */

#include "config.h"

#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sockprobe.h"
#include "proto.h"
#include "sockprobectl.h"

#define VERB_ANY	INT_MAX		/* no upper bound on arguments */

struct verb {
	const char	*name;
	int		 min_args;
	int		 max_args;
	int		 flags;		/* OPT_* groups, VERB_* */
	int		(*fn)(struct ctl *, int, char **);
};

struct verb_help {
	const char	*name;
	const char	*synopsis;
	const char	*summary;
};

struct ctl_option {
	const char	*name;
	int		 short_name;
	const char	*arg;		/* NULL: takes no argument */
	int		 group;
	const char	*help;
};

static void	usage_line(FILE *, int, const char *, const char *);
static void	usage_option(const struct ctl_option *, char *, size_t);
static void	usage(int) __attribute__((noreturn));
static void	version(void) __attribute__((noreturn));
static uint64_t	parse_uint(const char *, const char *, uint64_t, uint64_t);
static uint64_t	parse_ms(const char *, const char *, uint64_t, uint64_t);
static uint32_t	parse_seconds(const char *, const char *, uint32_t);
static void	parse_keepalive(struct ctl *, const char *);
static void	set_option(struct ctl *, int, const char *);
static const struct verb *verb_find(const char *);
static void	verb_check_options(const struct verb *, const bool *);

static const struct verb verbs[] = {
	{ "probe",	0, 1,		OPT_SOCKET | OPT_PROBE | OPT_SYSCTL,
	    probe_main },
	{ "explain",	0, 1,		OPT_SOCKET | OPT_BUDGET | OPT_SYSCTL,
	    explain_main },
	{ "kernel",	0, 0,		OPT_SYSCTL,	kernel_main },
	{ "selftest",	0, 0,		0,		selftest_main },
	{ "hello",	0, 0,		VERB_DAEMON,	client_main },
	{ "status",	0, 0,		VERB_DAEMON,	client_main },
	{ "show",	1, 1,		VERB_DAEMON,	client_main },
	{ "watch",	0, 0,		VERB_DAEMON,	client_main },
	{ "add",	2, VERB_ANY,	VERB_DAEMON,	client_main },
	{ "remove",	1, 1,		VERB_DAEMON,	client_main },
	{ "reload",	0, 0,		VERB_DAEMON,	client_main },
	{ "sockets",	0, 0,		VERB_DAEMON | OPT_SURVEY,
	    client_main },
	{ "metrics",	0, 0,		VERB_DAEMON,	client_main },
};

/* --help's text for each verb, in the order of verbs[]. */
static const struct verb_help verb_helps[] = {
	{ "probe", "probe HOST:PORT | --listen-self",
	    "diagnose one peer: the handshake,\nTCP_INFO, each technique, "
	    "the close\nstate by state, the detection budget" },
	{ "explain", "explain [NAME]",
	    "worst-case time to detect a dead peer\nin each failure mode, "
	    "for the options\ngiven and this host's sysctls" },
	{ "kernel", "kernel", "the TCP sysctls that decide liveness" },
	{ "selftest", "selftest", "as root: kill peers every way in a\n"
	    "scratch namespace; time each technique\nagainst explain's "
	    "prediction" },
	{ "hello", "hello", "the daemon's version, protocol, backend" },
	{ "status", "status", "every monitored connection's health" },
	{ "show", "show NAME", "one target: tcp_info, budget, events" },
	{ "watch", "watch", "stream health events until interrupted" },
	{ "add", "add NAME HOST:PORT [KEY=VALUE]...", "add a target" },
	{ "remove", "remove NAME", "remove a target" },
	{ "reload", "reload", "reread the configuration file" },
	{ "sockets", "sockets", "survey every TCP socket of the host:\n"
	    "states, CLOSE_WAIT by process, TIME_WAIT,\nretransmissions, "
	    "accept queues" },
	{ "metrics", "metrics", "the Prometheus metrics, as text" },
};

static const struct ctl_option options[] = {
	{ "help",	'h', NULL,	OPT_GLOBAL,
	    "print this help and exit" },
	{ "version",	'V', NULL,	OPT_GLOBAL,
	    "print the version and exit" },
	{ "json",	'j', NULL,	OPT_GLOBAL,
	    "print the result as one JSON object" },
	{ "socket",	's', "PATH",	OPT_GLOBAL,
	    "sockprobed's control socket\n(default " SOCKPROBE_CONTROL_SOCKET
	    ")" },
	{ "sysctl-dir",	'k', "DIR",	OPT_SYSCTL,
	    "read the TCP sysctls from DIR instead of\n/proc/sys/net/ipv4" },
	{ "keepalive",	'K', "I,V,C",	OPT_SOCKET,
	    "keepalive idle,interval,count, \"on\" for the\nkernel's "
	    "values or \"off\" (probe: 10s,2s,3)" },
	{ "user-timeout", 'U', "DUR",	OPT_SOCKET,
	    "TCP_USER_TIMEOUT, 0 for off (probe: 16s)" },
	{ "syn-retries", 'y', "N",	OPT_SOCKET,
	    "TCP_SYNCNT, 1..127 (default: tcp_syn_retries)" },
	{ "timeout",	't', "DUR",	OPT_PROBE,
	    "connect and reply deadline (default 5s)" },
	{ "send",	'd', "PAYLOAD",	OPT_PROBE,
	    "write PAYLOAD (\\r \\n \\t \\\\ \\xHH escapes)" },
	{ "expect",	'e', "PREFIX",	OPT_PROBE,
	    "the reply must start with PREFIX (same escapes)" },
	{ "ipv4",	'4', NULL,	OPT_PROBE, "use IPv4 addresses only" },
	{ "ipv6",	'6', NULL,	OPT_PROBE, "use IPv6 addresses only" },
	{ "listen-self", 'l', NULL,	OPT_PROBE,
	    "probe a loopback echo peer of our own" },
	{ "linger2",	'L', "DUR",	OPT_BUDGET,
	    "TCP_LINGER2 (default: tcp_fin_timeout)" },
	{ "rto",	'R', "DUR",	OPT_BUDGET,
	    "the connection's RTO (default: tcp_rto_min)" },
	{ "recv-timeout", 'r', "DUR",	OPT_BUDGET, "SO_RCVTIMEO, 0 for off" },
	{ "send-timeout", 'w', "DUR",	OPT_BUDGET, "SO_SNDTIMEO, 0 for off" },
	{ "state",	'S', "STATES",	OPT_SURVEY,
	    "sockets: only these states, comma-separated\n(close-wait, "
	    "time-wait, listen, ...)" },
	{ "port",	'P', "PORT",	OPT_SURVEY,
	    "sockets: only those with this local or peer port" },
	{ "process",	'p', "PROC",	OPT_SURVEY,
	    "sockets: only those of this pid or command" },
	{ "top",	'n', "N",	OPT_SURVEY,
	    "sockets: at most N rows per list (default 10)" },
};

#define NOPTIONS	(sizeof(options) / sizeof(options[0]))
#define NVERBS		(sizeof(verbs) / sizeof(verbs[0]))

/* One help line: left in a column of width w, text's lines beside it. */
static void
usage_line(FILE *f, int w, const char *left, const char *text)
{
	const char	*p;

	fprintf(f, "  %-*s  ", w, left);
	for (p = text; *p != '\0'; p++) {
		fputc(*p, f);
		if (*p == '\n')
			fprintf(f, "  %-*s  ", w, "");
	}
	fputc('\n', f);
}

/* An option as --help and the manual show it: "-t, --timeout DUR". */
static void
usage_option(const struct ctl_option *o, char *buf, size_t len)
{
	snprintf(buf, len, "-%c, --%s%s%s", o->short_name, o->name,
	    o->arg != NULL ? " " : "", o->arg != NULL ? o->arg : "");
}

/* Print the help, aligned from the tables, and exit with status. */
static void
usage(int status)
{
	FILE		*f = status == 0 ? stdout : stderr;
	char		 left[64];
	size_t		 i;
	int		 w = 0;

	fprintf(f, "usage: sockprobectl [options] verb [arguments]\n");
	if (status != 0) {
		fprintf(f, "Try 'sockprobectl --help' for more information.\n");
		exit(status);
	}
	for (i = 0; i < NVERBS; i++)
		if ((int)strlen(verb_helps[i].synopsis) > w)
			w = (int)strlen(verb_helps[i].synopsis);
	for (i = 0; i < NVERBS; i++) {
		if (i == 0)
			fprintf(f, "\nVerbs that work alone:\n");
		else if ((verbs[i].flags & VERB_DAEMON) &&
		    !(verbs[i - 1].flags & VERB_DAEMON))
			fprintf(f, "\nVerbs that ask sockprobed, as does "
			    "explain NAME:\n");
		usage_line(f, w, verb_helps[i].synopsis, verb_helps[i].summary);
	}
	for (w = 0, i = 0; i < NOPTIONS; i++) {
		usage_option(&options[i], left, sizeof(left));
		if ((int)strlen(left) > w)
			w = (int)strlen(left);
	}
	fprintf(f, "\nOptions:\n");
	for (i = 0; i < NOPTIONS; i++) {
		usage_option(&options[i], left, sizeof(left));
		usage_line(f, w, left, options[i].help);
	}
	fprintf(f, "\nDurations take ms, s, m and h (\"1m30s\").  Exit status: "
	    "0 ok, 1 target down\nor probe failed, 2 usage or connection "
	    "error.  See sockprobectl(8).\n");
	exit(status);
}

static void
version(void)
{
	printf("sockprobectl %s (libsockprobe %s, control protocol %d)\n",
	    PACKAGE_VERSION, sp_version(), CTL_PROTO_VERSION);
	exit(EXIT_OK);
}

/* A whole number in [min, max], or exit 2 naming the option. */
static uint64_t
parse_uint(const char *what, const char *s, uint64_t min, uint64_t max)
{
	unsigned long long	 v;
	char			*end;

	errno = 0;
	if (*s < '0' || *s > '9')
		errx(EXIT_USAGE, "%s: %s: not a number", what, s);
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		errx(EXIT_USAGE, "%s: %s: not a number", what, s);
	if (errno == ERANGE || v < min || v > max)
		errx(EXIT_USAGE, "%s: %s: out of range %llu..%llu", what, s,
		    (unsigned long long)min, (unsigned long long)max);
	return v;
}

/* A duration in [min_ms, max_ms], or exit 2 naming the option. */
static uint64_t
parse_ms(const char *what, const char *s, uint64_t min_ms, uint64_t max_ms)
{
	const char	*errstr;
	char		 lo[32], hi[32];
	uint64_t	 ms;

	if (sp_duration_parse(s, &ms, &errstr) == -1)
		errx(EXIT_USAGE, "%s: %s: %s", what, s, errstr);
	if (ms < min_ms || ms > max_ms)
		errx(EXIT_USAGE, "%s: %s: out of range %s..%s", what, s,
		    sp_duration_format(min_ms, lo, sizeof(lo)),
		    sp_duration_format(max_ms, hi, sizeof(hi)));
	return ms;
}

/*
 * A duration the kernel takes in whole seconds: refused rather than
 * rounded, so that a setting means what it says.
 */
static uint32_t
parse_seconds(const char *what, const char *s, uint32_t max_s)
{
	uint64_t	ms;

	ms = parse_ms(what, s, 1000, (uint64_t)max_s * 1000);
	if (ms % 1000 != 0)
		errx(EXIT_USAGE, "%s: %s: the kernel takes whole seconds",
		    what, s);
	return (uint32_t)(ms / 1000);
}

/* --keepalive IDLE,INTVL,COUNT, "on" (kernel values) or "off". */
static void
parse_keepalive(struct ctl *ctl, const char *s)
{
	char	*copy, *idle, *intvl, *cnt, *rest;

	ctl->keepalive_given = true;
	memset(&ctl->keepalive, 0, sizeof(ctl->keepalive));
	if (strcmp(s, "off") == 0)
		return;
	ctl->keepalive.enabled = true;
	if (strcmp(s, "on") == 0)
		return;
	if ((copy = strdup(s)) == NULL)
		err(EXIT_DOWN, "strdup");
	rest = copy;
	idle = strsep(&rest, ",");
	intvl = strsep(&rest, ",");
	cnt = strsep(&rest, ",");
	if (intvl == NULL || cnt == NULL || rest != NULL)
		errx(EXIT_USAGE, "--keepalive: %s: expected "
		    "IDLE,INTERVAL,COUNT (like 10s,2s,3), on or off", s);
	ctl->keepalive.idle_s = parse_seconds("--keepalive idle", idle, 32767);
	ctl->keepalive.interval_s = parse_seconds("--keepalive interval",
	    intvl, 32767);
	ctl->keepalive.count = (uint32_t)parse_uint("--keepalive count", cnt,
	    1, 127);
	free(copy);
}

/* Store one option; getopt's short name says which. */
static void
set_option(struct ctl *ctl, int ch, const char *arg)
{
	switch (ch) {
	case 'h':
		usage(EXIT_OK);
	case 'V':
		version();
	case 'j':
		ctl->json = true;
		break;
	case 's':
		ctl->socket_path = arg;
		break;
	case 'k':
		ctl->sysctl_dir = arg;
		break;
	case 'K':
		parse_keepalive(ctl, arg);
		break;
	case 'U':
		ctl->user_timeout_given = true;
		ctl->user_timeout_ms = (uint32_t)parse_ms("--user-timeout", arg,
		    0, INT_MAX);
		break;
	case 'y':
		ctl->syn_retries = (int)parse_uint("--syn-retries", arg, 1,
		    127);
		break;
	case 't':
		ctl->timeout_ms = (uint32_t)parse_ms("--timeout", arg, 1,
		    24 * 3600 * 1000);
		break;
	case 'd':
		ctl->send = arg;
		break;
	case 'e':
		ctl->expect = arg;
		break;
	case '4':
		ctl->family = AF_INET;
		break;
	case '6':
		ctl->family = AF_INET6;
		break;
	case 'l':
		ctl->listen_self = true;
		break;
	case 'L':
		ctl->linger2_s = (int)parse_seconds("--linger2", arg, INT_MAX /
		    1000);
		break;
	case 'R':
		ctl->rto_ms = (uint32_t)parse_ms("--rto", arg, 1, 120000);
		break;
	case 'r':
		ctl->recv_timeout_ms = (uint32_t)parse_ms("--recv-timeout", arg,
		    0, INT_MAX);
		break;
	case 'w':
		ctl->send_timeout_ms = (uint32_t)parse_ms("--send-timeout", arg,
		    0, INT_MAX);
		break;
	case 'S':
		ctl->states = arg;
		break;
	case 'P':
		ctl->port = (uint16_t)parse_uint("--port", arg, 1, 65535);
		break;
	case 'p':
		ctl->process = arg;
		break;
	case 'n':
		ctl->top = (uint32_t)parse_uint("--top", arg, 1, 1000);
		break;
	default:
		usage(EXIT_USAGE);
	}
}

/* The verb with exactly this name; no abbreviations. */
static const struct verb *
verb_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NVERBS; i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

/* Refuse an option the verb would silently ignore. */
static void
verb_check_options(const struct verb *v, const bool *given)
{
	size_t	i;

	for (i = 0; i < NOPTIONS; i++) {
		if (!given[i] || options[i].group == OPT_GLOBAL)
			continue;
		if ((v->flags & options[i].group) == 0)
			errx(EXIT_USAGE, "%s: option --%s does not apply",
			    v->name, options[i].name);
	}
}

/* Read the sysctls, from -k DIR if given. */
void
ctl_kernel_read(const struct ctl *ctl, struct sp_kernel *k)
{
	if (sp_kernel_read(ctl->sysctl_dir, k) == -1)
		err(EXIT_USAGE, "%s", ctl->sysctl_dir != NULL ?
		    ctl->sysctl_dir : "/proc/sys/net/ipv4");
}

int
main(int argc, char *argv[])
{
	struct option		 longopts[NOPTIONS + 1];
	struct ctl		 ctl = {
		.progname = "sockprobectl",
		.socket_path = SOCKPROBE_CONTROL_SOCKET,
		.family = AF_UNSPEC,
		.timeout_ms = PROBE_TIMEOUT_MS,
	};
	const struct verb	*v;
	bool			 given[NOPTIONS] = { false };
	char			 shortopts[3 * NOPTIONS + 2], *p;
	size_t			 i;
	int			 ch, nargs;

	/* Both tables come from options[], so --help cannot drift. */
	p = shortopts;
	for (i = 0; i < NOPTIONS; i++) {
		longopts[i] = (struct option){ options[i].name,
		    options[i].arg != NULL ? required_argument : no_argument,
		    NULL, options[i].short_name };
		*p++ = (char)options[i].short_name;
		if (options[i].arg != NULL)
			*p++ = ':';
	}
	*p = '\0';
	longopts[NOPTIONS] = (struct option){ NULL, 0, NULL, 0 };

	/* GNU getopt permutes: options may follow the verb and its args. */
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) !=
	    -1) {
		for (i = 0; i < NOPTIONS; i++)
			if (options[i].short_name == ch)
				given[i] = true;
		set_option(&ctl, ch, optarg);
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage(EXIT_USAGE);
	if (strcmp(argv[0], "help") == 0)
		usage(EXIT_OK);
	if ((v = verb_find(argv[0])) == NULL)
		errx(EXIT_USAGE, "%s: unknown verb; see 'sockprobectl --help'",
		    argv[0]);
	nargs = argc - 1;
	if (nargs < v->min_args)
		errx(EXIT_USAGE, "%s: too few arguments", v->name);
	if (nargs > v->max_args)
		errx(EXIT_USAGE, "%s: too many arguments", v->name);
	verb_check_options(v, given);
	output_init();
	return v->fn(&ctl, argc, argv);
}
