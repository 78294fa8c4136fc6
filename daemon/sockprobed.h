/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sockprobed's types and every non-static prototype, grouped by the file
 * that defines them.
 */

#ifndef SOCKPROBED_H
#define SOCKPROBED_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "sockprobe.h"
#include "proto.h"

/* glibc's <sys/queue.h> lacks the _SAFE iterators. */
#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

#define MS_SECOND	1000ULL
#define MS_MINUTE	(60 * MS_SECOND)
#define MS_HOUR		(60 * MS_MINUTE)
#define MS_DAY		(24 * MS_HOUR)

#define NAME_MAX_LEN	64		/* target and listener names */
#define SURVEY_INTERVAL_DEFAULT	(10 * MS_SECOND)	/* [daemon] */
#define CLOSEWAIT_ALARM_DEFAULT	(60 * MS_SECOND)
#define SURVEY_MIN_MS		100	/* shortest non-zero survey durations */
#define PAYLOAD_MAX	1024		/* probe_payload, probe_expect bytes */
#define ADDR_MAX_LEN	300		/* host:port as written */

/* Bits of the techniques = key, one per enum sp_technique. */
#define TECH_BIT(t)	(1U << (t))
#define TECH_ALL	(TECH_BIT(SP_TECH_READ) | TECH_BIT(SP_TECH_WRITE) | \
			    TECH_BIT(SP_TECH_TCP_INFO) | \
			    TECH_BIT(SP_TECH_KEEPALIVE) | \
			    TECH_BIT(SP_TECH_TIMEOUT) | \
			    TECH_BIT(SP_TECH_USER_TIMEOUT))

enum event_backend {
	BACKEND_AUTO = 0,
	BACKEND_EPOLL,
	BACKEND_POLL,
	BACKEND_SELECT
};

enum close_mode {
	CLOSE_FIN = 0,
	CLOSE_RST
};

enum section_kind {
	SECTION_DAEMON = 0,
	SECTION_DEFAULTS,
	SECTION_TARGET,
	SECTION_LISTEN
};

/* Bytes from a value with \r \n \t \\ \xHH escapes; NULL when empty. */
struct bytes {
	uint8_t		*data;
	size_t		 len;
};

/*
 * The settings of one monitored connection: a [target], a [listen]
 * (applied to each accepted peer), or [defaults].  `set` records which
 * keys the section wrote itself, for inheritance and for printing.
 */
struct target_conf {
	char		name[NAME_MAX_LEN + 1];
	enum section_kind kind;
	int		lineno;			/* of the section header */
	uint64_t	set;			/* bit per key index */
	int		*key_lines;		/* line of each key set, or 0 */

	char		*address;		/* target: host:port */
	char		*bind;			/* listen: host:port */
	uint32_t	techniques;		/* TECH_BIT()s */
	uint64_t	poll_interval_ms;
	uint64_t	keepalive_idle_ms;
	uint64_t	keepalive_interval_ms;
	uint32_t	keepalive_count;
	uint64_t	user_timeout_ms;
	uint64_t	send_timeout_ms;
	uint64_t	recv_timeout_ms;
	struct bytes	probe_payload;
	struct bytes	probe_expect;
	uint64_t	probe_interval_ms;
	uint64_t	connect_timeout_ms;
	uint32_t	syn_retries;		/* 0: kernel default */
	uint64_t	check_interval_ms;
	enum close_mode	close_mode;
	uint64_t	stall_timeout_ms;
	uint64_t	rtt_threshold_ms;
	uint32_t	rise;
	uint32_t	fall;
	uint64_t	reconnect_min_ms;
	uint64_t	reconnect_max_ms;
	uint32_t	backlog;		/* listen */
	uint64_t	forget_after_ms;	/* listen */
	bool		metrics_per_peer;	/* listen: a series per peer */

	TAILQ_ENTRY(target_conf) entry;
};
TAILQ_HEAD(target_confs, target_conf);

struct daemon_conf {
	uint64_t	set;
	char		*control_socket;
	char		*control_group;		/* NULL: none */
	char		*metrics_listen;	/* NULL: off */
	enum event_backend event_backend;
	int		log_level;		/* LOG_ERR .. LOG_DEBUG */
	uint64_t	survey_interval_ms;	/* 0: no timer rounds */
	uint64_t	closewait_alarm_ms;	/* 0: no leak alarm */
};

