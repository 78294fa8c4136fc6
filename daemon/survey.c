/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The host survey: every survey_interval, and for each `sockets`
 * request, one sock_diag dump of every TCP socket of the host, summed up
 * by state; CLOSE_WAIT sockets tracked across rounds, and those older
 * than closewait_alarm reported as leak suspects; TIME_WAIT and
 * FIN_WAIT2 by destination; flows retransmitting now; listeners whose
 * accept queue fills.  The sockets are not ours: nothing here touches
 * them, and their owners are found in /proc only when a report or an
 * alarm names them.
 */

#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "sockprobe.h"
#include "sockprobed.h"

#define LIMIT_DEFAULT	10		/* rows per list in a report */
#define LIMIT_MAX	1000
#define ALARMS_MAX	16		/* alarm events per round, then a log
					 * line for the rest */
#define TRACK_MAX	(1U << 20)	/* CLOSE_WAIT sockets given an age */
#define ADDR_STR	(INET6_ADDRSTRLEN + 8)

/* One end of a connection, compact; the port in host order. */
struct addr {
	uint8_t		family;
	uint16_t	port;
	uint8_t		a[16];
};

/* A CLOSE_WAIT socket remembered across rounds, by its cookie. */
struct track {
	uint64_t	cookie;			/* 0: free slot */
	uint64_t	first_seen;		/* now_ms() */
	bool		alarmed;		/* its event was sent */
};

struct tracks {
	struct track	*t;
	size_t		 cap;			/* a power of two, or 0 */
	size_t		 n;
};

/* A socket a report or an alarm may name. */
struct srec {
	struct addr	 local, peer;
	uint64_t	 inode, cookie;
	uint64_t	 first_seen;		/* CLOSE_WAIT */
	struct track	*track;			/* CLOSE_WAIT, this round */
	struct owner	 owner;			/* pid 0: unknown */
	uint32_t	 uid, rqueue, wqueue;
	uint32_t	 lost, unacked, total_retrans, rtt_us, rto_us;
	uint16_t	 port;			/* CLOSE_WAIT: its service */
	uint8_t		 state, retransmits, backoff;
	bool		 port_local;		/* ... is ours: we listen */
	bool		 selected;		/* matches the request */
	bool		 suspect;		/* CLOSE_WAIT past the alarm */
	bool		 new_suspect;		/* ... since this round */
	bool		 asked;			/* its owner was looked up */
};

struct recs {
	struct srec	*r;
	size_t		 n, cap;
};

/* Sockets counted by destination (TIME_WAIT, FIN_WAIT2). */
struct dest {
	struct addr	peer;
	uint32_t	count;
	bool		used;
};

struct dests {
	struct dest	*d;
	size_t		 cap, n;		/* cap: power of two or 0 */
	uint64_t	 total;
};

/* What a `sockets` request asks for; every filter must match. */
struct query {
	uint32_t		 states;	/* SP_DIAG_STATE() bits */
	uint16_t		 port;		/* local or peer; 0 any */
	pid_t			 pid;		/* 0 any */
	char			 comm[OWNER_COMM_MAX + 1]; /* "" any */
	bool			 process;	/* pid or comm given */
	size_t			 limit;
	struct owners		*procs;		/* the process's sockets */
};

/* One round: the summary of every socket, and the report if asked. */
struct round {
	struct survey		*sv;
	const struct query	*q;		/* NULL: a timer round */
	uint64_t		 now;		/* now_ms() */
	struct survey_summary	 sum;
	uint64_t		 total;
	struct recs		 cw;		/* every CLOSE_WAIT */
	struct recs		 listeners;	/* accept queue not empty */
	uint8_t			 listen_ports[65536 / 8]; /* a bit each */
	/* The report: selected sockets only. */
	uint64_t		 counts[SP_TCP__MAX];
	uint64_t		 selected, orphans, listening;
	struct recs		 flows;		/* retransmitting now */
	struct dests		 tw, fw2;
	struct owners_stats	 owner_stats;
	size_t			 owners_asked, owners_found;
};

struct survey {
	struct sockprobed	*sd;
	struct event		*ev;
	struct tracks		 tracks;
	struct owners		*owners;	/* sockets' owners, remembered */
	uint64_t		*full;		/* listeners full last round */
	size_t			 nfull;
	struct survey_summary	 last;
	uint64_t		 interval_ms;	/* the timer's, as armed */
	uint64_t		 rounds;
	bool			 failing;	/* logged once per streak */
};

static struct survey *survey_get(struct sockprobed *);
static void	 survey_timer_cb(evutil_socket_t, short, void *);
static void	 sort_n(void *, size_t, size_t, int (*)(const void *,
		    const void *));
static void	*grow(void *, size_t *, size_t, size_t);
static void	 addr_of(struct addr *, const struct sockaddr_storage *);
static char	*addr_str(const struct addr *, char *, size_t);
static json_t	*jstr_clean(const char *);
static bool	 orphan(const struct sp_diag_sock *);
static bool	 retransmitting(const struct sp_tcp_info *);
static uint16_t	 port_of(const struct sockaddr_storage *);
static bool	 query_match(const struct query *, const struct sp_diag_sock *);
static void	 recs_add(struct recs *, const struct srec *);
static struct dest *dests_slot(struct dests *, const struct addr *);
static void	 dests_add(struct dests *, const struct addr *);
static int	 dest_cmp(const void *, const void *);
static bool	 was_full(const struct survey *, uint64_t);
static uint64_t	 cpu_us(void);
static int	 cwgroup_cmp(const void *, const void *);
static void	 rec_fill(struct srec *, const struct sp_diag_sock *);
static int	 round_cb(const struct sp_diag_sock *, void *);
static struct track *tracks_find(const struct tracks *, uint64_t);
static void	 tracks_update(struct survey *, struct round *);
static int	 flow_cmp(const void *, const void *);
static int	 listener_cmp(const void *, const void *);
static int	 cw_cmp(const void *, const void *);
static bool	 cw_same_group(const struct srec *, const struct srec *);
static void	 owner_ask(struct owners *, const struct query *,
		    struct srec *);
static void	 owner_take(const struct owners *, const struct query *,
		    struct srec *);
static void	 owner_found(struct round *, const struct owners *,
		    struct srec *);
static void	 round_owners(struct round *);
static void	 alarm_event(struct survey *, const char *, const char *,
		    const char *, const struct srec *, json_t *);
