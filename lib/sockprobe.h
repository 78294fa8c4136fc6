/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * libsockprobe: is the peer of a TCP socket still there, and if not, what
 * happened and which technique saw it.  Every function works on a
 * descriptor the caller owns; the library never logs, never exits, keeps
 * no hidden state and changes no signal disposition unless asked to
 * (sp_sigpipe_set()).  Writes always use MSG_NOSIGNAL.
 *
 * Conventions, as for the system calls the library wraps:
 *  - functions return 0 on success, or -1 with errno set for misuse or
 *    lack of resources (EBADF, EINVAL, ENOTSOCK, ENOMEM);
 *  - a dead peer is not an error: checks return 0 and describe the peer
 *    in a struct sp_verdict;
 *  - "never blocks" functions are safe in any event loop; "blocks" names
 *    what bounds the wait.
 *
 * Link with `pkg-config --cflags --libs libsockprobe`.
 */

#ifndef SOCKPROBE_H
#define SOCKPROBE_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SP_VERSION_MAJOR	0
#define SP_VERSION_MINOR	1

/* The library's version as "MAJOR.MINOR.PATCH"; a static string. */
const char	*sp_version(void);

/*
 * Vocabulary.  Each enum has a *_name() returning the snake_case word
 * used in configuration, JSON and DESIGN.md (a static string, "unknown"
 * for values out of range) and a *_parse() back: 0 and *out set, or -1
 * with errno EINVAL.
 */

/* Which liveness technique produced a verdict. */
enum sp_technique {
	SP_TECH_NONE = 0,
	SP_TECH_READ,		/* readiness, then recv: 0 = FIN, RST, ... */
	SP_TECH_WRITE,		/* send with MSG_NOSIGNAL: EPIPE, ECONNRESET */
	SP_TECH_TCP_INFO,	/* getsockopt(TCP_INFO) or sock_diag */
	SP_TECH_KEEPALIVE,	/* SO_KEEPALIVE + TCP_KEEPIDLE/INTVL/CNT */
	SP_TECH_TIMEOUT,	/* SO_RCVTIMEO / SO_SNDTIMEO deadlines */
	SP_TECH_USER_TIMEOUT,	/* TCP_USER_TIMEOUT */
	SP_TECH_CONNECT,	/* the handshake */
	SP_TECH__MAX
};

/* What happened to the peer (SP_CAUSE_NONE: nothing wrong seen). */
enum sp_cause {
	SP_CAUSE_NONE = 0,
	SP_CAUSE_PEER_CLOSED,		/* FIN received */
	SP_CAUSE_RESET,			/* ECONNRESET */
	SP_CAUSE_BROKEN_PIPE,		/* EPIPE */
	SP_CAUSE_TIMED_OUT,		/* ETIMEDOUT: the kernel gave up */
	SP_CAUSE_HOST_UNREACHABLE,	/* EHOSTUNREACH */
	SP_CAUSE_NO_REPLY,		/* receive deadline passed */
	SP_CAUSE_SEND_STALLED,		/* send deadline passed */
	SP_CAUSE_REFUSED,		/* ECONNREFUSED */
	SP_CAUSE_SYN_TIMEOUT,		/* no SYN-ACK in time */
	SP_CAUSE_NET_UNREACHABLE,	/* ENETUNREACH */
	SP_CAUSE_STATE,			/* TCP state left ESTABLISHED */
	SP_CAUSE_RETRANSMITTING,	/* RTO retransmissions, backoff */
	SP_CAUSE_KEEPALIVE_PROBING,	/* keepalive probes unanswered */
	SP_CAUSE_ZERO_WINDOW,		/* the peer advertises no window */
	SP_CAUSE_EXPECT_MISMATCH,	/* the reply did not match */
	SP_CAUSE_LOCAL,			/* EMFILE, EADDRNOTAVAIL, ... */
	SP_CAUSE__MAX
};

/* How bad a cause is: the health it implies on its own. */
enum sp_severity {
	SP_SEVERITY_OK = 0,		/* SP_CAUSE_NONE */
	SP_SEVERITY_DEGRADED,		/* alive but suspect */
	SP_SEVERITY_DOWN		/* the connection is gone */
};

/* TCP states, numbered as the kernel numbers tcpi_state. */
enum sp_tcp_state {
	SP_TCP_UNKNOWN = 0,
	SP_TCP_ESTABLISHED,
	SP_TCP_SYN_SENT,
	SP_TCP_SYN_RECV,
	SP_TCP_FIN_WAIT1,
	SP_TCP_FIN_WAIT2,
	SP_TCP_TIME_WAIT,
	SP_TCP_CLOSE,
	SP_TCP_CLOSE_WAIT,
	SP_TCP_LAST_ACK,
	SP_TCP_LISTEN,
	SP_TCP_CLOSING,
	SP_TCP_NEW_SYN_RECV,
	SP_TCP__MAX
};

