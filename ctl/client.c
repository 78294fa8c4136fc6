/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The verbs that ask sockprobed: one JSON request line on the control
 * socket, one response line back (a stream of event lines for watch),
 * every connect and read bounded, the response printed by the verb's
 * renderer or the generic one.
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "sockprobe.h"
#include "proto.h"
#include "sockprobectl.h"

/* How long the daemon has to accept, read and answer one request. */
#define CLIENT_TIMEOUT_MS	10000

struct client {
	const char	*path;
	int		 fd;
	char		*buf;
	size_t		 len;		/* bytes in buf */
	size_t		 cap;
	size_t		 consumed;	/* the line returned last */
	size_t		 scanned;	/* bytes known to hold no newline */
};

static volatile sig_atomic_t client_interrupted;

static void	 client_sigint(int);
static void	 client_connect(struct client *, json_t *);
static json_t	*client_request(int, char **);
static void	 client_send(struct client *, const json_t *);
static char	*client_line(struct client *, int);
static void	 client_render(const char *, json_t *);
static int	 client_status_fast(const char *);
static json_t	*client_parse(struct client *, const char *, const char *);
static int	 client_watch(struct client *, const struct ctl *);
static const char *client_str(const json_t *, const char *);
static json_t	*client_response(struct client *, const char *);
static void	 client_status_render(const json_t *);
static int	 client_status(const char *, const json_t *);

static void
client_sigint(int sig)
{
	(void)sig;
	client_interrupted = 1;
}

/*
 * Connect to the control socket, or exit 2 naming it; req is freed
 * first then, so the sanitizers see nothing left behind.
 */
static void
client_connect(struct client *c, json_t *req)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	int			saved_errno;

	if (strlen(c->path) >= sizeof(sun.sun_path))
		errx(EXIT_USAGE, "%s: path too long for a socket", c->path);
	strncpy(sun.sun_path, c->path, sizeof(sun.sun_path) - 1);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1)
		err(EXIT_USAGE, "socket");
	/* A local connect completes or fails at once; EAGAIN is a full
	 * backlog, which is a failure here too. */
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved_errno = errno;
		json_decref(req);
		errno = saved_errno;
		err(EXIT_USAGE, "%s", c->path);
	}
}

/*
 * The request for argv: {"cmd"} plus the verb's arguments (NAME,
 * HOST:PORT, key=value settings).
 */
static json_t *
client_request(int argc, char **argv)
{
	json_t	*req, *settings;
	char	*eq;
	int	 i;

	/* Check before building, so a usage error leaves nothing behind. */
	for (i = 3; strcmp(argv[0], CTL_CMD_ADD) == 0 && i < argc; i++)
		if ((eq = strchr(argv[i], '=')) == NULL || eq == argv[i])
			errx(EXIT_USAGE, "add: %s: expected key=value",
			    argv[i]);
	req = xjson(json_pack("{s:s}", "cmd", argv[0]));
	if (argc >= 2)
		json_object_set_new(req, "name", xjson(json_string(argv[1])));
	if (strcmp(argv[0], CTL_CMD_ADD) != 0)
		return req;
	json_object_set_new(req, "address", xjson(json_string(argv[2])));
	settings = xjson(json_object());
	for (i = 3; i < argc; i++) {
		eq = strchr(argv[i], '=');
		*eq = '\0';
		json_object_set_new(settings, argv[i],
		    xjson(json_string(eq + 1)));
		*eq = '=';
	}
	json_object_set_new(req, "settings", settings);
	return req;
}

/* Write the request as one line, bounded by CLIENT_TIMEOUT_MS. */
static void
client_send(struct client *c, const json_t *req)
{
	struct pollfd	 pfd = { .fd = c->fd, .events = POLLOUT };
	char		*s, *line;
	size_t		 off = 0, len;
	ssize_t		 n;

	if ((s = json_dumps(req, JSON_COMPACT)) == NULL)
		errx(EXIT_DOWN, "cannot encode the request");
	if (asprintf(&line, "%s\n", s) == -1)
		err(EXIT_DOWN, "asprintf");
	free(s);
	len = strlen(line);
	while (off < len) {
		if (poll(&pfd, 1, CLIENT_TIMEOUT_MS) == 0)
			errx(EXIT_USAGE, "%s: timed out sending", c->path);
		n = send(c->fd, line + off, len - off, MSG_NOSIGNAL);
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			err(EXIT_USAGE, "%s: send", c->path);
		if (n > 0)
			off += (size_t)n;
	}
	free(line);
}

/*
 * The next line from the daemon, without its newline, or NULL at EOF
 * or on SIGINT.  timeout_ms < 0 waits for as long as it takes (watch).
 * The returned string is valid until the next call.
 */