static void	 alarm_closewait(struct round *, struct srec *, size_t);
static void	 alarm_listeners(struct round *);
static bool	 group_new_suspect(const struct srec *, size_t);
static void	 round_alarms(struct round *);
static void	 round_free(struct round *);
static int	 survey_round(struct survey *, struct round *);
static int	 query_states(const json_t *, struct query *, char *, size_t);
static int	 query_uint(const json_t *, const char *, uint64_t, uint64_t,
		    uint64_t *, char *, size_t);
static int	 query_parse(const json_t *, struct query *, char *, size_t);
static json_t	*query_error(const char *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static json_t	*query_process(struct query *);
static json_t	*owner_json(const struct owner *);
static json_t	*dests_json(struct dests *, size_t);
static json_t	*flows_json(const struct round *);
static json_t	*listeners_json(const struct round *);
static json_t	*cw_sockets_json(const struct round *, const struct srec *,
		    size_t);
static json_t	*cw_json(struct round *);
static json_t	*counts_json(const struct round *);
static json_t	*filter_json(const struct query *);
static json_t	*report_json(struct round *);

static const struct survey_summary no_summary;

/* The survey of sd, made on first use (the fuzzer has no timer). */
static struct survey *
survey_get(struct sockprobed *sd)
{
	if (sd->survey == NULL) {
		sd->survey = xcalloc(1, sizeof(*sd->survey));
		sd->survey->sd = sd;
		sd->survey->owners = owners_new();
	}
	return sd->survey;
}

/* What the last round found; valid is false before the first one. */
const struct survey_summary *
survey_last(const struct sockprobed *sd)
{
	return sd->survey != NULL ? &sd->survey->last : &no_summary;
}

/*
 * (Re)arm the survey timer from the running configuration: at start
 * and after a reload that changed survey_interval (a reload storm must
 * not become a survey storm).  At start a round runs at once, so
 * CLOSE_WAIT ages count from the daemon's start rather than from its
 * first interval.
 */
void
survey_start(struct sockprobed *sd)
{
	struct survey	*sv = survey_get(sd);
	uint64_t	 ms = sd->conf->daemon.survey_interval_ms;
	struct timeval	 tv = { (time_t)(ms / 1000),
			    (suseconds_t)(ms % 1000) * 1000 };
	bool		 first = sv->ev == NULL;

	if (!first && sv->interval_ms == ms)
		return;
	if (first && (sv->ev = event_new(sd->base, -1, EV_PERSIST,
	    survey_timer_cb, sv)) == NULL)
		fatalx("survey timer");
	(void)event_del(sv->ev);
	sv->interval_ms = ms;
	if (ms == 0)
		return;
	if (event_add(sv->ev, &tv) == -1)
		fatalx("survey timer");
	if (first)
		event_active(sv->ev, EV_TIMEOUT, 0);
}

/* Stop surveying and free what the survey remembers; NULL-safe. */
void
survey_free(struct sockprobed *sd)
{
	struct survey	*sv = sd->survey;

	if (sv == NULL)
		return;
	if (sv->ev != NULL)
		event_free(sv->ev);
	free(sv->tracks.t);
	owners_free(sv->owners);
	free(sv->full);
	free(sv);
	sd->survey = NULL;
}

/* Every survey_interval: one round, for the summary and the alarms. */
static void
survey_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct survey	*sv = arg;
	struct round	 r = { .sv = sv };

	(void)fd;
	(void)what;
	if (survey_round(sv, &r) == -1) {
		if (!sv->failing)
			log_warn("survey: sock_diag dump");
		sv->failing = true;
	} else if (sv->failing) {
		log_info("survey: sock_diag dump works again");
		sv->failing = false;
	}
	round_free(&r);
}

/* qsort() that accepts an empty array, which may be NULL. */
static void
sort_n(void *base, size_t n, size_t size, int (*cmp)(const void *,
    const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

/* realloc() a growing array to hold one more element. */
static void *
grow(void *p, size_t *cap, size_t n, size_t size)
{
	size_t	ncap;

	if (n < *cap)
		return p;
	ncap = *cap == 0 ? 64 : *cap * 2;
	if (ncap > SIZE_MAX / size || (p = realloc(p, ncap * size)) == NULL)
		fatalx("survey: out of memory");
	*cap = ncap;
	return p;
}

static void
addr_of(struct addr *a, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)ss;

	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)ss->ss_family;
	if (ss->ss_family == AF_INET) {
		memcpy(a->a, &sin->sin_addr, sizeof(sin->sin_addr));
		a->port = ntohs(sin->sin_port);
	} else {
		memcpy(a->a, &sin6->sin6_addr, sizeof(sin6->sin6_addr));
		a->port = ntohs(sin6->sin6_port);
	}
}

/* "10.0.0.5:5432" or "[::1]:5432". */
static char *
addr_str(const struct addr *a, char *buf, size_t len)
{
	char	host[INET6_ADDRSTRLEN];

	if (inet_ntop(a->family, a->a, host, sizeof(host)) == NULL)
		(void)snprintf(host, sizeof(host), "?");
	(void)snprintf(buf, len, a->family == AF_INET6 ? "[%s]:%u" :
	    "%s:%u", host, a->port);
	return buf;
}

/*
 * A JSON string of a process name: comm is whatever bytes the program
 * chose, and jansson refuses what is not UTF-8, so anything outside
 * printable ASCII becomes '?'.
 */
