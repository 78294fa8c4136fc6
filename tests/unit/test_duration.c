/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Durations: every unit, combinations, decimals, each kind of error, the
 * 2^53 ms limit, the formatter and the round trip between the two, and
 * the seconds wording the budget texts use.  Includes duration.c.
 */

#include "duration.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

static const struct {
	const char	*s;
	uint64_t	 ms;
} good[] = {
	{ "0",			0 },
	{ "00",			0 },
	{ "0s",			0 },
	{ "0ms",		0 },
	{ "1ms",		1 },
	{ "250ms",		250 },
	{ "1s",			1000 },
	{ "10s",		10000 },
	{ "1m",			60000 },
	{ "1h",			3600000 },
	{ "1m30s",		90000 },
	{ "1h2m3s4ms",		3723004 },
	{ "1h250ms",		3600250 },
	{ "2h30s",		7230000 },
	{ "1.5s",		1500 },
	{ "0.25s",		250 },
	{ "1.000s",		1000 },
	{ "1.001s",		1001 },
	{ "2.5m",		150000 },
	{ "1.5h",		5400000 },
	{ "1.50000000000000000000s", 1500 },
	{ "007s",		7000 },
	{ "9007199254740992ms",	UINT64_C(9007199254740992) },
	{ "2501999792h59m",	UINT64_C(9007199254740000) },
};

static const struct {
	const char	*s;
	int		 err;
} bad[] = {
	{ "",			EINVAL },
	{ "5",			EINVAL },	/* a number needs a unit */
	{ "1.5",		EINVAL },
	{ "1x",			EINVAL },
	{ "1sx",		EINVAL },
	{ "1 s",		EINVAL },
	{ " 1s",		EINVAL },
	{ "1s ",		EINVAL },
	{ "-1s",		EINVAL },
	{ "+1s",		EINVAL },
	{ "s",			EINVAL },
	{ "ms",			EINVAL },
	{ "1.s",		EINVAL },
	{ ".5s",		EINVAL },
	{ "1..5s",		EINVAL },
	{ "1.0005s",		EINVAL },	/* 1000.5 ms */
	{ "0.5ms",		EINVAL },
	{ "1.1ms",		EINVAL },
	{ "0.0001s",		EINVAL },
	{ "0.0000001h",		EINVAL },	/* 0.36 ms */
	{ "1.00000000001s",	EINVAL },
	{ "1s1m",		EINVAL },	/* units out of order */
	{ "1s1s",		EINVAL },	/* a unit twice */
	{ "1ms1s",		EINVAL },
	{ "1m5",		EINVAL },
	{ "1S",			EINVAL },
	{ "1d",			EINVAL },
	{ "9007199254740993ms",	ERANGE },	/* 2^53 + 1 */
	{ "2501999793h",	ERANGE },
	{ "2501999792h59m1s",	ERANGE },
	{ "99999999999999999999999s", ERANGE },	/* beyond uint64 */
	{ "18446744073709551615ms", ERANGE },
};

static const struct {
	uint64_t	 ms;
	const char	*s;
} formats[] = {
	{ 0,		"0" },
	{ 1,		"1ms" },
	{ 250,		"250ms" },
	{ 999,		"999ms" },
	{ 1000,		"1s" },
	{ 1001,		"1.001s" },
	{ 1010,		"1.01s" },
	{ 1500,		"1.5s" },
	{ 10000,	"10s" },
	{ 60000,	"1m" },
	{ 90000,	"1m30s" },
	{ 90500,	"1m30.5s" },
	{ 3600000,	"1h" },
	{ 3600250,	"1h250ms" },
	{ 5400000,	"1h30m" },
	{ 86400000,	"24h" },
	{ 3723004,	"1h2m3.004s" },
};

static void
test_parse_good(void **state)
{
	const char	*errstr;
	uint64_t	 ms;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ms = 12345;
		errstr = NULL;
		assert_int_equal(sp_duration_parse(good[i].s, &ms, &errstr),
		    0);
		assert_int_equal(ms, good[i].ms);
	}
}

static void
test_parse_bad(void **state)
{
	const char	*errstr;
	uint64_t	 ms;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errstr = NULL;
		errno = 0;
		ms = 12345;
		if (sp_duration_parse(bad[i].s, &ms, &errstr) != -1)
			fail_msg("\"%s\" parsed as %llu", bad[i].s,
			    (unsigned long long)ms);
		assert_int_equal(errno, bad[i].err);
		assert_non_null(errstr);
		assert_true(strlen(errstr) > 0);
		assert_int_equal(ms, 12345);	/* untouched on failure */
	}
	errno = 0;
	assert_int_equal(sp_duration_parse(NULL, &ms, &errstr), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sp_duration_parse("1s", NULL, &errstr), -1);
	/* errstr is optional. */
	assert_int_equal(sp_duration_parse("1x", &ms, NULL), -1);
	assert_int_equal(sp_duration_parse("1s", &ms, NULL), 0);
}