const char	*sp_technique_name(enum sp_technique);
int		 sp_technique_parse(const char *, enum sp_technique *);
const char	*sp_cause_name(enum sp_cause);
int		 sp_cause_parse(const char *, enum sp_cause *);
enum sp_severity sp_cause_severity(enum sp_cause);
const char	*sp_severity_name(enum sp_severity);	/* ok, degraded, down */
/* State names are the kernel's, upper case: "ESTABLISHED", "CLOSE_WAIT". */
const char	*sp_tcp_state_name(enum sp_tcp_state);
int		 sp_tcp_state_parse(const char *, enum sp_tcp_state *);

/*
 * The cause an errno means.  While connecting (connecting = true) an
 * ETIMEDOUT is SP_CAUSE_SYN_TIMEOUT.  Errors of the local host (EMFILE,
 * ENOBUFS, EADDRNOTAVAIL, ...) are SP_CAUSE_LOCAL; 0 is SP_CAUSE_NONE.
 */
enum sp_cause	 sp_cause_from_errno(int err, bool connecting);

/*
 * A verdict: what one check saw.  Callers allocate it; the reserved
 * fields keep the layout stable as fields are added.
 */
#define SP_DETAIL_MAX	192

struct sp_verdict {
	enum sp_technique	technique;	/* who saw it */
	enum sp_cause		cause;		/* SP_CAUSE_NONE: alive */
	int			error;		/* errno as first reported, or 0 */
	enum sp_tcp_state	tcp_state;	/* state after the check */
	char			detail[SP_DETAIL_MAX];	/* plain words */
	uint64_t		reserved[4];
};

/* Clear a verdict: technique and cause NONE, error 0, empty detail. */
void	sp_verdict_init(struct sp_verdict *);

/*
 * Fill a verdict with a technique, cause and errno, and a detail text
 * built from them.  tcp_state is left unchanged.  Never fails.
 */
void	sp_verdict_set(struct sp_verdict *, enum sp_technique, enum sp_cause,
	    int err);

/*
 * Classification of I/O the caller did itself, for event loops that own
 * their reads and writes.  Pass the return value and the errno saved
 * right after the call.  An ETIMEDOUT is attributed to the technique
 * that made the kernel give up (keepalive, user_timeout, or the
 * retransmission budget seen by read/write), which needs fd; the fd is
 * otherwise only queried for its TCP state.  Never block.  Return 0, or
 * -1 with EINVAL for a NULL verdict.
 *
 * sp_classify_recv: n > 0 alive; n == 0 peer_closed (FIN); n == -1
 *   with EAGAIN alive; other errno by sp_cause_from_errno().
 * sp_classify_send: n >= 0 alive; EAGAIN alive (buffer full); EPIPE
 *   broken_pipe; ECONNRESET reset; ...
 * sp_classify_error: an errno from SO_ERROR or any other source, seen
 *   by technique t.
 */
int	sp_classify_recv(int fd, ssize_t n, int err, struct sp_verdict *);
int	sp_classify_send(int fd, ssize_t n, int err, struct sp_verdict *);
int	sp_classify_error(int fd, enum sp_technique t, int err,
	    struct sp_verdict *);

/*
 * Technique "read", nonblocking.  Looks at the socket without consuming
 * data: poll(0) for POLLRDHUP/POLLERR/POLLHUP, then recv(MSG_PEEK |
 * MSG_DONTWAIT).  A FIN gives peer_closed even when unread data
 * precedes it (the detail says how many bytes); a pending error is
 * captured in v->error (the kernel reports it only once; this call
 * consumes it).  Never blocks.  Returns 0, or -1 with errno (EBADF,
 * ENOTSOCK) when fd is not a usable socket.
 */
int	sp_check_read(int fd, struct sp_verdict *v);

/*
 * The reference's method, blocking: select() for readability with a
 * timeout, then the read check above.  Nothing readable within
 * timeout_ms gives cause no_reply, technique timeout: only meaningful
 * when a reply is expected.  Blocks up to timeout_ms (restarted on
 * EINTR with the time left).  Returns -1 EINVAL if fd >= FD_SETSIZE,
 * which select() cannot watch.
 */
int	sp_select_read(int fd, int timeout_ms, struct sp_verdict *v);

