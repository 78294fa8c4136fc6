/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The malformed requests: a table of bad lines, each with the error code
 * the daemon must answer (bad JSON, wrong types, unknown commands, huge
 * numbers, embedded NULs, invalid UTF-8, names that do not exist), sent
 * by a few connections at once, each of which must be answered line for
 * line and stay served; and the lines over CTL_MAX_LINE, which must earn
 * request_too_long and a drop, next to a line exactly at the limit,
 * which must not.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"
#include "proto.h"

/*
 * One bad line: '@' stands for the request's number (so no two lines
 * are alike), '~' for a NUL byte.  Only [target t0] exists.
 */
struct hreq {
	const char	*tmpl;
	const char	*code;
};

#define BAD	CTL_ERR_BAD_REQUEST
#define ARG	CTL_ERR_BAD_ARGUMENT
#define ADD	"{\"cmd\":\"add\",\"name\":\"h@\",\"address\":"
#define ADD1	ADD "\"127.0.0.1:1\",\"settings\":"

static const struct hreq hreqs[] = {
	/* not JSON, or more than one value */
	{ "{\"cmd\":\"status\"", BAD },
	{ "{\"cmd\":\"status\",}", BAD },
	{ "{cmd:status}", BAD },
	{ "not json @", BAD },
	{ "{\"cmd\":\"hello\"} @", BAD },
	{ "{\"cmd\":\"hello\"}{\"cmd\":\"status\"}", BAD },
	{ "{\"cmd\":\"hello\",\"cmd\":\"status\"}", BAD },
	{ "", BAD },
	{ "   \t ", BAD },
	/* JSON, but not an object */
	{ "[@]", BAD },
	{ "\"status\"", BAD },
	{ "@", BAD },
	{ "null", BAD },
	/* cmd missing or not a string */
	{ "{\"name\":\"x@\"}", BAD },
	{ "{\"cmd\":@}", BAD },
	{ "{\"cmd\":null}", BAD },
	{ "{\"cmd\":[\"status\"]}", BAD },
	{ "{\"cmd\":{\"status\":@}}", BAD },
	{ "{\"cmd\":true}", BAD },
	/* unknown commands */
	{ "{\"cmd\":\"nosuch@\"}", CTL_ERR_UNKNOWN_COMMAND },
	{ "{\"cmd\":\"\"}", CTL_ERR_UNKNOWN_COMMAND },
	{ "{\"cmd\":\"STATUS\"}", CTL_ERR_UNKNOWN_COMMAND },
	{ "{\"cmd\":\"status \"}", CTL_ERR_UNKNOWN_COMMAND },
	/* arguments of the wrong type or range */
	{ "{\"cmd\":\"show\",\"name\":@}", ARG },
	{ "{\"cmd\":\"show\"}", ARG },
	{ "{\"cmd\":\"show\",\"name\":\"\"}", ARG },
	{ "{\"cmd\":\"explain\",\"keepalive\":\"yes\"}", ARG },
	{ "{\"cmd\":\"explain\",\"keepalive\":[1,2]}", ARG },
	{ "{\"cmd\":\"explain\",\"rto_ms\":\"@\"}", ARG },
	{ "{\"cmd\":\"explain\",\"rto_ms\":1.5}", ARG },
	{ "{\"cmd\":\"explain\",\"name\":\"t0\",\"rto_ms\":200}", ARG },
	{ ADD "@}", ARG },
	{ ADD1 "@}", ARG },
	{ ADD1 "{\"fall\":\"many\"}}", ARG },
	{ ADD1 "[\"nokey\"]}", ARG },
	{ ADD1 "{\"nosuch_key\":1}}", ARG },
	{ "{\"cmd\":\"add\",\"name\":\"h @\",\"address\":\"127.0.0.1:1\"}", ARG },
	{ ADD "\"127.0.0.1:0\"}", ARG },
	{ ADD "\"[::1:1\"}", ARG },
	/* huge numbers */
	{ "{\"cmd\":\"explain\",\"user_timeout_ms\":99999999999999999999@}",
	    BAD },
	{ "{\"cmd\":\"explain\",\"user_timeout_ms\":9223372036854775807}",
	    ARG },
	{ "{\"cmd\":\"explain\",\"user_timeout_ms\":-9223372036854775808}",
	    ARG },
	{ "{\"cmd\":\"explain\",\"user_timeout_ms\":1e999}", BAD },
	{ "{\"cmd\":\"explain\",\"syn_retries\":128}", ARG },
	{ "{\"cmd\":\"explain\",\"keepalive\":[32768,1,1]}", ARG },
	{ ADD1 "{\"fall\":99999999999@}}", ARG },
	{ ADD1 "{\"keepalive_idle\":\"99999999999999999h\"}}", ARG },
	/* NUL bytes, raw and escaped */
	{ "{\"cmd\":\"hel~lo\"}", BAD },
	{ "{\"cmd\":\"hello\"}~", BAD },
	{ "~", BAD },
	{ "{\"cmd\":\"hello\\u0000\"}", BAD },
	{ "{\"cmd\":\"show\",\"name\":\"a\\u0000@\"}", BAD },
	/* invalid UTF-8: stray bytes, overlong, surrogates, a BOM */
	{ "{\"cmd\":\"\xff\xfe@\"}", BAD },
	{ "{\"cmd\":\"show\",\"name\":\"\xc3\x28\"}", BAD },
	{ "{\"cmd\":\"\xc0\xaf\"}", BAD },
	{ "{\"cmd\":\"\xed\xa0\x80\"}", BAD },
	{ "{\"cmd\":\"\\ud800\"}", BAD },
	{ "\xef\xbb\xbf{\"cmd\":\"hello\"}", BAD },
	/* names that do not exist, or do */
	{ "{\"cmd\":\"show\",\"name\":\"missing@\"}", CTL_ERR_NOT_FOUND },
	{ "{\"cmd\":\"remove\",\"name\":\"missing@\"}", CTL_ERR_NOT_FOUND },
	{ "{\"cmd\":\"explain\",\"name\":\"missing@\"}", CTL_ERR_NOT_FOUND },
	{ "{\"cmd\":\"add\",\"name\":\"t0\",\"address\":\"127.0.0.1:1\"}",
	    CTL_ERR_EXISTS },
};

