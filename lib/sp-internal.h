/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Private helpers shared by the files of libsockprobe.  Nothing here is
 * exported: the link only exports ^sp_, and these are named lsp_.
 */

#ifndef SP_INTERNAL_H
#define SP_INTERNAL_H

#include <stdarg.h>

#include "sockprobe.h"

/* verdict.c */
/* Append printf-style words to v->detail, truncating safely. */
void	lsp_detail(struct sp_verdict *v, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Replace v->detail with printf-style words. */
void	lsp_detail_set(struct sp_verdict *v, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* v->tcp_state from TCP_INFO; SP_TCP_UNKNOWN if it cannot be read. */
void	lsp_fill_state(int fd, struct sp_verdict *v);
/*
 * An ETIMEDOUT names the kernel mechanism that gave up: the user timeout
 * if one is set, keepalive if it was probing, else the retransmission
 * budget (tcp_retries2) as seen by the observing technique.
 */
void	lsp_attribute_timeout(int fd, struct sp_verdict *v);

/* tcpinfo.c */
/* Bytes of struct tcp_info this library knows how to decode. */
#define LSP_TCP_INFO_MAX	276

/* timers.c */
/* The kernel's RTO floor in ms, from k or the 200 ms default. */
uint32_t lsp_rto_min_ms(const struct sp_kernel *k);
uint32_t lsp_rto_max_ms(const struct sp_kernel *k);

/* duration.c */
/*
 * ms for people: "200 ms", "3.41 s", "924.6 s", "7200 s (2h)".  Returns
 * buf; truncates like snprintf.
 */
char	*lsp_secs_format(int64_t ms, char *buf, size_t len);

/* budget.c */
/*
 * When a connect into a black hole fails, in ms after the first SYN, with
 * syn_retries TCP_SYNCNT (0: the sysctl) and ut_ms TCP_USER_TIMEOUT (0:
 * none); *syns (may be NULL) gets the number of SYNs sent.
 */
int64_t	lsp_syn_giveup_ms(const struct sp_kernel *k, int syn_retries,
	    uint32_t ut_ms, int *syns);
/* The kernel's time budget for n retransmissions from rto_base_ms on. */
int64_t	lsp_retries_budget_ms(int n, uint32_t rto_base_ms);

#endif /* SP_INTERNAL_H */
