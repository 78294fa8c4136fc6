/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The vocabulary: every enum value has a distinct name that parses back,
 * out-of-range values read "unknown", DESIGN.md's words are the ones
 * used, and errno values map to the causes the kernel facts call for.
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

/* DESIGN.md's cause list, in the header's order. */
static const char *const design_causes[] = {
	"none", "peer_closed", "reset", "broken_pipe", "timed_out",
	"host_unreachable", "no_reply", "send_stalled", "refused",
	"syn_timeout", "net_unreachable", "state", "retransmitting",
	"keepalive_probing", "zero_window", "expect_mismatch", "local",
};

static const char *const design_techniques[] = {
	"none", "read", "write", "tcp_info", "keepalive", "timeout",
	"user_timeout", "connect",
};

static void
test_techniques(void **state)
{
	enum sp_technique	t;
	int			i, j;

	(void)state;
	assert_int_equal(sizeof(design_techniques) /
	    sizeof(design_techniques[0]), SP_TECH__MAX);
	for (i = 0; i < SP_TECH__MAX; i++) {
		assert_string_equal(sp_technique_name(i),
		    design_techniques[i]);
		assert_int_equal(sp_technique_parse(sp_technique_name(i), &t),
		    0);
		assert_int_equal(t, i);
		for (j = 0; j < i; j++)
			assert_string_not_equal(sp_technique_name(j),
			    sp_technique_name(i));
	}
	assert_string_equal(sp_technique_name(SP_TECH__MAX), "unknown");
	assert_string_equal(sp_technique_name((enum sp_technique)-1),
	    "unknown");
	errno = 0;
	assert_int_equal(sp_technique_parse("unknown", &t), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sp_technique_parse("READ", &t), -1);
	assert_int_equal(sp_technique_parse(NULL, &t), -1);
	assert_int_equal(sp_technique_parse("", &t), -1);
}

static void
test_causes(void **state)
{
	enum sp_cause	c;
	int		i, j;

	(void)state;
	assert_int_equal(sizeof(design_causes) / sizeof(design_causes[0]),
	    SP_CAUSE__MAX);
	for (i = 0; i < SP_CAUSE__MAX; i++) {
		assert_string_equal(sp_cause_name(i), design_causes[i]);
		assert_int_equal(sp_cause_parse(sp_cause_name(i), &c), 0);
		assert_int_equal(c, i);
		for (j = 0; j < i; j++)
			assert_string_not_equal(sp_cause_name(j),
			    sp_cause_name(i));
	}
	assert_string_equal(sp_cause_name(SP_CAUSE__MAX), "unknown");
	errno = 0;
	assert_int_equal(sp_cause_parse("peer-closed", &c), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sp_cause_parse(NULL, &c), -1);
}

/* Only "none" is ok; the suspect-but-alive causes are degraded. */
static void
test_severity(void **state)
{
	int	i;

	(void)state;
	assert_int_equal(sp_cause_severity(SP_CAUSE_NONE), SP_SEVERITY_OK);
	assert_int_equal(sp_cause_severity(SP_CAUSE_RETRANSMITTING),
	    SP_SEVERITY_DEGRADED);
	assert_int_equal(sp_cause_severity(SP_CAUSE_KEEPALIVE_PROBING),
	    SP_SEVERITY_DEGRADED);
	assert_int_equal(sp_cause_severity(SP_CAUSE_ZERO_WINDOW),
	    SP_SEVERITY_DEGRADED);
	assert_int_equal(sp_cause_severity(SP_CAUSE_RESET), SP_SEVERITY_DOWN);
	assert_int_equal(sp_cause_severity(SP_CAUSE_PEER_CLOSED),
	    SP_SEVERITY_DOWN);
	for (i = 1; i < SP_CAUSE__MAX; i++)
		assert_int_not_equal(sp_cause_severity(i), SP_SEVERITY_OK);
	assert_string_equal(sp_severity_name(SP_SEVERITY_OK), "ok");
	assert_string_equal(sp_severity_name(SP_SEVERITY_DEGRADED),
	    "degraded");
	assert_string_equal(sp_severity_name(SP_SEVERITY_DOWN), "down");
	assert_string_equal(sp_severity_name((enum sp_severity)3), "unknown");
}

