/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * commands_handle(), the control protocol without a socket: every bad
 * request gets its error code and changes nothing, authorisation comes
 * from the command table, each command answers with the fields the
 * protocol promises, and a stream of mangled requests never gets
 * anything but a well-formed response.  The daemon objects are the real
 * ones (tests/daemon/libdaemon.la): targets really start, reloads really
 * apply; the event loop is never run, so no connection gets far.
 */

#include "config.h"

#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <jansson.h>

#include "sockprobe.h"
#include "sockprobed.h"

static struct sockprobed	sd;
static char			conf_path[64];

static const struct client_cred	cred_root = {
	.pid = 1, .uid = 0, .gid = 0, .may_mutate = true
};
static const struct client_cred	cred_nobody = {
	.pid = 2, .uid = 65534, .gid = 65534, .may_mutate = false
};

static int
setup(void **state)
{
	(void)state;
	memset(&sd, 0, sizeof(sd));
	TAILQ_INIT(&sd.targets);
	TAILQ_INIT(&sd.listeners);
	clock_gettime(CLOCK_REALTIME, &sd.started);
	if ((sd.base = event_base_new()) == NULL || (sd.conf = conf_new()) ==
	    NULL)
		return -1;
	conf_path[0] = '\0';
	return 0;
}

static int
teardown(void **state)
{
	struct target	*t;

	(void)state;
	while ((t = TAILQ_FIRST(&sd.targets)) != NULL) {
		TAILQ_REMOVE(&sd.targets, t, entry);
		target_free(t);
	}
	conf_free(sd.conf);
	survey_free(&sd);
	event_base_free(sd.base);
	if (conf_path[0] != '\0')
		(void)unlink(conf_path);
	return 0;
}

/* The response to one request line of length len. */
static json_t *
ask_len(const struct client_cred *cred, const char *line, size_t len,
    bool *watch)
{
	json_t	*r;
	bool	 w;

	r = commands_handle(&sd, cred, line, len, watch != NULL ? watch : &w);
	assert_non_null(r);
	assert_true(json_is_object(r));
	return r;
}

static json_t *
ask(const struct client_cred *cred, const char *line)
{
	return ask_len(cred, line, strlen(line), NULL);
}

/* r failed with code, a message naming the problem; r is released. */
static void
expect_error(json_t *r, const char *code, const char *in_message)
{
	json_t		*e = json_object_get(r, "error");
	const char	*msg;

	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "code")),
	    code);
	msg = json_string_value(json_object_get(e, "message"));
	assert_non_null(msg);
	assert_true(strlen(msg) > 0);
	if (in_message != NULL && strstr(msg, in_message) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", msg, in_message);
	json_decref(r);
}

static void
expect_ok(json_t *r)
{
	if (!json_is_true(json_object_get(r, "ok"))) {
		char *s = json_dumps(r, 0);
		fail_msg("not ok: %s", s);
	}
	assert_null(json_object_get(r, "error"));
}

static void
expect_error_line(const char *line, const char *code, const char *msg)
{
	expect_error(ask(&cred_root, line), code, msg);
}

