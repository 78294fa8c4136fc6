/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * TCP_INFO decoding from the kernel's raw bytes through one table of
 * offsets, so that fields newer than the build host's <linux/tcp.h> are
 * read when the running kernel has them and absent when it does not.
 */

#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <linux/tcp.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "sockprobe.h"
#include "sp-internal.h"

/*
 * One field: its JSON name, where it lies in the kernel's struct tcp_info
 * (offset and width in bytes; width 1 with bits > 0 is a bit field in
 * that byte) and where it goes in struct sp_tcp_info.  The offsets are the
 * kernel's ABI, which only ever appends; they are written out here because
 * the installed header may predate the running kernel.
 */
struct ti_field {
	const char	*name;
	uint16_t	 koff;		/* offset in struct tcp_info */
	uint8_t		 kwidth;	/* 1, 2, 4 or 8 bytes */
	uint8_t		 shift;		/* bit field: lowest bit, LE order */
	uint8_t		 bits;		/* bit field: width; 0 whole bytes */
	uint16_t	 soff;		/* offset in struct sp_tcp_info */
	uint8_t		 swidth;	/* 1, 4 or 8 bytes */
};

static uint64_t	ti_load(const uint8_t *, const struct ti_field *);
static void	ti_store(struct sp_tcp_info *, const struct ti_field *,
		    uint64_t);

#define SOFF(f)		offsetof(struct sp_tcp_info, f)
#define SW(f)		sizeof(((struct sp_tcp_info *)0)->f)
#define F(id, name, koff, kw, f) \
	[id] = { name, koff, kw, 0, 0, SOFF(f), SW(f) }
#define BF(id, name, koff, shift, bits, f) \
	[id] = { name, koff, 1, shift, bits, SOFF(f), SW(f) }

