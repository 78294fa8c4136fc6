/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * host:port splitting: IPv4, bracketed IPv6, names, the port's range and
 * form, and buffers that are too small.
 */

#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sockprobe.h"

static const struct {
	const char	*s;
	const char	*host;
	uint16_t	 port;
} good[] = {
	{ "127.0.0.1:80",		"127.0.0.1",		80 },
	{ "10.0.0.5:5432",		"10.0.0.5",		5432 },
	{ "[::1]:443",			"::1",			443 },
	{ "[fe80::1%eth0]:22",		"fe80::1%eth0",		22 },
	{ "[2001:db8::5]:65535",	"2001:db8::5",		65535 },
	{ "db.example.com:5432",	"db.example.com",	5432 },
	{ "localhost:1",		"localhost",		1 },
	{ "a:08080",			"a",			8080 },
	{ "*:7000",			"*",			7000 },
	{ "_srv.Example-1.org:53",	"_srv.Example-1.org",	53 },
};

static const char *const bad[] = {
	"127.0.0.1:0",			/* port 0 */
	"127.0.0.1:65536",
	"127.0.0.1:99999999999999999999",
	"127.0.0.1:",			/* missing port */
	"127.0.0.1",
	"localhost",
	":80",				/* missing host */
	"[]:80",
	"::1:80",			/* IPv6 needs brackets */
	"[::1]",
	"[::1]80",
	"[::1:80",
	"host:8x",
	"host:-1",
	"host:+80",
	"host: 80",
	"ho st:80",
	"host\t:80",
	"a]b:80",
	"",
	/* Found by fuzz/fuzz_config.c: a host that is no name could not be
	 * written back into a configuration file (';' starts a comment). */
	";evil:80",
	"a;b:80",
	"a#b:80",
	"a\\b:80",
	"caf\xc3\xa9.example:80",
	"a\"b:80",
	"a/b:80",
};

static void
test_good(void **state)
{
	char		 host[64];
	const char	*errstr;
	uint16_t	 port;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		port = 0;
		assert_int_equal(sp_hostport_split(good[i].s, host,
		    sizeof(host), &port, &errstr), 0);
		assert_string_equal(host, good[i].host);
		assert_int_equal(port, good[i].port);
	}
}

static void
test_bad(void **state)
{
	char		 host[64];
	const char	*errstr;
	uint16_t	 port;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errstr = NULL;
		errno = 0;
		if (sp_hostport_split(bad[i], host, sizeof(host), &port,
		    &errstr) != -1)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_int_equal(errno, EINVAL);
		assert_non_null(errstr);
	}
	assert_int_equal(sp_hostport_split(NULL, host, sizeof(host), &port,
	    &errstr), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sp_hostport_split("a:1", NULL, 0, &port, &errstr),
	    -1);
	assert_int_equal(sp_hostport_split("a:1", host, sizeof(host), NULL,
	    &errstr), -1);
	assert_int_equal(sp_hostport_split("a:0", host, sizeof(host), &port,
	    NULL), -1);
}

/* The port messages name the range; the v6 one names the brackets. */
static void
test_messages(void **state)
{
	char		 host[64];
	const char	*errstr;
	uint16_t	 port;

	(void)state;
	assert_int_equal(sp_hostport_split("h:0", host, sizeof(host), &port,
	    &errstr), -1);
	assert_non_null(strstr(errstr, "1..65535"));
	assert_int_equal(sp_hostport_split("h:65536", host, sizeof(host),
	    &port, &errstr), -1);
	assert_non_null(strstr(errstr, "1..65535"));
	assert_int_equal(sp_hostport_split("h", host, sizeof(host), &port,
	    &errstr), -1);
	assert_non_null(strstr(errstr, "port"));
	assert_int_equal(sp_hostport_split("::1:80", host, sizeof(host),
	    &port, &errstr), -1);
	assert_non_null(strstr(errstr, "brackets"));
}

/* The host plus its NUL must fit; one byte less is ENAMETOOLONG. */
static void
test_too_long(void **state)
{
	char		 host[8];
	const char	*errstr;
	uint16_t	 port;

	(void)state;
	assert_int_equal(sp_hostport_split("abcd:1", host, 5, &port, &errstr),
	    0);
	assert_string_equal(host, "abcd");
	errno = 0;
	assert_int_equal(sp_hostport_split("abcde:1", host, 5, &port,
	    &errstr), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(sp_hostport_split("[::1]:1", host, 3, &port,
	    &errstr), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(sp_hostport_split("[::1]:1", host, 4, &port,
	    &errstr), 0);
	assert_string_equal(host, "::1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
