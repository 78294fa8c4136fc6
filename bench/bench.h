/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sp-bench's types and every non-static prototype, grouped by the file
 * that defines them.
 */

#ifndef BENCH_H
#define BENCH_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define NS_MS		1000000LL
#define NS_SECOND	1000000000LL

/* Connections per peer process: with their listeners, 10,000 fds. */
#define CONNS_PER_PEER		5000
/* Peer address blocks (two per round) and connections per block. */
#define PEERS_GROUPS		8
#define PEERS_MAX		1000000

/* What the run was asked for. */
struct options {
	const char	*sockprobed;
	const char	*sockprobectl;
	const char	*epoll;		/* the raw epoll baseline program */
	const char	*out;		/* markdown results, NULL: none */
	const char	*techniques;	/* [defaults] techniques, NULL: its own */
	const char	*wrap;		/* a command to run sockprobed under */
	const char	*survey;	/* survey_interval, NULL: 0 (off) */
	size_t		 conns[4];	/* held connections per round */
	size_t		 nconns;
	size_t		 samples;	/* closes per kind (FIN, RST) */
	int		 cpu_seconds;
	int		 status_runs;
	bool		 quick;
	bool		 keep;		/* keep the temp dir */
	bool		 verbose;
};

/* Detection latencies of one sample, in ns, by kind. */
struct latencies {
	int64_t		*ns[2];		/* [0] FIN, [1] RST */
	size_t		 n[2];
	size_t		 missed;	/* closed, never reported */
	size_t		 late;		/* reported after its wait ended */
	size_t		 wrong_cause;	/* FIN not peer_closed, RST not reset */
	size_t		 spurious;	/* down, but we never closed it */
	size_t		 other;		/* events not going down */
	size_t		 candidates;	/* up when sampling began */
	bool		 cut_short;	/* the time budget ran out */
};

/* One event of the program under test. */
struct event_rec {
	int64_t		 ns;		/* CLOCK_REALTIME of detection */
	long		 id;		/* connection index, -1 unknown */
	bool		 down;		/* the connection was found dead */
	char		 cause[32];
};

/* Memory of a process, from /proc/PID/status, in KiB. */
struct procmem {
	long		 rss_kib;	/* VmRSS */
	long		 anon_kib;	/* RssAnon: heap, stacks */
	long		 hwm_kib;	/* VmHWM: peak RSS */
};

/* Every figure of one round (one number of held connections). */
struct round {
	size_t		 n;
	/* The raw epoll baseline. */
	struct latencies base_lat;
	struct procmem	 base_mem;
	double		 base_cpu_pct;	/* with a TCP_INFO sweep a second */
	/* sockprobed. */
	struct latencies sd_lat;
	struct procmem	 sd_mem;	/* all up, before status */
	struct procmem	 sd_mem_end;	/* after status and the closes */
	double		 sd_up_s;	/* start to all connected */
	size_t		 sd_down;	/* down before any close */
	size_t		 sd_degraded;	/* neither up nor down then */
	double		 sd_cpu_pct;
	uint64_t	 drops;		/* softnet backlog drops, whole round */
	double		 status_ctl_ms;	/* sockprobectl --json status */
	double		 status_raw_ms;	/* the request on the socket */
	size_t		 status_bytes;
	bool		 status_ok;
	char		 status_error[200];
};

/* A line reader on a descriptor, with deadlines. */
struct lines {
	int		 fd;
	char		*buf;
	size_t		 len, cap, consumed;
	bool		 eof;
};

struct peers;

/* util.c */
int64_t	 util_now(clockid_t);
void	 util_sleep_ns(int64_t);
bool	 util_interrupted(void);
void	 util_signals(void);
void	 util_check(void);
size_t	 util_raise_nofile(void);
const char *util_resolve(const char *);
const char *util_tmpdir(void);
/* A path in the temp dir, removed at exit unless kept. */
const char *util_tmpfile(const char *);
void	 util_cleanup(bool);
/* fork+exec argv with stdin/stdout/stderr from the fds (-1: /dev/null). */
pid_t	 util_spawn(char *const [], int, int, int);
/* Register a forked child for cleanup. */
void	 util_child(pid_t);
/* SIGTERM, wait up to timeout_ms, then SIGKILL; reaps. */
void	 util_stop(pid_t, int);
bool	 util_alive(pid_t);
int	 util_wait(pid_t, int64_t, int *);
int	 util_procmem(pid_t, struct procmem *);
/* Time pid spent on a CPU (schedstat), in ns; -1 on failure. */
int64_t	 util_cpu_ns(pid_t);
/* Packets the kernel dropped from its per-CPU input backlogs so far. */
uint64_t util_softnet_drops(void);
/* Nearest-rank percentile of v (sorted in place), p in (0, 100]. */
int64_t	 util_percentile(int64_t *, size_t, double);
double	 util_median(double *, size_t);
void	 util_lines_init(struct lines *, int);
void	 util_lines_free(struct lines *);
/* The next line without its newline, or NULL at EOF or the deadline. */
char	*util_line(struct lines *, int64_t);
/* A whole line already buffered, or NULL; and one read() into l. */
char	*util_line_next(struct lines *);
void	 util_lines_fill(struct lines *);
uint32_t util_random(uint32_t);
void	 util_log_tail(const char *);
void	 util_lat_add(struct latencies *, int, int64_t, size_t);
void	 util_lat_free(struct latencies *);
void	 vlog(const char *, ...) __attribute__((format(printf, 1, 2)));
extern bool util_verbose;

/* peers.c */
/* A listener for each of n connections, in forked processes. */
struct peers *peers_start(int, size_t);
/* Where connection i must connect: "ADDR:PORT", until the next call. */
const char *peers_addr(struct peers *, size_t);
/* Wait until n connections are accepted in all; 0 or -1. */
int	 peers_wait(struct peers *, size_t, int64_t);
/* Close held connection idx (FIN, or RST if asked): when. */
int	 peers_close(struct peers *, size_t, bool, int64_t *);
void	 peers_stop(struct peers *);

/* round.c */
/* An event from one line of a program's output: 1, or 0 if none. */
typedef int	(*event_parse_fn)(const char *, struct event_rec *);
/* Both programs holding r->n connections at once: every figure of r. */
int	 round_run(const struct options *, struct round *, int);

/* baseline.c */
struct base;
struct base *baseline_start(const struct options *, struct peers *, size_t);
int	 baseline_ready(struct base *, int64_t);
pid_t	 baseline_pid(const struct base *);
int	 baseline_sweep(struct base *, int);
int	 baseline_parse(const char *, struct event_rec *);
struct lines *baseline_lines(struct base *);
void	 baseline_stop(struct base *);

/* subject.c */
struct subject;
/* sockprobed with no targets: its memory. */
int	 subject_idle(const struct options *, struct procmem *);
struct subject *subject_start(const struct options *, struct peers *,
	    size_t);
pid_t	 subject_pid(const struct subject *);
int	 subject_wait_up(struct subject *, int64_t);
long	 subject_up_ids(struct subject *, size_t *, size_t *);
void	 subject_status(const struct options *, struct subject *,
	    struct round *);
int	 subject_watch(struct subject *);
int	 subject_parse(const char *, struct event_rec *);
struct lines *subject_lines(struct subject *);
void	 subject_log_tail(const struct subject *);
void	 subject_stop(struct subject *);

#endif /* BENCH_H */
