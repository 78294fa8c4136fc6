/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The configuration file: INI through inih, keys as data, [defaults]
 * inheritance, and checks across keys.  A file is parsed into a fresh
 * struct conf; the caller swaps it in only when the whole file is good.
 */

#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <ini.h>

#include "sockprobe.h"
#include "sockprobed.h"

#define CONF_MAX_FILE	(64 * 1024 * 1024)
/* Past this many, a file is not what it should be: stop reading it. */
#define CONF_MAX_ERRORS	20
/*
 * The longest line: a probe_payload of PAYLOAD_MAX bytes written as \xHH
 * escapes, as `sockprobed -n` may print it, with room to spare.  inih's
 * own buffer is much shorter (INI_MAX_LINE, 200 in Debian's build):
 * longer lines are split here, as inih would, and never reach it.
 */
#define CONF_MAX_LINE	8192
/* inih's MAX_SECTION: how much of a section's name it hands over. */
#define CONF_SECTION_MAX	50

struct conf_parse {
	const char		*name;		/* file name in messages */
	const char		*buf;
	size_t			 len;
	size_t			 pos;
	int			 lineno;
	struct conf		*conf;
	enum section_kind	 kind;
	struct target_conf	*cur;		/* NULL in [daemon] */
	bool			 skip;		/* inside a bad section */
	int			 daemon_lines[CONF_NKEYS];
	struct conf_errors	*errs;
	struct nameidx		 target_names;	/* duplicates, in O(1) */
	struct nameidx		 listen_names;
	size_t			 nerrors;
	bool			 resolve;	/* -n: look names up */
	bool			 stop;		/* read no further lines */
	char			 section[CONF_SECTION_MAX];	/* as inih has it */
};

static char	*conf_reader(char *, int, void *);
static int	 conf_handler(void *, const char *, const char *,
		    const char *);
