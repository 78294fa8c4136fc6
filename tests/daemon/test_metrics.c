/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The exposition text of daemon/metrics.c (included, for its statics):
 * label values escaped as the format says, numbers and seconds written
 * exactly, event counts kept sparse, inbound peers aggregated unless
 * their listener asks, every family grouped with HELP and TYPE before
 * its samples; and the cost of one text at 15,000 connections.
 */

#include "metrics.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <syslog.h>

#include <cmocka.h>

#define MANY		15000
/* Generous enough for the sanitizer build and a loaded CI machine. */
#define MANY_MAX_MS	2000

static struct sockprobed	 sd;
static struct target_conf	 out_conf, in_agg_conf, in_each_conf;
static struct listener		 agg, each;

static int	 setup(void **);
static int	 teardown(void **);
static struct target *add(enum target_kind, struct listener *,
		    const char *, enum health);
static char	*text(size_t *);
static bool	 has_line(const char *, const char *);
static void	 check_structure(const char *, size_t);

static int
setup(void **state)
{
	(void)state;
	memset(&sd, 0, sizeof(sd));
	TAILQ_INIT(&sd.targets);
	TAILQ_INIT(&sd.listeners);
	clock_gettime(CLOCK_REALTIME, &sd.started);
	memset(&out_conf, 0, sizeof(out_conf));
	out_conf.techniques = TECH_ALL;
	in_agg_conf = out_conf;
	in_each_conf = out_conf;
	in_each_conf.metrics_per_peer = true;
	(void)snprintf(in_agg_conf.name, sizeof(in_agg_conf.name), "agg");
	(void)snprintf(in_each_conf.name, sizeof(in_each_conf.name), "each");
	memset(&agg, 0, sizeof(agg));
	memset(&each, 0, sizeof(each));
	agg.conf = &in_agg_conf;
	each.conf = &in_each_conf;
	agg.fd = each.fd = -1;
	TAILQ_INIT(&agg.gone);
	TAILQ_INIT(&each.gone);
	TAILQ_INSERT_TAIL(&sd.listeners, &agg, entry);
	TAILQ_INSERT_TAIL(&sd.listeners, &each, entry);
	return 0;
}

static int
teardown(void **state)
{
	struct target	*t;

	(void)state;
	while ((t = TAILQ_FIRST(&sd.targets)) != NULL) {
		TAILQ_REMOVE(&sd.targets, t, entry);
		metrics_counts_free(&t->health.counts);
		free(t->name);
		free(t);
	}
	metrics_counts_free(&agg.counts);
	metrics_counts_free(&each.counts);
	return 0;
}

/* A connection as target.c would leave it, without a socket. */
static struct target *
add(enum target_kind kind, struct listener *l, const char *name,
    enum health h)
{
	struct target	*t;

	t = xcalloc(1, sizeof(*t));
	t->sd = &sd;
	t->kind = kind;
	t->name = xstrdup(name);
	t->listener = l;
	t->conf = l != NULL ? l->conf : &out_conf;
	t->fd = -1;
	t->health.state = h;
	if (h == HEALTH_UP || h == HEALTH_DEGRADED)
		t->phase = PHASE_CONNECTED;
	(void)snprintf(t->peer_str, sizeof(t->peer_str), "127.0.0.1:%zu",
	    5000 + sd.ntargets);
	if (l != NULL)
		l->npeers++;
	TAILQ_INSERT_TAIL(&sd.targets, t, entry);
	sd.ntargets++;
	return t;
}

static char *
text(size_t *len)
{
	char	*s;

	s = metrics_text(&sd, len);
	assert_non_null(s);
	assert_true(*len > 0);
	assert_int_equal(s[*len - 1], '\n');
	s = realloc(s, *len + 1);
	assert_non_null(s);
	s[*len] = '\0';
	return s;
}

/* Whether text has line (without its newline) as a whole line. */
static bool
has_line(const char *text, const char *line)
{
	const char	*p = text;
	size_t		 n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
		p += n;
	}
	return false;
}

/*
 * The rules of the format a scraper relies on: each family's samples
 * together, after its own HELP and TYPE, never seen again once another
 * family began; each sample "name[{labels}] value".
 */