static const struct ti_field ti_fields[SP_TI__MAX] = {
	F(SP_TI_STATE,		"state",		0, 1, state),
	F(SP_TI_CA_STATE,	"ca_state",		1, 1, ca_state),
	F(SP_TI_RETRANSMITS,	"retransmits",		2, 1, retransmits),
	F(SP_TI_PROBES,		"probes",		3, 1, probes),
	F(SP_TI_BACKOFF,	"backoff",		4, 1, backoff),
	F(SP_TI_OPTIONS,	"options",		5, 1, options),
	BF(SP_TI_SND_WSCALE,	"snd_wscale",		6, 0, 4, snd_wscale),
	BF(SP_TI_RCV_WSCALE,	"rcv_wscale",		6, 4, 4, rcv_wscale),
	BF(SP_TI_DELIVERY_RATE_APP_LIMITED, "delivery_rate_app_limited",
	    7, 0, 1, delivery_rate_app_limited),
	BF(SP_TI_FASTOPEN_CLIENT_FAIL, "fastopen_client_fail",
	    7, 1, 2, fastopen_client_fail),
	F(SP_TI_RTO_US,		"rto_us",		8, 4, rto_us),
	F(SP_TI_ATO_US,		"ato_us",		12, 4, ato_us),
	F(SP_TI_SND_MSS,	"snd_mss",		16, 4, snd_mss),
	F(SP_TI_RCV_MSS,	"rcv_mss",		20, 4, rcv_mss),
	F(SP_TI_UNACKED,	"unacked",		24, 4, unacked),
	F(SP_TI_SACKED,		"sacked",		28, 4, sacked),
	F(SP_TI_LOST,		"lost",			32, 4, lost),
	F(SP_TI_RETRANS,	"retrans",		36, 4, retrans),
	F(SP_TI_FACKETS,	"fackets",		40, 4, fackets),
	F(SP_TI_LAST_DATA_SENT_MS, "last_data_sent_ms",	44, 4,
	    last_data_sent_ms),
	F(SP_TI_LAST_ACK_SENT_MS, "last_ack_sent_ms",	48, 4,
	    last_ack_sent_ms),
	F(SP_TI_LAST_DATA_RECV_MS, "last_data_recv_ms",	52, 4,
	    last_data_recv_ms),
	F(SP_TI_LAST_ACK_RECV_MS, "last_ack_recv_ms",	56, 4,
	    last_ack_recv_ms),
	F(SP_TI_PMTU,		"pmtu",			60, 4, pmtu),
	F(SP_TI_RCV_SSTHRESH,	"rcv_ssthresh",		64, 4, rcv_ssthresh),
	F(SP_TI_RTT_US,		"rtt_us",		68, 4, rtt_us),
	F(SP_TI_RTTVAR_US,	"rttvar_us",		72, 4, rttvar_us),
	F(SP_TI_SND_SSTHRESH,	"snd_ssthresh",		76, 4, snd_ssthresh),
	F(SP_TI_SND_CWND,	"snd_cwnd",		80, 4, snd_cwnd),
	F(SP_TI_ADVMSS,		"advmss",		84, 4, advmss),
	F(SP_TI_REORDERING,	"reordering",		88, 4, reordering),
	F(SP_TI_RCV_RTT_US,	"rcv_rtt_us",		92, 4, rcv_rtt_us),
	F(SP_TI_RCV_SPACE,	"rcv_space",		96, 4, rcv_space),
	F(SP_TI_TOTAL_RETRANS,	"total_retrans",	100, 4, total_retrans),
	F(SP_TI_PACING_RATE,	"pacing_rate",		104, 8, pacing_rate),
	F(SP_TI_MAX_PACING_RATE, "max_pacing_rate",	112, 8,
	    max_pacing_rate),
	F(SP_TI_BYTES_ACKED,	"bytes_acked",		120, 8, bytes_acked),
	F(SP_TI_BYTES_RECEIVED,	"bytes_received",	128, 8, bytes_received),
	F(SP_TI_SEGS_OUT,	"segs_out",		136, 4, segs_out),
	F(SP_TI_SEGS_IN,	"segs_in",		140, 4, segs_in),
	F(SP_TI_NOTSENT_BYTES,	"notsent_bytes",	144, 4, notsent_bytes),
	F(SP_TI_MIN_RTT_US,	"min_rtt_us",		148, 4, min_rtt_us),
	F(SP_TI_DATA_SEGS_IN,	"data_segs_in",		152, 4, data_segs_in),
	F(SP_TI_DATA_SEGS_OUT,	"data_segs_out",	156, 4, data_segs_out),
	F(SP_TI_DELIVERY_RATE,	"delivery_rate",	160, 8, delivery_rate),
	F(SP_TI_BUSY_TIME_US,	"busy_time_us",		168, 8, busy_time_us),
	F(SP_TI_RWND_LIMITED_US, "rwnd_limited_us",	176, 8,
	    rwnd_limited_us),
	F(SP_TI_SNDBUF_LIMITED_US, "sndbuf_limited_us",	184, 8,
	    sndbuf_limited_us),
	F(SP_TI_DELIVERED,	"delivered",		192, 4, delivered),
	F(SP_TI_DELIVERED_CE,	"delivered_ce",		196, 4, delivered_ce),
	F(SP_TI_BYTES_SENT,	"bytes_sent",		200, 8, bytes_sent),
	F(SP_TI_BYTES_RETRANS,	"bytes_retrans",	208, 8, bytes_retrans),
	F(SP_TI_DSACK_DUPS,	"dsack_dups",		216, 4, dsack_dups),
	F(SP_TI_REORD_SEEN,	"reord_seen",		220, 4, reord_seen),
	F(SP_TI_RCV_OOOPACK,	"rcv_ooopack",		224, 4, rcv_ooopack),
	F(SP_TI_SND_WND,	"snd_wnd",		228, 4, snd_wnd),
	F(SP_TI_RCV_WND,	"rcv_wnd",		232, 4, rcv_wnd),
	F(SP_TI_REHASH,		"rehash",		236, 4, rehash),
	F(SP_TI_TOTAL_RTO,	"total_rto",		240, 2, total_rto),
	F(SP_TI_TOTAL_RTO_RECOVERIES, "total_rto_recoveries", 242, 2,
	    total_rto_recoveries),
	F(SP_TI_TOTAL_RTO_TIME_MS, "total_rto_time_ms",	244, 4,
	    total_rto_time_ms),
	F(SP_TI_RECEIVED_CE,	"received_ce",		248, 4, received_ce),
	F(SP_TI_DELIVERED_E1_BYTES, "delivered_e1_bytes", 252, 4,
	    delivered_e1_bytes),
	F(SP_TI_DELIVERED_E0_BYTES, "delivered_e0_bytes", 256, 4,
	    delivered_e0_bytes),
	F(SP_TI_DELIVERED_CE_BYTES, "delivered_ce_bytes", 260, 4,
	    delivered_ce_bytes),
	F(SP_TI_RECEIVED_E1_BYTES, "received_e1_bytes",	264, 4,
	    received_e1_bytes),
	F(SP_TI_RECEIVED_E0_BYTES, "received_e0_bytes",	268, 4,
	    received_e0_bytes),
	F(SP_TI_RECEIVED_CE_BYTES, "received_ce_bytes",	272, 4,
	    received_ce_bytes),
};