/* Syntax, type and "cmd" problems: bad_request or unknown_command. */
static void
test_malformed(void **state)
{
	static const char nul[] = "{\"cmd\":\"hello\"}\0junk";
	char	deep[4096 + 16];
	size_t	i;

	(void)state;
	expect_error_line("", CTL_ERR_BAD_REQUEST, "empty");
	expect_error_line("  \t\r", CTL_ERR_BAD_REQUEST, "empty");
	expect_error_line("{\"cmd\":\"hello\"", CTL_ERR_BAD_REQUEST,
	    "invalid JSON");
	expect_error_line("hello", CTL_ERR_BAD_REQUEST, "invalid JSON");
	expect_error_line("{\"cmd\":\"hello\"} {}", CTL_ERR_BAD_REQUEST,
	    "invalid JSON");
	expect_error_line("[\"hello\"]", CTL_ERR_BAD_REQUEST, "object");
	expect_error_line("\"hello\"", CTL_ERR_BAD_REQUEST, NULL);
	expect_error_line("42", CTL_ERR_BAD_REQUEST, NULL);
	expect_error_line("{\"cmd\":\"hel\xfflo\"}", CTL_ERR_BAD_REQUEST,
	    "invalid JSON");
	expect_error_line("{\"cmd\":\"hel\\u0000lo\"}", CTL_ERR_BAD_REQUEST,
	    "invalid JSON");
	expect_error(ask_len(&cred_root, nul, sizeof(nul) - 1, NULL),
	    CTL_ERR_BAD_REQUEST, "invalid JSON");
	expect_error_line("{\"cmd\":\"hello\",\"cmd\":\"status\"}",
	    CTL_ERR_BAD_REQUEST, "duplicate");
	expect_error_line("{}", CTL_ERR_BAD_REQUEST, "cmd: missing");
	expect_error_line("{\"name\":\"db\"}", CTL_ERR_BAD_REQUEST,
	    "cmd: missing");
	expect_error_line("{\"cmd\":7}", CTL_ERR_BAD_REQUEST,
	    "cmd: expected a string");
	expect_error_line("{\"cmd\":null}", CTL_ERR_BAD_REQUEST, "cmd");
	expect_error_line("{\"cmd\":\"frobnicate\"}",
	    CTL_ERR_UNKNOWN_COMMAND, "frobnicate");
	expect_error_line("{\"cmd\":\"HELLO\"}", CTL_ERR_UNKNOWN_COMMAND,
	    NULL);
	expect_error_line("{\"cmd\":\"\"}", CTL_ERR_UNKNOWN_COMMAND, NULL);
	/* Quoted back: a bad escape's raw bytes, a name cut mid-character.
	 * The message stays UTF-8 (or jansson could not build it). */
	expect_error_line("{\"cmd\":\"\\\xcf\xab\"}", CTL_ERR_BAD_REQUEST,
	    "invalid JSON");
	expect_error_line("{\"cmd\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaa\xc3\xa9\"}", CTL_ERR_UNKNOWN_COMMAND,
	    "aaaa?: unknown command");
	for (i = 0; i < 4096; i++)
		deep[i] = '[';
	deep[i] = '\0';
	expect_error_line(deep, CTL_ERR_BAD_REQUEST, NULL);
	assert_true(TAILQ_EMPTY(&sd.targets));
}

/* hello: the protocol version, who answers, and the client's rights. */
static void
test_hello(void **state)
{
	regex_t	 re;
	json_t	*r;

	(void)state;
	r = ask(&cred_nobody, "{\"cmd\":\"hello\",\"extra\":[1,2]}");
	expect_ok(r);
	assert_int_equal(json_integer_value(json_object_get(r, "proto")),
	    CTL_PROTO_VERSION);
	assert_string_equal(json_string_value(json_object_get(r, "version")),
	    PACKAGE_VERSION);
	assert_int_equal(json_integer_value(json_object_get(r, "pid")),
	    getpid());
	assert_string_equal(json_string_value(json_object_get(r, "backend")),
	    event_base_get_method(sd.base));
	assert_true(json_is_false(json_object_get(r, "may_mutate")));
	assert_int_equal(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T"
	    "[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$", REG_EXTENDED), 0);
	assert_int_equal(regexec(&re, json_string_value(json_object_get(r,
	    "started")), 0, NULL, 0), 0);
	regfree(&re);
	json_decref(r);
	r = ask(&cred_root, "{\"cmd\":\"hello\"}");
	assert_true(json_is_true(json_object_get(r, "may_mutate")));
	json_decref(r);
}

/* Mutating commands refuse a client without the right, and do nothing. */
static void
test_not_authorized(void **state)
{
	static const char *const lines[] = {
		"{\"cmd\":\"add\",\"name\":\"db\",\"address\":\"127.0.0.1:1\"}",
		"{\"cmd\":\"remove\",\"name\":\"db\"}",
		"{\"cmd\":\"reload\"}",
		/* Authorisation comes before the arguments are looked at. */
		"{\"cmd\":\"add\"}",
	};
	size_t	i;
	json_t	*r;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		expect_error(ask(&cred_nobody, lines[i]),
		    CTL_ERR_NOT_AUTHORIZED, "root");
	assert_true(TAILQ_EMPTY(&sd.targets));
	assert_int_equal(sd.reloads, 0);
	/* Reading is for everyone. */
	r = ask(&cred_nobody, "{\"cmd\":\"status\"}");
	expect_ok(r);
	json_decref(r);
}