#define NHREQS		(sizeof(hreqs) / sizeof(hreqs[0]))
#define DEEP		3000	/* past jansson's nesting limit, 2048 */
#define LONG_NAME	60000	/* a name far over its limit, in a line */

struct worker {
	const struct hopts	*o;
	const char		*path;
	struct hresults		*r;
	size_t			 first;
	pthread_t		 thread;
};

static size_t	 expand(const char *, size_t, char *, size_t);
static void	 wrong(struct hresults *, const char *, size_t, const char *);
static void	*worker_main(void *);
static bool	 overlong_one(const struct hopts *, const char *,
		    const char *, size_t, bool);

/* A template with '@' as n and '~' as NUL; the length written. */
static size_t
expand(const char *t, size_t n, char *buf, size_t len)
{
	char	num[24];
	size_t	o = 0, k;

	(void)snprintf(num, sizeof(num), "%zu", n);
	for (; *t != '\0' && o + sizeof(num) < len; t++) {
		if (*t == '@') {
			k = strlen(num);
			memcpy(buf + o, num, k);
			o += k;
		} else
			buf[o++] = *t == '~' ? '\0' : *t;
	}
	return o;
}

/*
 * Request i as a line (newline included) in buf, its length, and the
 * error code it must earn.  Two kinds are made rather than written: a
 * nesting deeper than the parser allows, and an over-long name.
 */