/*
 * Technique "write", nonblocking: send(buf, len, MSG_NOSIGNAL |
 * MSG_DONTWAIT), the count in *sent (may be NULL).  Per the kernel, the
 * first write after the peer's FIN succeeds and draws an RST; the first
 * write after that RST arrives fails with EPIPE (or ECONNRESET if the
 * RST came while ESTABLISHED).  A full send buffer (EAGAIN) is alive.
 * len must be > 0: a zero-length send transmits nothing and consumes
 * the pending error, so it returns -1 EINVAL.  Never blocks.
 */
int	sp_check_write(int fd, const void *buf, size_t len, ssize_t *sent,
	    struct sp_verdict *v);

/*
 * Technique "timeout", blocking forms.  fd must be in blocking mode
 * (else -1 EINVAL): the deadlines are the socket's own SO_RCVTIMEO and
 * SO_SNDTIMEO, set with sp_set_recv_timeout()/sp_set_send_timeout().
 *
 * sp_recv_wait: recv(buf, len) blocking up to SO_RCVTIMEO; the count in
 *   *got (may be NULL).  EAGAIN at the deadline gives no_reply while the
 *   TCP state may well still be ESTABLISHED; 0 gives peer_closed.
 * sp_send_wait: send(buf, len, MSG_NOSIGNAL) blocking up to
 *   SO_SNDTIMEO.  The kernel returns a partial count when it queued
 *   part of the buffer before the deadline, and EAGAIN only when it
 *   queued nothing: both give send_stalled, with the count in *sent.
 */
int	sp_recv_wait(int fd, void *buf, size_t len, ssize_t *got,
	    struct sp_verdict *v);
int	sp_send_wait(int fd, const void *buf, size_t len, ssize_t *sent,
	    struct sp_verdict *v);

/*
 * Technique "connect".
 *
 * sp_connect_start: nonblocking connect() on a nonblocking socket
 *   (else -1 EINVAL).  An immediate failure (ENETUNREACH,
 *   EADDRNOTAVAIL, ...) fills the verdict; otherwise cause is NONE and
 *   v->tcp_state SYN_SENT or ESTABLISHED: wait for POLLOUT or POLLERR
 *   and call sp_connect_check().  Note: a refused connect to a local
 *   port returns EINPROGRESS with POLLOUT and POLLERR already set, so
 *   writability alone proves nothing.  Never blocks.
 * sp_connect_check: read SO_ERROR (consuming and capturing it) and the
 *   state: refused, syn_timeout, host_unreachable, net_unreachable, or
 *   NONE with tcp_state ESTABLISHED (connected) or SYN_SENT (still in
 *   progress).  Never blocks.
 * sp_connect_poll: sp_connect_start + poll() until connected, failed or
 *   timeout_ms passed (syn_timeout, error 0: our deadline, not the
 *   kernel's; the SYN keeps being retried until the socket is closed).
 *   Blocks up to timeout_ms; timeout_ms < 0 waits for the kernel's own
 *   verdict (TCP_SYNCNT, TCP_USER_TIMEOUT).
 * sp_connect_wait: blocking connect() on a blocking socket (else -1
 *   EINVAL) bounded by the socket's SO_SNDTIMEO.  Per the kernel, the
 *   deadline returns EINPROGRESS (not ETIMEDOUT) while the handshake
 *   goes on: verdict syn_timeout with error EINPROGRESS.
 */
int	sp_connect_start(int fd, const struct sockaddr *sa, socklen_t salen,
	    struct sp_verdict *v);
int	sp_connect_check(int fd, struct sp_verdict *v);
int	sp_connect_poll(int fd, const struct sockaddr *sa, socklen_t salen,
	    int timeout_ms, struct sp_verdict *v);
int	sp_connect_wait(int fd, const struct sockaddr *sa, socklen_t salen,
	    struct sp_verdict *v);

/*
 * A pending socket error, for a caller that saw POLLERR/EPOLLERR:
 * SO_ERROR read once (consuming it), classified as seen by technique t.
 * Never blocks.
 */
int	sp_check_error(int fd, enum sp_technique t, struct sp_verdict *v);

/*
 * Socket options.  Setters apply exactly what they are given; getters
 * report what the kernel will use.  Return 0, or -1 with errno from
 * setsockopt/getsockopt, or EINVAL for a value out of the kernel's
 * range.  Never block.
 *
 * Keepalive times are whole seconds, as the kernel takes them; a zero
 * idle/interval/count leaves that knob at the kernel default
 * (tcp_keepalive_time/intvl/probes).  sp_get_keepalive() reports the
 * effective values, defaults included.
 */