/* status lists targets; add makes one, remove forgets it. */
static void
test_add_status_remove(void **state)
{
	json_t	*r, *ts;

	(void)state;
	r = ask(&cred_root, "{\"cmd\":\"status\"}");
	expect_ok(r);
	assert_true(json_is_array(json_object_get(r, "targets")));
	assert_int_equal(json_array_size(json_object_get(r, "targets")), 0);
	json_decref(r);

	r = ask(&cred_root, "{\"cmd\":\"add\",\"name\":\"db\",\"address\":"
	    "\"127.0.0.1:5432\",\"settings\":{\"keepalive_idle\":\"20s\","
	    "\"keepalive_count\":5}}");
	expect_ok(r);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(r, "target"), "name")), "db");
	json_decref(r);
	assert_non_null(target_find(&sd, "db"));
	/* Started: connecting (or already refused), no longer idle. */
	assert_int_not_equal(target_find(&sd, "db")->phase, PHASE_IDLE);
	assert_int_equal(target_find(&sd, "db")->conf->keepalive_idle_ms,
	    20000);
	assert_int_equal(target_find(&sd, "db")->conf->keepalive_count, 5);

	r = ask(&cred_root, "{\"cmd\":\"add\",\"name\":\"web\",\"address\":"
	    "\"localhost:80\",\"settings\":[\"close_mode=rst\"]}");
	expect_ok(r);
	json_decref(r);
	assert_int_equal(target_find(&sd, "web")->conf->close_mode, CLOSE_RST);

	r = ask(&cred_root, "{\"cmd\":\"status\"}");
	ts = json_object_get(r, "targets");
	assert_int_equal(json_array_size(ts), 2);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(ts, 0), "name")), "db");
	json_decref(r);

	expect_error_line("{\"cmd\":\"add\",\"name\":\"db\",\"address\":"
	    "\"127.0.0.1:1\"}", CTL_ERR_EXISTS, "db");
	assert_int_equal(sd.ntargets, 2);

	r = ask(&cred_root, "{\"cmd\":\"remove\",\"name\":\"db\"}");
	expect_ok(r);
	assert_string_equal(json_string_value(json_object_get(r, "removed")),
	    "db");
	json_decref(r);
	assert_null(target_find(&sd, "db"));
	assert_int_equal(sd.ntargets, 1);
	expect_error_line("{\"cmd\":\"remove\",\"name\":\"db\"}",
	    CTL_ERR_NOT_FOUND, "db");
	expect_error_line("{\"cmd\":\"remove\"}", CTL_ERR_BAD_ARGUMENT,
	    "name: missing");
	expect_error_line("{\"cmd\":\"remove\",\"name\":[]}",
	    CTL_ERR_BAD_ARGUMENT, "name: expected a string");
	assert_int_equal(sd.ntargets, 1);
}