struct conf {
	char			path[4096];	/* "" when built in */
	struct daemon_conf	daemon;
	struct target_conf	defaults;
	struct target_confs	targets;
	struct target_confs	listens;
};

/* One error message per line, in file order. */
struct conf_errors {
	char		**lines;
	size_t		  n;
};

/* conf_keys.c */
#define CONF_NKEYS	32		/* at least the keys of any section */
struct conf_key;
const struct conf_key *conf_target_key(const char *, enum section_kind,
		    int *);
const struct conf_key *conf_daemon_key(const char *, int *);
const char	*conf_key_unknown(const char *, enum section_kind, char *,
		    size_t);
int		 conf_key_store(const struct conf_key *, void *, const char *,
		    char *, size_t);
void		 conf_key_copy(size_t, struct target_conf *,
		    const struct target_conf *);
void		 conf_keys_builtin(struct target_conf *);
void		 conf_keys_release(struct target_conf *);
int		 conf_address_check(const char *, const char **);
const char	*conf_log_level_name(int);
void		 conf_print_section(const struct conf *,
		    const struct target_conf *, FILE *, bool);

/* nameidx.c */
struct nameidx {
	struct target_conf	**slots;
	size_t			  cap;
	size_t			  n;
};
struct target_conf *nameidx_find(const struct nameidx *, const char *);
int		 nameidx_add(struct nameidx *, struct target_conf *);
void		 nameidx_free(struct nameidx *);

/* config.c */
struct conf	*conf_new(void);
void		 conf_free(struct conf *);
/*
 * Parse path into a fresh conf, apply [defaults], validate across keys.
 * On failure returns NULL and errs holds "FILE:LINE: ..." messages.
 */
struct conf	*conf_load(const char *path, struct conf_errors *errs);
/* conf_load(), and each target's host name looked up: `-n` only. */
struct conf	*conf_check(const char *path, struct conf_errors *errs);
/* Parse a text, named name in messages (fuzzing, add's key=value). */
struct conf	*conf_load_buffer(const char *name, const char *text, size_t len,
		    struct conf_errors *errs);
void		 conf_errors_clear(struct conf_errors *);
/* Write the normalised configuration, as `sockprobed -n` prints it. */
void		 conf_print(const struct conf *, FILE *);
/*
 * Build a target from key=value pairs (the control `add` command) on top
 * of conf's [defaults].  Returns NULL with errbuf set on a bad pair.
 */
struct target_conf *conf_target_from_pairs(const struct conf *,
		    const char *name, const char *address,
		    const char *const *pairs, size_t npairs,
		    char *errbuf, size_t errlen);
void		 conf_target_release(struct target_conf *);
struct target_conf *conf_find_target(const struct conf *, const char *);
const char	*conf_backend_name(enum event_backend);
const char	*conf_close_mode_name(enum close_mode);
/* "read,write,tcp_info" for a techniques mask, into buf. */
char		*conf_techniques_format(uint32_t, char *, size_t);

/*
 * The running daemon: one per process, made in main() and reached from
 * every object.  Owns the event base and everything registered on it.
 */
struct sockprobed {
	struct event_base	*base;
	struct evdns_base	*dns;
	struct conf		*conf;		/* the running configuration */
	const char		*conf_path;	/* NULL: built-in defaults */
	const char		*socket_override; /* -s, beats the file */
	TAILQ_HEAD(, target)	 targets;	/* outbound and inbound */
	TAILQ_HEAD(, listener)	 listeners;
	size_t			 ntargets;
	struct control		*control;
	struct metrics		*metrics;	/* the HTTP endpoint */
	struct event		*ev_sighup, *ev_sigterm, *ev_sigint;
	struct event		*ev_poll;	/* TCP_INFO sweep */
	struct event		*ev_watchdog;
	uint64_t		 epipe_total;	/* EPIPEs seen (SIGPIPE ignored) */
	struct pollq		*pollqs;	/* target.c: TCP_INFO queues */
	uint64_t		 ka_slot;	/* held.c: keepalive pacing */
	uint32_t		 ka_slot_n;
	struct survey		*survey;	/* survey.c: the host survey */
	uint64_t		 reloads, reload_failures;
	struct timespec		 started;	/* CLOCK_REALTIME */
	bool			 stopping;
	bool			 status_dirty;	/* STATUS= is due */
};

