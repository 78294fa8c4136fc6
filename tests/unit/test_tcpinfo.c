/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * TCP_INFO decoding: the offset table against <linux/tcp.h> and itself,
 * values at every offset, short and random buffers, and a real loopback
 * socket.  Includes tcpinfo.c to reach its table.
 */

#include "tcpinfo.c"

#include <sys/socket.h>

#include <arpa/inet.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#define KERNEL_BUF	512	/* more than any kernel's struct tcp_info */

static void	pattern(uint8_t *, size_t);
static uint64_t	expected(const uint8_t *, const struct ti_field *);
static void	loopback_pair(int *, int *);

/* Byte i of the test buffer: distinct per offset, never all zero. */
static void
pattern(uint8_t *b, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(i * 7 + 1);
}

/*
 * The value a field must decode to from the pattern, computed apart from
 * ti_load(); the byte order assumed is the x86 and arm64 one.
 */
static uint64_t
expected(const uint8_t *b, const struct ti_field *f)
{
	uint64_t	v = 0;
	int		i;

	if (f->bits > 0)
		return (b[f->koff] >> f->shift) & ((1u << f->bits) - 1);
	for (i = f->kwidth - 1; i >= 0; i--)	/* little-endian host */
		v = v << 8 | b[f->koff + i];
	return v;
}

/*
 * A connected pair on 127.0.0.1; testlib.h cannot be used here, its
 * <netinet/tcp.h> clashes with the <linux/tcp.h> tcpinfo.c includes.
 */