#undef F
#undef BF
#undef SOFF
#undef SW

/* The table ends where the library's knowledge of the layout ends. */
_Static_assert(272 + 4 == LSP_TCP_INFO_MAX, "tcp_info table and "
    "LSP_TCP_INFO_MAX disagree");

/* The kernel's value of one field, in host byte order as it wrote it. */
static uint64_t
ti_load(const uint8_t *p, const struct ti_field *f)
{
	uint16_t	v16;
	uint32_t	v32;
	uint64_t	v64;
	unsigned	shift;

	switch (f->kwidth) {
	case 2:
		memcpy(&v16, p + f->koff, sizeof(v16));
		return v16;
	case 4:
		memcpy(&v32, p + f->koff, sizeof(v32));
		return v32;
	case 8:
		memcpy(&v64, p + f->koff, sizeof(v64));
		return v64;
	}
	if (f->bits == 0)
		return p[f->koff];
	/* C bit fields start from the high bit on big-endian targets. */
	shift = f->shift;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	shift = 8 - f->shift - f->bits;
#endif
	return (p[f->koff] >> shift) & ((1u << f->bits) - 1);
}

/* Put a value at the field's place in struct sp_tcp_info. */
static void
ti_store(struct sp_tcp_info *ti, const struct ti_field *f, uint64_t v)
{
	uint8_t		*dst = (uint8_t *)ti + f->soff;
	uint8_t		 v8 = (uint8_t)v;
	uint32_t	 v32 = (uint32_t)v;

	switch (f->swidth) {
	case 1:
		memcpy(dst, &v8, sizeof(v8));
		break;
	case 4:
		memcpy(dst, &v32, sizeof(v32));
		break;
	default:
		memcpy(dst, &v, sizeof(v));
		break;
	}
}

/* Decode len raw bytes of a kernel struct tcp_info; see sockprobe.h. */
int
sp_tcp_info_decode(const void *buf, size_t len, struct sp_tcp_info *ti)
{
	const struct ti_field	*f;
	size_t			 i;

	if (ti == NULL || buf == NULL) {
		errno = EINVAL;
		return -1;
	}
	memset(ti, 0, sizeof(*ti));
	ti->kernel_len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	for (i = 0; i < SP_TI__MAX; i++) {
		f = &ti_fields[i];
		if ((size_t)f->koff + f->kwidth <= len)
			ti_store(ti, f, ti_load(buf, f));
	}
	return 0;
}

/* getsockopt(TCP_INFO) with room for more than we decode, then decode. */
int
sp_tcp_info_read(int fd, struct sp_tcp_info *ti)
{
	uint64_t	buf[64];	/* 512 bytes, aligned for any field */
	socklen_t	len = sizeof(buf);

	if (ti == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, buf, &len) == -1)
		return -1;
	return sp_tcp_info_decode(buf, len, ti);
}

/* A field is present when the kernel's bytes covered all of it. */
bool
sp_tcp_info_has(const struct sp_tcp_info *ti, enum sp_tcp_info_field f)
{
	if (ti == NULL || (unsigned)f >= SP_TI__MAX)
		return false;
	return (uint32_t)ti_fields[f].koff + ti_fields[f].kwidth <=
	    ti->kernel_len;
}

/* Field f widened to 64 bits; ENOENT when the kernel lacked it. */
int
sp_tcp_info_get(const struct sp_tcp_info *ti, enum sp_tcp_info_field f,
    uint64_t *val)
{
	const struct ti_field	*tf;
	const uint8_t		*src;
	uint8_t			 v8;
	uint32_t		 v32;

	if (ti == NULL || val == NULL || (unsigned)f >= SP_TI__MAX) {
		errno = EINVAL;
		return -1;
	}
	if (!sp_tcp_info_has(ti, f)) {
		errno = ENOENT;
		return -1;
	}
	tf = &ti_fields[f];
	src = (const uint8_t *)ti + tf->soff;
	if (tf->swidth == 1) {
		memcpy(&v8, src, sizeof(v8));
		*val = v8;
	} else if (tf->swidth == 4) {
		memcpy(&v32, src, sizeof(v32));
		*val = v32;
	} else
		memcpy(val, src, sizeof(*val));
	return 0;
}

/* The JSON name of field f, its unit as a suffix where it has one. */
const char *
sp_tcp_info_field_name(enum sp_tcp_info_field f)
{
	if ((unsigned)f >= SP_TI__MAX)
		return NULL;
	return ti_fields[f].name;
}