enum target_kind {
	TARGET_OUTBOUND = 0,		/* a [target]: we connect */
	TARGET_INBOUND			/* accepted on a [listen] */
};

enum path {
	PATH_HELD = 0,			/* the held connection */
	PATH_FRESH			/* a fresh connect check */
};

/* One health change, compact: a bounded history is kept per connection. */
struct hevent {
	struct timespec	time;		/* CLOCK_REALTIME */
	int32_t		error;		/* errno, 0 none */
	uint8_t		from, to;	/* enum health */
	uint8_t		cause;		/* enum sp_cause */
	uint8_t		technique;	/* enum sp_technique */
	uint8_t		tcp_state;	/* enum sp_tcp_state */
	uint8_t		path;		/* enum path */
};

#define HISTORY_LEN	8

/* One (cause, technique) pair's count of health events. */
struct evcount {
	uint64_t	n;
	uint8_t		cause;		/* enum sp_cause */
	uint8_t		technique;	/* enum sp_technique */
};

/*
 * Health events counted by (cause, technique) for sockprobe_events_total:
 * a list grown as pairs first occur (most connections see two or three),
 * not a matrix of every pair.
 */
struct evcounts {
	struct evcount	*v;
	uint8_t		 n, cap;
};

/* health.src_path when any source's good verdict counts toward rise. */
#define HEALTH_SRC_ANY	0xff

/*
 * The health model of one monitored connection: the state, hysteresis
 * counters for rise/fall, and the last events.  Good verdicts count
 * only when they come from the source (path and technique) of the last
 * bad one: a healthy TCP_INFO poll says nothing of failing fresh checks.
 */
struct hstate {
	enum health	state;
	uint32_t	good_streak;	/* consecutive good verdicts */
	uint32_t	bad_streak;	/* consecutive bad verdicts */
	uint8_t		src_path;	/* enum path, or HEALTH_SRC_ANY */
	uint8_t		src_tech;	/* enum sp_technique */
	struct timespec	since;		/* CLOCK_REALTIME of the last change */
	uint8_t		last_cause;	/* of the last non-ok verdict */
	uint8_t		last_technique;
	int32_t		last_error;
	char		*last_detail;	/* malloc'd, of the last event */
	struct hevent	history[HISTORY_LEN];
	uint8_t		nhistory;	/* valid entries */
	uint8_t		head;		/* next slot */
	struct evcounts	counts;		/* every event, for metrics */
};

/* The TCP_INFO fields status needs, from the last sweep. */
struct tcp_snapshot {
	uint32_t	rtt_us;
	uint32_t	rttvar_us;
	uint32_t	unacked;
	uint32_t	lost;
	uint32_t	total_retrans;
	uint32_t	snd_wnd;
	uint32_t	notsent_bytes;
	uint8_t		state;
	uint8_t		retransmits;
	uint8_t		backoff;
	uint8_t		probes;
};

struct fresh;				/* a fresh check in progress */
struct dnsreq;				/* a name lookup in progress */
struct pollq;				/* targets due for TCP_INFO */

/* Where a monitored connection is in its life. */
enum target_phase {
	PHASE_IDLE = 0,			/* not started */
	PHASE_RESOLVING,		/* evdns lookup running */
	PHASE_CONNECTING,		/* nonblocking connect running */
	PHASE_CONNECTED,		/* held: every technique applies */
	PHASE_WAITING,			/* outbound: reconnect scheduled */
	PHASE_GONE			/* inbound: dead, remembered */
};

/*
 * A monitored connection: an outbound [target], or a peer accepted on a
 * [listen] and named LISTENER/ADDR:PORT.  Kept compact: no buffers, the
 * probe payload is read from the conf, per-attempt objects (fresh, dns)
 * exist only while they run.
 */