static json_t *
jstr_clean(const char *s)
{
	char	buf[OWNER_COMM_MAX + 1];
	size_t	i;

	for (i = 0; s[i] != '\0' && i < sizeof(buf) - 1; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return json_string(buf);
}

/*
 * An orphan: closed by its program, still finishing its close in the
 * kernel.  A socket without inode in another state is not one: TIME_WAIT
 * and request sockets never had a descriptor, and an ESTABLISHED or
 * CLOSE_WAIT one waits in a listener's accept queue.
 */
static bool
orphan(const struct sp_diag_sock *s)
{
	return s->inode == 0 && (s->state == SP_TCP_FIN_WAIT1 ||
	    s->state == SP_TCP_FIN_WAIT2 || s->state == SP_TCP_LAST_ACK ||
	    s->state == SP_TCP_CLOSING);
}

/* Retransmitting now: unrecovered RTOs, backoff, or segments lost. */
static bool
retransmitting(const struct sp_tcp_info *ti)
{
	return ti != NULL && ti->state != SP_TCP_LISTEN &&
	    (ti->retransmits > 0 || ti->backoff > 0 || ti->lost > 0);
}

static bool
query_match(const struct query *q, const struct sp_diag_sock *s)
{
	if ((q->states & SP_DIAG_STATE(s->state)) == 0)
		return false;
	if (q->port != 0 && port_of(&s->local) != q->port &&
	    port_of(&s->peer) != q->port)
		return false;
	return !q->process || owners_has(q->procs, s->inode);
}

static void
recs_add(struct recs *rs, const struct srec *rec)
{
	rs->r = grow(rs->r, &rs->cap, rs->n, sizeof(*rs->r));
	rs->r[rs->n++] = *rec;
}

/* The slot of peer in the map, or the free one where it goes. */
static struct dest *
dests_slot(struct dests *ds, const struct addr *peer)
{
	uint64_t	w[2], h;
	size_t		i;

	/* Two multiplications, not a loop per byte: one per TIME_WAIT. */
	memcpy(w, peer->a, sizeof(w));
	h = (w[0] * 0x9e3779b97f4a7c15ULL) ^ (w[1] * 0xc2b2ae3d27d4eb4fULL) ^
	    ((uint64_t)peer->port * 0x165667b19e3779f9ULL);
	h ^= h >> 29;
	for (i = (size_t)h & (ds->cap - 1); ds->d[i].used &&
	    (ds->d[i].peer.port != peer->port ||
	    ds->d[i].peer.family != peer->family ||
	    memcmp(ds->d[i].peer.a, peer->a, sizeof(peer->a)) != 0);
	    i = (i + 1) & (ds->cap - 1))
		;
	return &ds->d[i];
}

/* Count one more socket toward its peer; the map stays half empty. */
static void
dests_add(struct dests *ds, const struct addr *peer)
{
	struct dest	*old = ds->d, *d;
	size_t		 oldcap = ds->cap, i;

	if ((ds->n + 1) * 2 > ds->cap) {
		ds->cap = ds->cap == 0 ? 64 : ds->cap * 2;
		ds->d = xcalloc(ds->cap, sizeof(*ds->d));
		for (i = 0; i < oldcap; i++)
			if (old[i].used)
				*dests_slot(ds, &old[i].peer) = old[i];
		free(old);
	}
	d = dests_slot(ds, peer);
	if (!d->used) {
		d->used = true;
		d->peer = *peer;
		ds->n++;
	}
	d->count++;
	ds->total++;
}

/* The parts of a dumped socket a report may show. */
static void
rec_fill(struct srec *rec, const struct sp_diag_sock *s)
{
	const struct sp_tcp_info	*ti = s->info;

	memset(rec, 0, sizeof(*rec));
	addr_of(&rec->local, &s->local);
	addr_of(&rec->peer, &s->peer);
	rec->inode = s->inode;
	rec->cookie = s->cookie;
	rec->uid = s->uid;
	rec->rqueue = s->rqueue;
	rec->wqueue = s->wqueue;
	rec->state = (uint8_t)s->state;
	if (ti != NULL) {
		rec->retransmits = ti->retransmits;
		rec->backoff = ti->backoff;
		rec->lost = ti->lost;
		rec->unacked = ti->unacked;
		rec->total_retrans = ti->total_retrans;
		rec->rtt_us = ti->rtt_us;
		rec->rto_us = ti->rto_us;
	}
}

/* A socket's port, host order; both families keep it at one offset. */
static uint16_t
port_of(const struct sockaddr_storage *ss)
{
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/*
 * sp_diag_dump()'s callback, once per socket of the host: the summary
 * always, the CLOSE_WAIT and queued listener records always (ages and
 * alarms need them), the rest only for a request and only what it
 * selects.  Most sockets cost a few counters and nothing is copied.
 */
static int
round_cb(const struct sp_diag_sock *s, void *arg)
{
	struct round	*r = arg;
	struct srec	 rec;
	struct addr	 peer;
	bool		 flow, keep, sel = false;

	r->total++;
	r->sum.by_state[s->state]++;
	if (orphan(s))
		r->sum.orphans++;
	if (s->state == SP_TCP_LISTEN && s->rqueue > s->wqueue)
		r->sum.listen_queue_full++;
	if ((flow = retransmitting(s->info)))
		r->sum.retransmitting++;
	owners_seen(r->sv->owners, s->inode);
	if (s->state == SP_TCP_LISTEN)
		r->listen_ports[port_of(&s->local) / 8] |=
		    (uint8_t)(1U << (port_of(&s->local) % 8));
	keep = s->state == SP_TCP_CLOSE_WAIT ||
	    (s->state == SP_TCP_LISTEN && s->rqueue > 0);
	if (r->q != NULL && (sel = query_match(r->q, s))) {
		r->selected++;
		r->counts[s->state]++;
		if (orphan(s))
			r->orphans++;
		if (s->state == SP_TCP_LISTEN)
			r->listening++;
		if (s->state == SP_TCP_TIME_WAIT ||
		    s->state == SP_TCP_FIN_WAIT2) {
			addr_of(&peer, &s->peer);
			dests_add(s->state == SP_TCP_TIME_WAIT ? &r->tw :
			    &r->fw2, &peer);
		}
	}
	if (!keep && !(sel && flow))
		return 0;
	rec_fill(&rec, s);
	rec.selected = sel;
	if (sel && flow)
		recs_add(&r->flows, &rec);
	if (s->state == SP_TCP_CLOSE_WAIT)
		recs_add(&r->cw, &rec);
	else if (keep)
		recs_add(&r->listeners, &rec);
	return 0;
}

static struct track *
tracks_find(const struct tracks *ts, uint64_t cookie)
{
	size_t	i;

	if (ts->cap == 0)
		return NULL;
	for (i = (size_t)(cookie * 0x9e3779b97f4a7c15ULL >> 17) &
	    (ts->cap - 1); ts->t[i].cookie != 0; i = (i + 1) & (ts->cap - 1))
		if (ts->t[i].cookie == cookie)
			return &ts->t[i];
	return &ts->t[i];
}

/*
 * Carry each CLOSE_WAIT socket's first sighting over from the last
 * round, by its cookie: unlike an inode or a 4-tuple it is never reused
 * while the host runs.  The table is rebuilt from this round's sockets,
 * so a socket no longer present is forgotten.
 */
static void
tracks_update(struct survey *sv, struct round *r)
{
	struct tracks	 nt = { 0 };
	struct track	*old, *t;
	struct srec	*rec;
	uint64_t	 alarm = sv->sd->conf->daemon.closewait_alarm_ms;
	size_t		 i, n = r->cw.n < TRACK_MAX ? r->cw.n : TRACK_MAX;

	for (nt.cap = 16; nt.cap < n * 2; nt.cap *= 2)
		;
	nt.t = xcalloc(nt.cap, sizeof(*nt.t));
	for (i = 0; i < r->cw.n; i++) {
		rec = &r->cw.r[i];
		/*
		 * The port that names the service: ours when we listen on it
		 * (the peer was our client), else the peer's (we were its
		 * client, from an ephemeral port of no meaning).
		 */
		rec->port_local = (r->listen_ports[rec->local.port / 8] >>
		    (rec->local.port % 8)) & 1;
		rec->port = rec->port_local ? rec->local.port : rec->peer.port;
		rec->first_seen = r->now;
		if (i >= n || rec->cookie == 0)
			continue;
		t = tracks_find(&nt, rec->cookie);
		if (t->cookie != 0)
			continue;		/* the kernel sent it twice */
		if ((old = tracks_find(&sv->tracks, rec->cookie)) != NULL &&
		    old->cookie == rec->cookie)
			*t = *old;
		else {
			t->cookie = rec->cookie;
			t->first_seen = r->now;
		}
		nt.n++;
		rec->track = t;
		rec->first_seen = t->first_seen;
		rec->suspect = alarm > 0 && r->now - t->first_seen >= alarm;
		rec->new_suspect = rec->suspect && !t->alarmed;
		if (rec->suspect)
			r->sum.closewait_suspects++;
	}
	free(sv->tracks.t);
	sv->tracks = nt;
}

/* Worst first: retransmissions, backoff, lost, then retransmitted ever. */
static int
flow_cmp(const void *a, const void *b)
{
	const struct srec	*x = a, *y = b;

	if (x->retransmits != y->retransmits)
		return x->retransmits < y->retransmits ? 1 : -1;
	if (x->backoff != y->backoff)
		return x->backoff < y->backoff ? 1 : -1;
	if (x->lost != y->lost)
		return x->lost < y->lost ? 1 : -1;
	if (x->total_retrans != y->total_retrans)
		return x->total_retrans < y->total_retrans ? 1 : -1;
	return 0;
}

/* Fullest first: the queue against the backlog, then its length. */
static int
listener_cmp(const void *a, const void *b)
{
	const struct srec	*x = a, *y = b;
	uint64_t		 fx, fy;

	fx = (uint64_t)x->rqueue * 1000 / (x->wqueue > 0 ? x->wqueue : 1);
	fy = (uint64_t)y->rqueue * 1000 / (y->wqueue > 0 ? y->wqueue : 1);
	if (fx != fy)
		return fx < fy ? 1 : -1;
	if (x->rqueue != y->rqueue)
		return x->rqueue < y->rqueue ? 1 : -1;
	return 0;
}

/* Grouped by process, uid and port; the oldest first in a group. */
static int
cw_cmp(const void *a, const void *b)
{
	const struct srec	*x = a, *y = b;
	int			 c;

	if (x->owner.pid != y->owner.pid)
		return x->owner.pid < y->owner.pid ? -1 : 1;
	if ((c = strcmp(x->owner.comm, y->owner.comm)) != 0)
		return c;
	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->port_local != y->port_local)
		return x->port_local ? -1 : 1;
	if (x->first_seen != y->first_seen)
		return x->first_seen < y->first_seen ? -1 : 1;
	return 0;
}

static bool
cw_same_group(const struct srec *x, const struct srec *y)
{
	return x->owner.pid == y->owner.pid &&
	    strcmp(x->owner.comm, y->owner.comm) == 0 && x->uid == y->uid &&
	    x->port == y->port && x->port_local == y->port_local;
}

/* Ask for a socket's owner, unless the process filter knows it. */
static void
owner_ask(struct owners *o, const struct query *q, struct srec *rec)
{
	rec->asked = true;
	if (q == NULL || !q->process || !owners_has(q->procs, rec->inode))
		owners_want(o, rec->inode);
}

/* The owner found for a socket, by the process filter or the walk. */
static void
owner_take(const struct owners *o, const struct query *q, struct srec *rec)
{
	const struct owner	*ow = NULL;

	if (q != NULL && q->process)
		ow = owners_get(q->procs, rec->inode);
	if (ow == NULL)
		ow = owners_get(o, rec->inode);
	if (ow != NULL)
		rec->owner = *ow;
}

/*
 * After the walk: the owner of a socket asked for, counted when the
 * report shows it (an alarm elsewhere on the host may have asked too).
 */
static void
owner_found(struct round *r, const struct owners *o, struct srec *rec)
{
	if (!rec->asked)
		return;
	owner_take(o, r->q, rec);
	if (!rec->selected)
		return;
	r->owners_asked++;
	r->owners_found += rec->owner.pid != 0;
}

/* Whether the listener with this cookie was full last round. */
static bool
was_full(const struct survey *sv, uint64_t cookie)
{
	size_t	i;

	for (i = 0; i < sv->nfull; i++)
		if (sv->full[i] == cookie)
			return true;
	return false;
}

/*
 * The owners of what this round will name: CLOSE_WAIT sockets that just
 * became suspects and listeners that just filled up (their events say
 * who), and for a request the selected CLOSE_WAIT sockets and the
 * listed flows and listeners.  One walk of /proc for those no earlier
 * round looked up, and none at all when every one was.
 */
static void
round_owners(struct round *r)
{
	const struct query	*q = r->q;
	struct owners		*o = r->sv->owners;
	struct srec		*rec;
	size_t			 i, nflows, nlisten = 0;

	nflows = q == NULL ? 0 : r->flows.n < q->limit ? r->flows.n :
	    q->limit;
	for (i = 0; i < r->cw.n; i++) {
		rec = &r->cw.r[i];
		if (rec->new_suspect || rec->selected)
			owner_ask(o, q, rec);
	}
	for (i = 0; i < nflows; i++)
		owner_ask(o, q, &r->flows.r[i]);
	for (i = 0; i < r->listeners.n; i++) {
		rec = &r->listeners.r[i];
		if ((rec->selected && nlisten++ < q->limit) ||
		    (rec->rqueue > rec->wqueue &&
		    !was_full(r->sv, rec->cookie)))
			owner_ask(o, q, rec);
	}
	owners_scan(o, &r->owner_stats);
	for (i = 0; i < r->cw.n; i++)
		owner_found(r, o, &r->cw.r[i]);
	for (i = 0; i < nflows; i++)
		owner_found(r, o, &r->flows.r[i]);
	for (i = 0; i < r->listeners.n; i++)
		owner_found(r, o, &r->listeners.r[i]);
}

/*
 * An alarm as a watch event, in the shape of a health event so that
 * every watcher can read it: target "host" (the survey watches the host,
 * not a configured target), path "survey", from up to degraded (the
 * host is alive but something on it is suspect), technique tcp_info
 * (sock_diag is that technique's dump form); plus "alarm" naming it and
 * the numbers that prove it.
 */
static void
alarm_event(struct survey *sv, const char *alarm, const char *cause,
    const char *detail, const struct srec *rec, json_t *extra)
{
	struct timespec	 ts;
	char		 time[40], local[ADDR_STR], peer[ADDR_STR];
	json_t		*ev;

	clock_gettime(CLOCK_REALTIME, &ts);
	proto_time_format(&ts, time, sizeof(time));
	ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:s, s:s, s:s, s:o, s:o, s:I, s:I}",
	    "time", time, "target", "host",
	    "peer", rec->state == SP_TCP_LISTEN ? "" :
	    addr_str(&rec->peer, peer, sizeof(peer)),
	    "path", "survey", "from", "up", "to", "degraded",
	    "cause", cause, "technique", "tcp_info",
	    "tcp_state", sp_tcp_state_name(rec->state), "error", "",
	    "detail", detail, "alarm", alarm,
	    "local", addr_str(&rec->local, local, sizeof(local)),
	    "pid", rec->owner.pid != 0 ? json_integer(rec->owner.pid) :
	    json_null(),
	    "comm", rec->owner.pid != 0 ? jstr_clean(rec->owner.comm) :
	    json_null(),
	    "uid", (json_int_t)rec->uid, "inode", (json_int_t)rec->inode);
	if (ev == NULL) {
		json_decref(extra);
		return;
	}
	if (extra != NULL)
		(void)json_object_update(ev, extra);
	json_decref(extra);
	control_broadcast(sv->sd, ev);
	json_decref(ev);
}