static void	 conf_error(struct conf_parse *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 conf_printable(char *);
static bool	 conf_line_syntax(struct conf_parse *, const char *);
static void	 conf_long_line(struct conf_parse *, const char *, size_t);
static char	*conf_comment_or(char *, const char *);
static void	 conf_open_section(struct conf_parse *, const char *);
static struct target_conf *conf_target_new(enum section_kind, const char *,
		    int);
static void	 conf_target_free(struct target_conf *);
static bool	 conf_name_valid(const char *);
static int	 conf_parse_text(struct conf_parse *);
static void	 conf_resolve(struct conf *);
static void	 conf_resolve_one(const struct conf *, struct target_conf *);
static void	 conf_validate(struct conf_parse *);
static void	 conf_validate_daemon(struct conf_parse *);
static void	 conf_check_names(struct conf_parse *);
static void	 conf_validate_one(struct conf_parse *,
		    const struct target_conf *);
static int	 conf_key_line(const struct target_conf *, const char *);
static void	 conf_daemon_defaults(struct daemon_conf *);
static int	 conf_read_file(const char *, char **, size_t *,
		    const char **);
static struct conf *conf_load_text(const char *, const char *, size_t,
		    struct conf_errors *, bool);
static struct conf *conf_load_path(const char *, struct conf_errors *,
		    bool);

/* A fresh configuration with the built-in defaults and no targets. */
struct conf *
conf_new(void)
{
	struct conf	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	TAILQ_INIT(&c->targets);
	TAILQ_INIT(&c->listens);
	conf_daemon_defaults(&c->daemon);
	if (c->daemon.control_socket == NULL) {
		free(c);
		return NULL;
	}
	conf_keys_builtin(&c->defaults);
	c->defaults.kind = SECTION_DEFAULTS;
	(void)snprintf(c->defaults.name, sizeof(c->defaults.name),
	    "defaults");
	return c;
}

static void
conf_daemon_defaults(struct daemon_conf *d)
{
	memset(d, 0, sizeof(*d));
	d->control_socket = strdup(SOCKPROBE_CONTROL_SOCKET);
	d->control_group = strdup("sockprobe");
	d->metrics_listen = strdup(METRICS_LISTEN_DEFAULT);
	d->event_backend = BACKEND_AUTO;
	d->log_level = LOG_INFO;
	d->survey_interval_ms = SURVEY_INTERVAL_DEFAULT;
	d->closewait_alarm_ms = CLOSEWAIT_ALARM_DEFAULT;
}

static void
conf_target_free(struct target_conf *t)
{
	if (t == NULL)
		return;
	conf_keys_release(t);
	free(t->key_lines);
	free(t);
}

/* Free a configuration and everything it owns; NULL is fine. */
void
conf_free(struct conf *c)
{
	struct target_conf	*t;

	if (c == NULL)
		return;
	while ((t = TAILQ_FIRST(&c->targets)) != NULL) {
		TAILQ_REMOVE(&c->targets, t, entry);
		conf_target_free(t);
	}
	while ((t = TAILQ_FIRST(&c->listens)) != NULL) {
		TAILQ_REMOVE(&c->listens, t, entry);
		conf_target_free(t);
	}
	conf_keys_release(&c->defaults);
	free(c->defaults.key_lines);
	free(c->daemon.control_socket);
	free(c->daemon.control_group);
	free(c->daemon.metrics_listen);
	free(c);
}

/* Forget collected messages. */
void
conf_errors_clear(struct conf_errors *e)
{
	size_t	i;

	for (i = 0; i < e->n; i++)
		free(e->lines[i]);
	free(e->lines);
	e->lines = NULL;
	e->n = 0;
}

/* Record "NAME:LINE: message"; line 0 names only the file. */
static void
conf_error(struct conf_parse *p, int line, const char *fmt, ...)
{
	char	 msg[512], *full, **lines;
	va_list	 ap;
	int	 n;

	if (++p->nerrors > CONF_MAX_ERRORS) {
		/* One line about the rest, rather than one per line. */
		if (p->nerrors > CONF_MAX_ERRORS + 1 || p->errs == NULL)
			return;
		p->stop = true;
		line = 0;
		(void)snprintf(msg, sizeof(msg), "more than %d errors; the "
		    "rest of the file is not read", CONF_MAX_ERRORS);
	} else if (p->errs == NULL)
		return;
	else {
		va_start(ap, fmt);
		(void)vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		conf_printable(msg);
	}
	if (line > 0)
		n = asprintf(&full, "%s:%d: %s", p->name, line, msg);
	else
		n = asprintf(&full, "%s: %s", p->name, msg);
	if (n == -1)
		return;
	lines = reallocarray(p->errs->lines, p->errs->n + 1, sizeof(*lines));
	if (lines == NULL) {
		free(full);
		return;
	}
	lines[p->errs->n++] = full;
	p->errs->lines = lines;
}

/*
 * Messages quote the file (a key, a section's name): a control byte
 * there would reach the terminal or the journal as is, so it becomes '?'.
 */
static void
conf_printable(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			*s = '?';
}

static bool
conf_name_valid(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++, n++)
		if (!isalnum((unsigned char)*s) && strchr("_.-", *s) == NULL)
			return false;
	return n > 0 && n <= NAME_MAX_LEN;
}

static struct target_conf *
conf_target_new(enum section_kind kind, const char *name, int lineno)
{
	struct target_conf	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->key_lines = calloc(CONF_NKEYS, sizeof(int))) == NULL) {
		free(t);
		return NULL;
	}
	t->kind = kind;
	t->lineno = lineno;
	(void)snprintf(t->name, sizeof(t->name), "%s", name);
	return t;
}

/*
 * A section header, seen by our reader: inih calls the handler only for
 * keys, and "[target db]" with no keys at all must still be checked.
 */