size_t
h_request(size_t i, char *buf, size_t len, const char **code)
{
	size_t	k = i % (NHREQS + 2), n = 0;

	if (k == NHREQS && len > 2 * DEEP + 32) {
		n = expand("{\"cmd\":\"hello\",\"x\":", i, buf, len);
		memset(buf + n, '[', DEEP);
		memset(buf + n + DEEP, ']', DEEP);
		n += 2 * DEEP;
		buf[n++] = '}';
		*code = BAD;
	} else if (k == NHREQS + 1 && len > LONG_NAME + 64) {
		n = expand("{\"cmd\":\"show\",\"name\":\"", i, buf, len);
		memset(buf + n, 'a', LONG_NAME);
		n += LONG_NAME;
		buf[n++] = '"';
		buf[n++] = '}';
		*code = ARG;
	} else {
		n = expand(hreqs[k % NHREQS].tmpl, i, buf, len);
		*code = hreqs[k % NHREQS].code;
	}
	buf[n++] = '\n';
	return n;
}

/* Note a wrong answer; the first one is kept for the report. */
static void
wrong(struct hresults *r, const char *req, size_t len, const char *got)
{
	char	shown[128];
	size_t	i;

	atomic_fetch_add(&r->wrong_code, 1);
	for (i = 0; i < len && i < sizeof(shown) - 1 && req[i] != '\n'; i++)
		shown[i] = (unsigned char)req[i] < ' ' ||
		    (unsigned char)req[i] >= 0x7f ? '?' : req[i];
	shown[i] = '\0';
	pthread_mutex_lock(&r->lock);
	if (r->first_wrong[0] == '\0')
		(void)snprintf(r->first_wrong, sizeof(r->first_wrong),
		    "%s -> %.300s", shown, got);
	pthread_mutex_unlock(&r->lock);
}

/*
 * One connection's share of the requests, one at a time: each must be
 * answered with its code, on the same connection.  Then a hello, which
 * must still be served.
 */
static void *
worker_main(void *arg)
{
	static const char	 hello[] = "{\"cmd\":\"hello\"}\n";
	struct worker		*w = arg;
	struct hconn		 c;
	const char		*want, *code;
	char			*buf, *line;
	size_t			 i, n;
	bool			 ok;

	if ((buf = malloc(LONG_NAME + 2 * DEEP + 256)) == NULL ||
	    hconn_open(&c, w->path) == -1) {
		atomic_fetch_add(&w->r->conn_lost, 1);
		free(buf);
		return NULL;
	}
	for (i = w->first; i < w->o->requests; i += w->o->workers) {
		n = h_request(i, buf, LONG_NAME + 2 * DEEP + 256, &want);
		atomic_fetch_add(&w->r->sent, 1);
		if (hconn_send(&c, buf, n) == -1 ||
		    (line = hconn_wait_line(&c, w->o->reply_ms)) == NULL) {
			atomic_fetch_add(&w->r->no_answer, 1);
			wrong(w->r, buf, n, c.eof ? "connection closed" :
			    "no answer");
			hconn_close(&c);
			if (hconn_open(&c, w->path) == -1)
				break;
			continue;
		}
		code = h_error_code(line, &ok);
		if (code != NULL && !ok && strcmp(code, want) == 0)
			atomic_fetch_add(&w->r->answered_right, 1);
		else
			wrong(w->r, buf, n, line);
		free(line);
	}
	line = NULL;
	if (c.fd != -1 && hconn_send(&c, hello, sizeof(hello) - 1) == 0 &&
	    (line = hconn_wait_line(&c, w->o->reply_ms)) != NULL &&
	    h_error_code(line, &ok) != NULL && ok) {
		pthread_mutex_lock(&w->r->lock);
		w->r->workers_alive++;
		pthread_mutex_unlock(&w->r->lock);
	} else
		atomic_fetch_add(&w->r->conn_lost, 1);
	free(line);
	hconn_close(&c);
	free(buf);
	return NULL;
}