/*
 * One group's new leak suspects (recs g[0..n), same process and port,
 * oldest first): one warning and one event for the group, however many
 * sockets it holds.
 */
static void
alarm_closewait(struct round *r, struct srec *g, size_t n)
{
	char		 who[64], alarm[32], age[32], detail[256];
	size_t		 i, count = 0, fresh = 0;
	const struct srec *first = NULL;

	for (i = 0; i < n; i++) {
		if (!g[i].suspect)
			continue;
		count++;
		if (!g[i].new_suspect)
			continue;
		if (first == NULL)
			first = &g[i];
		fresh++;
		if (g[i].track != NULL)
			g[i].track->alarmed = true;
	}
	if (first == NULL)
		return;
	if (first->owner.pid != 0)
		(void)snprintf(who, sizeof(who), "pid %d (%s)",
		    (int)first->owner.pid, first->owner.comm);
	else
		(void)snprintf(who, sizeof(who), "a process of uid %u "
		    "(unreadable here)", first->uid);
	sp_duration_format(r->sv->sd->conf->daemon.closewait_alarm_ms, alarm,
	    sizeof(alarm));
	sp_duration_format(r->now - first->first_seen, age, sizeof(age));
	(void)snprintf(detail, sizeof(detail), "%zu CLOSE_WAIT socket%s %s "
	    "port %u older than %s, the oldest %s: the peer closed and %s "
	    "has not: leak suspect", count, count == 1 ? "" : "s",
	    first->port_local ? "on local" : "to peer", first->port, alarm,
	    age, who);
	log_warnx("survey: %s", detail);
	if (r->sv->sd->stopping)
		return;
	alarm_event(r->sv, "closewait_leak", "state", detail, first,
	    json_pack("{s:i, s:s, s:I, s:I, s:I}", "port", first->port,
	    "side", first->port_local ? "local" : "peer",
	    "sockets", (json_int_t)count, "new_suspects", (json_int_t)fresh,
	    "age_ms", (json_int_t)(r->now - first->first_seen)));
}