static char *
client_line(struct client *c, int timeout_ms)
{
	struct pollfd	 pfd = { .fd = c->fd, .events = POLLIN };
	char		*nl;
	ssize_t		 n;
	int		 rc;

	/* Drop the line returned last time. */
	if (c->consumed > 0) {
		memmove(c->buf, c->buf + c->consumed, c->len - c->consumed);
		c->len -= c->consumed;
		c->consumed = 0;
		c->scanned = 0;
	}
	for (;;) {
		/* Only new bytes are searched: a large answer stays linear. */
		if (c->len > c->scanned && (nl = memchr(c->buf + c->scanned,
		    '\n', c->len - c->scanned)) != NULL) {
			*nl = '\0';
			c->consumed = (size_t)(nl - c->buf) + 1;
			return c->buf;
		}
		c->scanned = c->len;
		if (c->len + 1 >= c->cap) {
			if (c->cap >= CTL_MAX_RESPONSE)
				errx(EXIT_USAGE, "%s: response line too long",
				    c->path);
			c->cap = c->cap == 0 ? 4096 : c->cap * 2;
			if ((c->buf = realloc(c->buf, c->cap)) == NULL)
				err(EXIT_DOWN, "realloc");
		}
		rc = poll(&pfd, 1, timeout_ms);
		if (rc == -1 && errno == EINTR && client_interrupted)
			return NULL;
		if (rc == 0)
			errx(EXIT_USAGE, "%s: no answer within %d s", c->path,
			    timeout_ms / 1000);
		if (rc == -1)
			continue;
		n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
		if (n == 0)
			return NULL;
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			err(EXIT_USAGE, "%s: recv", c->path);
		if (n > 0)
			c->len += (size_t)n;
	}
}

/*
 * status --json of many targets: print the answer as it came and take
 * the exit status from its summary, parsing only what precedes
 * "targets" (the daemon sends it compact, summary first).  -1 when the
 * line is not of that shape: the caller parses it all.
 */
static int
client_status_fast(const char *line)
{
	json_t		*head;
	const char	*end;
	char		*text;
	json_int_t	 down;

	if ((end = strstr(line, ",\"targets\":[")) == NULL ||
	    asprintf(&text, "%.*s}", (int)(end - line), line) == -1)
		return -1;
	head = json_loads(text, 0, NULL);
	free(text);
	if (head == NULL || !json_is_true(json_object_get(head, "ok")) ||
	    !json_is_integer(json_object_get(json_object_get(head, "summary"),
	    "down"))) {
		json_decref(head);
		return -1;
	}
	down = json_integer_value(json_object_get(json_object_get(head,
	    "summary"), "down"));
	json_decref(head);
	printf("%s\n", line);
	return down > 0 ? EXIT_DOWN : EXIT_OK;
}

/*
 * The response to our request: parsed, and "ok" or exit 2 with the
 * daemon's error code and message.
 */
static json_t *
client_response(struct client *c, const char *verb)
{
	char	*line;

	if ((line = client_line(c, CLIENT_TIMEOUT_MS)) == NULL)
		errx(EXIT_USAGE, "%s: closed without an answer", c->path);
	return client_parse(c, verb, line);
}

/* A response line parsed; not "ok" exits 2 with the daemon's error. */
static json_t *
client_parse(struct client *c, const char *verb, const char *line)
{
	json_error_t	 jerr;
	json_t		*resp, *e, *m;
	char		 msg[1024];
	size_t		 i;

	if ((resp = json_loads(line, 0, &jerr)) == NULL)
		errx(EXIT_USAGE, "%s: bad response: %s", c->path, jerr.text);
	if (!json_is_true(json_object_get(resp, "ok"))) {
		e = json_object_get(resp, "error");
		/* A refused reload: each FILE:LINE message, as sockprobed -n. */
		json_array_foreach(json_object_get(resp, "errors"), i, m)
			fprintf(stderr, "%s\n", json_string_value(m) != NULL ?
			    json_string_value(m) : "-");
		snprintf(msg, sizeof(msg), "%s: %s", client_str(e, "code"),
		    client_str(e, "message"));
		json_decref(resp);
		errx(EXIT_USAGE, "%s: %s", verb, msg);
	}
	return resp;
}

/* status: one line per monitored connection. */
static void
client_status_render(const json_t *resp)
{
	static const struct column cols[] = {
		{ "NAME", "name", 0 },
		{ "PEER", "peer", 0 },
		{ "HEALTH", "health", COL_HEALTH },
		{ "STATE", "tcp_state", 0 },
		{ "RTT", "rtt_us", COL_US },
		{ "RETRANS", "total_retrans", 0 },
		{ "CAUSE", "last_cause", COL_CAUSE },
		{ "BY", "last_technique", 0 },
		{ "SINCE", "since", 0 },
	};

	output_table(cols, sizeof(cols) / sizeof(cols[0]),
	    json_object_get(resp, "targets"));
}

