/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Durations under a fuzzer: any bytes as the text sp_duration_parse()
 * reads (configuration values, command-line options), and any 64-bit
 * value into sp_duration_format() with any room.  What parses stays
 * within 2^53 ms and survives format-then-parse unchanged; what fails
 * says why; the formatter never writes past the room it is given.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "sockprobe.h"
#include "fuzz.h"

#define DUR_MAX_MS	(UINT64_C(1) << 53)

static void	fuzz_format(uint64_t, size_t);

/* Format v into len bytes of a larger buffer, guarded on both sides. */
static void
fuzz_format(uint64_t v, size_t len)
{
	char		 buf[80], *p;
	uint64_t	 again;
	const char	*errstr = NULL;
	size_t		 i;

	memset(buf, 'Z', sizeof(buf));
	p = sp_duration_format(v, buf + 8, len);
	FUZZ_CHECK(p == buf + 8);
	for (i = 0; i < 8; i++)
		FUZZ_CHECK(buf[i] == 'Z');
	for (i = 8 + len; i < sizeof(buf); i++)
		FUZZ_CHECK(buf[i] == 'Z');
	if (len == 0)
		return;
	FUZZ_CHECK(memchr(buf + 8, '\0', len) != NULL);
	/* With room enough the text is whole and reads back exactly. */
	if (len >= 64 && v <= DUR_MAX_MS) {
		FUZZ_CHECK(sp_duration_parse(buf + 8, &again, &errstr) == 0);
		FUZZ_CHECK(again == v);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*errstr = NULL;
	char		*s;
	uint64_t	 ms = UINT64_C(0xdeadbeef), v;

	/* The parser reads C strings: an embedded NUL ends the text. */
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	errno = 0;
	if (sp_duration_parse(s, &ms, &errstr) == 0) {
		FUZZ_CHECK(ms <= DUR_MAX_MS);
		fuzz_format(ms, 64);
	} else {
		FUZZ_CHECK(errstr != NULL && *errstr != '\0');
		FUZZ_CHECK(errno == EINVAL || errno == ERANGE);
		FUZZ_CHECK(ms == UINT64_C(0xdeadbeef));	/* untouched */
	}
	free(s);
	if (size >= sizeof(v)) {
		memcpy(&v, data, sizeof(v));
		fuzz_format(v, 64);
		fuzz_format(v, data[size - 1] % 72);
	}
	return 0;
}
