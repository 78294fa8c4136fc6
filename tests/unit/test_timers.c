/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The sysctl reader against a fake /proc/sys/net/ipv4 the test writes
 * (missing and malformed files read -1), the real one, the defaults, and
 * what each sysctl is said to mean in time.
 */

#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sockprobe.h"

struct fake {
	char	dir[PATH_MAX];
};

static void	fake_write(const struct fake *, const char *, const char *);
static const struct sp_sysctl *find(const struct sp_sysctl *, size_t,
		    const char *);

static void
fake_write(const struct fake *f, const char *name, const char *content)
{
	char	path[PATH_MAX * 2];
	FILE	*fp;

	assert_true(snprintf(path, sizeof(path), "%s/%s", f->dir, name) <
	    (int)sizeof(path));
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fputs(content, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static const struct sp_sysctl *
find(const struct sp_sysctl *s, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(s[i].name, name) == 0)
			return &s[i];
	fail_msg("sysctl %s missing", name);
	return NULL;
}

/* A kernel before 6.5 with some tuning and some damage. */
static int
setup_fake(void **state)
{
	struct fake	*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/sp-sysctl-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	fake_write(f, "tcp_syn_retries", "3\n");
	fake_write(f, "tcp_retries2", "5\n");
	fake_write(f, "tcp_keepalive_time", "600\n");
	fake_write(f, "tcp_keepalive_intvl", "10");
	fake_write(f, "tcp_keepalive_probes", "4\n");
	fake_write(f, "tcp_fin_timeout", "30\n");
	fake_write(f, "tcp_orphan_retries", "0\n");
	fake_write(f, "tcp_retries1", "abc\n");		/* malformed */
	fake_write(f, "tcp_synack_retries", "");		/* empty */
	fake_write(f, "tcp_rto_min_us", "-5\n");		/* negative */
	/* tcp_syn_linear_timeouts and tcp_rto_max_ms: absent. */
	*state = f;
	return 0;
}

static int
teardown_fake(void **state)
{
	struct fake	*f = *state;
	static const char *const names[] = {
		"tcp_syn_retries", "tcp_retries2", "tcp_keepalive_time",
		"tcp_keepalive_intvl", "tcp_keepalive_probes",
		"tcp_fin_timeout", "tcp_orphan_retries", "tcp_retries1",
		"tcp_synack_retries", "tcp_rto_min_us",
	};
	char		path[PATH_MAX * 2];
	size_t		i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", f->dir, names[i]);
		(void)unlink(path);
	}
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

static void
test_read_fake(void **state)
{
	struct fake		*f = *state;
	struct sp_kernel	 k;

	memset(&k, 0x55, sizeof(k));
	assert_int_equal(sp_kernel_read(f->dir, &k), 0);
	assert_int_equal(k.syn_retries, 3);
	assert_int_equal(k.retries2, 5);
	assert_int_equal(k.keepalive_time_s, 600);
	assert_int_equal(k.keepalive_intvl_s, 10);
	assert_int_equal(k.keepalive_probes, 4);
	assert_int_equal(k.fin_timeout_s, 30);
	assert_int_equal(k.orphan_retries, 0);
	assert_int_equal(k.retries1, -1);
	assert_int_equal(k.synack_retries, -1);
	assert_int_equal(k.rto_min_us, -1);
	assert_int_equal(k.syn_linear_timeouts, -1);
	assert_int_equal(k.rto_max_ms, -1);
	assert_int_equal(k.reserved[0], 0);
}

/* Meanings on the fake host: no linear SYN timeouts, classic doubling. */
static void
test_sysctls_fake(void **state)
{
	struct fake		*f = *state;
	struct sp_kernel	 k;
	struct sp_sysctl	 s[SP_KERNEL_NSYSCTL];
	const struct sp_sysctl	*x;

	assert_int_equal(sp_kernel_read(f->dir, &k), 0);
	assert_int_equal(sp_kernel_sysctls(&k, s, SP_KERNEL_NSYSCTL),
	    SP_KERNEL_NSYSCTL);
	x = find(s, SP_KERNEL_NSYSCTL, "tcp_syn_retries");
	assert_int_equal(x->effect_ms, 15000);		/* 1+2+4+8 */
	assert_non_null(strstr(x->meaning, "15 s (4 SYNs)"));
	x = find(s, SP_KERNEL_NSYSCTL, "tcp_syn_linear_timeouts");
	assert_false(x->present);
	assert_int_equal(x->value, -1);
	assert_non_null(strstr(x->meaning, "before 6.5"));
	x = find(s, SP_KERNEL_NSYSCTL, "tcp_retries2");
	assert_int_equal(x->effect_ms, 12600);		/* KERNEL-FACTS 6h */
	assert_non_null(strstr(x->meaning, "12.6 s"));
	x = find(s, SP_KERNEL_NSYSCTL, "tcp_keepalive_probes");
	assert_int_equal(x->effect_ms, (600 + 4 * 10) * 1000);
	x = find(s, SP_KERNEL_NSYSCTL, "tcp_fin_timeout");
	assert_int_equal(x->effect_ms, 30000);
	x = find(s, SP_KERNEL_NSYSCTL, "tcp_retries1");
	assert_false(x->present);
	x = find(s, SP_KERNEL_NSYSCTL, "tcp_rto_max_ms");
	assert_false(x->present);
	assert_int_equal(x->effect_ms, 120000);
	assert_non_null(strstr(x->meaning, "not tunable"));
}

/* Missing directory: -1 with the open's errno; NULL k: EINVAL. */
static void
test_read_errors(void **state)
{
	struct sp_kernel	k;

	(void)state;
	errno = 0;
	assert_int_equal(sp_kernel_read("/nonexistent/sockprobe", &k), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(sp_kernel_read("/dev/null", &k), -1);
	assert_int_equal(errno, ENOTDIR);
	assert_int_equal(sp_kernel_read(NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
}

/* The running kernel: every sysctl read equals the file's contents. */
static void
test_read_proc(void **state)
{
	struct sp_kernel	k;
	struct sp_sysctl	s[SP_KERNEL_NSYSCTL];
	char			path[128], buf[32];
	FILE			*fp;
	size_t			i;

	(void)state;
	assert_int_equal(sp_kernel_read(NULL, &k), 0);
	assert_true(k.syn_retries >= 1);
	assert_true(k.retries2 >= 1);
	assert_true(k.keepalive_time_s >= 1);
	assert_int_equal(sp_kernel_sysctls(&k, s, SP_KERNEL_NSYSCTL),
	    SP_KERNEL_NSYSCTL);
	for (i = 0; i < SP_KERNEL_NSYSCTL; i++) {
		(void)snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s",
		    s[i].name);
		if ((fp = fopen(path, "r")) == NULL) {
			assert_false(s[i].present);
			continue;
		}
		assert_non_null(fgets(buf, sizeof(buf), fp));
		fclose(fp);
		assert_true(s[i].present);
		assert_int_equal(s[i].value, atol(buf));
	}
}

/* The defaults and what KERNEL-FACTS says they mean on this host. */
static void
test_sysctls_defaults(void **state)
{
	struct sp_kernel	 k;
	struct sp_sysctl	 s[SP_KERNEL_NSYSCTL], t[SP_KERNEL_NSYSCTL];
	const struct sp_sysctl	*x;
	static const char *const order[SP_KERNEL_NSYSCTL] = {
		"tcp_syn_retries", "tcp_syn_linear_timeouts",
		"tcp_synack_retries", "tcp_retries1", "tcp_retries2",
		"tcp_orphan_retries", "tcp_fin_timeout",
		"tcp_keepalive_time", "tcp_keepalive_intvl",
		"tcp_keepalive_probes", "tcp_rto_min_us", "tcp_rto_max_ms",
	};
	size_t			 i;

	(void)state;
	sp_kernel_defaults(&k);
	assert_int_equal(k.syn_retries, 6);
	assert_int_equal(k.syn_linear_timeouts, 4);
	assert_int_equal(k.retries2, 15);
	assert_int_equal(k.orphan_retries, 0);
	assert_int_equal(k.rto_min_us, 200000);
	assert_int_equal(k.rto_max_ms, 120000);
	assert_int_equal(sp_kernel_sysctls(&k, s, SP_KERNEL_NSYSCTL),
	    SP_KERNEL_NSYSCTL);
	for (i = 0; i < SP_KERNEL_NSYSCTL; i++) {
		assert_string_equal(s[i].name, order[i]);
		assert_true(s[i].present);
		assert_true(strlen(s[i].meaning) > 10);
		assert_true(strlen(s[i].meaning) < SP_DETAIL_MAX - 1);
	}
	x = find(s, SP_KERNEL_NSYSCTL, "tcp_syn_retries");
	assert_int_equal(x->value, 6);
	assert_int_equal(x->effect_ms, 131000);
	assert_string_equal(x->meaning, "connect gives up after 131 s "
	    "(11 SYNs)");
	x = find(s, SP_KERNEL_NSYSCTL, "tcp_syn_linear_timeouts");
	assert_int_equal(x->effect_ms, -1);
	assert_non_null(strstr(x->meaning, "first 5 SYN retransmissions"));
	x = find(s, SP_KERNEL_NSYSCTL, "tcp_retries2");
	assert_int_equal(x->effect_ms, 924600);
	assert_non_null(strstr(x->meaning, "924.6 s"));
	x = find(s, SP_KERNEL_NSYSCTL, "tcp_orphan_retries");
	assert_int_equal(x->effect_ms, 102200);
	assert_non_null(strstr(x->meaning, "0 means 8"));
	x = find(s, SP_KERNEL_NSYSCTL, "tcp_keepalive_probes");
	assert_int_equal(x->effect_ms, (7200 + 9 * 75) * 1000);
	assert_non_null(strstr(x->meaning, "7200 s + 9 x 75 s"));
	x = find(s, SP_KERNEL_NSYSCTL, "tcp_keepalive_time");
	assert_int_equal(x->effect_ms, 7200000);
	x = find(s, SP_KERNEL_NSYSCTL, "tcp_synack_retries");
	assert_int_equal(x->effect_ms, 63000);
	x = find(s, SP_KERNEL_NSYSCTL, "tcp_retries1");
	assert_int_equal(x->effect_ms, 3000);
	x = find(s, SP_KERNEL_NSYSCTL, "tcp_rto_min_us");
	assert_int_equal(x->effect_ms, 200);
	/* NULL k means the defaults; a short out gets a prefix. */
	assert_int_equal(sp_kernel_sysctls(NULL, t, SP_KERNEL_NSYSCTL),
	    SP_KERNEL_NSYSCTL);
	for (i = 0; i < SP_KERNEL_NSYSCTL; i++)
		assert_int_equal(t[i].effect_ms, s[i].effect_ms);
	assert_int_equal(sp_kernel_sysctls(&k, t, 3), 3);
	assert_string_equal(t[2].name, "tcp_synack_retries");
	assert_int_equal(sp_kernel_sysctls(&k, NULL, 3), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_fake, setup_fake,
		    teardown_fake),
		cmocka_unit_test_setup_teardown(test_sysctls_fake, setup_fake,
		    teardown_fake),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_read_proc),
		cmocka_unit_test(test_sysctls_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
