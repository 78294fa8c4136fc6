/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sp-hostile's types and every non-static prototype, grouped by the file
 * that defines them.
 */

#ifndef HOSTILE_H
#define HOSTILE_H

#include <sys/types.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define H_NS_MS		1000000LL
#define H_NS_S		1000000000LL

/* What the run was asked for: --quick shrinks every count. */
struct hopts {
	const char	*sockprobed;
	const char	*out;		/* markdown figures, NULL: none */
	size_t		 requests;	/* malformed request lines */
	size_t		 workers;	/* connections sending them */
	size_t		 overlong;	/* lines over CTL_MAX_LINE */
	size_t		 flood;		/* clients connecting at once */
	size_t		 silent;	/* connect, never send */
	size_t		 stallers;	/* half a line, then nothing */
	size_t		 watchers;	/* watch, never read */
	size_t		 targets;	/* flapping targets, for events */
	long		 rss_growth_kb;	/* allowed peak over start */
	int		 reply_ms;	/* the longest wait for one answer */
	int		 min_run_ms;	/* the run lasts at least this */
	bool		 wait_idle;	/* until silent clients are dropped */
	bool		 quick;
	bool		 verbose;
};

/* A client connection and what it has read but not yet consumed. */
struct hconn {
	int		 fd;
	char		*buf;
	size_t		 len, cap;
	bool		 eof;		/* EOF or ECONNRESET after the data */
};

/* Counts every phase adds to; the report reads them. */
struct hresults {
	/* malformed requests */
	atomic_size_t	 sent, answered_right;
	atomic_size_t	 wrong_code, no_answer, conn_lost;
	char		 first_wrong[512];
	pthread_mutex_t	 lock;
	size_t		 workers_alive;	/* still served after their share */
	/* over-limit lines */
	size_t		 overlong_dropped;
	/* the flood */
	size_t		 flood_connected, flood_served, flood_refused;
	size_t		 flood_other, flood_limit;
	int64_t		 flood_ns;
	/* clients that break the rules quietly */
	size_t		 silent_dropped, stallers_dropped;
	size_t		 idle_early;	/* dropped before CTL_IDLE_MS */
	size_t		 watchers_dropped, watchers_kept;
	size_t		 watch_events;	/* what they had been sent */
	/* the legitimate client: when each status was asked, how long */
	int64_t		*status_at, *status_ns;
	size_t		 nstatus, capstatus;
	int64_t		 attack_start, attack_end;
	atomic_size_t	 status_failed;
	/* the daemon */
	long		 rss_start_kb, rss_peak_kb, rss_end_kb;
	int64_t		 run_ns;
	bool		 daemon_died;
	int		 exit_status;
};

/* hostile.c */
int64_t	 h_now(void);
void	 h_log(const struct hopts *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* hostile_clients.c */
int	 hconn_open(struct hconn *, const char *);
int	 hconn_open_nb(struct hconn *, const char *);
void	 hconn_close(struct hconn *);
int	 hconn_send(struct hconn *, const void *, size_t);
int	 hconn_fill(struct hconn *);
char	*hconn_line(struct hconn *);
char	*hconn_wait_line(struct hconn *, int);
bool	 hconn_wait_eof(struct hconn *, int);
const char *h_error_code(const char *, bool *);
void	 h_status_start(const struct hopts *, const char *, struct hresults *);
void	 h_status_stop(void);
void	 h_rss_start(pid_t, struct hresults *);
void	 h_rss_stop(void);
long	 h_rss_kb(pid_t);
void	 h_flood(const struct hopts *, const char *, size_t,
	    struct hresults *);

/* hostile_requests.c */
size_t	 h_request(size_t, char *, size_t, const char **);
void	 h_malformed(const struct hopts *, const char *, struct hresults *);
void	 h_overlong(const struct hopts *, const char *, struct hresults *);

#endif /* HOSTILE_H */
