/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Built by tests/install/link.sh against the installed sockprobe.h and
 * libsockprobe.pc only: a loopback connection whose peer closes, seen
 * by the read check, and the names and version the header promises.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sockprobe.h>

#if !defined(SP_VERSION_MAJOR) || !defined(SP_VERSION_MINOR)
#error "sockprobe.h lacks SP_VERSION_MAJOR/MINOR"
#endif

int
main(void)
{
	struct sockaddr_in	 sin = { .sin_family = AF_INET };
	socklen_t		 len = sizeof(sin);
	struct sp_verdict	 v;
	int			 l, c, a;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(l, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(l, 1) == -1 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) == -1 ||
	    (c = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(c, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    (a = accept(l, NULL, NULL)) == -1) {
		perror("loopback connection");
		return 2;
	}
	if (sp_check_read(c, &v) == -1 || v.cause != SP_CAUSE_NONE) {
		fprintf(stderr, "alive connection judged %s\n",
		    sp_cause_name(v.cause));
		return 1;
	}
	close(a);
	usleep(100000);
	if (sp_check_read(c, &v) == -1) {
		perror("sp_check_read");
		return 1;
	}
	printf("%d.%d %s %s %s\n", SP_VERSION_MAJOR, SP_VERSION_MINOR,
	    sp_version(), sp_cause_name(v.cause),
	    sp_technique_name(v.technique));
	close(c);
	close(l);
	return 0;
}