/*
 * Listeners whose accept queue is full now and was not last round:
 * the kernel completes no more handshakes for them (it drops the SYNs)
 * while their program does not accept.
 */
static void
alarm_listeners(struct round *r)
{
	struct survey	*sv = r->sv;
	struct srec	*rec;
	uint64_t	*full = NULL;
	size_t		 nfull = 0, cap = 0, i, sent = 0;
	char		 local[ADDR_STR], who[64], detail[256];

	for (i = 0; i < r->listeners.n; i++) {
		rec = &r->listeners.r[i];
		if (rec->rqueue <= rec->wqueue)
			continue;
		full = grow(full, &cap, nfull, sizeof(*full));
		full[nfull++] = rec->cookie;
		if (was_full(sv, rec->cookie) || sent++ >= ALARMS_MAX)
			continue;
		if (rec->owner.pid != 0)
			(void)snprintf(who, sizeof(who), "pid %d (%s)",
			    (int)rec->owner.pid, rec->owner.comm);
		else
			(void)snprintf(who, sizeof(who), "its program (uid "
			    "%u)", rec->uid);
		(void)snprintf(detail, sizeof(detail), "accept queue full, %u "
		    "waiting for a backlog of %u: handshakes are dropped while "
		    "%s does not accept", rec->rqueue, rec->wqueue, who);
		log_warnx("survey: listener %s: %s", addr_str(&rec->local,
		    local, sizeof(local)), detail);
		if (!sv->sd->stopping)
			alarm_event(sv, "listen_queue_full", "local", detail,
			    rec, json_pack("{s:i, s:I, s:I}", "port",
			    rec->local.port, "queue", (json_int_t)rec->rqueue,
			    "backlog", (json_int_t)rec->wqueue));
	}
	free(sv->full);
	sv->full = full;
	sv->nfull = nfull;
}

/* Whether any socket of the group g[0..n) just became a suspect. */
static bool
group_new_suspect(const struct srec *g, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (g[i].new_suspect)
			return true;
	return false;
}

/*
 * The round's new alarms, each once: leak suspects, one event per
 * group of process and port, and full accept queues.
 */
static void
round_alarms(struct round *r)
{
	struct srec	*g = r->cw.r;
	size_t		 i, k, start, groups = 0, late = 0;

	sort_n(r->cw.r, r->cw.n, sizeof(*r->cw.r), cw_cmp);
	for (start = 0, i = 1; i <= r->cw.n; i++) {
		if (i < r->cw.n && cw_same_group(&g[start], &g[i]))
			continue;
		if (group_new_suspect(&g[start], i - start)) {
			if (groups++ < ALARMS_MAX)
				alarm_closewait(r, &g[start], i - start);
			else {
				late++;
				for (k = start; k < i; k++)
					if (g[k].track != NULL)
						g[k].track->alarmed = true;
			}
		}
		start = i;
	}
	if (late > 0)
		log_warnx("survey: CLOSE_WAIT leak suspects in %zu more "
		    "groups; see sockprobectl sockets", late);
	alarm_listeners(r);
}

