/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The control protocol's request handler under a fuzzer: the first byte
 * says whether the client may mutate (its low bit), the rest is one
 * request line for commands_handle(), as control.c would pass it.  Any
 * bytes must give a response object with a boolean "ok"; a failure
 * carries a known error code and a message, makes no watcher and
 * changes nothing (no target added or removed, no reload); targets a
 * request adds are removed again so every input starts from the same
 * daemon.  As root the target runs in a network namespace of its own,
 * so the connects an `add` starts never leave the host.
 */

#include "config.h"

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/event.h>
#include <jansson.h>

#include "sockprobe.h"
#include "sockprobed.h"
#include "fuzz.h"

static struct sockprobed	sd;

static const char *const error_codes[] = {
	CTL_ERR_BAD_REQUEST, CTL_ERR_UNKNOWN_COMMAND, CTL_ERR_BAD_ARGUMENT,
	CTL_ERR_NOT_FOUND, CTL_ERR_EXISTS, CTL_ERR_NOT_AUTHORIZED,
	CTL_ERR_RELOAD_FAILED, CTL_ERR_INTERNAL,
};

static void	fuzz_init(void);
static bool	fuzz_code_known(const char *);

static void
fuzz_init(void)
{
	log_init(LOG_EMERG);
	/* Only loopback, and it down: an added target fails at connect(). */
	(void)unshare(CLONE_NEWNET);
	TAILQ_INIT(&sd.targets);
	TAILQ_INIT(&sd.listeners);
	clock_gettime(CLOCK_REALTIME, &sd.started);
	if ((sd.base = event_base_new()) == NULL ||
	    (sd.conf = conf_new()) == NULL)
		abort();
}

/* A code a request may earn (too long, too many and idle are control.c's). */
static bool
fuzz_code_known(const char *code)
{
	size_t	i;

	for (i = 0; i < sizeof(error_codes) / sizeof(error_codes[0]); i++)
		if (strcmp(code, error_codes[i]) == 0)
			return true;
	return false;
}

/* One input: the invariants of every response, then a clean daemon. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct client_cred	 cred = { .pid = 1, .uid = 65534 };
	struct target		*t;
	const json_t		*ok, *err;
	const char		*code;
	json_t			*r;
	char			*line;
	size_t			 ntargets;
	uint64_t		 reloads;
	bool			 watch;

	if (sd.base == NULL)
		fuzz_init();
	if (size == 0)
		return 0;
	if (data[0] & 1) {
		cred.uid = 0;
		cred.may_mutate = true;
	}
	ntargets = sd.ntargets;
	reloads = sd.reloads;
	r = commands_handle(&sd, &cred, (const char *)data + 1, size - 1,
	    &watch);
	FUZZ_CHECK(r != NULL);
	ok = json_object_get(r, "ok");
	FUZZ_CHECK(json_is_boolean(ok));
	if (json_is_false(ok)) {
		err = json_object_get(r, "error");
		code = json_string_value(json_object_get(err, "code"));
		FUZZ_CHECK(!watch);
		FUZZ_CHECK(code != NULL && fuzz_code_known(code));
		FUZZ_CHECK(json_string_value(json_object_get(err,
		    "message")) != NULL);
		/* Validate before acting: a refused request did nothing. */
		FUZZ_CHECK(sd.ntargets == ntargets && sd.reloads == reloads);
	}
	/* It goes on the wire as one line. */
	line = json_dumps(r, JSON_COMPACT);
	FUZZ_CHECK(line != NULL && strchr(line, '\n') == NULL);
	free(line);
	json_decref(r);
	while ((t = TAILQ_FIRST(&sd.targets)) != NULL)
		target_remove(t);
	log_setlevel(LOG_EMERG);		/* a reload may raise it */
	return 0;
}
