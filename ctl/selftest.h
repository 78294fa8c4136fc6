/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sockprobectl selftest's own types and prototypes, shared by its three
 * files and by no other verb: the scratch network (selftest_net.c), the
 * scenarios (selftest_scn.c) and the run that times them (selftest.c).
 */

#ifndef SELFTEST_H
#define SELFTEST_H

#include <sys/types.h>

#include <net/if.h>
#include <netinet/in.h>

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "sockprobe.h"

/* A measurement may miss its prediction by 20 % of it plus 100 ms. */
#define ST_MARGIN_PCT		20
#define ST_MARGIN_US		100000

#define ST_SUBNET_PREFIX	"10.214"	/* 10.214.X.0/24, X in 1..254 */
#define ST_NFT_TABLE		"sockprobe_selftest"
#define ST_CMD_TIMEOUT_MS	5000		/* any one ip or nft command */
#define ST_ERR_MAX		256

/*
 * The scratch network: an anonymous network namespace that lives exactly
 * as long as ns_fd is open (or a process of ours is inside it), joined to
 * ours by a veth pair; an nftables table inside it does the silencing.
 */
struct st_net {
	char		 ip[PATH_MAX];		/* the ip(8) binary */
	char		 nft[PATH_MAX];		/* the nft(8) binary */
	int		 root_fd;		/* our own namespace */
	int		 ns_fd;			/* the scratch one, -1 none */
	int		 lock_fd;		/* held to pick a subnet */
	char		 host_if[IFNAMSIZ];	/* veth end in ours */
	char		 peer_if[IFNAMSIZ];	/* veth end in the scratch ns */
	bool		 host_if_made;		/* ip link del it on cleanup */
	int		 subnet;		/* X of 10.214.X.0/24 */
	struct in_addr	 host_ip;		/* 10.214.X.1 */
	struct in_addr	 peer_ip;		/* 10.214.X.2 */
};

struct selftest;
struct st_scn;

/* Which listener a scenario's connection goes to. */
enum st_port {
	ST_LIVE = 0,		/* stays reachable */
	ST_SILENT,		/* its port falls silent at the cut */
	ST__PORTS
};

/* One way to kill a connection, and what must notice it. */
struct st_def {
	const char		*name;
	const char		*death;		/* what happens, in words */
	enum sp_technique	 tech;		/* expected to notice */
	enum sp_cause		 cause;		/* expected to be reported */
	enum sp_cause		 ti_cause;	/* TCP_INFO must say it too;
						 * NONE: not asked */
	enum sp_failure		 mode;		/* SP_FAIL__MAX: predicted by
						 * one round trip */
	const char		*explain;	/* explain's options for it */
	/* Main thread, before the cut: connect and set the options. */
	int			(*setup)(struct selftest *, struct st_scn *);
	/* Its own thread, after the cut: the death and its detection. */
	void			(*run)(struct selftest *, struct st_scn *);
};

/* One scenario's connection and what happened to it. */
struct st_scn {
	const struct st_def	*def;
	int			 fd;		/* our end, our namespace */
	int			 peer_fd;	/* the peer's, scratch one */
	pid_t			 holder;	/* holds peer_fd (kill) */
	int64_t			 t0_us;		/* the death, monotonic */
	int64_t			 t1_us;		/* its detection; -1 none */
	int64_t			 predicted_us;
	enum sp_technique	 model_tech;	/* what the model names */
	enum sp_cause		 model_cause;
	char			 how[SP_DETAIL_MAX];	/* the prediction */
	char			 explain[128];	/* the explain command */
	struct sp_verdict	 v;		/* what was seen */
	bool			 has_ti;	/* ti_v was taken */
	struct sp_verdict	 ti_v;		/* TCP_INFO at the verdict */
	char			 error[ST_ERR_MAX];	/* a call failed */
	bool			 started;	/* thread is joinable */
	pthread_t		 thread;
};

#define ST_NSCN		8

struct selftest {
	struct st_net		 net;
	struct sp_kernel	 kernel;
	struct st_scn		 scn[ST_NSCN];
	size_t			 nscn;
	int			 listen_fd[ST__PORTS];	/* scratch ns */
	struct sockaddr_in	 listen_sa[ST__PORTS];
	int64_t			 cut_us;	/* the silent port went dark */
	int			 wake[2];	/* threads done, signals */
	int			 stop[2];	/* closing [1] stops threads */
	bool			 cleaned;
};

/* selftest.c */
int64_t		 st_now_us(void);
/* A signal asked us to stop; its number, 0 if none. */
int		 st_interrupted(void);

/* selftest_net.c */
void		 st_net_init(struct st_net *);
int		 st_net_tools(struct st_net *, char *, size_t);
int		 st_net_build(struct st_net *, char *, size_t);
int		 st_net_socket(struct st_net *, int, int);
int		 st_net_cut(struct st_net *, uint16_t, char *, size_t);
void		 st_net_destroy(struct st_net *);

/* selftest_scn.c */
extern const struct st_def st_defs[ST_NSCN];
void		 st_scn_init(struct st_scn *, const struct st_def *);
int		 st_scn_listen(struct selftest *, char *, size_t);
int		 st_scn_predict(struct selftest *, struct st_scn *);
void		 st_scn_free(struct st_scn *);

#endif /* SELFTEST_H */