/* The kernel's names, as ss prints them with '-' turned into '_'. */
static void
test_tcp_states(void **state)
{
	enum sp_tcp_state	s;
	int			i, j;

	(void)state;
	assert_string_equal(sp_tcp_state_name(SP_TCP_ESTABLISHED),
	    "ESTABLISHED");
	assert_string_equal(sp_tcp_state_name(SP_TCP_CLOSE_WAIT),
	    "CLOSE_WAIT");
	assert_string_equal(sp_tcp_state_name(SP_TCP_TIME_WAIT), "TIME_WAIT");
	assert_string_equal(sp_tcp_state_name(SP_TCP_FIN_WAIT2), "FIN_WAIT2");
	for (i = 0; i < SP_TCP__MAX; i++) {
		assert_non_null(sp_tcp_state_name(i));
		assert_string_not_equal(sp_tcp_state_name(i), "unknown");
		assert_int_equal(sp_tcp_state_parse(sp_tcp_state_name(i), &s),
		    0);
		assert_int_equal(s, i);
		for (j = 0; j < i; j++)
			assert_string_not_equal(sp_tcp_state_name(j),
			    sp_tcp_state_name(i));
	}
	assert_string_equal(sp_tcp_state_name(SP_TCP__MAX), "unknown");
	assert_int_equal(sp_tcp_state_parse("established", &s), -1);
	assert_int_equal(sp_tcp_state_parse(NULL, &s), -1);
}

/* Per KERNEL-FACTS: ETIMEDOUT while connecting is a SYN timeout. */
static void
test_errno_causes(void **state)
{
	(void)state;
	assert_int_equal(sp_cause_from_errno(0, false), SP_CAUSE_NONE);
	assert_int_equal(sp_cause_from_errno(ETIMEDOUT, true),
	    SP_CAUSE_SYN_TIMEOUT);
	assert_int_equal(sp_cause_from_errno(ETIMEDOUT, false),
	    SP_CAUSE_TIMED_OUT);
	assert_int_equal(sp_cause_from_errno(ECONNRESET, false),
	    SP_CAUSE_RESET);
	assert_int_equal(sp_cause_from_errno(EPIPE, false),
	    SP_CAUSE_BROKEN_PIPE);
	assert_int_equal(sp_cause_from_errno(EHOSTUNREACH, false),
	    SP_CAUSE_HOST_UNREACHABLE);
	assert_int_equal(sp_cause_from_errno(ECONNREFUSED, true),
	    SP_CAUSE_REFUSED);
	assert_int_equal(sp_cause_from_errno(ENETUNREACH, true),
	    SP_CAUSE_NET_UNREACHABLE);
	assert_int_equal(sp_cause_from_errno(EMFILE, false), SP_CAUSE_LOCAL);
	assert_int_equal(sp_cause_from_errno(EADDRNOTAVAIL, true),
	    SP_CAUSE_LOCAL);
	assert_int_equal(sp_cause_from_errno(ENOBUFS, false), SP_CAUSE_LOCAL);
}

/* The budget's words: failure modes and warning bits. */
static void
test_budget_names(void **state)
{
	uint32_t	bit;
	int		i, j, nbits = 0;

	(void)state;
	assert_string_equal(sp_failure_name(SP_FAIL_SYN_SENT), "syn_sent");
	for (i = 0; i < SP_FAIL__MAX; i++) {
		assert_string_not_equal(sp_failure_name(i), "unknown");
		for (j = 0; j < i; j++)
			assert_string_not_equal(sp_failure_name(j),
			    sp_failure_name(i));
	}
	assert_string_equal(sp_failure_name(SP_FAIL__MAX), "unknown");
	for (bit = 1; bit != 0; bit <<= 1) {
		if ((bit & SP_WARN__ALL) == 0) {
			assert_null(sp_warning_name(bit));
			assert_null(sp_warning_text(bit));
			continue;
		}
		nbits++;
		assert_non_null(sp_warning_name(bit));
		assert_non_null(sp_warning_text(bit));
		assert_true(strlen(sp_warning_text(bit)) > 20);
	}
	assert_int_equal(nbits, 6);
	assert_string_equal(sp_warning_name(SP_WARN_UT_IDLE_NOOP),
	    "ut_idle_noop");
	assert_string_equal(sp_warning_name(SP_WARN_KEEPCNT_OVERRIDDEN),
	    "keepcnt_overridden");
	assert_string_equal(sp_warning_name(SP_WARN_RETRIES2_FLOOR),
	    "retries2_floor");
	assert_null(sp_warning_name(0));
	assert_null(sp_warning_name(SP_WARN_UT_IDLE_NOOP |
	    SP_WARN_SYN_SLOW));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_techniques),
		cmocka_unit_test(test_causes),
		cmocka_unit_test(test_severity),
		cmocka_unit_test(test_tcp_states),
		cmocka_unit_test(test_errno_causes),
		cmocka_unit_test(test_budget_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
