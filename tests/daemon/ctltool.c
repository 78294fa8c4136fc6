/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sp-ctltool: what the control tests need around a real sockprobed and
 * CI may not have (socat, python, systemd):
 *   raw SOCKET [-k] [-w MS]   send stdin to the control socket as is,
 *                             print every byte back, then "#eof" when the
 *                             daemon closed or "#open" after MS of quiet;
 *                             -k keeps our write side open
 *   notify PATH [CONTROL]     a NOTIFY_SOCKET: print each datagram on one
 *                             line; on READY=1 note whether CONTROL
 *                             accepts connections yet
 *   activate PATH CMD...      socket activation as systemd does it: a
 *                             listening AF_UNIX socket as fd 3, LISTEN_FDS
 *                             and LISTEN_PID set, then exec CMD
 * Every wait is bounded; the tool never outlives 60 s.
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LISTEN_FD	3		/* SD_LISTEN_FDS_START */

static void	usage(void) __attribute__((noreturn));
static void	addr(struct sockaddr_un *, const char *);
static int	raw(int, char **);
static int	notify(int, char **);
static int	activate(int, char **);
static bool	accepts(const char *);

static void
usage(void)
{
	fprintf(stderr, "usage: sp-ctltool raw SOCKET [-k] [-w MS]\n"
	    "       sp-ctltool notify PATH [CONTROL]\n"
	    "       sp-ctltool activate PATH CMD [ARG...]\n");
	exit(2);
}

static void
addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		fprintf(stderr, "sp-ctltool: %s: path too long\n", path);
		exit(2);
	}
	memcpy(sun->sun_path, path, strlen(path) + 1);
}

/* Send stdin, echo what comes back, say how the conversation ended. */
static int
raw(int argc, char **argv)
{
	struct sockaddr_un	 sun;
	struct pollfd		 pfd;
	char			 buf[65536], *end;
	ssize_t			 n, w;
	size_t			 off;
	int			 fd, ch, quiet_ms = 3000;
	bool			 keep = false;

	optind = 2;
	while ((ch = getopt(argc, argv, "kw:")) != -1) {
		if (ch == 'k')
			keep = true;
		else if (ch == 'w') {
			quiet_ms = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || quiet_ms < 1 || quiet_ms > 30000)
				usage();
		} else
			usage();
	}
	addr(&sun, argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "sp-ctltool: %s: %s\n", argv[1],
		    strerror(errno));
		return 2;
	}
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
		for (off = 0; off < (size_t)n; off += (size_t)w)
			if ((w = send(fd, buf + off, (size_t)n - off,
			    MSG_NOSIGNAL)) == -1)
				goto reply;	/* dropped mid-request */
reply:
	if (!keep)
		(void)shutdown(fd, SHUT_WR);
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, quiet_ms) == 0) {
			printf("#open\n");
			return 0;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0) {
			printf("#eof\n");
			return 0;
		}
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
	}
}

/* Whether path accepts a connection right now. */
static bool
accepts(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;
	bool			ok;

	addr(&sun, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return false;
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return ok;
}

/* A NOTIFY_SOCKET that prints each message on a line of its own. */
static int
notify(int argc, char **argv)
{
	struct sockaddr_un	 sun;
	char			 buf[4096], *p;
	ssize_t			 n;
	int			 fd;

	if (argc < 2)
		usage();
	addr(&sun, argv[1]);
	(void)unlink(argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "sp-ctltool: %s: %s\n", argv[1],
		    strerror(errno));
		return 2;
	}
	printf("listening\n");
	fflush(stdout);
	while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) >= 0) {
		buf[n] = '\0';
		for (p = buf; *p != '\0'; p++)
			if (*p == '\n')
				*p = ' ';
		printf("%s", buf);
		if (argc > 2 && strstr(buf, "READY=1") != NULL)
			printf(" control=%s", accepts(argv[2]) ? "up" :
			    "down");
		printf("\n");
		fflush(stdout);
	}
	return 1;
}

/* Listen on path as fd 3 and exec the command as its activated child. */
static int
activate(int argc, char **argv)
{
	struct sockaddr_un	sun;
	char			pid[32];
	int			fd;

	if (argc < 3)
		usage();
	addr(&sun, argv[1]);
	(void)unlink(argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 16) == -1) {
		fprintf(stderr, "sp-ctltool: %s: %s\n", argv[1],
		    strerror(errno));
		return 2;
	}
	if (fd != LISTEN_FD) {
		if (dup2(fd, LISTEN_FD) == -1)
			return 2;
		close(fd);
	}
	(void)snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDNAMES", "control", 1);
	alarm(0);
	execvp(argv[2], argv + 2);
	fprintf(stderr, "sp-ctltool: %s: %s\n", argv[2], strerror(errno));
	return 2;
}

int
main(int argc, char *argv[])
{
	if (argc < 3)
		usage();
	alarm(60);
	argc--;
	argv++;
	if (strcmp(argv[0], "raw") == 0)
		return raw(argc, argv);
	if (strcmp(argv[0], "notify") == 0)
		return notify(argc, argv);
	if (strcmp(argv[0], "activate") == 0)
		return activate(argc, argv);
	usage();
}