/* Every argument of add is checked, and a refused add adds nothing. */
static void
test_add_bad(void **state)
{
	static const struct {
		const char	*line;
		const char	*msg;
	} bad[] = {
		{ "{\"cmd\":\"add\",\"address\":\"h:1\"}", "name: missing" },
		{ "{\"cmd\":\"add\",\"name\":\"\",\"address\":\"h:1\"}",
		    "name: expected 1 to 64 bytes" },
		{ "{\"cmd\":\"add\",\"name\":\"a b\",\"address\":\"h:1\"}",
		    "name: expected letters" },
		{ "{\"cmd\":\"add\",\"name\":\"a]\",\"address\":\"h:1\"}",
		    "name: expected letters" },
		{ "{\"cmd\":\"add\",\"name\":\"x\\ny\",\"address\":\"h:1\"}",
		    "name: expected letters" },
		{ "{\"cmd\":\"add\",\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
		    "\"address\":\"h:1\"}",
		    "name: expected 1 to 64 bytes, got 65" },
		{ "{\"cmd\":\"add\",\"name\":5,\"address\":\"h:1\"}",
		    "name: expected a string" },
		{ "{\"cmd\":\"add\",\"name\":\"db\"}", "address: missing" },
		{ "{\"cmd\":\"add\",\"name\":\"db\",\"address\":true}",
		    "address: expected a string" },
		{ "{\"cmd\":\"add\",\"name\":\"db\",\"address\":\"nope\"}",
		    "address" },
		{ "{\"cmd\":\"add\",\"name\":\"db\",\"address\":\"h:99999\"}",
		    "address" },
		{ "{\"cmd\":\"add\",\"name\":\"db\",\"address\":\"h:1\","
		    "\"settings\":\"keepalive_idle=1s\"}",
		    "settings: expected an object or an array" },
		{ "{\"cmd\":\"add\",\"name\":\"db\",\"address\":\"h:1\","
		    "\"settings\":[\"keepalive_idle\"]}",
		    "expected key=value" },
		{ "{\"cmd\":\"add\",\"name\":\"db\",\"address\":\"h:1\","
		    "\"settings\":[7]}", "expected a \"key=value\" string" },
		{ "{\"cmd\":\"add\",\"name\":\"db\",\"address\":\"h:1\","
		    "\"settings\":{\"keepalive_idle\":[1]}}",
		    "keepalive_idle: expected a string or a whole number" },
		{ "{\"cmd\":\"add\",\"name\":\"db\",\"address\":\"h:1\","
		    "\"settings\":{\"keepalive_count\":-1}}",
		    "keepalive_count: expected" },
		{ "{\"cmd\":\"add\",\"name\":\"db\",\"address\":\"h:1\","
		    "\"settings\":{\"Bad Key\":\"1\"}}", "not a setting name" },
		{ "{\"cmd\":\"add\",\"name\":\"db\",\"address\":\"h:1\","
		    "\"settings\":[\"=1\"]}", "not a setting name" },
		{ "{\"cmd\":\"add\",\"name\":\"db\",\"address\":\"h:1\","
		    "\"settings\":{\"address\":\"h:2\"}}",
		    "give it as the \"address\" argument" },
		{ "{\"cmd\":\"add\",\"name\":\"db\",\"address\":\"h:1\","
		    "\"settings\":{\"probe_payload\":\"a\\nb\"}}",
		    "line break" },
		{ "{\"cmd\":\"add\",\"name\":\"db\",\"address\":\"h:1\","
		    "\"settings\":{\"keepalive_idle\":\"banana\"}}",
		    "keepalive_idle" },
		{ "{\"cmd\":\"add\",\"name\":\"db\",\"address\":\"h:1\","
		    "\"settings\":{\"keepalive_idle\":\"1500ms\"}}",
		    "keepalive_idle" },
		{ "{\"cmd\":\"add\",\"name\":\"db\",\"address\":\"h:1\","
		    "\"settings\":{\"no_such_key\":\"1\"}}", "no_such_key" },
		{ "{\"cmd\":\"add\",\"name\":\"db\",\"address\":\"h:1\","
		    "\"settings\":[\"bind=1.2.3.4:5\"]}", "bind" },
	};
	char	 big[8192];
	size_t	 i, off;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error_line(bad[i].line, CTL_ERR_BAD_ARGUMENT,
		    bad[i].msg);
	/* More settings than any section has keys. */
	off = (size_t)snprintf(big, sizeof(big), "{\"cmd\":\"add\",\"name\":"
	    "\"db\",\"address\":\"h:1\",\"settings\":[");
	for (i = 0; i < 65; i++)
		off += (size_t)snprintf(big + off, sizeof(big) - off,
		    "%s\"rise=1\"", i > 0 ? "," : "");
	(void)snprintf(big + off, sizeof(big) - off, "]}");
	expect_error_line(big, CTL_ERR_BAD_ARGUMENT, "at most 64");
	assert_true(TAILQ_EMPTY(&sd.targets));
}

/* show finds a target by name, or says not_found. */
static void
test_show(void **state)
{
	json_t	*r;

	(void)state;
	expect_error_line("{\"cmd\":\"show\"}", CTL_ERR_BAD_ARGUMENT,
	    "name: missing");
	expect_error_line("{\"cmd\":\"show\",\"name\":{}}",
	    CTL_ERR_BAD_ARGUMENT, "name: expected a string");
	expect_error_line("{\"cmd\":\"show\",\"name\":\"db\"}",
	    CTL_ERR_NOT_FOUND, "db: no such target");
	json_decref(ask(&cred_root, "{\"cmd\":\"add\",\"name\":\"db\","
	    "\"address\":\"127.0.0.1:1\"}"));
	r = ask(&cred_nobody, "{\"cmd\":\"show\",\"name\":\"db\"}");
	expect_ok(r);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(r, "target"), "name")), "db");
	json_decref(r);
}

/* watch succeeds and says so; nothing else makes a watcher. */
static void
test_watch(void **state)
{
	json_t	*r;
	bool	 watch = true;

	(void)state;
	r = ask_len(&cred_nobody, "{\"cmd\":\"status\"}", 16, &watch);
	assert_false(watch);
	json_decref(r);
	r = ask_len(&cred_nobody, "{\"cmd\":\"watch\"}", 15, &watch);
	expect_ok(r);
	assert_true(watch);
	assert_true(json_is_true(json_object_get(r, "watching")));
	json_decref(r);
	r = ask_len(&cred_nobody, "{\"cmd\":\"watch\"", 14, &watch);
	assert_false(watch);
	expect_error(r, CTL_ERR_BAD_REQUEST, NULL);
}