struct target {
	TAILQ_ENTRY(target)	 entry;
	TAILQ_ENTRY(target)	 qentry;	/* pollq, or listener's gone */
	struct sockprobed	*sd;
	enum target_kind	 kind;
	enum target_phase	 phase;
	char			*name;
	struct target_conf	*conf;		/* owned if outbound */
	struct listener		*listener;	/* inbound: where it came from */
	struct pollq		*pollq;		/* NULL: not polled */
	union {
		struct sockaddr		sa;
		struct sockaddr_in	sin;
		struct sockaddr_in6	sin6;
	}			 peer;		/* resolved peer */
	socklen_t		 peerlen;	/* 0: not resolved */
	char			 peer_str[INET6_ADDRSTRLEN + 8];
	int			 fd;		/* -1 when not connected */
	struct event		*ev_read;	/* held fd: connect, read, write */
	struct event		*ev_timer;	/* earliest deadline, lazily */
	struct dnsreq		*dns;
	struct hstate		 health;
	struct tcp_snapshot	 tcp;
	struct fresh		*fresh;
	uint64_t		 connect_started; /* CLOCK_MONOTONIC, us */
	/* Deadlines on CLOCK_MONOTONIC in ms, 0 when not armed. */
	uint64_t		 connect_deadline;
	uint64_t		 next_probe;
	uint64_t		 reply_deadline;
	uint64_t		 drain_deadline;
	uint64_t		 keepalive_at;	/* SO_KEEPALIVE goes on */
	uint64_t		 reconnect_at;
	uint64_t		 next_check;
	uint64_t		 next_poll;
	uint64_t		 zero_window_since;
	uint64_t		 sendq_since;
	uint64_t		 gone_at;	/* inbound: when it died */
	uint64_t		 fresh_at;	/* last fresh check ended */
	uint64_t		 bytes_written;	/* accepted by send() */
	uint64_t		 drain_need;	/* must be acked by drain_deadline */
	uint64_t		 events_total;
	uint32_t		 backoff_ms;	/* next reconnect delay */
	uint32_t		 connect_us;	/* last handshake */
	uint32_t		 stall_acked;	/* bytes_acked when stall began */
	uint16_t		 out_off;	/* payload bytes of this probe sent */
	uint16_t		 reply_got;	/* bytes of probe_expect seen */
	uint8_t			 fresh_cause;	/* of the last fresh check */
	bool			 out_pending;	/* probe partly queued: EV_WRITE */
	bool			 reply_wait;	/* a reply to the probe is due */
	bool			 removed;	/* remove/reload: freeing soon */
};

/* A [listen]: accepts peers and monitors each one like a target. */
struct listener {
	TAILQ_ENTRY(listener)	 entry;
	struct sockprobed	*sd;
	struct target_conf	*conf;		/* owned */
	int			 fd;
	struct event		*ev_accept;
	struct event		*ev_resume;	/* after EMFILE */
	bool			 starved;	/* paused: no descriptors */
	uint64_t		 accepted;
	size_t			 npeers;	/* inbound targets, live or gone */
	struct evcounts		 counts;	/* its peers' events, forgotten
						 * peers' included */
	TAILQ_HEAD(, target)	 gone;		/* dead peers, oldest first */
};

/* log.c */
void	 log_init(int);
void	 log_setlevel(int);
bool	 log_enabled(int);
void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_errx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_health(const char *, const char *, const char *, const char *,
	    const char *, ...) __attribute__((format(printf, 5, 6)));
void	 fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	*xcalloc(size_t, size_t);
char	*xstrdup(const char *);

/* resolve.c */
/*
 * Look up each host (numeric ones pass) within a few seconds; why[i]
 * NULL when hosts[i] resolves, else why not.  Blocks: `-n` only.
 */
void	 resolve_check(const char *const *hosts, size_t n, const char **why);
/* A name under the reserved .invalid domain (RFC 6761): never resolves. */
bool	 resolve_never(const char *host);

/* sockprobed.c */
uint64_t now_ms(void);			/* CLOCK_MONOTONIC */
/*
 * Descriptors kept free for the control socket's clients: monitored
 * connections and fresh checks stay below RLIMIT_NOFILE minus these
 * (half the limit when it is tiny), so a daemon whose targets or
 * listeners ran out of descriptors can still be asked why.
 */
#define FD_RESERVE	16
/* Whether descriptor fd, just made for a connection, spares the reserve. */
bool	 sockprobed_fd_fits(int);
/* Whether the next descriptor made would fit (probed with a dup of fd). */
bool	 sockprobed_fd_room(int);
/*
 * Re-read the configuration file and apply it atomically: a bad file
 * leaves everything running as it was.  Returns 0, or -1 with errs.
 */