/*
 * The exit status a response means: 1 when status lists a connection
 * that is down, or show's target is down.
 */
static int
client_status(const char *verb, const json_t *resp)
{
	const json_t	*t;
	size_t		 i;

	if (strcmp(verb, CTL_CMD_STATUS) == 0) {
		json_array_foreach(json_object_get(resp, "targets"), i, t)
			if (strcmp(client_str(t, "health"), "down") == 0)
				return EXIT_DOWN;
	} else if (strcmp(verb, CTL_CMD_SHOW) == 0) {
		t = json_object_get(resp, "target");
		if (strcmp(client_str(t, "health"), "down") == 0)
			return EXIT_DOWN;
	}
	return EXIT_OK;
}

/* A response for people: the verb's renderer, or the generic one. */
static void
client_render(const char *verb, json_t *resp)
{
	struct kv	*kv;
	const char	*text;

	if (strcmp(verb, CTL_CMD_STATUS) == 0)
		client_status_render(resp);
	else if (strcmp(verb, CTL_CMD_SOCKETS) == 0)
		sockets_render(resp);
	else if (strcmp(verb, CTL_CMD_EXPLAIN) == 0) {
		output_section("Target");
		kv = kv_new();
		kv_add(kv, "name", COLOR_NONE, "%s",
		    client_str(resp, "target"));
		kv_add(kv, "options from", COLOR_NONE, "%s",
		    client_str(resp, "source"));
		kv_print(kv);
		kv_free(kv);
		explain_budget_render(resp, "Options");
	} else if (strcmp(verb, CTL_CMD_METRICS) == 0) {
		/* The exposition text as GET /metrics serves it. */
		text = json_string_value(json_object_get(resp, "text"));
		fputs(text != NULL ? text : "", stdout);
	} else
		output_generic(resp);
}

/* A string member, or "-". */
static const char *
client_str(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL && *s != '\0' ? s : "-";
}

/*
 * After the daemon's "ok", stream events until it goes away or SIGINT,
 * which ends the watch cleanly with status 0.
 */
static int
client_watch(struct client *c, const struct ctl *ctl)
{
	struct sigaction	 sa = { .sa_handler = client_sigint };
	json_error_t		 jerr;
	json_t			*ev;
	char			*line;

	json_decref(client_response(c, CTL_CMD_WATCH));
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	while ((line = client_line(c, -1)) != NULL) {
		if (ctl->json) {
			puts(line);
		} else if ((ev = json_loads(line, 0, &jerr)) != NULL) {
			printf("%s %s %s -> %s %s (%s) %s\n",
			    client_str(ev, "time"), client_str(ev, "target"),
			    client_str(ev, "from"), client_str(ev, "to"),
			    client_str(ev, "cause"),
			    client_str(ev, "technique"),
			    client_str(ev, "detail"));
			json_decref(ev);
		}
		fflush(stdout);
	}
	return EXIT_OK;
}

/* Any daemon verb: argv[0] is the verb, the rest its arguments. */
int
client_main(struct ctl *ctl, int argc, char **argv)
{
	struct client	 c = { .path = ctl->socket_path, .fd = -1 };
	json_t		*req, *resp;
	char		*line;
	int		 status = EXIT_OK;

	req = client_request(argc, argv);
	if (strcmp(argv[0], CTL_CMD_SOCKETS) == 0)
		sockets_request(ctl, req);
	client_connect(&c, req);
	client_send(&c, req);
	json_decref(req);
	if (strcmp(argv[0], CTL_CMD_WATCH) == 0) {
		status = client_watch(&c, ctl);
		goto done;
	}
	if (ctl->json && strcmp(argv[0], CTL_CMD_STATUS) == 0) {
		if ((line = client_line(&c, CLIENT_TIMEOUT_MS)) == NULL)
			errx(EXIT_USAGE, "%s: closed without an answer",
			    c.path);
		if ((status = client_status_fast(line)) != -1)
			goto done;
		resp = client_parse(&c, argv[0], line);
	} else
		resp = client_response(&c, argv[0]);
	status = client_status(argv[0], resp);
	if (ctl->json)
		output_json(resp);
	else {
		json_object_del(resp, "ok");
		client_render(argv[0], resp);
	}
	json_decref(resp);
done:
	close(c.fd);
	free(c.buf);
	return status;
}