static void
conf_open_section(struct conf_parse *p, const char *line)
{
	char			 sec[256], whole[256], *end, *name;
	struct target_conf	*t, *dup;
	struct target_confs	*list;
	struct nameidx		*idx;

	(void)snprintf(sec, sizeof(sec), "%s", line + 1);
	if ((end = strchr(sec, ']')) != NULL)
		*end = '\0';
	(void)snprintf(whole, sizeof(whole), "%s", sec);
	/* inih's MAX_SECTION cuts it just so. */
	(void)snprintf(p->section, sizeof(p->section), "%.*s",
	    (int)sizeof(p->section) - 1, sec);
	p->skip = true;
	p->cur = NULL;
	if (strcmp(sec, "daemon") == 0) {
		p->kind = SECTION_DAEMON;
		p->skip = false;
		return;
	}
	if (strcmp(sec, "defaults") == 0) {
		p->kind = SECTION_DEFAULTS;
		p->cur = &p->conf->defaults;
		p->skip = false;
		return;
	}
	name = strchr(sec, ' ');
	if (name != NULL) {
		*name++ = '\0';
		while (*name == ' ')
			name++;
	}
	if (strcmp(sec, "target") == 0) {
		p->kind = SECTION_TARGET;
		list = &p->conf->targets;
		idx = &p->target_names;
	} else if (strcmp(sec, "listen") == 0) {
		p->kind = SECTION_LISTEN;
		list = &p->conf->listens;
		idx = &p->listen_names;
	} else {
		conf_error(p, p->lineno, "unknown section [%s] (expected "
		    "daemon, defaults, target NAME or listen NAME)", whole);
		return;
	}
	if (name == NULL || !conf_name_valid(name)) {
		conf_error(p, p->lineno, "[%s]: needs a name of 1 to %d "
		    "letters, digits, '_', '.' or '-'", whole, NAME_MAX_LEN);
		return;
	}
	if ((dup = nameidx_find(idx, name)) != NULL) {
		conf_error(p, p->lineno, "[%s %s]: duplicate section "
		    "(first on line %d)", sec, name, dup->lineno);
		return;
	}
	if ((t = conf_target_new(p->kind, name, p->lineno)) == NULL ||
	    nameidx_add(idx, t) == -1) {
		conf_target_free(t);
		conf_error(p, p->lineno, "out of memory");
		return;
	}
	TAILQ_INSERT_TAIL(list, t, entry);
	p->cur = t;
	p->skip = false;
}

/*
 * Checks inih cannot make or would make silently: a line must be blank,
 * a comment, a [section] or key = value.  Returns false for a bad line,
 * which then never reaches inih.
 */
static bool
conf_line_syntax(struct conf_parse *p, const char *line)
{
	size_t	len = strlen(line);

	while (len > 0 && isspace((unsigned char)line[len - 1]))
		len--;
	if (len == 0 || line[0] == ';' || line[0] == '#')
		return true;
	if (line[0] == '[') {
		if (line[len - 1] != ']') {
			conf_error(p, p->lineno, "syntax error: a section "
			    "header must end with ']'");
			/* Its keys belong to no section: no more messages. */
			p->skip = true;
			p->cur = NULL;
			return false;
		}
		conf_open_section(p, line);
		return true;
	}
	if (strchr(line, '=') == NULL) {
		conf_error(p, p->lineno, "syntax error: expected key = value");
		return false;
	}
	if (line[0] == '=') {
		conf_error(p, p->lineno, "syntax error: missing key before "
		    "'='");
		return false;
	}
	return true;
}

/*
 * fgets() for ini_parse_stream(): counts lines, refuses NUL bytes and
 * over-long lines with our own messages, and strips leading blanks so an
 * indented key is never taken for the continuation of the previous one.
 */
static char *
conf_reader(char *str, int num, void *arg)
{
	struct conf_parse	*p = arg;
	const char		*start, *nl;
	size_t			 n, skip;

	for (;;) {
		if (p->pos >= p->len || p->stop)
			return NULL;
		start = p->buf + p->pos;
		nl = memchr(start, '\n', p->len - p->pos);
		n = nl != NULL ? (size_t)(nl - start) + 1 : p->len - p->pos;
		p->pos += n;
		p->lineno++;
		if (memchr(start, '\0', n) != NULL) {
			/* Not a text file: one message, not one per line. */
			conf_error(p, p->lineno, "binary data (a NUL byte); "
			    "not read further");
			return NULL;
		}
		if (p->lineno == 1 && n >= 3 &&
		    memcmp(start, "\xef\xbb\xbf", 3) == 0) {
			start += 3;
			n -= 3;
		}
		for (skip = 0; skip < n && (start[skip] == ' ' ||
		    start[skip] == '\t'); skip++)
			;
		start += skip;
		n -= skip;
		/* n counts the newline; inih needs room for the NUL. */
		if (n >= (size_t)num - 1) {
			conf_long_line(p, start, n);
			continue;
		}
		memcpy(str, start, n);
		str[n] = '\0';
		if (conf_line_syntax(p, str))
			return str;
	}
}

