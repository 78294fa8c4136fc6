/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The two renderers of a result: the JSON object on one line, or for
 * people, aligned key/value sections and tables with a header row,
 * widths from the content, numbers right-aligned and "-" for unknown.
 * Colour only on a terminal, and never with NO_COLOR set.
 */

#include "config.h"

#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "sockprobe.h"
#include "proto.h"
#include "sockprobectl.h"

struct kv_entry {
	char		*key;
	char		*value;
	enum color	 color;
};

struct kv {
	struct kv_entry	*entries;
	size_t		 n;
	size_t		 cap;
};

static size_t	 text_width(const char *);
static void	 put_padded(const char *, size_t, bool, enum color, bool);
static bool	 is_scalar(const json_t *);
static void	*xreallocarray(void *, size_t, size_t);
static char	*xstrdup(const char *);

static bool	 color_on;
static bool	 section_started;

static const char *const color_codes[] = {
	[COLOR_NONE] =		"",
	[COLOR_BOLD] =		"\033[1m",
	[COLOR_GREEN] =		"\033[32m",
	[COLOR_YELLOW] =	"\033[33m",
	[COLOR_RED] =		"\033[31m",
	[COLOR_DIM] =		"\033[2m",
};

static void *
xreallocarray(void *p, size_t n, size_t size)
{
	void	*q;

	if (size != 0 && n > SIZE_MAX / size)
		errx(EXIT_DOWN, "out of memory");
	if ((q = realloc(p, n * size)) == NULL)
		err(EXIT_DOWN, "realloc");
	return q;
}

static char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		err(EXIT_DOWN, "strdup");
	return p;
}

/* Dies when jansson could not allocate; returns j otherwise. */
json_t *
xjson(json_t *j)
{
	if (j == NULL)
		errx(EXIT_DOWN, "out of memory building JSON");
	return j;
}

/*
 * Decide once whether to colour: stdout is a terminal that is not
 * "dumb", and NO_COLOR is unset or empty (no-color.org).
 */
void
output_init(void)
{
	const char	*nc = getenv("NO_COLOR");
	const char	*term = getenv("TERM");

	color_on = isatty(STDOUT_FILENO) && (nc == NULL || *nc == '\0') &&
	    (term == NULL || strcmp(term, "dumb") != 0);
}

/* The JSON renderer: the object unchanged, on one line. */
void
output_json(const json_t *j)
{
	char	*s;

	if ((s = json_dumps(j, JSON_ENCODE_ANY)) == NULL)
		errx(EXIT_DOWN, "cannot encode JSON");
	puts(s);
	free(s);
}