static void
loopback_pair(int *c, int *s)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);
	int			l;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((l = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sin, &len), 0);
	assert_true((*c = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(connect(*c, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_true((*s = accept(l, NULL, NULL)) >= 0);
	close(l);
}

/* Every field <linux/tcp.h> (Debian 12: 6.1) has sits where we say. */
static void
test_table_matches_header(void **state)
{
#define AT(id, m) do {							\
	assert_int_equal(ti_fields[id].koff, offsetof(struct tcp_info, m)); \
	assert_int_equal(ti_fields[id].kwidth,				\
	    sizeof(((struct tcp_info *)0)->m));				\
} while (0)
	(void)state;
	AT(SP_TI_STATE, tcpi_state);
	AT(SP_TI_CA_STATE, tcpi_ca_state);
	AT(SP_TI_RETRANSMITS, tcpi_retransmits);
	AT(SP_TI_PROBES, tcpi_probes);
	AT(SP_TI_BACKOFF, tcpi_backoff);
	AT(SP_TI_OPTIONS, tcpi_options);
	AT(SP_TI_RTO_US, tcpi_rto);
	AT(SP_TI_ATO_US, tcpi_ato);
	AT(SP_TI_SND_MSS, tcpi_snd_mss);
	AT(SP_TI_RCV_MSS, tcpi_rcv_mss);
	AT(SP_TI_UNACKED, tcpi_unacked);
	AT(SP_TI_SACKED, tcpi_sacked);
	AT(SP_TI_LOST, tcpi_lost);
	AT(SP_TI_RETRANS, tcpi_retrans);
	AT(SP_TI_FACKETS, tcpi_fackets);
	AT(SP_TI_LAST_DATA_SENT_MS, tcpi_last_data_sent);
	AT(SP_TI_LAST_ACK_SENT_MS, tcpi_last_ack_sent);
	AT(SP_TI_LAST_DATA_RECV_MS, tcpi_last_data_recv);
	AT(SP_TI_LAST_ACK_RECV_MS, tcpi_last_ack_recv);
	AT(SP_TI_PMTU, tcpi_pmtu);
	AT(SP_TI_RCV_SSTHRESH, tcpi_rcv_ssthresh);
	AT(SP_TI_RTT_US, tcpi_rtt);
	AT(SP_TI_RTTVAR_US, tcpi_rttvar);
	AT(SP_TI_SND_SSTHRESH, tcpi_snd_ssthresh);
	AT(SP_TI_SND_CWND, tcpi_snd_cwnd);
	AT(SP_TI_ADVMSS, tcpi_advmss);
	AT(SP_TI_REORDERING, tcpi_reordering);
	AT(SP_TI_RCV_RTT_US, tcpi_rcv_rtt);
	AT(SP_TI_RCV_SPACE, tcpi_rcv_space);
	AT(SP_TI_TOTAL_RETRANS, tcpi_total_retrans);
	AT(SP_TI_PACING_RATE, tcpi_pacing_rate);
	AT(SP_TI_MAX_PACING_RATE, tcpi_max_pacing_rate);
	AT(SP_TI_BYTES_ACKED, tcpi_bytes_acked);
	AT(SP_TI_BYTES_RECEIVED, tcpi_bytes_received);
	AT(SP_TI_SEGS_OUT, tcpi_segs_out);
	AT(SP_TI_SEGS_IN, tcpi_segs_in);
	AT(SP_TI_NOTSENT_BYTES, tcpi_notsent_bytes);
	AT(SP_TI_MIN_RTT_US, tcpi_min_rtt);
	AT(SP_TI_DATA_SEGS_IN, tcpi_data_segs_in);
	AT(SP_TI_DATA_SEGS_OUT, tcpi_data_segs_out);
	AT(SP_TI_DELIVERY_RATE, tcpi_delivery_rate);
	AT(SP_TI_BUSY_TIME_US, tcpi_busy_time);
	AT(SP_TI_RWND_LIMITED_US, tcpi_rwnd_limited);
	AT(SP_TI_SNDBUF_LIMITED_US, tcpi_sndbuf_limited);
	AT(SP_TI_DELIVERED, tcpi_delivered);
	AT(SP_TI_DELIVERED_CE, tcpi_delivered_ce);
	AT(SP_TI_BYTES_SENT, tcpi_bytes_sent);
	AT(SP_TI_BYTES_RETRANS, tcpi_bytes_retrans);
	AT(SP_TI_DSACK_DUPS, tcpi_dsack_dups);
	AT(SP_TI_REORD_SEEN, tcpi_reord_seen);
	AT(SP_TI_RCV_OOOPACK, tcpi_rcv_ooopack);
	AT(SP_TI_SND_WND, tcpi_snd_wnd);
#undef AT
}

/* The bit fields of bytes 6 and 7, written by the compiler, read back. */
static void
test_bitfields_match_header(void **state)
{
	struct tcp_info		ki;
	struct sp_tcp_info	ti;

	(void)state;
	memset(&ki, 0, sizeof(ki));
	ki.tcpi_snd_wscale = 0xa;
	ki.tcpi_rcv_wscale = 0x5;
	ki.tcpi_delivery_rate_app_limited = 1;
	ki.tcpi_fastopen_client_fail = 2;
	assert_int_equal(sp_tcp_info_decode(&ki, sizeof(ki), &ti), 0);
	assert_int_equal(ti.snd_wscale, 0xa);
	assert_int_equal(ti.rcv_wscale, 0x5);
	assert_int_equal(ti.delivery_rate_app_limited, 1);
	assert_int_equal(ti.fastopen_client_fail, 2);
	ki.tcpi_delivery_rate_app_limited = 0;
	ki.tcpi_fastopen_client_fail = 3;
	assert_int_equal(sp_tcp_info_decode(&ki, sizeof(ki), &ti), 0);
	assert_int_equal(ti.delivery_rate_app_limited, 0);
	assert_int_equal(ti.fastopen_client_fail, 3);
}

/* The table is ordered, does not overlap, ends at 276 and fits our struct. */
static void
test_table_consistent(void **state)
{
	const struct ti_field	*f, *prev = NULL;
	size_t			 i, j;

	(void)state;
	for (i = 0; i < SP_TI__MAX; i++) {
		f = &ti_fields[i];
		assert_non_null(f->name);
		assert_true(f->kwidth == 1 || f->kwidth == 2 ||
		    f->kwidth == 4 || f->kwidth == 8);
		assert_true(f->swidth >= f->kwidth);
		assert_true(f->soff + f->swidth <=
		    offsetof(struct sp_tcp_info, reserved));
		assert_true(f->soff >= sizeof(uint32_t));	/* kernel_len */
		if (prev != NULL && prev->koff == f->koff)
			assert_true(f->bits > 0 && prev->bits > 0 &&
			    prev->shift + prev->bits <= f->shift);
		else if (prev != NULL)
			assert_true(prev->koff + prev->kwidth <= f->koff);
		for (j = 0; j < i; j++) {
			assert_string_not_equal(ti_fields[j].name, f->name);
			assert_int_not_equal(ti_fields[j].soff, f->soff);
		}
		prev = f;
	}
	assert_int_equal(prev->koff + prev->kwidth, LSP_TCP_INFO_MAX);
}

/* A full 280-byte buffer: every field decodes to its own bytes. */
static void
test_decode_full(void **state)
{
	uint8_t			b[280];
	struct sp_tcp_info	ti;
	uint64_t		v;
	size_t			i;

	(void)state;
	pattern(b, sizeof(b));
	assert_int_equal(sp_tcp_info_decode(b, sizeof(b), &ti), 0);
	assert_int_equal(ti.kernel_len, 280);
	for (i = 0; i < SP_TI__MAX; i++) {
		assert_true(sp_tcp_info_has(&ti, i));
		assert_int_equal(sp_tcp_info_get(&ti, i, &v), 0);
		assert_int_equal(v, expected(b, &ti_fields[i]));
	}
	/* Spot checks through the struct, independent of the table. */
	assert_int_equal(ti.state, b[0]);
	assert_int_equal(ti.snd_wscale, b[6] & 0xf);
	assert_int_equal(ti.rcv_wscale, b[6] >> 4);
	assert_int_equal(ti.total_rto, b[240] | b[241] << 8);
	assert_int_equal(ti.received_ce_bytes, (uint32_t)b[272] |
	    (uint32_t)b[273] << 8 | (uint32_t)b[274] << 16 |
	    (uint32_t)b[275] << 24);
}

/*
 * Every length from 0 to 280, each in a buffer of exactly that size (the
 * sanitizer build catches a read past it): a field is present exactly
 * when it fits, and absent fields read 0, never garbage.
 */
static void
test_decode_short(void **state)
{
	uint8_t			*b;
	struct sp_tcp_info	 ti;
	uint64_t		 v;
	size_t			 len, i, j;
	bool			 fits;

	(void)state;
	for (len = 0; len <= 280; len++) {
		b = malloc(len > 0 ? len : 1);
		assert_non_null(b);
		pattern(b, len);
		memset(&ti, 0xee, sizeof(ti));
		assert_int_equal(sp_tcp_info_decode(b, len, &ti), 0);
		assert_int_equal(ti.kernel_len, len);
		for (i = 0; i < SP_TI__MAX; i++) {
			fits = ti_fields[i].koff + ti_fields[i].kwidth <= len;
			assert_int_equal(sp_tcp_info_has(&ti, i), fits);
			if (fits) {
				assert_int_equal(sp_tcp_info_get(&ti, i, &v),
				    0);
				assert_int_equal(v, expected(b, &ti_fields[i]));
				continue;
			}
			errno = 0;
			assert_int_equal(sp_tcp_info_get(&ti, i, &v), -1);
			assert_int_equal(errno, ENOENT);
			for (j = 0; j < ti_fields[i].swidth; j++)
				assert_int_equal(((uint8_t *)&ti)
				    [ti_fields[i].soff + j], 0);
		}
		for (i = 0; i < 16; i++)
			assert_int_equal(ti.reserved[i], 0);
		free(b);
	}
}

/* Arbitrary bytes and lengths never crash and keep bit fields in range. */
static void
test_decode_random(void **state)
{
	uint8_t			*b;
	struct sp_tcp_info	 ti;
	uint64_t		 v;
	size_t			 len, i;
	int			 round;

	(void)state;
	srandom(20261124);
	for (round = 0; round < 2000; round++) {
		len = (size_t)random() % 600;
		b = malloc(len > 0 ? len : 1);
		assert_non_null(b);
		for (i = 0; i < len; i++)
			b[i] = (uint8_t)random();
		assert_int_equal(sp_tcp_info_decode(b, len, &ti), 0);
		assert_true(ti.snd_wscale <= 15 && ti.rcv_wscale <= 15);
		assert_true(ti.delivery_rate_app_limited <= 1);
		assert_true(ti.fastopen_client_fail <= 3);
		for (i = 0; i < SP_TI__MAX; i++)
			assert_int_equal(sp_tcp_info_get(&ti, i, &v) == 0,
			    sp_tcp_info_has(&ti, i));
		free(b);
	}
}

static void
test_bad_arguments(void **state)
{
	struct sp_tcp_info	ti;
	uint8_t			b[8] = { 1 };
	uint64_t		v;

	(void)state;
	errno = 0;
	assert_int_equal(sp_tcp_info_decode(NULL, 0, &ti), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sp_tcp_info_decode(b, sizeof(b), NULL), -1);
	assert_int_equal(sp_tcp_info_decode(b, 0, &ti), 0);
	assert_false(sp_tcp_info_has(&ti, SP_TI_STATE));
	assert_int_equal(sp_tcp_info_decode(b, sizeof(b), &ti), 0);
	assert_false(sp_tcp_info_has(NULL, SP_TI_STATE));
	assert_false(sp_tcp_info_has(&ti, SP_TI__MAX));
	assert_false(sp_tcp_info_has(&ti, (enum sp_tcp_info_field)-1));
	errno = 0;
	assert_int_equal(sp_tcp_info_get(&ti, SP_TI__MAX, &v), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sp_tcp_info_get(&ti, SP_TI_STATE, NULL), -1);
	assert_int_equal(sp_tcp_info_get(&ti, SP_TI_STATE, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(sp_tcp_info_read(-1, &ti), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(sp_tcp_info_read(0, NULL), -1);
	assert_int_equal(errno, EINVAL);
}

/* Names: unique, lower case with digits and _, units where the struct has. */
static void
test_field_names(void **state)
{
	const char	*n, *p;
	size_t		 i, j;

	(void)state;
	for (i = 0; i < SP_TI__MAX; i++) {
		n = sp_tcp_info_field_name(i);
		assert_non_null(n);
		assert_true(*n != '\0');
		for (p = n; *p != '\0'; p++)
			assert_true((*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') || *p == '_');
		for (j = 0; j < i; j++)
			assert_string_not_equal(sp_tcp_info_field_name(j), n);
	}
	assert_string_equal(sp_tcp_info_field_name(SP_TI_RTT_US), "rtt_us");
	assert_string_equal(sp_tcp_info_field_name(SP_TI_TOTAL_RTO_TIME_MS),
	    "total_rto_time_ms");
	assert_string_equal(sp_tcp_info_field_name(SP_TI_LAST_DATA_RECV_MS),
	    "last_data_recv_ms");
	assert_null(sp_tcp_info_field_name(SP_TI__MAX));
}

/*
 * The running kernel: what it returns is what we decode as present, and
 * the fields the installed header knows agree with the header's view of
 * the same socket.  6.18 here returns 280 bytes; 6.7+ at least 248.
 */
static void
test_real_socket(void **state)
{
	uint8_t			raw[KERNEL_BUF];
	struct tcp_info		ki;
	struct sp_tcp_info	ti;
	socklen_t		len = sizeof(raw), klen = sizeof(ki);
	uint64_t		v;
	int			c, s, p[2];

	(void)state;
	loopback_pair(&c, &s);
	assert_int_equal(write(c, "hello", 5), 5);
	assert_int_equal(read(s, raw, 5), 5);
	assert_int_equal(getsockopt(c, IPPROTO_TCP, TCP_INFO, raw, &len), 0);
	assert_int_equal(getsockopt(c, IPPROTO_TCP, TCP_INFO, &ki, &klen), 0);
	assert_int_equal(sp_tcp_info_read(c, &ti), 0);
	assert_int_equal(ti.kernel_len, len);
	assert_true(ti.kernel_len >= 248);
	assert_int_equal(sp_tcp_info_has(&ti, SP_TI_RECEIVED_CE_BYTES),
	    ti.kernel_len >= 276);
	assert_true(sp_tcp_info_has(&ti, SP_TI_TOTAL_RTO_TIME_MS));
	assert_int_equal(ti.state, SP_TCP_ESTABLISHED);
	assert_int_equal(ti.state, ki.tcpi_state);
	assert_int_equal(ti.options, ki.tcpi_options);
	assert_int_equal(ti.snd_wscale, ki.tcpi_snd_wscale);
	assert_int_equal(ti.rcv_wscale, ki.tcpi_rcv_wscale);
	assert_int_equal(ti.snd_mss, ki.tcpi_snd_mss);
	assert_int_equal(ti.advmss, ki.tcpi_advmss);
	assert_int_equal(ti.pmtu, ki.tcpi_pmtu);
	assert_true(ti.rto_us >= 200000);
	assert_true(ti.snd_wnd > 0);
	assert_true(ti.segs_out >= 2);
	assert_int_equal(ti.total_rto, 0);
	assert_int_equal(sp_tcp_info_get(&ti, SP_TI_BYTES_SENT, &v), 0);
	assert_int_equal(v, 5);
	close(c);
	close(s);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(sp_tcp_info_read(p[0], &ti), -1);
	assert_int_equal(errno, ENOTSOCK);
	close(p[0]);
	close(p[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_matches_header),
		cmocka_unit_test(test_bitfields_match_header),
		cmocka_unit_test(test_table_consistent),
		cmocka_unit_test(test_decode_full),
		cmocka_unit_test(test_decode_short),
		cmocka_unit_test(test_decode_random),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_field_names),
		cmocka_unit_test(test_real_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
