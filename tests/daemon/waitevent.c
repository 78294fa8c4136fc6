/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sp-waitevent: wait, with a deadline, for one health event from a real
 * sockprobed's watch stream.  The held-connection tests start it before
 * they hurt a peer, wait for its ready file, then read the one event
 * that must follow, as the daemon sent it.
 *
 *   sp-waitevent [-t MS] [-r READY] [-a ALL] SOCKET [KEY=VALUE|KEY~TEXT]...
 *
 * It connects to SOCKET (retrying until the deadline, so it may start
 * before the daemon), sends {"cmd":"watch"}, and once the daemon said
 * ok creates READY.  Every event is appended to ALL as it came; the
 * first whose string members equal each VALUE (or contain each TEXT) is
 * printed on stdout and ends the program with status 0.  Without
 * conditions it records until the deadline and exits 0.  Status 1: the
 * deadline (default 20 s, at most 120 s) passed or the daemon closed the
 * stream first; 2: usage or a failed watch request.
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "../testlib.h"

#define LINE_MAX_LEN	(256 * 1024)
#define RETRY_MS	50

/* What came from the daemon: lines are cut out of it one by one. */
struct linebuf {
	char	buf[LINE_MAX_LEN];
	size_t	have;			/* bytes in buf */
	size_t	consumed;		/* of them, the last line's */
};

struct cond {
	const char	*key;
	const char	*value;
	bool		 substr;		/* KEY~TEXT */
};

static void	usage(void) __attribute__((noreturn));
static int	watch_connect(const char *, int64_t);
static int	read_line(int, struct linebuf *, int64_t, char **);
static bool	matches(const char *, const struct cond *, size_t);
static int	parse_ms(const char *);
static int	waitevent(const char *, const struct cond *, size_t, int,
		    const char *, FILE *);

static void
usage(void)
{
	fprintf(stderr, "usage: sp-waitevent [-t MS] [-r READY] [-a ALL] "
	    "SOCKET [KEY=VALUE|KEY~TEXT]...\n");
	exit(2);
}

/* A number of milliseconds, 1 to 120000; anything else is usage. */
static int
parse_ms(const char *s)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 120000)
		usage();
	return (int)v;
}

/*
 * Connect to the control socket, retrying while it does not exist or
 * does not accept yet; -1 when the deadline passes first.
 */
static int
watch_connect(const char *path, int64_t deadline)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "sp-waitevent: %s: path too long\n", path);
		exit(2);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	for (;;) {
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
		    -1) {
			perror("sp-waitevent: socket");
			exit(2);
		}
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return fd;
		(void)close(fd);
		if (tl_now_ms() + RETRY_MS > deadline)
			return -1;
		(void)usleep(RETRY_MS * 1000);
	}
}

/*
 * The next line, without its newline, into *line (inside lb, valid
 * until the next call).  0 a line, 1 the deadline, -1 end of stream.
 */
static int
read_line(int fd, struct linebuf *lb, int64_t deadline, char **line)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	char		*nl;
	ssize_t		 n;
	int64_t		 left;

	if (lb->consumed > 0) {
		memmove(lb->buf, lb->buf + lb->consumed,
		    lb->have - lb->consumed);
		lb->have -= lb->consumed;
		lb->consumed = 0;
	}
	for (;;) {
		if ((nl = memchr(lb->buf, '\n', lb->have)) != NULL) {
			*nl = '\0';
			lb->consumed = (size_t)(nl - lb->buf) + 1;
			*line = lb->buf;
			return 0;
		}
		if (lb->have == sizeof(lb->buf)) {
			fprintf(stderr, "sp-waitevent: line too long\n");
			return -1;
		}
		if ((left = deadline - tl_now_ms()) <= 0)
			return 1;
		if (poll(&pfd, 1, (int)left) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd.revents == 0)
			continue;
		n = read(fd, lb->buf + lb->have, sizeof(lb->buf) - lb->have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		lb->have += (size_t)n;
	}
}