/*
 * The first of chars in s, or an inline comment (';' after a blank), or
 * the string's end: inih's find_chars_or_comment() for Debian's build
 * (INI_ALLOW_INLINE_COMMENTS, prefix ";").
 */
static char *
conf_comment_or(char *s, const char *chars)
{
	bool	blank = false;

	for (; *s != '\0'; s++) {
		if (chars != NULL && strchr(chars, *s) != NULL)
			break;
		if (blank && *s == ';')
			break;
		blank = isspace((unsigned char)*s);
	}
	return s;
}

/*
 * A line too long for inih's buffer, up to CONF_MAX_LINE: checked as any
 * other, then split into key and value the way inih splits the rest
 * (first '=' or ':', inline comment cut, blanks trimmed) and handed to
 * conf_handler() directly.  A long comment is skipped; a long section
 * header opens its section (and earns a message: no name is that long).
 */
static void
conf_long_line(struct conf_parse *p, const char *start, size_t n)
{
	char	*line, *sep, *key, *value, *end;

	if (n > CONF_MAX_LINE) {
		conf_error(p, p->lineno, "line too long (at most %d "
		    "characters)", CONF_MAX_LINE);
		return;
	}
	line = xcalloc(1, n + 1);
	memcpy(line, start, n);
	for (end = line + n; end > line && isspace((unsigned char)end[-1]);
	    end--)
		end[-1] = '\0';
	if (!conf_line_syntax(p, line) || line[0] == '\0' ||
	    line[0] == ';' || line[0] == '#' || line[0] == '[') {
		free(line);
		return;
	}
	sep = conf_comment_or(line, "=:");
	if (*sep != '=' && *sep != ':') {
		conf_error(p, p->lineno, "syntax error");
		free(line);
		return;
	}
	*sep = '\0';
	key = line;
	for (end = sep; end > key && isspace((unsigned char)end[-1]); end--)
		end[-1] = '\0';
	for (value = sep + 1; isspace((unsigned char)*value); value++)
		;
	*conf_comment_or(value, NULL) = '\0';
	for (end = value + strlen(value); end > value &&
	    isspace((unsigned char)end[-1]); end--)
		end[-1] = '\0';
	(void)conf_handler(p, p->section, key, value);
	free(line);
}

/* Called by inih for each key; returning 1 always: we count errors. */
static int
conf_handler(void *arg, const char *section, const char *key,
    const char *value)
{
	struct conf_parse	*p = arg;
	const struct conf_key	*k;
	char			 errbuf[256];
	int			*lines;
	int			 idx;

	/*
	 * Messages name the section as our reader saw it: inih never sees
	 * the long lines (conf_long_line()), a long section header included.
	 */
	section = p->section;
	if (p->skip)
		return 1;
	if (p->kind == SECTION_DAEMON) {
		k = conf_daemon_key(key, &idx);
		lines = p->daemon_lines;
	} else {
		k = conf_target_key(key, p->kind, &idx);
		lines = p->cur->key_lines;
	}
	if (k == NULL) {
		conf_error(p, p->lineno, "[%s]: %s", section,
		    conf_key_unknown(key, p->kind, errbuf, sizeof(errbuf)));
		return 1;
	}
	if (lines[idx] != 0) {
		conf_error(p, p->lineno, "[%s] %s: set twice (first on line "
		    "%d)", section, key, lines[idx]);
		return 1;
	}
	lines[idx] = p->lineno;
	if (conf_key_store(k, p->kind == SECTION_DAEMON ?
	    (void *)&p->conf->daemon : (void *)p->cur, value, errbuf,
	    sizeof(errbuf)) == -1)
		conf_error(p, p->lineno, "[%s] %s: %s", section, key, errbuf);
	else if (p->kind == SECTION_DAEMON)
		p->conf->daemon.set |= 1ULL << idx;
	else
		p->cur->set |= 1ULL << idx;
	return 1;
}

