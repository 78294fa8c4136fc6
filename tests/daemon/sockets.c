/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sp-sockets: a process that makes TCP sockets for the survey tests to
 * find, under its own pid and command name.
 *
 *   sp-sockets [-n N] hold|send|close ADDRESS:PORT    ([v6]:PORT too)
 *
 * hold: N nonblocking connects, kept open and never read: against a
 *   peer that closes they sit in CLOSE_WAIT, against a listener that
 *   never accepts they fill its queue (the connects that find it full
 *   stay in SYN_SENT).
 * send: N connections that each write 1 KiB every 100 ms: in a black
 *   hole they retransmit.
 * close: N connections closed at once by us: TIME_WAIT once the peer
 *   closes too, orphaned FIN_WAIT2 while it does not.
 * It prints "ready" once every connect was made (and for close, once
 * every socket is closed), then waits for SIGTERM, or exits after close.
 */

#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockprobe.h"

#define MAX_SOCKETS	4096

static volatile sig_atomic_t stop;

static void	on_term(int);
static void	usage(void) __attribute__((noreturn));
static int	sock_connect(const struct sockaddr_storage *, bool);

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: sp-sockets [-n N] hold|send|close "
	    "HOST:PORT\n");
	exit(2);
}

/* A TCP connect to ss; nonblocking ones return at once. */
static int
sock_connect(const struct sockaddr_storage *ss, bool nonblock)
{
	socklen_t	len = ss->ss_family == AF_INET ?
			    sizeof(struct sockaddr_in) :
			    sizeof(struct sockaddr_in6);
	int		fd;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd == -1) {
		perror("sp-sockets: socket");
		exit(99);
	}
	if (connect(fd, (const struct sockaddr *)ss, len) == -1 &&
	    errno != EINPROGRESS) {
		perror("sp-sockets: connect");
		exit(99);
	}
	return fd;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_storage	 ss = { 0 };
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct sigaction	 sa = { .sa_handler = on_term };
	static int		 fds[MAX_SOCKETS];
	char			 host[64], buf[1024];
	const char		*errstr, *mode;
	uint16_t		 port;
	long			 n = 1;
	int			 ch, i;

	while ((ch = getopt(argc, argv, "n:")) != -1) {
		switch (ch) {
		case 'n':
			n = strtol(optarg, NULL, 10);
			if (n < 1 || n > MAX_SOCKETS)
				usage();
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	mode = argv[optind];
	if (sp_hostport_split(argv[optind + 1], host, sizeof(host), &port,
	    &errstr) == -1) {
		fprintf(stderr, "sp-sockets: %s: %s\n", argv[optind + 1],
		    errstr);
		exit(2);
	}
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
	} else {
		fprintf(stderr, "sp-sockets: %s: not a numeric address\n",
		    host);
		exit(2);
	}
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	memset(buf, 'x', sizeof(buf));

	if (strcmp(mode, "close") == 0) {
		for (i = 0; i < n; i++)
			close(sock_connect(&ss, false));
		printf("ready\n");
		fflush(stdout);
		return 0;
	}
	if (strcmp(mode, "hold") != 0 && strcmp(mode, "send") != 0)
		usage();
	for (i = 0; i < n; i++)
		fds[i] = sock_connect(&ss, strcmp(mode, "hold") == 0);
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		(void)poll(NULL, 0, 100);
		if (strcmp(mode, "send") != 0)
			continue;
		for (i = 0; i < n; i++)
			(void)send(fds[i], buf, sizeof(buf),
			    MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	return 0;
}
