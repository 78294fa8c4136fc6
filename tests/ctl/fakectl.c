/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * fakectl: a stand-in for sockprobed's control socket, so sockprobectl's
 * daemon verbs can be tested alone.  It accepts one client, saves the
 * request line it sends, answers with the given lines and closes.
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	char			 buf[65536];
	size_t			 len = 0;
	ssize_t			 n;
	FILE			*f;
	int			 lfd, fd, i;

	if (argc < 3 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: fakectl SOCKET REQUEST-FILE "
		    "[RESPONSE-LINE ...]\n");
		return 2;
	}
	alarm(20);	/* never outlive a test that forgot us */
	strncpy(sun.sun_path, argv[1], sizeof(sun.sun_path) - 1);
	(void)unlink(argv[1]);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, 1) == -1) {
		perror("fakectl: listen");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	if ((fd = accept(lfd, NULL, NULL)) == -1) {
		perror("fakectl: accept");
		return 1;
	}
	while (len < sizeof(buf) && memchr(buf, '\n', len) == NULL) {
		if ((n = read(fd, buf + len, sizeof(buf) - len)) <= 0)
			break;
		len += (size_t)n;
	}
	if ((f = fopen(argv[2], "w")) == NULL ||
	    fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror("fakectl: request file");
		return 1;
	}
	for (i = 3; i < argc; i++)
		if (write(fd, argv[i], strlen(argv[i])) == -1 ||
		    write(fd, "\n", 1) == -1)
			break;
	close(fd);
	close(lfd);
	(void)unlink(argv[1]);
	return 0;
}