static void
check_structure(const char *s, size_t len)
{
	char		 fam[128] = "", name[128], seen[8192] = " ";
	const char	*line, *eol, *end = s + len, *sp;
	size_t		 n;
	bool		 help = false, type = false;

	for (line = s; line < end; line = eol + 1) {
		eol = memchr(line, '\n', (size_t)(end - line));
		assert_non_null(eol);
		if (strncmp(line, "# HELP ", 7) == 0) {
			sp = memchr(line + 7, ' ', (size_t)(eol - line - 7));
			assert_non_null(sp);
			n = (size_t)(sp - line - 7);
			assert_true(n < sizeof(fam));
			memcpy(fam, line + 7, n);
			fam[n] = '\0';
			/* A family appears once. */
			(void)snprintf(name, sizeof(name), " %s ", fam);
			assert_null(strstr(seen, name));
			assert_true(strlen(seen) + strlen(fam) + 2 <
			    sizeof(seen));
			strcat(seen, fam);
			strcat(seen, " ");
			help = true;
			type = false;
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			assert_true(help);
			assert_int_equal(strncmp(line + 7, fam, strlen(fam)),
			    0);
			type = true;
			continue;
		}
		assert_true(help && type);
		n = strcspn(line, "{ ");
		assert_true(n == strlen(fam) && strncmp(line, fam, n) == 0);
		sp = memrchr(line, ' ', (size_t)(eol - line));
		assert_non_null(sp);
		assert_true(sp + 1 < eol);
		if (line[n] == '{')
			assert_int_equal(sp[-1], '}');
	}
}

/* Backslash, double quote and newline escaped; nothing else touched. */
static void
test_escape(void **state)
{
	struct mtext	mt = { 0 };

	(void)state;
	mt_begin(&mt, "m");
	mt_label(&mt, "a", "x\\y\"z\nw/[::1]:7");
	mt_label(&mt, "b", "");
	mt_value(&mt, 18446744073709551615ULL);
	mt_begin(&mt, "n");
	mt_end(&mt);
	mt_frac(&mt, 3, 42, 6);
	mt_put(&mt, "\n", 1);
	mt_put(&mt, "", 1);
	assert_false(mt.oom);
	assert_string_equal(mt.buf, "m{a=\"x\\\\y\\\"z\\nw/[::1]:7\",b=\"\"} "
	    "18446744073709551615\nn 3.000042\n");
	free(mt.buf);
}

/* A list that grows with new pairs only, and counts the old ones. */
static void
test_count(void **state)
{
	struct evcounts	c = { 0 };
	int		i;

	(void)state;
	for (i = 0; i < 5; i++)
		metrics_count(&c, SP_CAUSE_RESET, SP_TECH_READ);
	metrics_count(&c, SP_CAUSE_NONE, SP_TECH_CONNECT);
	metrics_count(&c, SP_CAUSE_REFUSED, SP_TECH_CONNECT);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.cap, 4);
	assert_int_equal(c.v[0].n, 5);
	assert_int_equal(c.v[0].cause, SP_CAUSE_RESET);
	assert_int_equal(c.v[2].technique, SP_TECH_CONNECT);
	metrics_counts_free(&c);
	assert_null(c.v);
	assert_int_equal(c.n, 0);
}

/*
 * Outbound targets get series; peers of a listener without
 * metrics_per_peer only counts, per listener; tcp families only for a
 * held connection; one-hot health; seconds from microseconds.
 */