static void
write_conf(const char *text)
{
	FILE	*f;
	int	 fd;

	if (conf_path[0] == '\0') {
		(void)snprintf(conf_path, sizeof(conf_path),
		    "/tmp/sp-test-commands.XXXXXX");
		assert_true((fd = mkstemp(conf_path)) != -1);
		close(fd);
	}
	assert_non_null(f = fopen(conf_path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* The response to line is a success. */
static void
expect_ok_line(const char *line)
{
	json_t	*r = ask(&cred_root, line);

	expect_ok(r);
	json_decref(r);
}

/*
 * add re-reads the running [defaults] as text with the new section: a
 * payload whose escaped form is longer than inih's 200-byte line (found
 * by fuzz/fuzz_config.c: -n printed lines it could not read back) must
 * not break it, and a payload up to its limit must be accepted.
 */
static void
test_add_long_payload(void **state)
{
	char		 text[512], *req;
	size_t		 i, n;

	(void)state;
	/* 150 raw bytes, each printed as \xHH: a 600-character line. */
	n = (size_t)snprintf(text, sizeof(text), "[defaults]\n"
	    "probe_payload = ");
	for (i = 0; i < 150; i++)
		text[n++] = (char)(0x80 + i % 0x7f);
	(void)snprintf(text + n, sizeof(text) - n, "\n");
	write_conf(text);
	sd.conf_path = conf_path;
	expect_ok_line("{\"cmd\":\"reload\"}");
	assert_int_equal(sd.conf->defaults.probe_payload.len, 150);

	expect_ok_line("{\"cmd\":\"add\",\"name\":\"inherits\","
	    "\"address\":\"127.0.0.1:1\"}");
	assert_int_equal(target_find(&sd, "inherits")->conf->probe_payload.len,
	    150);

	/* PAYLOAD_MAX bytes as \\xHH escapes: 4096 characters of value. */
	/* Each byte is 5 characters of JSON, a backslash escaped. */
	assert_non_null(req = malloc(5 * PAYLOAD_MAX + 256));
	n = (size_t)snprintf(req, 256, "{\"cmd\":\"add\",\"name\":\"long\","
	    "\"address\":\"127.0.0.1:1\",\"settings\":{\"probe_payload\":\"");
	for (i = 0; i < PAYLOAD_MAX; i++)
		n += (size_t)snprintf(req + n, 6, "\\\\x%02x",
		    (unsigned)(i % 256));
	(void)snprintf(req + n, 4, "\"}}");
	expect_ok_line(req);
	free(req);
	assert_int_equal(target_find(&sd, "long")->conf->probe_payload.len,
	    PAYLOAD_MAX);
	assert_int_equal(sd.ntargets, 2);
}

/* reload: a good file is taken, a bad one refused with FILE:LINE. */
static void
test_reload(void **state)
{
	struct conf	*before;
	json_t		*r, *errs;
	char		 where[96];

	(void)state;
	write_conf("[daemon]\nlog_level = warning\n");
	sd.conf_path = conf_path;
	r = ask(&cred_root, "{\"cmd\":\"reload\"}");
	expect_ok(r);
	assert_string_equal(json_string_value(json_object_get(r, "config")),
	    conf_path);
	assert_true(json_is_integer(json_object_get(r, "targets")));
	json_decref(r);
	assert_int_equal(sd.reloads, 1);

	write_conf("[defaults]\npoll_interval = 1s\n\n"
	    "[target db]\naddress = 127.0.0.1:1\nkeepalive_idle = banana\n");
	before = sd.conf;
	r = ask(&cred_root, "{\"cmd\":\"reload\"}");
	expect_error(json_incref(r), CTL_ERR_RELOAD_FAILED, conf_path);
	errs = json_object_get(r, "errors");
	assert_true(json_is_array(errs));
	assert_true(json_array_size(errs) >= 1);
	(void)snprintf(where, sizeof(where), "%s:6: ", conf_path);
	if (strncmp(json_string_value(json_array_get(errs, 0)), where,
	    strlen(where)) != 0)
		fail_msg("%s does not start with %s",
		    json_string_value(json_array_get(errs, 0)), where);
	assert_non_null(strstr(json_string_value(json_array_get(errs, 0)),
	    "keepalive_idle"));
	json_decref(r);
	/* The running configuration stays. */
	assert_ptr_equal(sd.conf, before);
	assert_int_equal(sd.reloads, 1);

	/* A good file applies: its target starts, one added at run time
	 * (not in the file) goes. */
	json_decref(ask(&cred_root, "{\"cmd\":\"add\",\"name\":\"runtime\","
	    "\"address\":\"127.0.0.1:1\"}"));
	assert_non_null(target_find(&sd, "runtime"));
	write_conf("[target fromfile]\naddress = 127.0.0.1:2\n");
	r = ask(&cred_root, "{\"cmd\":\"reload\"}");
	expect_ok(r);
	assert_int_equal(json_integer_value(json_object_get(r, "targets")), 1);
	json_decref(r);
	assert_non_null(target_find(&sd, "fromfile"));
	assert_null(target_find(&sd, "runtime"));
	assert_int_equal(sd.reloads, 2);
}

/* kernel: the sysctls of the daemon's namespace. */
static void
test_kernel(void **state)
{
	json_t	*r, *a, *e;
	size_t	 i;

	(void)state;
	r = ask(&cred_nobody, "{\"cmd\":\"kernel\"}");
	expect_ok(r);
	a = json_object_get(r, "sysctls");
	assert_true(json_array_size(a) > 0);
	json_array_foreach(a, i, e) {
		assert_non_null(json_string_value(json_object_get(e, "name")));
		assert_non_null(json_object_get(e, "effect_ms"));
	}
	assert_non_null(json_object_get(json_array_get(a, 0), "value"));
	json_decref(r);
}

/*
 * metrics: anyone may read the exposition text, which names an added
 * target in its per-connection families and counts its event.
 */
/*
 * sockets: a round of the host survey, which sees a listener of ours;
 * every bad filter is refused before anything runs, the next request
 * is served as usual.
 */
static void
test_sockets(void **state)
{
	static const char *const bad[] = {
		"{\"cmd\":\"sockets\",\"port\":0}",
		"{\"cmd\":\"sockets\",\"port\":65536}",
		"{\"cmd\":\"sockets\",\"port\":\"80\"}",
		"{\"cmd\":\"sockets\",\"state\":\"NOPE\"}",
		"{\"cmd\":\"sockets\",\"state\":\"close_wait\"}",
		"{\"cmd\":\"sockets\",\"state\":\"UNKNOWN\"}",
		"{\"cmd\":\"sockets\",\"state\":[]}",
		"{\"cmd\":\"sockets\",\"state\":[\"LISTEN\",7]}",
		"{\"cmd\":\"sockets\",\"state\":{}}",
		"{\"cmd\":\"sockets\",\"limit\":0}",
		"{\"cmd\":\"sockets\",\"limit\":1001}",
		"{\"cmd\":\"sockets\",\"pid\":-1}",
		"{\"cmd\":\"sockets\",\"pid\":1.5}",
		"{\"cmd\":\"sockets\",\"comm\":\"\"}",
		"{\"cmd\":\"sockets\",\"comm\":\"0123456789abcdef\"}",
		"{\"cmd\":\"sockets\",\"comm\":5}",
		"{\"cmd\":\"sockets\",\"pid\":1,\"comm\":\"init\"}",
	};
	struct sockaddr_in	 sin = { .sin_family = AF_INET };
	socklen_t		 len = sizeof(sin);
	json_t			*r, *q;
	char			 line[256];
	size_t			 i;
	int			 lfd;

	(void)state;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 5), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);

	r = ask(&cred_nobody, "{\"cmd\":\"sockets\"}");
	expect_ok(r);
	assert_true(json_integer_value(json_object_get(json_object_get(r,
	    "survey"), "sockets")) >= 1);
	assert_true(json_integer_value(json_object_get(json_object_get(r,
	    "counts"), "LISTEN")) >= 1);
	assert_non_null(json_object_get(r, "closewait"));
	assert_non_null(json_object_get(r, "time_wait"));
	assert_non_null(json_object_get(r, "fin_wait2"));
	assert_non_null(json_object_get(r, "retransmitting"));
	assert_non_null(json_object_get(r, "listeners"));
	assert_true(survey_last(&sd)->valid);
	json_decref(r);

	/* Filtered to our listener's port and state: exactly it. */
	(void)snprintf(line, sizeof(line), "{\"cmd\":\"sockets\",\"port\":%u,"
	    "\"state\":[\"LISTEN\"],\"pid\":%d,\"limit\":3}",
	    ntohs(sin.sin_port), (int)getpid());
	r = ask(&cred_nobody, line);
	expect_ok(r);
	q = json_object_get(r, "counts");
	assert_int_equal(json_integer_value(json_object_get(q, "LISTEN")), 1);
	assert_int_equal(json_integer_value(json_object_get(q,
	    "ESTABLISHED")), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r,
	    "survey"), "selected")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r,
	    "filter"), "limit")), 3);
	json_decref(r);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error_line(bad[i], CTL_ERR_BAD_ARGUMENT, NULL);
	expect_error_line("{\"cmd\":\"sockets\",\"pid\":2147483647}",
	    CTL_ERR_NOT_FOUND, "no such process");
	expect_error_line("{\"cmd\":\"sockets\",\"comm\":\"no-such-proc\"}",
	    CTL_ERR_NOT_FOUND, "no process of that name");
	expect_ok(r = ask(&cred_nobody, "{\"cmd\":\"sockets\",\"limit\":1}"));
	json_decref(r);
	close(lfd);
}