/* The messages say what was wrong, not just that something was. */
static void
test_parse_messages(void **state)
{
	const char	*errstr;
	uint64_t	 ms;

	(void)state;
	assert_int_equal(sp_duration_parse("5", &ms, &errstr), -1);
	assert_non_null(strstr(errstr, "unit"));
	assert_int_equal(sp_duration_parse("-1s", &ms, &errstr), -1);
	assert_non_null(strstr(errstr, "negative"));
	assert_int_equal(sp_duration_parse("1.0005s", &ms, &errstr), -1);
	assert_non_null(strstr(errstr, "whole milliseconds"));
	assert_int_equal(sp_duration_parse("1s1m", &ms, &errstr), -1);
	assert_non_null(strstr(errstr, "once"));
	assert_int_equal(sp_duration_parse("", &ms, &errstr), -1);
	assert_non_null(strstr(errstr, "empty"));
	assert_int_equal(sp_duration_parse("1d", &ms, &errstr), -1);
	assert_non_null(strstr(errstr, "unknown unit"));
	assert_int_equal(sp_duration_parse("9999999999h", &ms, &errstr), -1);
	assert_non_null(strstr(errstr, "too long"));
}

static void
test_format(void **state)
{
	char	buf[64];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		assert_ptr_equal(sp_duration_format(formats[i].ms, buf,
		    sizeof(buf)), buf);
		assert_string_equal(buf, formats[i].s);
	}
}

/* A short buffer truncates like snprintf; length 0 writes nothing. */
static void
test_format_truncates(void **state)
{
	char	buf[8];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_ptr_equal(sp_duration_format(90000, buf, 3), buf);
	assert_string_equal(buf, "1m");
	assert_int_equal(buf[3], 'x');
	memset(buf, 'x', sizeof(buf));
	(void)sp_duration_format(90000, buf, 0);
	assert_int_equal(buf[0], 'x');
	assert_null(sp_duration_format(1000, NULL, 0));
}

/* Whatever is formatted parses back to the same number of ms. */
static void
test_round_trip(void **state)
{
	char		 buf[64];
	const char	*errstr;
	uint64_t	 ms, back;
	int		 i;

	(void)state;
	srandom(42);
	for (i = 0; i < 20000; i++) {
		switch (i % 4) {
		case 0:
			ms = (uint64_t)random() % 5000;
			break;
		case 1:
			ms = (uint64_t)random() * 1000;
			break;
		case 2:
			ms = ((uint64_t)random() << 22 ^ (uint64_t)random()) %
			    (DUR_MAX_MS + 1);
			break;
		default:
			ms = DUR_MAX_MS - (uint64_t)(i / 4);
			break;
		}
		(void)sp_duration_format(ms, buf, sizeof(buf));
		if (sp_duration_parse(buf, &back, &errstr) != 0)
			fail_msg("%llu formatted as \"%s\" fails: %s",
			    (unsigned long long)ms, buf, errstr);
		assert_int_equal(back, ms);
	}
}

static void
test_secs_format(void **state)
{
	char	buf[64];

	(void)state;
	assert_string_equal(lsp_secs_format(-1, buf, sizeof(buf)), "never");
	assert_string_equal(lsp_secs_format(0, buf, sizeof(buf)), "0 ms");
	assert_string_equal(lsp_secs_format(200, buf, sizeof(buf)), "200 ms");
	assert_string_equal(lsp_secs_format(1000, buf, sizeof(buf)), "1 s");
	assert_string_equal(lsp_secs_format(1001, buf, sizeof(buf)),
	    "1.001 s");
	assert_string_equal(lsp_secs_format(3410, buf, sizeof(buf)), "3.41 s");
	assert_string_equal(lsp_secs_format(131000, buf, sizeof(buf)),
	    "131 s");
	assert_string_equal(lsp_secs_format(924600, buf, sizeof(buf)),
	    "924.6 s");
	assert_string_equal(lsp_secs_format(7200000, buf, sizeof(buf)),
	    "7200 s (2h)");
	assert_string_equal(lsp_secs_format(7875000, buf, sizeof(buf)),
	    "7875 s (2h11m15s)");
	assert_string_equal(lsp_secs_format(7875000, buf, 8), "7875 s ");
	assert_string_equal(lsp_secs_format(924600, buf, 4), "924");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_messages),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_secs_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
