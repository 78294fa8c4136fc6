/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Name lookups for `sockprobed -n`: every target's host looked up at once
 * through evdns in an event base of its own, within one deadline, so a
 * check never hangs on a resolver that does not answer.  Only the check
 * mode waits like this; the running daemon looks names up in its loop
 * (target.c) and reports one that does not resolve as the target's down
 * state with cause `local`, never as a failure to start.  Both know the
 * reserved .invalid names fail without asking anyone (RFC 6761).
 */

#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "sockprobe.h"
#include "sockprobed.h"

/* Per try, and tries per server, within one deadline for all names. */
#define RESOLVE_TIMEOUT	"2"
#define RESOLVE_TRIES	"2"
#define RESOLVE_DEADLINE_S	5
#define RESOLVE_STR(x)		#x
#define RESOLVE_XSTR(x)		RESOLVE_STR(x)
/* Loop runs after the deadline for cancelled lookups to call back. */
#define RESOLVE_DRAIN		100

struct lookup {
	const char				*host;
	const char				**why;
	struct evdns_getaddrinfo_request	*req;
	size_t					*pending;
	struct event_base			*base;
	bool					 done;
};

static bool	resolve_under(const char *, const char *);
static void	resolve_cb(int, struct evutil_addrinfo *, void *);
static void	resolve_log_cb(int, const char *);

/*
 * Whether host is name or a name under it (RFC 6761 special-use names),
 * case aside, with or without the root's final dot.
 */
static bool
resolve_under(const char *host, const char *name)
{
	size_t	n = strlen(host), k = strlen(name);

	if (n > 0 && host[n - 1] == '.')
		n--;
	if (n < k || strncasecmp(host + n - k, name, k) != 0)
		return false;
	return n == k || host[n - k - 1] == '.';
}

/* A name under .invalid: it never resolves, and is never asked. */
bool
resolve_never(const char *host)
{
	return resolve_under(host, "invalid");
}

/* One lookup ended: an address (fine), a failure, or our cancel. */
static void
resolve_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct lookup	*l = arg;

	if (res != NULL)
		evutil_freeaddrinfo(res);
	l->req = NULL;
	l->done = true;
	if (result == EVUTIL_EAI_CANCEL)
		*l->why = "no answer within " RESOLVE_XSTR(RESOLVE_DEADLINE_S)
		    " s";
	else if (result == EVUTIL_EAI_FAIL)	/* what a timeout gives too */
		*l->why = "the name servers failed or did not answer";
	else if (result != 0)
		*l->why = evutil_gai_strerror(result);
	if (--*l->pending == 0)
		event_base_loopbreak(l->base);
}

/* evdns' own messages: the failure is in the result, said once. */
static void
resolve_log_cb(int severity, const char *msg)
{
	(void)severity;
	(void)msg;
}

/*
 * Look up n host names the way the daemon will, and set why[i] to NULL
 * when hosts[i] resolves, else to the reason (a static string).  Numeric
 * addresses and localhost pass and .invalid names fail without a query
 * (RFC 6761).  Blocks for at most RESOLVE_DEADLINE_S; a lookup still
 * unanswered then fails.  Not for the event loop: -n only.
 */
void
resolve_check(const char *const *hosts, size_t n, const char **why)
{
	struct evutil_addrinfo	 hints;
	struct event_base	*base = NULL;
	struct evdns_base	*dns = NULL;
	struct lookup		*ls;
	struct in6_addr		 a6;
	struct timeval		 tv = { RESOLVE_DEADLINE_S, 0 };
	size_t			 i, pending = 0;
	int			 drain;

	ls = xcalloc(n + 1, sizeof(*ls));
	evdns_set_log_fn(resolve_log_cb);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_ADDRCONFIG;
	for (i = 0; i < n; i++) {
		why[i] = NULL;
		if (inet_pton(AF_INET, hosts[i], &a6) == 1 ||
		    inet_pton(AF_INET6, hosts[i], &a6) == 1)
			continue;
		/* RFC 6761: never asked of a server, whatever it says. */
		if (resolve_never(hosts[i])) {
			why[i] = "the .invalid domain never resolves";
			continue;
		}
		if (resolve_under(hosts[i], "localhost"))
			continue;		/* loopback */
		if (dns == NULL && (base != NULL || (base =
		    event_base_new()) == NULL || (dns = evdns_base_new(base,
		    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL)) {
			why[i] = "cannot set up the resolver";
			continue;
		}
		(void)evdns_base_set_option(dns, "timeout:", RESOLVE_TIMEOUT);
		(void)evdns_base_set_option(dns, "attempts:", RESOLVE_TRIES);
		ls[i] = (struct lookup){ .host = hosts[i], .why = &why[i],
		    .pending = &pending, .base = base };
		pending++;
		/* The callback may run before this returns (hosts file). */
		ls[i].req = evdns_getaddrinfo(dns, hosts[i], NULL, &hints,
		    resolve_cb, &ls[i]);
	}
	if (pending > 0) {
		(void)event_base_loopexit(base, &tv);
		(void)event_base_dispatch(base);
	}
	/* Cancelled lookups call back from the loop: run it until they do. */
	for (i = 0; i < n; i++)
		if (ls[i].req != NULL && !ls[i].done)
			evdns_getaddrinfo_cancel(ls[i].req);
	for (drain = 0; pending > 0 && drain < RESOLVE_DRAIN; drain++)
		(void)event_base_loop(base, EVLOOP_NONBLOCK);
	if (dns != NULL)
		evdns_base_free(dns, 0);
	if (base != NULL)
		event_base_free(base);
	free(ls);
}