static int
conf_parse_text(struct conf_parse *p)
{
	int	rc;

	p->kind = SECTION_DAEMON;
	p->skip = false;
	rc = ini_parse_stream(conf_reader, p, conf_handler, p);
	/* Our reader filters every line inih would reject. */
	if (rc > 0 && p->nerrors == 0)
		conf_error(p, rc, "syntax error");
	else if (rc < 0)
		conf_error(p, 0, "out of memory");
	if (p->nerrors > 0)
		return -1;
	conf_resolve(p->conf);
	conf_validate(p);
	if (p->resolve)
		conf_check_names(p);
	return p->nerrors > 0 ? -1 : 0;
}

/* Every key a section did not set comes from [defaults]. */
static void
conf_resolve_one(const struct conf *c, struct target_conf *t)
{
	size_t	i;

	for (i = 0; i < CONF_NKEYS; i++)
		if ((t->set & (1ULL << i)) == 0)
			conf_key_copy(i, t, &c->defaults);
}

static void
conf_resolve(struct conf *c)
{
	struct target_conf	*t;

	TAILQ_FOREACH(t, &c->targets, entry)
		conf_resolve_one(c, t);
	TAILQ_FOREACH(t, &c->listens, entry)
		conf_resolve_one(c, t);
}

/* The line a key was set on in t, else t's section header. */
static int
conf_key_line(const struct target_conf *t, const char *key)
{
	int	idx;

	if (conf_target_key(key, t->kind, &idx) != NULL &&
	    t->key_lines != NULL && t->key_lines[idx] != 0)
		return t->key_lines[idx];
	return t->lineno;
}

/* Checks across keys of one resolved section. */
static void
conf_validate_one(struct conf_parse *p, const struct target_conf *t)
{
	const char	*kind = t->kind == SECTION_TARGET ? "target" : "listen";
	const char	*errstr;

	if (t->kind == SECTION_TARGET && t->address == NULL)
		conf_error(p, t->lineno, "[target %s]: address is required",
		    t->name);
	if (t->kind == SECTION_LISTEN && t->bind == NULL)
		conf_error(p, t->lineno, "[listen %s]: bind is required",
		    t->name);
	if (t->recv_timeout_ms > 0 && t->probe_payload.len == 0)
		conf_error(p, conf_key_line(t, "recv_timeout"), "[%s %s] "
		    "recv_timeout: needs probe_payload (a reply is awaited "
		    "after each payload)", kind, t->name);
	if (t->probe_expect.len > 0 && t->probe_payload.len == 0)
		conf_error(p, conf_key_line(t, "probe_expect"), "[%s %s] "
		    "probe_expect: needs probe_payload", kind, t->name);
	if (t->reconnect_min_ms > t->reconnect_max_ms)
		conf_error(p, conf_key_line(t, "reconnect_min"), "[%s %s] "
		    "reconnect_min: larger than reconnect_max", kind, t->name);
	if (t->kind == SECTION_TARGET && t->address != NULL &&
	    conf_address_check(t->address, &errstr) == -1)
		conf_error(p, conf_key_line(t, "address"), "[target %s] "
		    "address: %s", t->name, errstr);
}

/*
 * [daemon]'s survey durations: 0 is off, and anything shorter than
 * SURVEY_MIN_MS would make the survey a busy loop.
 */
static void
conf_validate_daemon(struct conf_parse *p)
{
	static const char *const keys[] = { "survey_interval",
	    "closewait_alarm" };
	const struct daemon_conf *d = &p->conf->daemon;
	uint64_t		 v;
	size_t			 i;
	int			 idx;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = i == 0 ? d->survey_interval_ms : d->closewait_alarm_ms;
		if (v == 0 || v >= SURVEY_MIN_MS ||
		    conf_daemon_key(keys[i], &idx) == NULL)
			continue;
		conf_error(p, p->daemon_lines[idx], "[daemon] %s: expected 0 "
		    "(off) or at least %llums", keys[i],
		    (unsigned long long)SURVEY_MIN_MS);
	}
}