static void
test_metrics(void **state)
{
	const char	*text;
	json_t		*r;

	(void)state;
	json_decref(ask(&cred_root, "{\"cmd\":\"add\",\"name\":\"db\","
	    "\"address\":\"127.0.0.1:1\"}"));
	r = ask(&cred_nobody, "{\"cmd\":\"metrics\"}");
	expect_ok(r);
	assert_string_equal(json_string_value(json_object_get(r,
	    "content_type")), METRICS_CONTENT_TYPE);
	text = json_string_value(json_object_get(r, "text"));
	assert_non_null(text);
	assert_non_null(strstr(text, "# TYPE sockprobe_up gauge\n"));
	assert_non_null(strstr(text, "\nsockprobe_up{target=\"db\"} 0\n"));
	/* Refused at once: nothing listens on port 1. */
	assert_non_null(strstr(text, "\nsockprobe_health{target=\"db\","
	    "state=\"down\"} 1\n"));
	assert_non_null(strstr(text, "\nsockprobe_events_total{target=\"db\","
	    "cause=\"refused\",technique=\"connect\"} 1\n"));
	assert_non_null(strstr(text, "\nsockprobe_build_info{version=\""
	    PACKAGE_VERSION "\"} 1\n"));
	assert_int_equal(text[strlen(text) - 1], '\n');
	json_decref(r);
}