int	 sockprobed_reload(struct sockprobed *, struct conf_errors *);

/* target.c */
/* A target for tc (which it then owns), appended to sd->targets. */
struct target *target_new(struct sockprobed *, struct target_conf *);
void	 target_start(struct target *);
/* The caller has taken t off sd->targets (TAILQ_REMOVE) first. */
void	 target_free(struct target *);
/* TAILQ_REMOVE from sd->targets and target_free(): for `remove`. */
void	 target_remove(struct target *);
/* By name; a live inbound peer wins over a remembered one. */
struct target *target_find(struct sockprobed *, const char *);
/* Adopt an accepted fd as an inbound target (listen.c). */
struct target *target_adopt(struct listener *, int,
	    const struct sockaddr *, socklen_t);
/* The TCP_INFO sweep over every held connection. */
void	 target_poll_all(struct sockprobed *);
uint64_t target_clock_us(void);		/* CLOCK_MONOTONIC in us */
/* Whether the held connection is established. */
bool	 target_held(const struct target *);
/* The peer as shown: resolved, else as configured. */
const char *target_peer(const struct target *);
/* Random delay in [0, range] for jitter. */
uint64_t target_jitter(uint64_t);
bool	 target_tech_on(const struct target *, enum sp_technique);
/* Whether probe_payload is sent, and whether each probe awaits a reply. */
bool	 target_sends(const struct target *);
bool	 target_waits_reply(const struct target *);
void	 target_detail(struct sp_verdict *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 target_timer_arm(struct target *);
/*
 * The single exit of a connection or connection attempt: close, free the
 * per-attempt state, record the event, schedule the retry.
 */
void	 target_done(struct target *, const struct sp_verdict *);

/* target_json.c */
json_t	*target_status_json(const struct target *);
json_t	*target_show_json(struct target *);

/* held.c */
/* Hold an established connection: options, events, polls, probes. */
void	 held_watch(struct target *, const struct sp_verdict *);
/* The held connection's due deadlines, from the target's timer. */
void	 held_timer(struct target *, uint64_t);
void	 held_poll_all(struct sockprobed *);
void	 held_poll_leave(struct target *);
void	 held_poll_gc(struct sockprobed *);

/* fresh.c */
/* Start a fresh connect check of an outbound target (from its timer). */
void	 fresh_start(struct target *);
void	 fresh_free(struct fresh *);
/* Whether the last fresh check succeeded recently. */
bool	 fresh_recent_ok(const struct target *);

/* health.c */
void	 health_init(struct hstate *);
void	 health_clear(struct hstate *);
/*
 * A verdict from one technique on one path: counts it toward rise/fall,
 * changes the state when due, logs and broadcasts the event.  Returns
 * the state afterwards.  The severity is the cause's own.
 */
enum health health_update(struct target *, enum path,
	    const struct sp_verdict *);
/* The same with the severity given: a fresh failure is only degraded. */
enum health health_judge(struct target *, enum path,
	    const struct sp_verdict *, enum sp_severity);
/* Force a state (connecting at start, down at removal) with an event. */
void	 health_set(struct target *, enum health, enum path,
	    const struct sp_verdict *);
json_t	*health_event_json(const struct target *, const struct hevent *,
	    const char *);
json_t	*health_history_json(const struct target *);

/* listen.c */
/* Bind and accept for tc, which it then owns; on -1 the caller keeps tc. */
int	 listener_start(struct sockprobed *, struct target_conf *);
void	 listener_free(struct listener *);
/* Inbound targets whose peer is gone for forget_after are freed. */
void	 listener_forget(struct sockprobed *);

/* control.c */
int	 control_init(struct sockprobed *);
void	 control_free(struct sockprobed *);
/* Send an event object to every `watch` client. */
void	 control_broadcast(struct sockprobed *, json_t *);

/* commands.c */
/*
 * Handle one request line from a client with credentials cred and
 * return the response object.  *watch is set when the client asked to
 * watch.  No socket needed: this is the fuzzed entry point.
 */
struct client_cred {
	pid_t	pid;
	uid_t	uid;
	gid_t	gid;
	bool	may_mutate;		/* root, our uid, or control_group */
};
json_t	*commands_handle(struct sockprobed *, const struct client_cred *,
	    const char *, size_t, bool *);

/* survey.c */
/*
 * What the last host survey (sock_diag, every survey_interval) found,
 * for metrics and STATUS; valid is false until one has run.
 */
struct survey_summary {
	bool		valid;
	struct timespec	at;			/* CLOCK_REALTIME */
	uint64_t	by_state[SP_TCP__MAX];	/* sockets per TCP state */
	uint64_t	orphans;		/* no owning descriptor */
	uint64_t	closewait_suspects;	/* older than closewait_alarm */
	uint64_t	listen_queue_full;	/* rqueue > backlog, the kernel's
						 * test: handshakes are dropped */
	uint64_t	duration_us;		/* the survey's own cost */
	uint64_t	retransmitting;		/* RTOs, backoff or lost now */
	uint64_t	cpu_us;			/* the survey's CPU time */
};
const struct survey_summary *survey_last(const struct sockprobed *);
struct survey;
/* (Re)arm the timer from the configuration: at start, after reloads. */
void	 survey_start(struct sockprobed *);
void	 survey_free(struct sockprobed *);
/* The `sockets` command: a round now, reported through the filters. */
json_t	*survey_cmd_sockets(struct sockprobed *, const struct client_cred *,
	    const json_t *);

/* survey_proc.c */
#define OWNER_COMM_MAX	16		/* /proc/PID/comm with its newline */
#define OWNERS_MAX_FDS	200000		/* descriptor links read per walk */

/* The process holding a socket. */
struct owner {
	pid_t	pid;			/* 0: unknown */
	char	comm[OWNER_COMM_MAX + 1];
};

/* What one walk of /proc saw. */
struct owners_stats {
	uint32_t	processes;	/* whose descriptors were read */
	uint32_t	unreadable;	/* another user's, or hidden from us */
	uint32_t	matched;	/* owners_of_process(): readable matches */
	uint64_t	fds;		/* descriptor links read */
	bool		ran;		/* /proc was walked at all */
	bool		truncated;	/* stopped at OWNERS_MAX_FDS */
};

struct owners;				/* socket inode -> owner, remembered */
struct owners	*owners_new(void);
void		 owners_free(struct owners *);
/* Ask for the owner of a socket inode (0 is ignored). */
void		 owners_want(struct owners *, uint64_t);
/* The owner found, or NULL (not asked, or not found). */
const struct owner *owners_get(const struct owners *, uint64_t);
bool		 owners_has(const struct owners *, uint64_t);
/* Expiry: owners_epoch(), owners_seen() for each socket, owners_expire(). */
void		 owners_epoch(struct owners *);
void		 owners_seen(struct owners *, uint64_t);
void		 owners_expire(struct owners *);
/* Find the owners asked for through /proc/PID/fd, as far as allowed. */
void		 owners_scan(struct owners *, struct owners_stats *);
/* Every socket of process pid, or of the processes named comm. */
size_t		 owners_of_process(struct owners *, pid_t, const char *,
		    struct owners_stats *);

/* metrics.c */
#define METRICS_LISTEN_DEFAULT	"127.0.0.1:9469"
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
/*
 * Serve GET /metrics on the running configuration's metrics_listen.  An
 * address the file sets that cannot be bound is fatal (-1, logged); the
 * built-in default that cannot is logged and the daemon goes on.
 */
int	 metrics_init(struct sockprobed *);
/*
 * Before a reload applies nc: bind its metrics_listen if it changed.
 * -1 with a message in errs when an address the file sets cannot be
 * bound; the running endpoint then stays.
 */
int	 metrics_reload(struct sockprobed *, const struct conf *,
	    struct conf_errors *);
void	 metrics_free(struct sockprobed *);
/* The exposition text, malloc'd, and its length; NULL without memory. */
char	*metrics_text(struct sockprobed *, size_t *);
/* {"content_type", "text"} for the `metrics` control command. */
json_t	*metrics_json(struct sockprobed *);
/* Count one health event of a connection (health.c). */
void	 metrics_count(struct evcounts *, enum sp_cause, enum sp_technique);
void	 metrics_counts_free(struct evcounts *);

/* notify.c */
void	 notify_ready(struct sockprobed *);
void	 notify_status(struct sockprobed *);
void	 notify_reloading(void);
void	 notify_stopping(void);
int	 notify_watchdog_init(struct sockprobed *);

#endif /* SOCKPROBED_H */