static void
conf_validate(struct conf_parse *p)
{
	struct target_conf	*t, *u;

	conf_validate_daemon(p);
	TAILQ_FOREACH(t, &p->conf->targets, entry)
		conf_validate_one(p, t);
	TAILQ_FOREACH(t, &p->conf->listens, entry) {
		conf_validate_one(p, t);
		for (u = TAILQ_NEXT(t, entry); u != NULL;
		    u = TAILQ_NEXT(u, entry))
			if (t->bind != NULL && u->bind != NULL &&
			    strcmp(t->bind, u->bind) == 0)
				conf_error(p, conf_key_line(u, "bind"),
				    "[listen %s] bind: %s is already bound "
				    "by [listen %s]", u->name, u->bind,
				    t->name);
	}
}

/*
 * -n only: each target's host name looked up, within a deadline, so a
 * name that does not resolve is one more FILE:LINE message.  The daemon
 * itself never waits for a name (target.c looks it up in the loop).
 */
static void
conf_check_names(struct conf_parse *p)
{
	struct target_conf	 *t;
	const struct target_conf **ts;
	const char		**why;
	char			**hosts, *host;
	const char		 *errstr;
	uint16_t		  port;
	size_t			  n = 0, i;

	TAILQ_FOREACH(t, &p->conf->targets, entry)
		n++;
	ts = xcalloc(n + 1, sizeof(*ts));
	hosts = xcalloc(n + 1, sizeof(*hosts));
	why = xcalloc(n + 1, sizeof(*why));
	n = 0;
	TAILQ_FOREACH(t, &p->conf->targets, entry) {
		host = xcalloc(1, ADDR_MAX_LEN + 1);
		if (t->address == NULL || sp_hostport_split(t->address, host,
		    ADDR_MAX_LEN + 1, &port, &errstr) == -1) {
			free(host);		/* its message is out already */
			continue;
		}
		ts[n] = t;
		hosts[n++] = host;
	}
	resolve_check((const char *const *)hosts, n, why);
	for (i = 0; i < n; i++) {
		if (why[i] != NULL)
			conf_error(p, conf_key_line(ts[i], "address"),
			    "[target %s] address: cannot resolve %s: %s",
			    ts[i]->name, hosts[i], why[i]);
		free(hosts[i]);
	}
	free(ts);
	free(hosts);
	free(why);
}

/* Parse a text into a fresh configuration; NULL and errs on failure. */
struct conf *
conf_load_buffer(const char *name, const char *text, size_t len,
    struct conf_errors *errs)
{
	return conf_load_text(name, text, len, errs, false);
}

static struct conf *
conf_load_text(const char *name, const char *text, size_t len,
    struct conf_errors *errs, bool resolve)
{
	struct conf_parse	 p = { .name = name, .buf = text, .len = len,
				    .errs = errs, .resolve = resolve };
	struct target_conf	*t;

	if ((p.conf = conf_new()) == NULL ||
	    (p.conf->defaults.key_lines = calloc(CONF_NKEYS,
	    sizeof(int))) == NULL) {
		conf_error(&p, 0, "out of memory");
		conf_free(p.conf);
		return NULL;
	}
	(void)snprintf(p.conf->path, sizeof(p.conf->path), "%s", name);
	if (conf_parse_text(&p) == -1) {
		nameidx_free(&p.target_names);
		nameidx_free(&p.listen_names);
		conf_free(p.conf);
		return NULL;
	}
	nameidx_free(&p.target_names);
	nameidx_free(&p.listen_names);
	/* Line numbers only matter while messages can still be made. */
	TAILQ_FOREACH(t, &p.conf->targets, entry) {
		free(t->key_lines);
		t->key_lines = NULL;
	}
	TAILQ_FOREACH(t, &p.conf->listens, entry) {
		free(t->key_lines);
		t->key_lines = NULL;
	}
	free(p.conf->defaults.key_lines);
	p.conf->defaults.key_lines = NULL;
	return p.conf;
}

