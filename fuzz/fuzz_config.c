/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The configuration parser under a fuzzer: any bytes as a whole file,
 * through conf_load_buffer() and conf_print(), which is what
 * `sockprobed -n` runs on a file after reading it (all but its name
 * lookups, which need the network: see conf_check_names()).  A file
 * either loads with no message, or fails with at least one, each
 * "FILE:LINE: text" with a line the file has, printable, on one line.
 * A file that loads prints a normalised form that loads again and
 * prints the same: the property tests/conf/run.sh checks on each golden
 * file, here on every input.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/event.h>
#include <jansson.h>

#include "sockprobe.h"
#include "sockprobed.h"
#include "fuzz.h"

#define FUZZ_FILE	"fuzz.conf"

static size_t	fuzz_nlines(const uint8_t *, size_t);
static void	fuzz_check_message(const char *, size_t);
static char	*fuzz_print(const struct conf *, size_t *);

/* Lines in the text, a last one without its newline counted. */
static size_t
fuzz_nlines(const uint8_t *data, size_t size)
{
	size_t	i, n = 0;

	for (i = 0; i < size; i++)
		if (data[i] == '\n')
			n++;
	return n + (size > 0 && data[size - 1] != '\n');
}

/* "fuzz.conf:LINE: text" or "fuzz.conf: text", printable, one line. */
static void
fuzz_check_message(const char *msg, size_t nlines)
{
	const unsigned char	*p;
	const char		*rest;
	char			*end;
	unsigned long		 line;

	FUZZ_CHECK(strncmp(msg, FUZZ_FILE ":", strlen(FUZZ_FILE ":")) == 0);
	rest = msg + strlen(FUZZ_FILE ":");
	if (*rest >= '0' && *rest <= '9') {
		line = strtoul(rest, &end, 10);
		FUZZ_CHECK(line >= 1 && line <= nlines);
		FUZZ_CHECK(*end == ':');
		rest = end + 1;
	}
	FUZZ_CHECK(rest[0] == ' ' && rest[1] != '\0');
	for (p = (const unsigned char *)rest; *p != '\0'; p++)
		FUZZ_CHECK(*p >= ' ' && *p != 0x7f);
}

/* conf_print() into memory, as `sockprobed -n` prints it. */
static char *
fuzz_print(const struct conf *c, size_t *len)
{
	char	*text = NULL;
	FILE	*fp;

	*len = 0;
	if ((fp = open_memstream(&text, len)) == NULL)
		abort();
	conf_print(c, fp);
	fclose(fp);
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_errors	 errs = { 0 };
	struct conf		*c, *again;
	char			*text, *text2;
	size_t			 len, len2, i;
	static bool		 quiet;

	if (!quiet) {
		log_init(LOG_EMERG);
		quiet = true;
	}
	c = conf_load_buffer(FUZZ_FILE, (const char *)data, size, &errs);
	if (c == NULL) {
		FUZZ_CHECK(errs.n > 0);
		for (i = 0; i < errs.n; i++)
			fuzz_check_message(errs.lines[i],
			    fuzz_nlines(data, size));
		conf_errors_clear(&errs);
		return 0;
	}
	FUZZ_CHECK(errs.n == 0);
	text = fuzz_print(c, &len);
	conf_free(c);
	/* The normalised form loads and is its own normal form. */
	again = conf_load_buffer(FUZZ_FILE, text, len, &errs);
	if (again == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.lines[i]);
		fprintf(stderr, "--- printed:\n%s---\n", text);
	}
	FUZZ_CHECK(again != NULL);
	text2 = fuzz_print(again, &len2);
	if (len2 != len || memcmp(text, text2, len) != 0)
		fprintf(stderr, "--- printed:\n%s--- printed again:\n%s---\n",
		    text, text2);
	FUZZ_CHECK(len2 == len && memcmp(text, text2, len) == 0);
	free(text2);
	conf_free(again);
	free(text);
	return 0;
}