struct sp_keepalive {
	bool		enabled;	/* SO_KEEPALIVE */
	uint32_t	idle_s;		/* TCP_KEEPIDLE, 1..32767 */
	uint32_t	interval_s;	/* TCP_KEEPINTVL, 1..32767 */
	uint32_t	count;		/* TCP_KEEPCNT, 1..127 */
};

int	sp_set_keepalive(int fd, const struct sp_keepalive *);
int	sp_get_keepalive(int fd, struct sp_keepalive *);
int	sp_set_recv_timeout(int fd, uint32_t ms);	/* SO_RCVTIMEO, 0 off */
int	sp_get_recv_timeout(int fd, uint32_t *ms);
int	sp_set_send_timeout(int fd, uint32_t ms);	/* SO_SNDTIMEO, 0 off */
int	sp_get_send_timeout(int fd, uint32_t *ms);
int	sp_set_user_timeout(int fd, uint32_t ms);	/* TCP_USER_TIMEOUT */
int	sp_get_user_timeout(int fd, uint32_t *ms);
int	sp_set_syn_retries(int fd, int n);		/* TCP_SYNCNT, 1..127 */
int	sp_get_syn_retries(int fd, int *n);
int	sp_set_linger2(int fd, int s);			/* TCP_LINGER2 */
int	sp_get_linger2(int fd, int *s);

/*
 * Close with an RST instead of a FIN (SO_LINGER {1, 0}, then close()):
 * no TIME_WAIT, and the peer's next recv fails with ECONNRESET.  The
 * descriptor is closed in every case.  Returns 0, or -1 with errno.
 */
int	sp_close_rst(int fd);

/*
 * SIGPIPE policy, for callers that want one: DEFAULT restores SIG_DFL,
 * IGNORE sets SIG_IGN, COUNT installs a handler that counts deliveries
 * (sp_sigpipe_count()).  This is the only function that changes a
 * signal disposition, and only when called.  Returns 0 or -1 with errno
 * from sigaction().
 */
enum sp_sigpipe_policy {
	SP_SIGPIPE_DEFAULT = 0,
	SP_SIGPIPE_IGNORE,
	SP_SIGPIPE_COUNT
};

int		sp_sigpipe_set(enum sp_sigpipe_policy);
uint64_t	sp_sigpipe_count(void);

/*
 * TCP_INFO, decoded into a stable layout.  The kernel's struct grows
 * with every release; a field the running kernel did not fill is
 * absent (sp_tcp_info_has() false, value 0), never garbage.  Field names
 * carry their unit where they have one.  The values of a socket in
 * state CLOSE are stale: only state is to be trusted there.
 */
enum sp_tcp_info_field {
	SP_TI_STATE = 0, SP_TI_CA_STATE, SP_TI_RETRANSMITS, SP_TI_PROBES,
	SP_TI_BACKOFF, SP_TI_OPTIONS, SP_TI_SND_WSCALE, SP_TI_RCV_WSCALE,
	SP_TI_DELIVERY_RATE_APP_LIMITED, SP_TI_FASTOPEN_CLIENT_FAIL,
	SP_TI_RTO_US, SP_TI_ATO_US, SP_TI_SND_MSS, SP_TI_RCV_MSS,
	SP_TI_UNACKED, SP_TI_SACKED, SP_TI_LOST, SP_TI_RETRANS, SP_TI_FACKETS,
	SP_TI_LAST_DATA_SENT_MS, SP_TI_LAST_ACK_SENT_MS,
	SP_TI_LAST_DATA_RECV_MS, SP_TI_LAST_ACK_RECV_MS,
	SP_TI_PMTU, SP_TI_RCV_SSTHRESH, SP_TI_RTT_US, SP_TI_RTTVAR_US,
	SP_TI_SND_SSTHRESH, SP_TI_SND_CWND, SP_TI_ADVMSS, SP_TI_REORDERING,
	SP_TI_RCV_RTT_US, SP_TI_RCV_SPACE, SP_TI_TOTAL_RETRANS,
	SP_TI_PACING_RATE, SP_TI_MAX_PACING_RATE, SP_TI_BYTES_ACKED,
	SP_TI_BYTES_RECEIVED, SP_TI_SEGS_OUT, SP_TI_SEGS_IN,
	SP_TI_NOTSENT_BYTES, SP_TI_MIN_RTT_US, SP_TI_DATA_SEGS_IN,
	SP_TI_DATA_SEGS_OUT, SP_TI_DELIVERY_RATE, SP_TI_BUSY_TIME_US,
	SP_TI_RWND_LIMITED_US, SP_TI_SNDBUF_LIMITED_US, SP_TI_DELIVERED,
	SP_TI_DELIVERED_CE, SP_TI_BYTES_SENT, SP_TI_BYTES_RETRANS,
	SP_TI_DSACK_DUPS, SP_TI_REORD_SEEN, SP_TI_RCV_OOOPACK, SP_TI_SND_WND,
	SP_TI_RCV_WND, SP_TI_REHASH, SP_TI_TOTAL_RTO,
	SP_TI_TOTAL_RTO_RECOVERIES, SP_TI_TOTAL_RTO_TIME_MS,
	SP_TI_RECEIVED_CE, SP_TI_DELIVERED_E1_BYTES, SP_TI_DELIVERED_E0_BYTES,
	SP_TI_DELIVERED_CE_BYTES, SP_TI_RECEIVED_E1_BYTES,
	SP_TI_RECEIVED_E0_BYTES, SP_TI_RECEIVED_CE_BYTES,
	SP_TI__MAX
};