/* explain with options, with a target's name, and every bad argument. */
static void
test_explain(void **state)
{
	json_t	*r, *o;

	(void)state;
	r = ask(&cred_nobody, "{\"cmd\":\"explain\",\"keepalive\":[10,2,3],"
	    "\"user_timeout_ms\":10000,\"syn_retries\":3}");
	expect_ok(r);
	assert_int_equal(json_array_size(json_object_get(r, "modes")),
	    SP_FAIL__MAX);
	assert_true(json_is_array(json_object_get(r, "warnings")));
	o = json_object_get(r, "options");
	assert_true(json_is_true(json_object_get(o, "keepalive")));
	assert_int_equal(json_integer_value(json_object_get(o,
	    "keepalive_idle_s")), 10);
	assert_int_equal(json_integer_value(json_object_get(o,
	    "user_timeout_ms")), 10000);
	assert_int_equal(json_integer_value(json_object_get(o,
	    "syn_retries")), 3);
	assert_true(json_is_null(json_object_get(o, "rto_ms")));
	json_decref(r);

	/* No options: the kernel's defaults, keepalive off. */
	r = ask(&cred_nobody, "{\"cmd\":\"explain\"}");
	expect_ok(r);
	assert_true(json_is_false(json_object_get(json_object_get(r,
	    "options"), "keepalive")));
	json_decref(r);

	expect_error_line("{\"cmd\":\"explain\",\"keepalive\":[10,2]}",
	    CTL_ERR_BAD_ARGUMENT, "keepalive");
	expect_error_line("{\"cmd\":\"explain\",\"keepalive\":[0,2,3]}",
	    CTL_ERR_BAD_ARGUMENT, "idle_s");
	expect_error_line("{\"cmd\":\"explain\",\"keepalive\":[1,2,128]}",
	    CTL_ERR_BAD_ARGUMENT, "count");
	expect_error_line("{\"cmd\":\"explain\",\"keepalive\":\"on\"}",
	    CTL_ERR_BAD_ARGUMENT, "keepalive");
	expect_error_line("{\"cmd\":\"explain\",\"user_timeout_ms\":-1}",
	    CTL_ERR_BAD_ARGUMENT, "user_timeout_ms");
	expect_error_line("{\"cmd\":\"explain\",\"user_timeout_ms\":1.5}",
	    CTL_ERR_BAD_ARGUMENT, "expected an integer");
	expect_error_line("{\"cmd\":\"explain\",\"syn_retries\":0}",
	    CTL_ERR_BAD_ARGUMENT, "syn_retries");
	expect_error_line("{\"cmd\":\"explain\",\"syn_retries\":"
	    "99999999999999999999}", CTL_ERR_BAD_REQUEST, "invalid JSON");
	expect_error_line("{\"cmd\":\"explain\",\"name\":\"db\"}",
	    CTL_ERR_NOT_FOUND, "db");
	expect_error_line("{\"cmd\":\"explain\",\"name\":\"db\","
	    "\"keepalive\":true}", CTL_ERR_BAD_ARGUMENT, "not with name");

	json_decref(ask(&cred_root, "{\"cmd\":\"add\",\"name\":\"db\","
	    "\"address\":\"127.0.0.1:1\",\"settings\":{\"keepalive_idle\":"
	    "\"30s\",\"techniques\":\"read,keepalive\"}}"));
	r = ask(&cred_nobody, "{\"cmd\":\"explain\",\"name\":\"db\"}");
	expect_ok(r);
	assert_string_equal(json_string_value(json_object_get(r, "target")),
	    "db");
	assert_string_equal(json_string_value(json_object_get(r, "source")),
	    "settings");
	o = json_object_get(r, "options");
	assert_int_equal(json_integer_value(json_object_get(o,
	    "keepalive_idle_s")), 30);
	/* user_timeout is not among the techniques: off. */
	assert_int_equal(json_integer_value(json_object_get(o,
	    "user_timeout_ms")), 0);
	json_decref(r);
}