/* Every malformed request, over o->workers connections at once. */
void
h_malformed(const struct hopts *o, const char *path, struct hresults *r)
{
	struct worker	*ws;
	size_t		 i;

	if ((ws = calloc(o->workers, sizeof(*ws))) == NULL) {
		fprintf(stderr, "sp-hostile: out of memory\n");
		exit(2);
	}
	for (i = 0; i < o->workers; i++) {
		ws[i] = (struct worker){ .o = o, .path = path, .r = r,
		    .first = i };
		if (pthread_create(&ws[i].thread, NULL, worker_main,
		    &ws[i]) != 0) {
			fprintf(stderr, "sp-hostile: pthread_create failed\n");
			exit(2);
		}
	}
	for (i = 0; i < o->workers; i++)
		pthread_join(ws[i].thread, NULL);
	free(ws);
}

/*
 * One line of len bytes, head and then 'a's, with its newline or not.
 * True when the daemon answered request_too_long and closed.
 */
static bool
overlong_one(const struct hopts *o, const char *path, const char *head,
    size_t len, bool newline)
{
	struct hconn	 c;
	const char	*code;
	char		*buf, *line;
	size_t		 n = strlen(head);
	bool		 ok, dropped = false;

	if ((buf = malloc(len + 1)) == NULL || hconn_open(&c, path) == -1) {
		free(buf);
		return false;
	}
	memcpy(buf, head, n);
	memset(buf + n, 'a', len - n);
	buf[len] = '\n';
	(void)hconn_send(&c, buf, newline ? len + 1 : len);
	if ((line = hconn_wait_line(&c, o->reply_ms)) != NULL &&
	    (code = h_error_code(line, &ok)) != NULL &&
	    strcmp(code, CTL_ERR_TOO_LONG) == 0)
		dropped = hconn_wait_eof(&c, o->reply_ms);
	else
		fprintf(stderr, "sp-hostile: %zu-byte line: %s\n", len,
		    line != NULL ? line : "no answer");
	free(line);
	hconn_close(&c);
	free(buf);
	return dropped;
}

/*
 * Lines over the limit, each on a connection of its own that must be
 * dropped; and first a line of exactly CTL_MAX_LINE bytes, which is
 * still a request: answered, and the connection kept.
 */
void
h_overlong(const struct hopts *o, const char *path, struct hresults *r)
{
	static const char	 head[] = "{\"cmd\":\"hello\",\"pad\":\"";
	struct hconn		 c;
	char			*buf, *line = NULL;
	size_t			 i;
	bool			 ok;

	if ((buf = malloc(CTL_MAX_LINE + 1)) == NULL ||
	    hconn_open(&c, path) == -1) {
		free(buf);
		return;
	}
	memcpy(buf, head, sizeof(head) - 1);
	memset(buf + sizeof(head) - 1, 'a', CTL_MAX_LINE - sizeof(head) + 1);
	memcpy(buf + CTL_MAX_LINE - 2, "\"}\n", 3);
	if (hconn_send(&c, buf, CTL_MAX_LINE + 1) == 0 &&
	    (line = hconn_wait_line(&c, o->reply_ms)) != NULL &&
	    h_error_code(line, &ok) != NULL && ok)
		r->overlong_dropped = 0;	/* at the limit: served */
	else {
		fprintf(stderr, "sp-hostile: a line of exactly %d bytes: "
		    "%s\n", CTL_MAX_LINE, line != NULL ? line : "no answer");
		r->overlong_dropped = (size_t)-1;
	}
	free(line);
	hconn_close(&c);
	free(buf);
	if (r->overlong_dropped != 0)
		return;
	for (i = 0; i < o->overlong; i++)
		if (overlong_one(o, path, i % 2 == 0 ? "" :
		    "{\"cmd\":\"show\",\"name\":\"", CTL_MAX_LINE + 1 +
		    i * 1000, i % 3 != 2))
			r->overlong_dropped++;
}