struct sp_tcp_info {
	uint32_t	kernel_len;	/* bytes the kernel provided */
	uint8_t		state;		/* enum sp_tcp_state */
	uint8_t		ca_state;
	uint8_t		retransmits;	/* unrecovered RTOs, now */
	uint8_t		probes;		/* keepalive/zero-window probes out */
	uint8_t		backoff;
	uint8_t		options;
	uint8_t		snd_wscale;
	uint8_t		rcv_wscale;
	uint8_t		delivery_rate_app_limited;
	uint8_t		fastopen_client_fail;
	uint32_t	rto_us;
	uint32_t	ato_us;
	uint32_t	snd_mss;
	uint32_t	rcv_mss;
	uint32_t	unacked;
	uint32_t	sacked;
	uint32_t	lost;
	uint32_t	retrans;
	uint32_t	fackets;
	uint32_t	last_data_sent_ms;
	uint32_t	last_ack_sent_ms;
	uint32_t	last_data_recv_ms;
	uint32_t	last_ack_recv_ms;
	uint32_t	pmtu;
	uint32_t	rcv_ssthresh;
	uint32_t	rtt_us;
	uint32_t	rttvar_us;
	uint32_t	snd_ssthresh;
	uint32_t	snd_cwnd;
	uint32_t	advmss;
	uint32_t	reordering;
	uint32_t	rcv_rtt_us;
	uint32_t	rcv_space;
	uint32_t	total_retrans;
	uint64_t	pacing_rate;
	uint64_t	max_pacing_rate;
	uint64_t	bytes_acked;
	uint64_t	bytes_received;
	uint32_t	segs_out;
	uint32_t	segs_in;
	uint32_t	notsent_bytes;
	uint32_t	min_rtt_us;
	uint32_t	data_segs_in;
	uint32_t	data_segs_out;
	uint64_t	delivery_rate;
	uint64_t	busy_time_us;
	uint64_t	rwnd_limited_us;
	uint64_t	sndbuf_limited_us;
	uint32_t	delivered;
	uint32_t	delivered_ce;
	uint64_t	bytes_sent;
	uint64_t	bytes_retrans;
	uint32_t	dsack_dups;
	uint32_t	reord_seen;
	uint32_t	rcv_ooopack;
	uint32_t	snd_wnd;
	uint32_t	rcv_wnd;
	uint32_t	rehash;
	uint32_t	total_rto;
	uint32_t	total_rto_recoveries;
	uint32_t	total_rto_time_ms;
	uint32_t	received_ce;
	uint32_t	delivered_e1_bytes;
	uint32_t	delivered_e0_bytes;
	uint32_t	delivered_ce_bytes;
	uint32_t	received_e1_bytes;
	uint32_t	received_e0_bytes;
	uint32_t	received_ce_bytes;
	uint64_t	reserved[16];
};

/*
 * Decode len bytes of a kernel struct tcp_info (from getsockopt or a
 * sock_diag INET_DIAG_INFO attribute) into *ti.  Fields beyond len are
 * absent.  Any len is accepted, 0 included.  Never fails for non-NULL
 * arguments (returns 0; -1 EINVAL for NULL).
 */
int	sp_tcp_info_decode(const void *buf, size_t len, struct sp_tcp_info *ti);
/* getsockopt(TCP_INFO) and decode.  Never blocks.  0 or -1 with errno. */
int	sp_tcp_info_read(int fd, struct sp_tcp_info *ti);
/* Whether the running kernel provided field f. */
bool	sp_tcp_info_has(const struct sp_tcp_info *ti, enum sp_tcp_info_field f);
/*
 * Field f's value widened to 64 bits: 0 and *val, or -1 with ENOENT when
 * the kernel did not provide it (EINVAL for f out of range).
 */