/* A tiny deterministic generator, so failures reproduce. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Mangled requests (bytes flipped, cut, duplicated) of every command:
 * each answer is an object with a boolean ok, and a failure carries a
 * code from proto.h and a message.
 */
static void
test_mangled(void **state)
{
	static const char *const seeds[] = {
		"{\"cmd\":\"hello\"}",
		"{\"cmd\":\"status\"}",
		"{\"cmd\":\"show\",\"name\":\"db\"}",
		"{\"cmd\":\"watch\"}",
		"{\"cmd\":\"add\",\"name\":\"m\",\"address\":\"127.0.0.1:9\","
		    "\"settings\":{\"rise\":2,\"keepalive_idle\":\"5s\"}}",
		"{\"cmd\":\"add\",\"name\":\"n\",\"address\":\"[::1]:9\","
		    "\"settings\":[\"fall=3\",\"close_mode=rst\"]}",
		"{\"cmd\":\"remove\",\"name\":\"m\"}",
		"{\"cmd\":\"explain\",\"keepalive\":[1,1,1],\"rto_ms\":200}",
		"{\"cmd\":\"explain\",\"name\":\"n\"}",
		"{\"cmd\":\"kernel\"}",
	};
	static const char *const codes[] = {
		CTL_ERR_BAD_REQUEST, CTL_ERR_UNKNOWN_COMMAND,
		CTL_ERR_BAD_ARGUMENT, CTL_ERR_NOT_FOUND, CTL_ERR_EXISTS,
		CTL_ERR_NOT_AUTHORIZED, CTL_ERR_INTERNAL,
	};
	uint32_t	 s = 0x5eed;
	char		 buf[512];
	const char	*code;
	json_t		*r;
	size_t		 len, i, k, n;
	bool		 watch, known;

	(void)state;
	for (n = 0; n < 20000; n++) {
		const char *seed = seeds[rnd(&s) % (sizeof(seeds) /
		    sizeof(seeds[0]))];

		len = strlen(seed);
		memcpy(buf, seed, len);
		for (k = rnd(&s) % 4; k > 0 && len > 0; k--) {
			switch (rnd(&s) % 4) {
			case 0:		/* any byte anywhere */
				buf[rnd(&s) % len] = (char)rnd(&s);
				break;
			case 1:		/* cut */
				len = rnd(&s) % len;
				break;
			case 2:		/* a structural byte */
				buf[rnd(&s) % len] = "{}[]\":,\\0-"[rnd(&s) %
				    11];
				break;
			default:	/* repeat a slice */
				i = rnd(&s) % len;
				if (len + (len - i) < sizeof(buf)) {
					memcpy(buf + len, buf + i, len - i);
					len += len - i;
				}
				break;
			}
		}
		r = commands_handle(&sd, n % 2 ? &cred_root : &cred_nobody,
		    buf, len, &watch);
		assert_non_null(r);
		assert_true(json_is_boolean(json_object_get(r, "ok")));
		if (json_is_false(json_object_get(r, "ok"))) {
			assert_false(watch);
			code = json_string_value(json_object_get(
			    json_object_get(r, "error"), "code"));
			assert_non_null(code);
			for (known = false, i = 0; i < sizeof(codes) /
			    sizeof(codes[0]); i++)
				known = known || strcmp(code, codes[i]) == 0;
			if (!known)
				fail_msg("unexpected code %s", code);
			assert_non_null(json_string_value(json_object_get(
			    json_object_get(r, "error"), "message")));
		}
		json_decref(r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_malformed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hello, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_authorized, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_add_status_remove, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_add_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_long_payload, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_show, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sockets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_explain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mangled, setup, teardown),
	};

	log_init(LOG_CRIT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
