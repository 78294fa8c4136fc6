/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * host:port splitting under a fuzzer: any bytes as the text of an
 * address key or a command-line peer, into host buffers of any size.
 * A split host fits its buffer, is not empty, has no blank, control
 * byte or bracket; the port is 1..65535; and writing the two back as
 * host:port (bracketed when the host has a colon) splits the same.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sockprobe.h"
#include "fuzz.h"

#define HOST_ROOM	300

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 host[HOST_ROOM + 8], again[HOST_ROOM + 8], *s;
	char		 text[HOST_ROOM + 16];
	const char	*errstr = NULL, *p;
	uint16_t	 port = 0, port2 = 0;
	size_t		 room, i;

	if (size == 0)
		return 0;
	/* The first byte picks the host buffer's size, 0 included. */
	room = data[0] % (HOST_ROOM + 1);
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	memset(host, 'Z', sizeof(host));
	if (sp_hostport_split(s, host, room, &port, &errstr) == -1) {
		FUZZ_CHECK(errstr != NULL && *errstr != '\0');
		FUZZ_CHECK(errno == EINVAL || errno == ENAMETOOLONG);
		for (i = room; i < sizeof(host); i++)
			FUZZ_CHECK(host[i] == 'Z');
		free(s);
		return 0;
	}
	free(s);
	FUZZ_CHECK(port != 0);
	FUZZ_CHECK(strlen(host) > 0 && strlen(host) < room);
	for (i = room; i < sizeof(host); i++)
		FUZZ_CHECK(host[i] == 'Z');
	for (p = host; *p != '\0'; p++)
		FUZZ_CHECK((unsigned char)*p > ' ' && *p != 0x7f &&
		    *p != '[' && *p != ']');
	(void)snprintf(text, sizeof(text), strchr(host, ':') != NULL ?
	    "[%s]:%u" : "%s:%u", host, (unsigned)port);
	FUZZ_CHECK(sp_hostport_split(text, again, sizeof(again), &port2,
	    &errstr) == 0);
	FUZZ_CHECK(strcmp(again, host) == 0 && port2 == port);
	return 0;
}
