/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * A fuzz target without libFuzzer: main() feeds it files as libFuzzer
 * would, each in a buffer of exactly its size.  `make check` builds each
 * target this way (fuzz/replay-NAME), so none can rot, and runs it over
 * its checked-in corpus; given files or directories it replays those,
 * which is how a crash libFuzzer saved is reproduced under gdb.
 */

#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* libFuzzer's default -max_len is far below this; a corpus file is small. */
#define REPLAY_MAX	(16 * 1024 * 1024)

static int	replay_file(const char *);
static int	replay_dir(const char *, size_t *);
static int	replay_path(const char *, size_t *);

/* One input: 0, or -1 after saying why it could not be read. */
static int
replay_file(const char *path)
{
	FILE		*f;
	struct stat	 st;
	uint8_t		*buf;
	size_t		 n;

	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &st) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	if (st.st_size > REPLAY_MAX) {
		fprintf(stderr, "%s: larger than %d bytes\n", path, REPLAY_MAX);
		fclose(f);
		return -1;
	}
	/* Exactly its size (never 0 bytes): a read past the end is seen. */
	if ((buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL) {
		fprintf(stderr, "%s: out of memory\n", path);
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	(void)LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

/* Every regular file in dir, in readdir order (libFuzzer's is no better). */
static int
replay_dir(const char *dir, size_t *count)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[4096];
	int		 rc = 0;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path)) {
			fprintf(stderr, "%s/%s: path too long\n", dir,
			    de->d_name);
			rc = -1;
			continue;
		}
		if (replay_path(path, count) == -1)
			rc = -1;
	}
	closedir(d);
	return rc;
}

static int
replay_path(const char *path, size_t *count)
{
	struct stat	st;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return replay_dir(path, count);
	if (replay_file(path) == -1)
		return -1;
	(*count)++;
	return 0;
}

/*
 * Replay each file or directory named; with none, the checked-in corpus
 * of this target: $top_srcdir/fuzz/corpus/NAME for replay-NAME.
 */
int
main(int argc, char *argv[])
{
	const char	*prog, *srcdir;
	char		 dir[4096];
	size_t		 count = 0;
	int		 i, rc = 0;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			if (replay_path(argv[i], &count) == -1)
				rc = 1;
		printf("replayed %zu inputs\n", count);
		return rc;
	}
	prog = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 :
	    argv[0];
	if (strncmp(prog, "lt-", 3) == 0)	/* libtool's wrapper */
		prog += 3;
	if (strncmp(prog, "replay-", 7) != 0) {
		fprintf(stderr, "usage: replay-NAME [FILE|DIR...]\n");
		return 2;
	}
	if ((srcdir = getenv("top_srcdir")) == NULL)
		srcdir = ".";
	(void)snprintf(dir, sizeof(dir), "%s/fuzz/corpus/%s", srcdir,
	    prog + 7);
	if (replay_dir(dir, &count) == -1)
		rc = 1;
	printf("%s: replayed %zu inputs\n", dir, count);
	/* A corpus that is missing or empty tests nothing. */
	return count == 0 ? 1 : rc;
}