static void
round_free(struct round *r)
{
	free(r->cw.r);
	free(r->listeners.r);
	free(r->flows.r);
	free(r->tw.d);
	free(r->fw2.d);
}

/* Microseconds of CPU this thread has used, user and system. */
static uint64_t
cpu_us(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * One round: the dump, the CLOSE_WAIT ages, the owners it needs, the
 * alarms, the summary.  0, or -1 with errno from the dump (the summary
 * and the ages stay as they were).
 */
static int
survey_round(struct survey *sv, struct round *r)
{
	uint64_t	wall0 = target_clock_us(), cpu0 = cpu_us();

	r->sv = sv;
	r->now = now_ms();
	owners_epoch(sv->owners);
	if (sp_diag_dump(AF_UNSPEC, SP_DIAG_ALL, SP_DIAG_INFO, round_cb,
	    r) == -1)
		return -1;
	owners_expire(sv->owners);
	tracks_update(sv, r);
	if (r->q != NULL) {
		sort_n(r->flows.r, r->flows.n, sizeof(*r->flows.r), flow_cmp);
		sort_n(r->listeners.r, r->listeners.n,
		    sizeof(*r->listeners.r), listener_cmp);
	}
	round_owners(r);
	round_alarms(r);
	sv->rounds++;
	r->sum.valid = true;
	clock_gettime(CLOCK_REALTIME, &r->sum.at);
	r->sum.duration_us = target_clock_us() - wall0;
	r->sum.cpu_us = cpu_us() - cpu0;
	sv->last = r->sum;
	log_debug("survey: %llu sockets in %llu us, %llu us of CPU",
	    (unsigned long long)r->total,
	    (unsigned long long)r->sum.duration_us,
	    (unsigned long long)r->sum.cpu_us);
	return 0;
}

static json_t *
query_error(const char *code, const char *fmt, ...)
{
	va_list	ap;
	char	msg[512];

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:{s:s, s:s}}", "ok", 0, "error", "code",
	    code, "message", msg);
}

/* "state": one name or an array of names, the kernel's (CLOSE_WAIT). */
static int
query_states(const json_t *v, struct query *q, char *err, size_t errlen)
{
	enum sp_tcp_state	 st;
	const json_t		*e;
	size_t			 i, n = json_is_array(v) ? json_array_size(v) :
				    1;

	if (!json_is_string(v) && (!json_is_array(v) || n == 0 ||
	    n > SP_TCP__MAX)) {
		(void)snprintf(err, errlen, "state: expected a state name or "
		    "an array of 1 to %d of them", SP_TCP__MAX);
		return -1;
	}
	q->states = 0;
	for (i = 0; i < n; i++) {
		e = json_is_array(v) ? json_array_get(v, i) : v;
		if (!json_is_string(e) || json_string_length(e) > 32 ||
		    sp_tcp_state_parse(json_string_value(e), &st) == -1 ||
		    st == SP_TCP_UNKNOWN) {
			(void)snprintf(err, errlen, "state: %s%s: expected "
			    "ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, "
			    "FIN_WAIT2, TIME_WAIT, CLOSE, CLOSE_WAIT, "
			    "LAST_ACK, LISTEN or CLOSING",
			    json_is_string(e) ? json_string_value(e) : "item",
			    json_is_string(e) && json_string_length(e) > 32 ?
			    "..." : "");
			return -1;
		}
		q->states |= SP_DIAG_STATE(st);
	}
	return 0;
}

/* Optional whole number key in [min, max]: 1 and *out, 0 absent, -1. */
static int
query_uint(const json_t *req, const char *key, uint64_t min, uint64_t max,
    uint64_t *out, char *err, size_t errlen)
{
	const json_t	*v = json_object_get(req, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) < min ||
	    (uint64_t)json_integer_value(v) > max) {
		(void)snprintf(err, errlen, "%s: expected an integer from "
		    "%llu to %llu", key, (unsigned long long)min,
		    (unsigned long long)max);
		return -1;
	}
	*out = (uint64_t)json_integer_value(v);
	return 1;
}

/*
 * A request's filters, every one checked before anything is done:
 * state, port, pid or comm, limit.  0, or -1 with the problem in err.
 */
static int
query_parse(const json_t *req, struct query *q, char *err, size_t errlen)
{
	const json_t	*v;
	uint64_t	 n;
	int		 r;

	memset(q, 0, sizeof(*q));
	q->states = SP_DIAG_ALL;
	q->limit = LIMIT_DEFAULT;
	if ((v = json_object_get(req, "state")) != NULL && !json_is_null(v) &&
	    query_states(v, q, err, errlen) == -1)
		return -1;
	if ((r = query_uint(req, "port", 1, 65535, &n, err, errlen)) == -1)
		return -1;
	q->port = r == 1 ? (uint16_t)n : 0;
	if ((r = query_uint(req, "pid", 1, INT_MAX, &n, err, errlen)) == -1)
		return -1;
	q->pid = r == 1 ? (pid_t)n : 0;
	if ((r = query_uint(req, "limit", 1, LIMIT_MAX, &n, err, errlen)) ==
	    -1)
		return -1;
	q->limit = r == 1 ? (size_t)n : LIMIT_DEFAULT;
	if ((v = json_object_get(req, "comm")) != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) >= OWNER_COMM_MAX) {
			(void)snprintf(err, errlen, "comm: expected a process "
			    "name of 1 to %d bytes", OWNER_COMM_MAX - 1);
			return -1;
		}
		(void)snprintf(q->comm, sizeof(q->comm), "%s",
		    json_string_value(v));
	}
	if (q->pid != 0 && q->comm[0] != '\0') {
		(void)snprintf(err, errlen, "pid and comm: give one of them");
		return -1;
	}
	q->process = q->pid != 0 || q->comm[0] != '\0';
	return 0;
}

/*
 * The process filter: the sockets of that process (or of every process
 * of that name), found before the dump.  NULL, or the error response
 * when there is no such process or sockprobed may not read it.
 */