int	sp_tcp_info_get(const struct sp_tcp_info *ti, enum sp_tcp_info_field f,
	    uint64_t *val);
/* Field f's JSON name with its unit, e.g. "rtt_us"; NULL if out of range. */
const char *sp_tcp_info_field_name(enum sp_tcp_info_field f);

/*
 * Technique "tcp_info": what TCP_INFO says of the connection.  Fills *v
 * and, if ti is not NULL, *ti.  Never blocks.
 *  - CLOSE_WAIT: peer_closed (the FIN arrived; no timer ends it);
 *  - CLOSE: the pending error if there is one (consumed and captured),
 *    else cause state;
 *  - any other state but ESTABLISHED: cause state;
 *  - ESTABLISHED with retransmits or backoff: retransmitting; with
 *    keepalive probes out: keepalive_probing; with snd_wnd 0 and data
 *    waiting: zero_window (the caller decides how long is too long);
 *  - else NONE.
 * sp_verdict_from_tcp_info() is the same judgement on decoded data
 * (e.g. from sock_diag) without touching a socket.
 */
int	sp_check_tcp_info(int fd, struct sp_verdict *v, struct sp_tcp_info *ti);
void	sp_verdict_from_tcp_info(const struct sp_tcp_info *ti,
	    struct sp_verdict *v);

/*
 * The host's TCP timers, from /proc/sys/net/ipv4.  A sysctl the running
 * kernel lacks is -1 (tcp_syn_linear_timeouts before 6.5, tcp_rto_min_us
 * and tcp_rto_max_ms before they became tunable).
 */
struct sp_kernel {
	int		syn_retries;
	int		syn_linear_timeouts;
	int		synack_retries;
	int		fin_timeout_s;
	int		orphan_retries;		/* 0 means 8 */
	int		keepalive_time_s;
	int		keepalive_intvl_s;
	int		keepalive_probes;
	int		retries1;
	int		retries2;
	int		rto_min_us;
	int		rto_max_ms;
	uint64_t	reserved[4];
};

/*
 * Read the sysctls from dir (NULL: "/proc/sys/net/ipv4"; another
 * directory with the same file names serves tests).  Missing files are
 * -1.  Returns 0, or -1 with errno if dir cannot be read at all.
 * Blocks only on the file reads.
 */
int	sp_kernel_read(const char *dir, struct sp_kernel *k);
/* The Linux 6.x defaults (tcp_syn_linear_timeouts 4, rto 200 ms/120 s). */
void	sp_kernel_defaults(struct sp_kernel *k);

/* One sysctl explained: its value and what it means in time. */
struct sp_sysctl {
	const char	*name;			/* "tcp_syn_retries" */
	long		 value;			/* -1 if absent */
	bool		 present;
	int64_t		 effect_ms;		/* -1 if not a duration */
	char		 meaning[SP_DETAIL_MAX];
};

#define SP_KERNEL_NSYSCTL	12
/*
 * Fill out[0..n) with the sysctls that decide liveness, in a fixed
 * order, each with its meaning in seconds on this host.  Returns how
 * many were filled (at most SP_KERNEL_NSYSCTL).
 */
size_t	sp_kernel_sysctls(const struct sp_kernel *k, struct sp_sysctl *out,
	    size_t n);

/*
 * The detection-budget model: for a socket's options and the host's
 * sysctls, the worst-case time until a dead peer is detected in each
 * failure mode.  It follows the 6.x kernel as measured (KERNEL-FACTS):
 * SYN give-up with tcp_syn_linear_timeouts, keepalive ticks with
 * TCP_USER_TIMEOUT overriding the probe count, the user timeout's clock
 * starting at the first RTO, and tcp_retries2 as a time budget.
 */
struct sp_budget_opts {
	bool		keepalive;		/* SO_KEEPALIVE */
	uint32_t	keepalive_idle_s;	/* 0: tcp_keepalive_time */
	uint32_t	keepalive_interval_s;	/* 0: tcp_keepalive_intvl */
	uint32_t	keepalive_count;	/* 0: tcp_keepalive_probes */
	uint32_t	user_timeout_ms;	/* 0: off */
	int		syn_retries;		/* 0: tcp_syn_retries */
	int		linger2_s;		/* 0: tcp_fin_timeout */
	uint32_t	rto_ms;			/* current RTO; 0: rto_min */
	uint32_t	recv_timeout_ms;	/* SO_RCVTIMEO, 0 off */
	uint32_t	send_timeout_ms;	/* SO_SNDTIMEO, 0 off */
	uint64_t	reserved[4];
};

