/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sockprobectl's types and every non-static prototype, grouped by the
 * file that defines them.
 */

#ifndef SOCKPROBECTL_H
#define SOCKPROBECTL_H

#include <sys/socket.h>

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "sockprobe.h"

/* Exit statuses (STYLE.md §6). */
#define EXIT_OK		0		/* reachable, as expected */
#define EXIT_DOWN	1		/* target down or probe failed */
#define EXIT_USAGE	2		/* usage or connection error */

/* Option groups: which verbs take which options. */
#define OPT_GLOBAL	0x01		/* --json, --socket, --help, ... */
#define OPT_SOCKET	0x02		/* --keepalive, --user-timeout, ... */
#define OPT_PROBE	0x04		/* --timeout, --send, --expect, ... */
#define OPT_BUDGET	0x08		/* --linger2, --rto, ... (explain) */
#define OPT_SYSCTL	0x10		/* --sysctl-dir */
#define OPT_SURVEY	0x20		/* --state, --port, --process, --top */

/* Verb flags, next to the option groups the verb accepts. */
#define VERB_DAEMON	0x100		/* talks to sockprobed */

/* Everything the command line said; the verbs read it. */
struct ctl {
	const char		*progname;
	const char		*socket_path;	/* -s */
	bool			 json;		/* -j */
	const char		*sysctl_dir;	/* NULL: /proc/sys/net/ipv4 */

	/* OPT_SOCKET: socket options for probe and explain. */
	bool			 keepalive_given;
	struct sp_keepalive	 keepalive;
	bool			 user_timeout_given;
	uint32_t		 user_timeout_ms;
	int			 syn_retries;		/* 0: kernel's */

	/* OPT_PROBE */
	uint32_t		 timeout_ms;
	const char		*send;			/* as written */
	const char		*expect;		/* as written */
	int			 family;		/* AF_UNSPEC */
	bool			 listen_self;

	/* OPT_SURVEY: the filters of sockets. */
	const char		*states;		/* as written */
	uint16_t		 port;			/* 0: any */
	const char		*process;		/* pid or name */
	uint32_t		 top;			/* 0: the daemon's */

	/* OPT_BUDGET */
	int			 linger2_s;		/* 0: tcp_fin_timeout */
	uint32_t		 rto_ms;
	uint32_t		 recv_timeout_ms;
	uint32_t		 send_timeout_ms;
};

/* Defaults of the standalone probe, as the daemon's [defaults]. */
#define PROBE_KEEPALIVE_IDLE_S		10
#define PROBE_KEEPALIVE_INTERVAL_S	2
#define PROBE_KEEPALIVE_COUNT		3
#define PROBE_USER_TIMEOUT_MS		16000
#define PROBE_TIMEOUT_MS		5000

/* sockprobectl.c */
/* Read sysctls as -k/--sysctl-dir says, or exit 2 naming the directory. */
void		 ctl_kernel_read(const struct ctl *, struct sp_kernel *);

/* output.c */
json_t		*xjson(json_t *);

enum color {
	COLOR_NONE = 0,
	COLOR_BOLD,
	COLOR_GREEN,
	COLOR_YELLOW,
	COLOR_RED,
	COLOR_DIM
};

/* One column of a table drawn from an array of JSON objects. */
struct column {
	const char	*title;			/* header, upper case */
	const char	*key;			/* member of each row object */
	int		 flags;
#define COL_MS		0x01			/* integer ms: "1m30s" */
#define COL_US		0x02			/* integer us: "0.061 ms" */
#define COL_CAUSE	0x04			/* coloured by severity */
#define COL_LEFT	0x08			/* numbers left-aligned too */
#define COL_RIGHT	0x10			/* right-aligned, any type */
#define COL_HEALTH	0x20			/* coloured as a health */
};

struct kv;

void		 output_init(void);
void		 output_json(const json_t *);
void		 output_section(const char *);
void		 output_table(const struct column *, size_t, const json_t *);
void		 output_generic(json_t *);
enum color	 output_cause_color(const char *);
enum color	 output_health_color(const char *);
const char	*output_value(const json_t *, int, char *, size_t);
char		*output_us(int64_t, char *, size_t);
char		*output_ms(int64_t, char *, size_t);
struct kv	*kv_new(void);
void		 kv_add(struct kv *, const char *, enum color, const char *,
		    ...) __attribute__((format(printf, 4, 5)));
void		 kv_print(struct kv *);
void		 kv_free(struct kv *);

/* probe.c */
int		 probe_main(struct ctl *, int, char **);

/* probe_close.c */
json_t		*probe_close(int, const struct sockaddr *,
		    const struct sockaddr *, const struct sp_kernel *);

/* probe_render.c */
void		 probe_render(const json_t *);

/* explain.c */
int		 explain_main(struct ctl *, int, char **);
void		 explain_budget_render(const json_t *, const char *);

/* kernel.c */
int		 kernel_main(struct ctl *, int, char **);

/* selftest.c */
int		 selftest_main(struct ctl *, int, char **);

/* client.c */
int		 client_main(struct ctl *, int, char **);

/* sockets.c */
/* The filters into the request; a bad one exits 2 before connecting. */
void		 sockets_request(const struct ctl *, json_t *);
void		 sockets_render(const json_t *);

#endif /* SOCKPROBECTL_H */