static void
test_families(void **state)
{
	struct target	*db, *t;
	char		*s;
	size_t		 len;

	(void)state;
	db = add(TARGET_OUTBOUND, NULL, "db", HEALTH_UP);
	db->tcp.rtt_us = 1500;
	db->tcp.rttvar_us = 2000001;
	db->tcp.total_retrans = 7;
	db->tcp.probes = 2;
	db->connect_us = 250;
	metrics_count(&db->health.counts, SP_CAUSE_NONE, SP_TECH_CONNECT);
	(void)add(TARGET_OUTBOUND, NULL, "web", HEALTH_DOWN);
	t = add(TARGET_INBOUND, &agg, "agg/127.0.0.1:1", HEALTH_UP);
	metrics_count(&agg.counts, SP_CAUSE_PEER_CLOSED, SP_TECH_READ);
	metrics_count(&agg.counts, SP_CAUSE_PEER_CLOSED, SP_TECH_READ);
	(void)add(TARGET_INBOUND, &agg, "agg/127.0.0.1:2", HEALTH_DOWN);
	(void)add(TARGET_INBOUND, &agg, "agg/127.0.0.1:3", HEALTH_UP);
	(void)add(TARGET_INBOUND, &each, "each/127.0.0.1:4", HEALTH_UP);
	agg.accepted = 9;
	sd.epipe_total = 3;

	s = text(&len);
	check_structure(s, len);
	assert_true(has_line(s, "sockprobe_up{target=\"db\"} 1"));
	assert_true(has_line(s, "sockprobe_up{target=\"web\"} 0"));
	assert_true(has_line(s,
	    "sockprobe_health{target=\"web\",state=\"down\"} 1"));
	assert_true(has_line(s,
	    "sockprobe_health{target=\"web\",state=\"up\"} 0"));
	assert_true(has_line(s,
	    "sockprobe_tcp_rtt_seconds{target=\"db\"} 0.001500"));
	assert_true(has_line(s,
	    "sockprobe_tcp_rttvar_seconds{target=\"db\"} 2.000001"));
	assert_true(has_line(s, "sockprobe_tcp_retransmitted_segments_total"
	    "{target=\"db\"} 7"));
	assert_true(has_line(s, "sockprobe_keepalive_probes{target=\"db\"} 2"));
	assert_true(has_line(s,
	    "sockprobe_connect_seconds{target=\"db\"} 0.000250"));
	assert_null(strstr(s, "sockprobe_tcp_rtt_seconds{target=\"web\"}"));
	assert_null(strstr(s, "sockprobe_connect_seconds{target=\"web\"}"));
	assert_true(has_line(s, "sockprobe_events_total{target=\"db\","
	    "cause=\"none\",technique=\"connect\"} 1"));
	/* Aggregated: no series names a peer of agg. */
	assert_null(strstr(s, "target=\"agg/"));
	assert_true(has_line(s,
	    "sockprobe_inbound_peers{listener=\"agg\",state=\"up\"} 2"));
	assert_true(has_line(s,
	    "sockprobe_inbound_peers{listener=\"agg\",state=\"down\"} 1"));
	assert_true(has_line(s,
	    "sockprobe_inbound_peers{listener=\"each\",state=\"up\"} 1"));
	assert_true(has_line(s,
	    "sockprobe_inbound_accepted_total{listener=\"agg\"} 9"));
	assert_true(has_line(s, "sockprobe_inbound_events_total{listener="
	    "\"agg\",cause=\"peer_closed\",technique=\"read\"} 2"));
	/* Asked for: each's peer has its own series. */
	assert_true(has_line(s, "sockprobe_target_info{target=\"each/"
	    "127.0.0.1:4\",kind=\"inbound\",peer=\"127.0.0.1:5005\","
	    "listener=\"each\"} 1"));
	assert_true(has_line(s, "sockprobe_up{target=\"each/127.0.0.1:4\"} 1"));
	assert_true(has_line(s,
	    "sockprobe_connections{kind=\"inbound\"} 4"));
	assert_true(has_line(s, "sockprobe_epipe_total 3"));
	assert_true(has_line(s, "# TYPE sockprobe_epipe_total counter"));
	assert_true(has_line(s, "# TYPE process_cpu_seconds_total counter"));
	assert_non_null(strstr(s, "\nprocess_open_fds "));
	assert_non_null(strstr(s, "\nprocess_start_time_seconds "));
	(void)t;
	free(s);
}

/* 15,000 held connections with tcp_info and events: time one text. */
static void
test_many(void **state)
{
	struct timespec	 t0, t1;
	struct target	*t;
	char		 name[32], *s;
	size_t		 i, len;
	long		 ms;

	(void)state;
	for (i = 0; i < MANY; i++) {
		(void)snprintf(name, sizeof(name), "target-%05zu", i);
		t = add(TARGET_OUTBOUND, NULL, name, HEALTH_UP);
		t->tcp.rtt_us = (uint32_t)(100 + i);
		t->connect_us = 80;
		metrics_count(&t->health.counts, SP_CAUSE_NONE,
		    SP_TECH_CONNECT);
		metrics_count(&t->health.counts, SP_CAUSE_PEER_CLOSED,
		    SP_TECH_READ);
		metrics_count(&t->health.counts, SP_CAUSE_REFUSED,
		    SP_TECH_CONNECT);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s = text(&len);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	printf("test_metrics: %d connections: %zu bytes in %ld ms\n", MANY,
	    len, ms);
	assert_true(ms < MANY_MAX_MS);
	assert_true(has_line(s, "sockprobe_up{target=\"target-14999\"} 1"));
	check_structure(s, len);
	free(s);
	printf("test_metrics: sizeof(struct target) %zu bytes\n",
	    sizeof(struct target));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_count),
		cmocka_unit_test_setup_teardown(test_families, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_many, setup, teardown),
	};

	log_init(LOG_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