/*
 * Read the options that matter from a socket (keepalive, user timeout,
 * syn retries, linger2, SO_RCVTIMEO/SO_SNDTIMEO and the RTO from
 * TCP_INFO).  Never blocks.  0 or -1 with errno.
 */
int	sp_budget_opts_read(int fd, struct sp_budget_opts *o);

enum sp_failure {
	SP_FAIL_SYN_SENT = 0,	/* handshake into a black hole */
	SP_FAIL_IDLE,		/* ESTABLISHED, nothing in flight */
	SP_FAIL_BUSY,		/* ESTABLISHED, data unacknowledged */
	SP_FAIL_ZERO_WINDOW,	/* the peer stopped reading */
	SP_FAIL_FIN_WAIT1,	/* our FIN unanswered */
	SP_FAIL_FIN_WAIT2,	/* our FIN acked, the peer never closes */
	SP_FAIL_TIME_WAIT,	/* after a clean close */
	SP_FAIL__MAX
};

const char	*sp_failure_name(enum sp_failure);	/* "syn_sent", ... */

struct sp_budget_entry {
	enum sp_failure		mode;
	int64_t			detect_ms;	/* worst case; -1 never */
	enum sp_technique	technique;	/* what notices */
	enum sp_cause		cause;		/* what is reported */
	char			how[SP_DETAIL_MAX];	/* plain words */
};

/* Traps the model found in the given options. */
#define SP_WARN_UT_IDLE_NOOP		0x01	/* UT alone: idle never ends */
#define SP_WARN_KEEPCNT_OVERRIDDEN	0x02	/* UT replaces keepalive count */
#define SP_WARN_RETRIES2_FLOOR		0x04	/* busy: ~924.6 s by default */
#define SP_WARN_KEEPALIVE_OFF		0x08	/* idle silent death unseen */
#define SP_WARN_KEEPALIVE_DEFAULTS	0x10	/* 2 h + 9 x 75 s */
#define SP_WARN_SYN_SLOW		0x20	/* connect gives up after > 60 s */
#define SP_WARN__ALL			0x3f

struct sp_budget {
	struct sp_budget_entry	entry[SP_FAIL__MAX];	/* indexed by mode */
	uint32_t		warnings;		/* SP_WARN_* */
	uint64_t		reserved[4];
};

/*
 * Compute the budget.  k NULL: sp_kernel_defaults().  Returns 0, or -1
 * EINVAL for NULL o or b.  Pure computation.
 */
int	sp_budget_compute(const struct sp_kernel *k,
	    const struct sp_budget_opts *o, struct sp_budget *b);
/* A warning bit's name ("ut_idle_noop") and sentence; NULL if unknown. */
const char	*sp_warning_name(uint32_t bit);
const char	*sp_warning_text(uint32_t bit);

/*
 * Durations as written in configuration and on command lines: a
 * number with a unit, ms, s, m or h, parts may be combined ("1m30s") and
 * "0" needs none.  Decimals are allowed where the result is whole
 * milliseconds ("1.5s").  Returns 0 and *ms, or -1 with errno EINVAL
 * (malformed) or ERANGE (beyond 2^53 ms), and *errstr a static sentence.
 */
int	sp_duration_parse(const char *s, uint64_t *ms, const char **errstr);
/*
 * Format ms as the shortest exact duration ("250ms", "10s", "1m30s",
 * "1.5s") into buf.  Returns buf; truncates to len like snprintf.
 */
char	*sp_duration_format(uint64_t ms, char *buf, size_t len);

/*
 * Split "host:port", "[v6addr]:port" or "name:port" into host and port.
 * The host holds only ASCII letters, digits, '-', '.', '_', '*', and ':'
 * or '%' (a zone) of an address in brackets; the port must be 1..65535.
 * Returns 0, or -1 with EINVAL (malformed) or ENAMETOOLONG (a buffer too
 * small), and *errstr a static sentence.
 */
int	sp_hostport_split(const char *s, char *host, size_t hostlen,
	    uint16_t *port, const char **errstr);

/*
 * sock_diag: the state of a connection by its addresses, through
 * NETLINK_SOCK_DIAG, without owning a descriptor: the way to see the
 * TIME_WAIT and orphaned FIN_WAIT2 that outlive close().
 */