/* Whether the event's string members satisfy every condition. */
static bool
matches(const char *text, const struct cond *c, size_t nc)
{
	json_error_t	 jerr;
	json_t		*o;
	const char	*s;
	bool		 ok = true;
	size_t		 i;

	if ((o = json_loads(text, 0, &jerr)) == NULL)
		return false;
	for (i = 0; i < nc && ok; i++) {
		s = json_string_value(json_object_get(o, c[i].key));
		if (s == NULL)
			ok = false;
		else if (c[i].substr)
			ok = strstr(s, c[i].value) != NULL;
		else
			ok = strcmp(s, c[i].value) == 0;
	}
	json_decref(o);
	return ok;
}

/* Watch until an event satisfies every condition or the deadline. */
static int
waitevent(const char *path, const struct cond *conds, size_t nconds,
    int timeout_ms, const char *ready, FILE *allfp)
{
	static struct linebuf	 lb;	/* too big for the stack */
	const char		*req = "{\"cmd\":\"watch\"}\n";
	char			*line;
	int64_t			 deadline = tl_now_ms() + timeout_ms;
	int			 fd, rfd, rc;

	if ((fd = watch_connect(path, deadline)) == -1) {
		fprintf(stderr, "sp-waitevent: %s: no daemon within %d ms\n",
		    path, timeout_ms);
		return 1;
	}
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		perror("sp-waitevent: write");
		return 2;
	}
	if (read_line(fd, &lb, deadline, &line) != 0 ||
	    strstr(line, "\"watching\"") == NULL) {
		fprintf(stderr, "sp-waitevent: the watch was not accepted\n");
		return 2;
	}
	if (ready != NULL && (rfd = open(ready, O_WRONLY | O_CREAT |
	    O_CLOEXEC, 0644)) != -1)
		(void)close(rfd);
	for (;;) {
		rc = read_line(fd, &lb, deadline, &line);
		if (rc == 1 && nconds == 0)
			return 0;
		if (rc == 1) {
			fprintf(stderr, "sp-waitevent: no matching event "
			    "within %d ms\n", timeout_ms);
			return 1;
		}
		if (rc == -1) {
			fprintf(stderr, "sp-waitevent: the watch stream "
			    "ended\n");
			return 1;
		}
		if (allfp != NULL) {
			fprintf(allfp, "%s\n", line);
			(void)fflush(allfp);
		}
		if (nconds > 0 && matches(line, conds, nconds)) {
			printf("%s\n", line);
			return 0;
		}
	}
}

int
main(int argc, char *argv[])
{
	struct cond	*conds;
	const char	*ready = NULL, *all = NULL;
	FILE		*allfp = NULL;
	char		*sep;
	size_t		 nconds = 0;
	int		 ch, rc, timeout_ms = 20000, i;

	while ((ch = getopt(argc, argv, "a:r:t:")) != -1) {
		switch (ch) {
		case 'a':
			all = optarg;
			break;
		case 'r':
			ready = optarg;
			break;
		case 't':
			timeout_ms = parse_ms(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if ((conds = calloc((size_t)argc, sizeof(*conds))) == NULL) {
		perror("sp-waitevent");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if ((sep = strpbrk(argv[i], "=~")) == NULL || sep == argv[i])
			usage();
		conds[nconds].substr = *sep == '~';
		*sep = '\0';
		conds[nconds].key = argv[i];
		conds[nconds].value = sep + 1;
		nconds++;
	}
	if (all != NULL && (allfp = fopen(all, "a")) == NULL) {
		fprintf(stderr, "sp-waitevent: %s: %s\n", all,
		    strerror(errno));
		free(conds);
		return 2;
	}
	rc = waitevent(argv[0], conds, nconds, timeout_ms, ready, allfp);
	if (allfp != NULL)
		(void)fclose(allfp);
	free(conds);
	return rc;
}