static json_t *
query_process(struct query *q)
{
	struct owners_stats	st;

	if (!q->process)
		return NULL;
	q->procs = owners_new();
	if (owners_of_process(q->procs, q->pid, q->comm, &st) > 0)
		return NULL;
	if (st.unreadable > 0)
		return q->pid != 0 ?
		    query_error(CTL_ERR_NOT_AUTHORIZED, "pid %d: sockprobed "
		    "(uid %u) may not read its descriptors", (int)q->pid,
		    (unsigned)geteuid()) :
		    query_error(CTL_ERR_NOT_AUTHORIZED, "comm %s: sockprobed "
		    "(uid %u) may not read the descriptors of %u process%s of "
		    "that name", q->comm, (unsigned)geteuid(), st.unreadable,
		    st.unreadable == 1 ? "" : "es");
	return q->pid != 0 ?
	    query_error(CTL_ERR_NOT_FOUND, "pid %d: no such process",
	    (int)q->pid) :
	    query_error(CTL_ERR_NOT_FOUND, "comm %s: no process of that name",
	    q->comm);
}

static json_t *
owner_json(const struct owner *o)
{
	return o->pid != 0 ? json_integer(o->pid) : json_null();
}

/* Most sockets first. */
static int
dest_cmp(const void *a, const void *b)
{
	const struct dest	*x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return memcmp(&x->peer, &y->peer, sizeof(x->peer));
}

/* The busiest destinations first, up to limit. */
static json_t *
dests_json(struct dests *ds, size_t limit)
{
	struct dest	*all;
	json_t		*a;
	char		 peer[ADDR_STR];
	size_t		 i, n = 0;

	if ((a = json_array()) == NULL)
		return NULL;
	all = xcalloc(ds->n + 1, sizeof(*all));
	for (i = 0; i < ds->cap; i++)
		if (ds->d[i].used)
			all[n++] = ds->d[i];
	sort_n(all, n, sizeof(*all), dest_cmp);
	for (i = 0; i < n && i < limit; i++)
		json_array_append_new(a, json_pack("{s:s, s:I}", "peer",
		    addr_str(&all[i].peer, peer, sizeof(peer)), "count",
		    (json_int_t)all[i].count));
	free(all);
	return json_pack("{s:I, s:I, s:o}", "total", (json_int_t)ds->total,
	    "destinations_total", (json_int_t)ds->n, "destinations", a);
}

static json_t *
flows_json(const struct round *r)
{
	const struct srec	*f;
	json_t			*a;
	char			 local[ADDR_STR], peer[ADDR_STR];
	size_t			 i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < r->flows.n && i < r->q->limit; i++) {
		f = &r->flows.r[i];
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:i, s:i, "
		    "s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}",
		    "local", addr_str(&f->local, local, sizeof(local)),
		    "peer", addr_str(&f->peer, peer, sizeof(peer)),
		    "state", sp_tcp_state_name(f->state),
		    "retransmits", f->retransmits, "backoff", f->backoff,
		    "lost", (json_int_t)f->lost,
		    "unacked", (json_int_t)f->unacked,
		    "total_retrans", (json_int_t)f->total_retrans,
		    "rtt_us", (json_int_t)f->rtt_us,
		    "rto_us", (json_int_t)f->rto_us,
		    "uid", (json_int_t)f->uid, "inode", (json_int_t)f->inode,
		    "pid", owner_json(&f->owner),
		    "comm", f->owner.pid != 0 ? jstr_clean(f->owner.comm) :
		    json_null()));
	}
	return json_pack("{s:I, s:o}", "total", (json_int_t)r->flows.n,
	    "flows", a);
}

/*
 * Listeners with connections waiting to be accepted, fullest first.
 * Full is the kernel's test (more waiting than the backlog: new
 * handshakes are dropped); near full is three quarters of the backlog.
 */
static json_t *
listeners_json(const struct round *r)
{
	const struct srec	*l;
	json_t			*a;
	char			 local[ADDR_STR];
	size_t			 i, queued = 0, full = 0, near = 0;
	bool			 isfull, isnear;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < r->listeners.n; i++) {
		l = &r->listeners.r[i];
		if (!l->selected)
			continue;
		isfull = l->rqueue > l->wqueue;
		isnear = (uint64_t)l->rqueue * 4 >= (uint64_t)l->wqueue * 3;
		queued++;
		full += isfull;
		near += isnear;
		if (queued > r->q->limit)
			continue;
		json_array_append_new(a, json_pack("{s:s, s:I, s:I, s:b, s:b, "
		    "s:I, s:I, s:o, s:o}",
		    "local", addr_str(&l->local, local, sizeof(local)),
		    "queue", (json_int_t)l->rqueue,
		    "backlog", (json_int_t)l->wqueue,
		    "full", isfull, "near_full", isnear,
		    "uid", (json_int_t)l->uid, "inode", (json_int_t)l->inode,
		    "pid", owner_json(&l->owner),
		    "comm", l->owner.pid != 0 ? jstr_clean(l->owner.comm) :
		    json_null()));
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:o}",
	    "total", (json_int_t)r->listening, "queued", (json_int_t)queued,
	    "full", (json_int_t)full, "near_full", (json_int_t)near,
	    "queues", a);
}

/* Up to limit sockets of one group g[0..n), oldest first. */
static json_t *
cw_sockets_json(const struct round *r, const struct srec *g, size_t n)
{
	json_t	*a;
	char	 local[ADDR_STR], peer[ADDR_STR];
	size_t	 i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < n && i < r->q->limit; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:b, s:I, "
		    "s:I}",
		    "local", addr_str(&g[i].local, local, sizeof(local)),
		    "peer", addr_str(&g[i].peer, peer, sizeof(peer)),
		    "age_ms", (json_int_t)(r->now - g[i].first_seen),
		    "suspect", g[i].suspect, "inode", (json_int_t)g[i].inode,
		    "rqueue", (json_int_t)g[i].rqueue));
	return a;
}

/* A CLOSE_WAIT group, for sorting the groups of a report. */
struct cwgroup {
	size_t		first, n, suspects;
	uint64_t	oldest;		/* first_seen of the oldest */
};

/* Most suspects first, then the largest, then the oldest. */
static int
cwgroup_cmp(const void *a, const void *b)
{
	const struct cwgroup	*x = a, *y = b;

	if (x->suspects != y->suspects)
		return x->suspects < y->suspects ? 1 : -1;
	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	if (x->oldest != y->oldest)
		return x->oldest < y->oldest ? -1 : 1;
	return 0;
}

/*
 * The selected CLOSE_WAIT sockets grouped by owning process and port
 * (r->cw is sorted so by round_alarms()).
 */