struct sp_diag_entry {
	enum sp_tcp_state	state;
	uint8_t			timer;		/* 0 none, 1 retransmit, 2 keepalive, 3 TIME_WAIT, 4 zero-window probe */
	uint32_t		timer_ms;	/* time left on it */
	uint32_t		retransmits;
	uint32_t		rqueue;
	uint32_t		wqueue;
	uint32_t		uid;
	uint64_t		inode;		/* 0: no owning fd (orphan) */
	uint64_t		reserved[4];
};

/*
 * Look up one connection by its local and remote addresses (both
 * AF_INET or both AF_INET6).  Returns 0 and *e, or -1 with ENOENT when
 * the kernel has no such socket, or errno from the netlink socket.
 * Blocks on one netlink round trip.
 */
int	sp_diag_lookup(const struct sockaddr *local, const struct sockaddr *peer,
	    struct sp_diag_entry *e);

/*
 * sock_diag dump: every TCP socket of the caller's network namespace,
 * whoever owns it, without a descriptor.  Works unprivileged for
 * AF_INET and AF_INET6.  One socket as the kernel describes it:
 */
struct sp_diag_sock {
	struct sockaddr_storage	 local;		/* AF_INET or AF_INET6, port set */
	struct sockaddr_storage	 peer;		/* all zero for LISTEN */
	enum sp_tcp_state	 state;		/* TIME_WAIT's substate is given:
						 * an orphan's FIN_WAIT2 timer
						 * shows as FIN_WAIT2 */
	uint8_t			 timer;		/* as in struct sp_diag_entry */
	uint8_t			 retransmits;	/* retransmit timer's count */
	uint32_t		 timer_ms;	/* time left on the timer */
	uint32_t		 rqueue;	/* LISTEN: accept queue length */
	uint32_t		 wqueue;	/* LISTEN: backlog */
	uint32_t		 uid;		/* the socket's owner uid */
	uint64_t		 inode;		/* 0: no descriptor (TIME_WAIT,
						 * orphan, not yet accepted) */
	uint64_t		 cookie;	/* unique for the boot */
	const struct sp_tcp_info *info;		/* decoded TCP_INFO, or NULL */
	uint64_t		 reserved[4];
};

/* A state's bit in the states mask of sp_diag_dump(). */
#define SP_DIAG_STATE(s)	(1U << (s))
/* Every state, request sockets (SYN_RECV) and TIME_WAIT included. */
#define SP_DIAG_ALL		(((1U << SP_TCP__MAX) - 1) & ~1U)
/* Flags of sp_diag_dump(). */
#define SP_DIAG_INFO		0x01	/* ask for TCP_INFO and decode it */

/*
 * Called once per socket; s and s->info are valid only during the call.
 * Return 0 to go on, -1 (errno set) to stop the dump.
 */
typedef int	(*sp_diag_cb)(const struct sp_diag_sock *s, void *arg);

/*
 * Dump the TCP sockets of family (AF_INET, AF_INET6, or AF_UNSPEC for
 * both, IPv4 first) whose state is in states (SP_DIAG_STATE() bits,
 * SP_DIAG_ALL), calling cb(s, arg) for each.  With SP_DIAG_INFO each
 * socket that has a TCP_INFO (not TIME_WAIT nor request sockets) comes
 * with it decoded.  Uses one netlink socket, closed before returning;
 * the library aggregates nothing and keeps no state.  Returns 0 when
 * the kernel has sent every socket, or -1 with errno: EINVAL (bad
 * family, flags or NULL cb), ENOMEM, the netlink socket's errno, EPROTO
 * for a message that does not decode, or the errno cb set when it
 * stopped the dump (ECANCELED if it set none).  Blocks for the dump's
 * round trips: about 0.7 us of kernel time per socket with TCP_INFO.
 */
int	sp_diag_dump(int family, uint32_t states, int flags, sp_diag_cb cb,
	    void *arg);

/*
 * Decode one netlink message of a sock_diag dump (struct nlmsghdr,
 * struct inet_diag_msg, attributes): len bytes at msg, any alignment.
 * The INET_DIAG_INFO attribute is decoded into *ti when ti is not NULL,
 * and s->info points to ti then (else NULL).  Pure: reads nothing but
 * the bytes, accepts any input.  Returns 0, or -1 with EINVAL for NULL
 * arguments or bytes that are not one whole inet_diag message
 * (truncated, wrong type or family, an attribute past the end).
 */
int	sp_diag_decode(const void *msg, size_t len, struct sp_diag_sock *s,
	    struct sp_tcp_info *ti);

#ifdef __cplusplus
}
#endif

#endif /* SOCKPROBE_H */