static int
conf_read_file(const char *path, char **text, size_t *len,
    const char **errstr)
{
	FILE		*fp;
	struct stat	 st;
	size_t		 n;

	if ((fp = fopen(path, "re")) == NULL) {
		*errstr = strerror(errno);
		return -1;
	}
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode)) {
		*errstr = "not a regular file";
		fclose(fp);
		return -1;
	}
	if (st.st_size > CONF_MAX_FILE) {
		*errstr = "larger than 64 MiB";
		fclose(fp);
		return -1;
	}
	if ((*text = malloc((size_t)st.st_size + 1)) == NULL) {
		*errstr = "out of memory";
		fclose(fp);
		return -1;
	}
	n = fread(*text, 1, (size_t)st.st_size, fp);
	(*text)[n] = '\0';
	*len = n;
	fclose(fp);
	return 0;
}

/* Parse the file at path; NULL and errs holding FILE:LINE messages. */
struct conf *
conf_load(const char *path, struct conf_errors *errs)
{
	return conf_load_path(path, errs, false);
}

/*
 * Parse the file at path as `sockprobed -n` checks it: as conf_load(),
 * and every target's host name looked up, for at most a few seconds.
 */
struct conf *
conf_check(const char *path, struct conf_errors *errs)
{
	return conf_load_path(path, errs, true);
}

static struct conf *
conf_load_path(const char *path, struct conf_errors *errs, bool resolve)
{
	struct conf_parse	 p = { .name = path, .errs = errs };
	struct conf		*c;
	const char		*errstr;
	char			*text;
	size_t			 len;

	if (conf_read_file(path, &text, &len, &errstr) == -1) {
		conf_error(&p, 0, "%s", errstr);
		return NULL;
	}
	c = conf_load_text(path, text, len, errs, resolve);
	free(text);
	return c;
}

/* The target named name, or NULL. */
struct target_conf *
conf_find_target(const struct conf *c, const char *name)
{
	struct target_conf	*t;

	TAILQ_FOREACH(t, &c->targets, entry)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

/*
 * A target for the control `add` command: "key=value" pairs on top of
 * [defaults], validated like a file's [target].  NULL and errbuf set on
 * any bad pair.
 */
struct target_conf *
conf_target_from_pairs(const struct conf *c, const char *name,
    const char *address, const char *const *pairs, size_t npairs,
    char *errbuf, size_t errlen)
{
	struct conf_errors	 errs = { 0 };
	struct conf		*one;
	struct target_conf	*t;
	char			*text = NULL;
	const char		*msg;
	size_t			 len = 0, i;
	FILE			*fp;

	/* Each pair is one line of the section, never more. */
	for (i = 0; i < npairs; i++) {
		if (strpbrk(pairs[i], "\r\n[") != NULL ||
		    strchr(pairs[i], '=') == NULL) {
			(void)snprintf(errbuf, errlen, "%s: expected "
			    "key=value", pairs[i]);
			return NULL;
		}
	}
	if (strpbrk(name, "\r\n]") != NULL ||
	    strpbrk(address, "\r\n") != NULL) {
		(void)snprintf(errbuf, errlen, "bad name or address");
		return NULL;
	}
	if ((fp = open_memstream(&text, &len)) == NULL) {
		(void)snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	/* The running [defaults] first, then the new section. */
	conf_print_section(c, &c->defaults, fp, true);
	fprintf(fp, "[target %s]\naddress = %s\n", name, address);
	for (i = 0; i < npairs; i++)
		fprintf(fp, "%s\n", pairs[i]);
	fclose(fp);
	one = conf_load_buffer("add", text, len, &errs);
	free(text);
	if (one == NULL) {
		/* "add:LINE: [target x] key: problem" -> "key: problem" */
		msg = errs.n > 0 ? strstr(errs.lines[0], "] ") : NULL;
		(void)snprintf(errbuf, errlen, "%s", msg != NULL ? msg + 2 :
		    errs.n > 0 ? errs.lines[0] : "invalid target");
		conf_errors_clear(&errs);
		return NULL;
	}
	t = TAILQ_FIRST(&one->targets);
	TAILQ_REMOVE(&one->targets, t, entry);
	conf_free(one);
	return t;
}

/* Free a target returned by conf_target_from_pairs(). */
void
conf_target_release(struct target_conf *t)
{
	conf_target_free(t);
}