static json_t *
cw_json(struct round *r)
{
	struct cwgroup	*gs = NULL;
	struct srec	*c = r->cw.r, *g;
	size_t		 cap = 0, ngroups = 0, i, total = 0, suspects = 0;
	json_t		*a;

	for (i = 0; i < r->cw.n; i++) {
		if (!c[i].selected)
			continue;
		total++;
		suspects += c[i].suspect;
		if (ngroups == 0 || !cw_same_group(&c[gs[ngroups - 1].first],
		    &c[i])) {
			gs = grow(gs, &cap, ngroups, sizeof(*gs));
			gs[ngroups++] = (struct cwgroup){ .first = i,
			    .oldest = c[i].first_seen };
		}
		/* Selected members of a group are contiguous but for the
		 * unselected ones between them, which the filter left out;
		 * each group is emitted from its own list below. */
		gs[ngroups - 1].n = i - gs[ngroups - 1].first + 1;
		gs[ngroups - 1].suspects += c[i].suspect;
	}
	if ((a = json_array()) == NULL) {
		free(gs);
		return NULL;
	}
	sort_n(gs, ngroups, sizeof(*gs), cwgroup_cmp);
	for (i = 0; i < ngroups && i < r->q->limit; i++) {
		struct srec	*sel;
		size_t		 k, m = 0;

		g = &c[gs[i].first];
		sel = xcalloc(gs[i].n, sizeof(*sel));
		for (k = 0; k < gs[i].n; k++)
			if (g[k].selected)
				sel[m++] = g[k];
		json_array_append_new(a, json_pack("{s:o, s:o, s:I, s:i, s:s, "
		    "s:I, s:I, s:I, s:o}",
		    "pid", owner_json(&g->owner),
		    "comm", g->owner.pid != 0 ? jstr_clean(g->owner.comm) :
		    json_null(),
		    "uid", (json_int_t)g->uid, "port", g->port,
		    "side", g->port_local ? "local" : "peer",
		    "count", (json_int_t)m,
		    "suspects", (json_int_t)gs[i].suspects,
		    "oldest_age_ms", (json_int_t)(r->now - gs[i].oldest),
		    "sockets", cw_sockets_json(r, sel, m)));
		free(sel);
	}
	free(gs);
	return json_pack("{s:I, s:I, s:I, s:o}", "total", (json_int_t)total,
	    "suspects", (json_int_t)suspects, "groups_total",
	    (json_int_t)ngroups, "groups", a);
}

/* Selected sockets by state: every state the kernel reports, 0 too. */
static json_t *
counts_json(const struct round *r)
{
	json_t	*o;
	int	 s;

	if ((o = json_object()) == NULL)
		return NULL;
	for (s = SP_TCP_ESTABLISHED; s < SP_TCP_NEW_SYN_RECV; s++)
		json_object_set_new(o, sp_tcp_state_name(s),
		    json_integer((json_int_t)r->counts[s]));
	return o;
}

static json_t *
filter_json(const struct query *q)
{
	json_t	*states;
	int	 s;

	if (q->states == SP_DIAG_ALL)
		states = json_null();
	else if ((states = json_array()) != NULL)
		for (s = SP_TCP_ESTABLISHED; s < SP_TCP__MAX; s++)
			if (q->states & SP_DIAG_STATE(s))
				json_array_append_new(states,
				    json_string(sp_tcp_state_name(s)));
	return json_pack("{s:o, s:o, s:o, s:o, s:I}", "state", states,
	    "port", q->port != 0 ? json_integer(q->port) : json_null(),
	    "pid", q->pid != 0 ? json_integer(q->pid) : json_null(),
	    "comm", q->comm[0] != '\0' ? json_string(q->comm) : json_null(),
	    "limit", (json_int_t)q->limit);
}

/* The `sockets` answer for one round. */
static json_t *
report_json(struct round *r)
{
	const struct daemon_conf *dc = &r->sv->sd->conf->daemon;
	const struct owners_stats *st = &r->owner_stats;
	char		 time[40];

	proto_time_format(&r->sum.at, time, sizeof(time));
	return json_pack("{s:b, s:s, "
	    "s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:{s:I, s:I, s:I, s:I, s:I, s:b}}, "
	    "s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o}",
	    "ok", 1, "time", time,
	    "survey",
	    "sockets", (json_int_t)r->total,
	    "selected", (json_int_t)r->selected,
	    "cpu_us", (json_int_t)r->sum.cpu_us,
	    "wall_us", (json_int_t)r->sum.duration_us,
	    "rounds", (json_int_t)r->sv->rounds,
	    "interval_ms", (json_int_t)dc->survey_interval_ms,
	    "closewait_alarm_ms", (json_int_t)dc->closewait_alarm_ms,
	    "owners",
	    "asked", (json_int_t)r->owners_asked,
	    "found", (json_int_t)r->owners_found,
	    "processes", (json_int_t)st->processes,
	    "unreadable_processes", (json_int_t)st->unreadable,
	    "fds", (json_int_t)st->fds,
	    "truncated", st->truncated,
	    "filter", filter_json(r->q),
	    "counts", counts_json(r),
	    "orphans", (json_int_t)r->orphans,
	    "closewait", cw_json(r),
	    "time_wait", dests_json(&r->tw, r->q->limit),
	    "fin_wait2", dests_json(&r->fw2, r->q->limit),
	    "retransmitting", flows_json(r),
	    "listeners", listeners_json(r));
}

/*
 * sockets {state, port, pid | comm, limit}: a round now, reported over
 * the sockets that match every filter given.  The round counts for the
 * ages and alarms like a timer round; the filters change only the
 * report.
 */
json_t *
survey_cmd_sockets(struct sockprobed *sd, const struct client_cred *cred,
    const json_t *req)
{
	struct survey	*sv = survey_get(sd);
	struct query	 q;
	struct round	 r = { .sv = sv, .q = &q };
	json_t		*resp;
	char		 err[256];

	(void)cred;
	if (query_parse(req, &q, err, sizeof(err)) == -1)
		return query_error(CTL_ERR_BAD_ARGUMENT, "%s", err);
	if ((resp = query_process(&q)) != NULL) {
		owners_free(q.procs);
		return resp;
	}
	if (survey_round(sv, &r) == -1)
		resp = query_error(CTL_ERR_INTERNAL, "sock_diag dump: %s",
		    strerror(errno));
	else
		resp = report_json(&r);
	round_free(&r);
	owners_free(q.procs);
	return resp;
}
