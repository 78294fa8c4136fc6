/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The control parser under a fuzzer: the first byte says whether the
 * client may mutate (its low bit), the rest is one request line; any
 * bytes must give a response object with a boolean "ok" and, on failure, an
 * error code and message; targets it adds are removed again so every
 * input starts from the same daemon.  Built by `make check` as a replayer
 * of the files named on its command line; with libFuzzer:
 *
 *   clang -DSP_LIBFUZZER -fsanitize=fuzzer,address,undefined ... \
 *       tests/daemon/fuzz_commands.c tests/daemon/.libs/libdaemon.a ...
 */

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/event.h>
#include <jansson.h>

#include "sockprobe.h"
#include "sockprobed.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct sockprobed	sd;

static void
fuzz_init(void)
{
	log_init(LOG_EMERG);
	TAILQ_INIT(&sd.targets);
	TAILQ_INIT(&sd.listeners);
	clock_gettime(CLOCK_REALTIME, &sd.started);
	if ((sd.base = event_base_new()) == NULL ||
	    (sd.conf = conf_new()) == NULL)
		abort();
}

/* One input: the invariants of every response, then a clean daemon. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct client_cred	 cred = { .pid = 1, .uid = 65534 };
	struct target		*t;
	const json_t		*ok, *err;
	json_t			*r;
	bool			 watch;

	if (sd.base == NULL)
		fuzz_init();
	if (size == 0)
		return 0;
	if (data[0] & 1) {
		cred.uid = 0;
		cred.may_mutate = true;
	}
	r = commands_handle(&sd, &cred, (const char *)data + 1, size - 1,
	    &watch);
	if (r == NULL || (ok = json_object_get(r, "ok")) == NULL ||
	    !json_is_boolean(ok))
		abort();
	if (json_is_false(ok)) {
		err = json_object_get(r, "error");
		if (watch || json_string_value(json_object_get(err, "code")) ==
		    NULL || json_string_value(json_object_get(err,
		    "message")) == NULL)
			abort();
	}
	json_decref(r);
	while ((t = TAILQ_FIRST(&sd.targets)) != NULL)
		target_remove(t);
	log_setlevel(LOG_EMERG);		/* a reload may raise it */
	return 0;
}

#ifndef SP_LIBFUZZER
/* Replay each file named, as libFuzzer would run it. */
int
main(int argc, char *argv[])
{
	static uint8_t	 buf[CTL_MAX_LINE + 1];
	size_t		 n;
	FILE		*f;
	int		 i;

	for (i = 1; i < argc; i++) {
		if ((f = fopen(argv[i], "rb")) == NULL) {
			perror(argv[i]);
			return 2;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		(void)LLVMFuzzerTestOneInput(buf, n);
	}
	return 0;
}
#endif