/* Columns a UTF-8 string takes: code points, not bytes. */
static size_t
text_width(const char *s)
{
	size_t	w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* Print s in width columns, right-aligned if asked, coloured if on. */
static void
put_padded(const char *s, size_t width, bool right, enum color c, bool last)
{
	size_t	pad, w = text_width(s);

	pad = width > w ? width - w : 0;
	if (right)
		printf("%*s", (int)pad, "");
	if (color_on && c != COLOR_NONE)
		printf("%s%s\033[0m", color_codes[c], s);
	else
		fputs(s, stdout);
	if (!right && !last)
		printf("%*s", (int)pad, "");
}

/* A section title, with a blank line between sections. */
void
output_section(const char *title)
{
	if (section_started)
		putchar('\n');
	section_started = true;
	put_padded(title, 0, false, COLOR_BOLD, true);
	putchar('\n');
}

/* Green for a healthy cause, yellow for degraded, red for down. */
enum color
output_cause_color(const char *cause)
{
	enum sp_cause	c;

	if (cause == NULL || sp_cause_parse(cause, &c) == -1)
		return COLOR_NONE;
	switch (sp_cause_severity(c)) {
	case SP_SEVERITY_OK:
		return COLOR_GREEN;
	case SP_SEVERITY_DEGRADED:
		return COLOR_YELLOW;
	default:
		return COLOR_RED;
	}
}

/* Green for up, yellow for degraded, red for down. */
enum color
output_health_color(const char *health)
{
	enum health	h;

	if (health == NULL || proto_health_parse(health, &h) == -1)
		return COLOR_NONE;
	switch (h) {
	case HEALTH_UP:
		return COLOR_GREEN;
	case HEALTH_DEGRADED:
		return COLOR_YELLOW;
	case HEALTH_DOWN:
		return COLOR_RED;
	default:
		return COLOR_NONE;
	}
}

/* Microseconds for people: "0.061 ms", "204 ms", "12.500 ms", "1.250 s". */
char *
output_us(int64_t us, char *buf, size_t len)
{
	if (us < 0)
		snprintf(buf, len, "-");
	else if (us >= 1000 && us % 1000 == 0 && us < 1000000)
		snprintf(buf, len, "%lld ms", (long long)(us / 1000));
	else if (us < 1000000)
		snprintf(buf, len, "%.3f ms", (double)us / 1000.0);
	else
		snprintf(buf, len, "%.3f s", (double)us / 1000000.0);
	return buf;
}

/* Milliseconds as a duration ("2m11s"); negative is "never". */
char *
output_ms(int64_t ms, char *buf, size_t len)
{
	if (ms < 0)
		snprintf(buf, len, "never");
	else
		sp_duration_format((uint64_t)ms, buf, len);
	return buf;
}

/*
 * One JSON value as table text: "-" for null, missing or empty; numbers
 * as durations when the column says so; yes/no for booleans.
 */
const char *
output_value(const json_t *v, int flags, char *buf, size_t len)
{
	char	*s;

	if (v == NULL || json_is_null(v))
		return "-";
	if (json_is_string(v))
		return json_string_length(v) == 0 ? "-" : json_string_value(v);
	if (json_is_integer(v)) {
		if (flags & COL_MS)
			return output_ms(json_integer_value(v), buf, len);
		if (flags & COL_US)
			return output_us(json_integer_value(v), buf, len);
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		snprintf(buf, len, "%g", json_real_value(v));
		return buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		return "-";
	snprintf(buf, len, "%s", s);
	free(s);
	return buf;
}

/*
 * A table of rows (JSON objects), one column per entry of cols.  Widths
 * come from the content; a column holding numbers is right-aligned, its
 * "-" cells and header too, unless COL_LEFT.
 */
void
output_table(const struct column *cols, size_t ncols, const json_t *rows)
{
	const json_t	*row, *v;
	char		**cell, buf[256];
	size_t		*width, nrows, r, c, w;
	bool		*right;

	nrows = json_array_size(rows);
	cell = xreallocarray(NULL, (nrows + 1) * ncols, sizeof(*cell));
	right = xreallocarray(NULL, ncols, sizeof(*right));
	width = xreallocarray(NULL, ncols, sizeof(*width));
	for (c = 0; c < ncols; c++) {
		cell[c] = xstrdup(cols[c].title);
		right[c] = (cols[c].flags & COL_RIGHT) != 0;
		width[c] = text_width(cols[c].title);
	}
	for (r = 1; r <= nrows; r++) {
		row = json_array_get(rows, r - 1);
		for (c = 0; c < ncols; c++) {
			v = json_object_get(row, cols[c].key);
			cell[r * ncols + c] = xstrdup(output_value(v,
			    cols[c].flags, buf, sizeof(buf)));
			if (json_is_number(v) &&
			    (cols[c].flags & COL_LEFT) == 0)
				right[c] = true;
			if ((w = text_width(cell[r * ncols + c])) > width[c])
				width[c] = w;
		}
	}
	for (r = 0; r <= nrows; r++) {
		for (c = 0; c < ncols; c++) {
			enum color	 col = COLOR_NONE;
			const char	*s = cell[r * ncols + c];

			if (r == 0)
				col = COLOR_BOLD;
			else if (cols[c].flags & COL_CAUSE)
				col = output_cause_color(s);
			else if (cols[c].flags & COL_HEALTH)
				col = output_health_color(s);
			if (c > 0)
				fputs("  ", stdout);
			put_padded(s, width[c], right[c], col, c + 1 == ncols);
			free(cell[r * ncols + c]);
		}
		putchar('\n');
	}
	free(cell);
	free(right);
	free(width);
}

static bool
is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

/*
 * Any object, for verbs without a renderer of their own: scalars as
 * key/value lines, arrays of objects as tables, objects as sections.
 */
void
output_generic(json_t *j)
{
	struct column	 cols[32];
	struct kv	*kv;
	const char	*key, *k2;
	json_t		*v, *v2;
	size_t		 n;
	char		 buf[256];

	kv = kv_new();
	json_object_foreach(j, key, v) {
		if (is_scalar(v) || (json_is_array(v) &&
		    !json_is_object(json_array_get(v, 0))))
			kv_add(kv, key, COLOR_NONE, "%s",
			    output_value(v, 0, buf, sizeof(buf)));
	}
	kv_print(kv);
	kv_free(kv);
	json_object_foreach(j, key, v) {
		if (json_is_object(v)) {
			output_section(key);
			output_generic(v);
		} else if (json_is_array(v) &&
		    json_is_object(json_array_get(v, 0))) {
			output_section(key);
			n = 0;
			json_object_foreach(json_array_get(v, 0), k2, v2) {
				if (n < sizeof(cols) / sizeof(cols[0]) &&
				    is_scalar(v2))
					cols[n++] = (struct column){ k2, k2,
					    0 };
			}
			output_table(cols, n, v);
		}
	}
}

/* An empty list of key/value lines. */
struct kv *
kv_new(void)
{
	struct kv	*kv;

	if ((kv = calloc(1, sizeof(*kv))) == NULL)
		err(EXIT_DOWN, "calloc");
	return kv;
}

/* Add one line; the value is printf-formatted. */
void
kv_add(struct kv *kv, const char *key, enum color c, const char *fmt, ...)
{
	struct kv_entry	*e;
	va_list		 ap;
	char		*s;

	if (kv->n == kv->cap) {
		kv->cap = kv->cap == 0 ? 16 : kv->cap * 2;
		kv->entries = xreallocarray(kv->entries, kv->cap,
		    sizeof(*kv->entries));
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		err(EXIT_DOWN, "vasprintf");
	va_end(ap);
	e = &kv->entries[kv->n++];
	e->key = xstrdup(key);
	e->value = s;
	e->color = c;
}

/*
 * Print the lines indented two columns, values aligned one column past
 * the longest key; a value's own newlines continue in the value column.
 */
void
kv_print(struct kv *kv)
{
	const char	*p, *nl;
	size_t		 i, width = 0;

	for (i = 0; i < kv->n; i++)
		if (text_width(kv->entries[i].key) > width)
			width = text_width(kv->entries[i].key);
	for (i = 0; i < kv->n; i++) {
		printf("  ");
		put_padded(kv->entries[i].key, width, false, COLOR_NONE, false);
		printf("  ");
		for (p = kv->entries[i].value;; p = nl + 1) {
			char	line[1024];
			size_t	n;

			nl = strchr(p, '\n');
			n = nl != NULL ? (size_t)(nl - p) : strlen(p);
			snprintf(line, sizeof(line), "%.*s", (int)n, p);
			put_padded(line, 0, false, kv->entries[i].color, true);
			putchar('\n');
			if (nl == NULL)
				break;
			printf("%*s", (int)width + 4, "");
		}
	}
}

/* Free the list; NULL is fine. */
void
kv_free(struct kv *kv)
{
	size_t	i;

	if (kv == NULL)
		return;
	for (i = 0; i < kv->n; i++) {
		free(kv->entries[i].key);
		free(kv->entries[i].value);
	}
	free(kv->entries);
	free(kv);
}
