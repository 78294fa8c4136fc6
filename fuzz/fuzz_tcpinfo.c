/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * TCP_INFO decoding under a fuzzer: any bytes, of any length, as the
 * kernel's struct tcp_info (an old kernel gives fewer bytes, a newer one
 * more).  Decoding succeeds; a field is present exactly when the bytes
 * cover it; the verdict judged from it and the JSON the daemon sends
 * are built without reading past the input.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "sockprobe.h"
#include "proto.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_tcp_info	 ti;
	struct sp_verdict	 v;
	json_t			*o;
	uint64_t		 val;
	char			*s;
	int			 f, nfields = 0;

	FUZZ_CHECK(sp_tcp_info_decode(data, size, &ti) == 0);
	FUZZ_CHECK(ti.kernel_len == size);
	for (f = 0; f < SP_TI__MAX; f++) {
		FUZZ_CHECK(sp_tcp_info_field_name(f) != NULL);
		if (sp_tcp_info_get(&ti, f, &val) == 0) {
			FUZZ_CHECK(sp_tcp_info_has(&ti, f));
			nfields++;
		} else
			FUZZ_CHECK(errno == ENOENT && !sp_tcp_info_has(&ti, f));
	}
	/* Fields come in kernel order: the first byte is the state. */
	FUZZ_CHECK((nfields > 0) == (size > 0));
	FUZZ_CHECK(sp_tcp_info_get(&ti, SP_TI__MAX, &val) == -1 &&
	    errno == EINVAL);

	sp_verdict_from_tcp_info(&ti, &v);
	FUZZ_CHECK(v.technique == SP_TECH_TCP_INFO);
	FUZZ_CHECK((unsigned)v.cause < SP_CAUSE__MAX);
	FUZZ_CHECK((unsigned)v.tcp_state < SP_TCP__MAX ||
	    v.tcp_state == SP_TCP_UNKNOWN);
	FUZZ_CHECK(memchr(v.detail, '\0', sizeof(v.detail)) != NULL);

	if ((o = proto_verdict_json(&v)) != NULL) {
		FUZZ_CHECK(json_is_object(o));
		json_decref(o);
	}
	if ((o = proto_tcp_info_json(&ti)) != NULL) {
		FUZZ_CHECK(json_object_size(o) <= (size_t)nfields);
		if ((s = json_dumps(o, JSON_COMPACT)) != NULL)
			free(s);
		json_decref(o);
	}
	return 0;
}
