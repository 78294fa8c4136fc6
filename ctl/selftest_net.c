/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * selftest's scratch network: an anonymous network namespace, a veth
 * pair into it on a free 10.214.X.0/24, and an nftables table inside it
 * that makes one port fall silent on demand.  Built with ip(8) and
 * nft(8), torn down by st_net_destroy() from any state, half-built too.
 */

#include "config.h"

#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sockprobe.h"
#include "selftest.h"

#define NET_LOCK		"/run/lock/sockprobe-selftest.lock"
#define NET_LOCK_FALLBACK	"/tmp/sockprobe-selftest.lock"
#define NET_LOCK_WAIT_MS	10000
#define NET_CARRIER_WAIT_MS	5000

/* One command to run: where, with what input, and what it said. */
struct net_cmd {
	bool		 in_ns;			/* inside the scratch ns */
	const char	*input;			/* its stdin; NULL: empty */
	char		 out[65536];		/* its stdout */
	bool		 out_full;		/* ... was cut short */
	char		 err[512];		/* its stderr, truncated */
};

static void	net_errf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	net_find(const char *, char *, size_t);
static void	net_child(struct st_net *, const struct net_cmd *,
		    const char *const [], const int [3]);
static void	net_drain(int [2], struct net_cmd *, int64_t);
static int	net_reap(pid_t, int64_t);
static void	net_close(int *, size_t);
static void	net_failed(const struct net_cmd *, const char *const [], int,
		    char *, size_t);
static int	net_run(struct st_net *, struct net_cmd *,
		    const char *const [],
		    char *, size_t);
static int	net_lock(struct st_net *, char *, size_t);
static void	net_unlock(struct st_net *);
static bool	net_route_overlaps(const char *, int);
static int	net_pick_subnet(struct st_net *, char *, size_t);
static int	net_namespace(struct st_net *, char *, size_t);
static int	net_veth(struct st_net *, char *, size_t);
static int	net_running(int, const char *);
static int	net_carrier(struct st_net *, char *, size_t);
static int	net_table(struct st_net *, char *, size_t);

static void
net_errf(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Start empty: nothing to undo yet. */
void
st_net_init(struct st_net *net)
{
	memset(net, 0, sizeof(*net));
	net->root_fd = -1;
	net->ns_fd = -1;
	net->lock_fd = -1;
}

/*
 * A program by name in $PATH, as the shell would find it (the default
 * search path if $PATH is unset); 0 and its path in buf, or -1.
 */
static int
net_find(const char *name, char *buf, size_t len)
{
	const char	*p, *end;
	int		 n;

	if ((p = getenv("PATH")) == NULL)
		p = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
		    "/sbin:/bin";
	for (; *p != '\0'; p = *end == ':' ? end + 1 : end) {
		if ((end = strchr(p, ':')) == NULL)
			end = p + strlen(p);
		if (end == p)
			continue;
		n = snprintf(buf, len, "%.*s/%s", (int)(end - p), p, name);
		if (n > 0 && (size_t)n < len && access(buf, X_OK) == 0)
			return 0;
	}
	return -1;
}

/* Find ip(8) and nft(8), or say which package is missing. */
int
st_net_tools(struct st_net *net, char *err, size_t errlen)
{
	if (net_find("ip", net->ip, sizeof(net->ip)) == -1) {
		net_errf(err, errlen, "ip not found in PATH: it needs "
		    "iproute2");
		return -1;
	}
	if (net_find("nft", net->nft, sizeof(net->nft)) == -1) {
		net_errf(err, errlen, "nft not found in PATH: it needs "
		    "nftables");
		return -1;
	}
	return 0;
}

/*
 * The child's side of net_run(): into the namespace if asked, into a
 * process group of its own so that a second ^C at the terminal cannot
 * kill the cleanup's commands, default signals, then exec.
 */
static void
net_child(struct st_net *net, const struct net_cmd *cmd,
    const char *const argv[], const int fds[3])
{
	/* execv() takes char *const []; it changes none of them. */
	union {
		const char *const	*c;
		char *const		*p;
	}		args = { .c = argv };
	sigset_t	all;
	int		sig, i;

	if (cmd->in_ns && setns(net->ns_fd, CLONE_NEWNET) == -1)
		_exit(126);
	(void)setpgid(0, 0);
	for (i = 0; i < 3; i++)
		if (dup2(fds[i], i) == -1)
			_exit(126);
	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	execv(argv[0], args.p);
	_exit(127);
}

/* Read the child's stdout and stderr until both close or the deadline. */
static void
net_drain(int fds[2], struct net_cmd *cmd, int64_t deadline)
{
	struct pollfd	 pfd[2];
	char		*buf[2] = { cmd->out, cmd->err };
	size_t		 cap[2] = { sizeof(cmd->out), sizeof(cmd->err) };
	size_t		 used[2] = { 0, 0 };
	char		 junk[1024];
	ssize_t		 n;
	int64_t		 left;
	int		 i, open = 2;

	while (open > 0 && (left = deadline - st_now_us()) > 0) {
		for (i = 0; i < 2; i++)
			pfd[i] = (struct pollfd){ .fd = fds[i],
			    .events = POLLIN };
		if (poll(pfd, 2, (int)(left / 1000) + 1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (fds[i] == -1 || pfd[i].revents == 0)
				continue;
			if (used[i] + 1 < cap[i])
				n = read(fds[i], buf[i] + used[i],
				    cap[i] - used[i] - 1);
			else
				n = read(fds[i], junk, sizeof(junk));
			if (n > 0 && used[i] + 1 < cap[i])
				used[i] += (size_t)n;
			else if (n == 0 || (n == -1 && errno != EINTR)) {
				fds[i] = -1;
				open--;
			}
		}
	}
	cmd->out[used[0]] = '\0';
	cmd->err[used[1]] = '\0';
	cmd->out_full = used[0] + 1 >= cap[0];
}

/*
 * Wait for the child until the deadline, then kill it: its exit status,
 * or -1 if it did not exit by itself.
 */
static int
net_reap(pid_t pid, int64_t deadline)
{
	pid_t	r;
	int	status;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (r == -1 && errno != EINTR)
			return -1;
		if (st_now_us() >= deadline)
			break;
		(void)usleep(2000);
	}
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return -1;
}

/* Close the descriptors of fds that are open, and mark them closed. */
static void
net_close(int *fds, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (fds[i] != -1) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* Why a command failed, from its status and the first line it printed. */
static void
net_failed(const struct net_cmd *cmd, const char *const argv[], int status,
    char *err, size_t errlen)
{
	size_t	n = strcspn(cmd->err, "\n");

	if (status == -1)
		net_errf(err, errlen, "%s %s: did not finish in %d s", argv[0],
		    argv[1], ST_CMD_TIMEOUT_MS / 1000);
	else if (status == 126 || status == 127)
		net_errf(err, errlen, "%s: cannot run it (status %d)",
		    argv[0], status);
	else
		net_errf(err, errlen, "%s %s failed: %.*s", argv[0], argv[1],
		    n > 0 ? (int)n : 10, n > 0 ? cmd->err : "no message");
}

/*
 * Run argv (argv[0] a path) with cmd's input, bounded by
 * ST_CMD_TIMEOUT_MS.  0 if it exited 0; else -1 and a message naming
 * the command and what it printed on stderr.
 */
static int
net_run(struct st_net *net, struct net_cmd *cmd, const char *const argv[],
    char *err, size_t errlen)
{
	/* stdin, stdout and stderr pipes: [0] [1], [2] [3], [4] [5]. */
	int	 p[6] = { -1, -1, -1, -1, -1, -1 }, child[3], rd[2], status;
	int64_t	 deadline = st_now_us() + ST_CMD_TIMEOUT_MS * 1000;
	size_t	 len = cmd->input != NULL ? strlen(cmd->input) : 0;
	pid_t	 pid;

	cmd->out[0] = cmd->err[0] = '\0';
	if (pipe2(p, O_CLOEXEC) == -1 || pipe2(p + 2, O_CLOEXEC) == -1 ||
	    pipe2(p + 4, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		net_errf(err, errlen, "%s: %s", argv[0], strerror(errno));
		net_close(p, 6);
		return -1;
	}
	child[0] = p[0];
	child[1] = p[3];
	child[2] = p[5];
	if (pid == 0)
		net_child(net, cmd, argv, child);
	net_close(&p[0], 1);
	net_close(&p[3], 1);
	net_close(&p[5], 1);
	/*
	 * Small scripts only: they fit in the pipe, so this never blocks;
	 * a short write shows as the command's own error.
	 */
	if (len > 0 && write(p[1], cmd->input, len) != (ssize_t)len)
		net_errf(err, errlen, "%s: writing its input: %s", argv[0],
		    strerror(errno));
	net_close(&p[1], 1);
	rd[0] = p[2];
	rd[1] = p[4];
	net_drain(rd, cmd, deadline);
	net_close(p, 6);
	if ((status = net_reap(pid, deadline)) == 0)
		return 0;
	net_failed(cmd, argv, status, err, errlen);
	return -1;
}

/*
 * Two selftests at once must not pick the same subnet: one lock for the
 * host, held from the route check until our address is in place.
 * Bounded: a lock busy for NET_LOCK_WAIT_MS is an error.
 */
static int
net_lock(struct st_net *net, char *err, size_t errlen)
{
	const char	*path = NET_LOCK;
	int64_t		 deadline = st_now_us() + NET_LOCK_WAIT_MS * 1000;
	struct stat	 sb;

	if (stat("/run/lock", &sb) == -1 || !S_ISDIR(sb.st_mode))
		path = NET_LOCK_FALLBACK;
	if ((net->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		net_errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (flock(net->lock_fd, LOCK_EX | LOCK_NB) == -1) {
		if ((errno != EWOULDBLOCK && errno != EINTR) ||
		    st_now_us() >= deadline || st_interrupted() != 0) {
			net_errf(err, errlen, "%s: %s", path,
			    errno == EWOULDBLOCK ? "held by another selftest "
			    "for 10 s" : strerror(errno));
			return -1;
		}
		(void)usleep(20000);
	}
	return 0;
}

static void
net_unlock(struct st_net *net)
{
	if (net->lock_fd != -1) {
		close(net->lock_fd);	/* releases the flock */
		net->lock_fd = -1;
	}
}

/*
 * Whether a line of `ip -4 -o route show` (a route inside 10.214.0.0/16,
 * so /16 or longer) overlaps 10.214.x.0/24.  The destination is the
 * first word, or the second after a route type such as "local".
 */
static bool
net_route_overlaps(const char *line, int x)
{
	char		 dst[64], *slash;
	struct in_addr	 a;
	unsigned long	 len = 32;
	uint32_t	 mask, mine, theirs;

	if (sscanf(line, "%63s", dst) != 1)
		return false;
	if (strchr(dst, '.') == NULL &&
	    sscanf(line, "%*s %63s", dst) != 1)
		return false;
	if ((slash = strchr(dst, '/')) != NULL) {
		*slash = '\0';
		len = strtoul(slash + 1, NULL, 10);
	}
	if (inet_pton(AF_INET, dst, &a) != 1 || len > 32)
		return true;		/* unparsable: keep away */
	len = len < 24 ? len : 24;
	mask = len == 0 ? 0 : 0xffffffffU << (32 - len);
	mine = (10U << 24 | 214U << 16 | (uint32_t)x << 8) & mask;
	theirs = ntohl(a.s_addr) & mask;
	return mine == theirs;
}

/*
 * A /24 in 10.214.0.0/16 that no route or address of this host touches
 * (addresses show as routes of the local table), starting from one
 * derived from our pid so that parallel runs spread out.  Called with
 * the lock held.
 */
static int
net_pick_subnet(struct st_net *net, char *err, size_t errlen)
{
	struct net_cmd	 cmd = { .in_ns = false };
	const char	*argv[] = { net->ip, "-4", "-o", "route", "show",
			    "table", "all", "root", ST_SUBNET_PREFIX ".0.0/16",
			    NULL };
	char		*line, *save;
	bool		 busy[256] = { false };
	int		 i, x;

	if (net_run(net, &cmd, argv, err, errlen) == -1)
		return -1;
	if (cmd.out_full) {
		net_errf(err, errlen, "too many routes in %s.0.0/16 to find "
		    "a free /24", ST_SUBNET_PREFIX);
		return -1;
	}
	for (line = strtok_r(cmd.out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		for (x = 1; x <= 254; x++)
			if (net_route_overlaps(line, x))
				busy[x] = true;
	for (i = 0; i < 254; i++) {
		x = (int)((getpid() + i) % 254) + 1;
		if (!busy[x]) {
			net->subnet = x;
			return 0;
		}
	}
	net_errf(err, errlen, "no free /24 in %s.0.0/16: routes cover all",
	    ST_SUBNET_PREFIX);
	return -1;
}

/*
 * An anonymous namespace that dies with us: unshare into it just long
 * enough to open it, then come back.  Nothing names it, so nothing can
 * outlive this process: when its last descriptor and socket close, the
 * kernel removes it, the veth pair with it.  Single-threaded callers
 * only, as setns() moves just the calling thread.
 */
static int
net_namespace(struct st_net *net, char *err, size_t errlen)
{
	int	saved;

	if ((net->root_fd = open("/proc/self/ns/net", O_RDONLY |
	    O_CLOEXEC)) == -1) {
		net_errf(err, errlen, "/proc/self/ns/net: %s", strerror(errno));
		return -1;
	}
	if (unshare(CLONE_NEWNET) == -1) {
		net_errf(err, errlen, "unshare(CLONE_NEWNET): %s",
		    strerror(errno));
		return -1;
	}
	net->ns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	saved = errno;
	if (setns(net->root_fd, CLONE_NEWNET) == -1) {
		/* Stuck in the wrong namespace: nothing else is safe. */
		fprintf(stderr, "sockprobectl: selftest: cannot return to our "
		    "network namespace: %s\n", strerror(errno));
		_exit(2);
	}
	if (net->ns_fd == -1) {
		net_errf(err, errlen, "scratch namespace: %s",
		    strerror(saved));
		return -1;
	}
	return 0;
}

/*
 * The veth pair, made from inside the scratch namespace so that the
 * peer end is born there; "netns <our pid>" sends the host end to us.
 */
static int
net_veth(struct st_net *net, char *err, size_t errlen)
{
	struct net_cmd	 cmd = { .in_ns = true };
	char		 pid[32];
	const char	*argv[] = { net->ip, "link", "add", net->peer_if,
			    "type", "veth", "peer", "name", net->host_if,
			    "netns", pid, NULL };

	/* pid_max is at most 2^22: seven digits, IFNAMSIZ holds them. */
	snprintf(net->host_if, sizeof(net->host_if), "spst%uh",
	    (unsigned)getpid() % 10000000U);
	snprintf(net->peer_if, sizeof(net->peer_if), "spst%up",
	    (unsigned)getpid() % 10000000U);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (if_nametoindex(net->host_if) != 0) {
		net_errf(err, errlen, "interface %s exists already",
		    net->host_if);
		return -1;
	}
	/* From here on a cleanup deletes it, even if the add fails late. */
	net->host_if_made = true;
	return net_run(net, &cmd, argv, err, errlen);
}

/* 1 if the interface has carrier (IFF_RUNNING), 0 not yet, -1 error. */
static int
net_running(int sock, const char *ifname)
{
	struct ifreq	ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) == -1)
		return -1;
	return (ifr.ifr_flags & IFF_RUNNING) != 0;
}

/*
 * Both ends up with carrier, or the first SYN is lost and its
 * retransmission seeds a 1 s RTO that skews every prediction.
 */
static int
net_carrier(struct st_net *net, char *err, size_t errlen)
{
	int64_t	deadline = st_now_us() + NET_CARRIER_WAIT_MS * 1000;
	int	hs, ps, h = 0, p = 0, rc = -1;

	hs = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ps = st_net_socket(net, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC);
	if (hs == -1 || ps == -1) {
		net_errf(err, errlen, "socket: %s", strerror(errno));
		goto done;
	}
	while (st_interrupted() == 0) {
		if ((h = net_running(hs, net->host_if)) == -1 ||
		    (p = net_running(ps, net->peer_if)) == -1) {
			net_errf(err, errlen, "%s: %s", h == -1 ?
			    net->host_if : net->peer_if, strerror(errno));
			goto done;
		}
		if (h == 1 && p == 1) {
			rc = 0;
			break;
		}
		if (st_now_us() >= deadline) {
			net_errf(err, errlen, "veth %s has no carrier after "
			    "%d s", net->host_if, NET_CARRIER_WAIT_MS / 1000);
			goto done;
		}
		(void)usleep(5000);
	}
done:
	if (hs != -1)
		close(hs);
	if (ps != -1)
		close(ps);
	return rc;
}

/* The table that silences: empty chains now, rules at the cut. */
static int
net_table(struct st_net *net, char *err, size_t errlen)
{
	struct net_cmd	 cmd = { .in_ns = true, .input =
			    "table ip " ST_NFT_TABLE " {\n"
			    "\tchain input {\n"
			    "\t\ttype filter hook input priority 0;\n"
			    "\t}\n"
			    "\tchain output {\n"
			    "\t\ttype filter hook output priority 0;\n"
			    "\t}\n"
			    "}\n" };
	const char	*argv[] = { net->nft, "-f", "-", NULL };

	return net_run(net, &cmd, argv, err, errlen);
}

/*
 * Build it all: namespace, subnet (under the lock), veth, addresses,
 * carrier, nftables.  -1 with a message leaves a state that
 * st_net_destroy() undoes.
 */
int
st_net_build(struct st_net *net, char *err, size_t errlen)
{
	struct net_cmd	 host = { .in_ns = false }, peer = { .in_ns = true };
	const char	*argv[] = { net->ip, "-batch", "-", NULL };
	char		 hs[256], ps[256];
	int		 rc;

	if (net_namespace(net, err, errlen) == -1 ||
	    net_lock(net, err, errlen) == -1 ||
	    net_pick_subnet(net, err, errlen) == -1)
		return -1;
	net->host_ip.s_addr = htonl(10U << 24 | 214U << 16 |
	    (uint32_t)net->subnet << 8 | 1);
	net->peer_ip.s_addr = htonl(10U << 24 | 214U << 16 |
	    (uint32_t)net->subnet << 8 | 2);
	if (net_veth(net, err, errlen) == -1)
		return -1;
	snprintf(hs, sizeof(hs), "address add %s.%d.1/24 dev %s\n"
	    "link set dev %s up\n", ST_SUBNET_PREFIX, net->subnet,
	    net->host_if, net->host_if);
	snprintf(ps, sizeof(ps), "address add %s.%d.2/24 dev %s\n"
	    "link set dev %s up\nlink set dev lo up\n", ST_SUBNET_PREFIX,
	    net->subnet, net->peer_if, net->peer_if);
	host.input = hs;
	peer.input = ps;
	rc = net_run(net, &host, argv, err, errlen);
	/* Our route is in place (or never will be): others may pick. */
	net_unlock(net);
	if (rc == -1 || net_run(net, &peer, argv, err, errlen) == -1 ||
	    net_carrier(net, err, errlen) == -1 ||
	    net_table(net, err, errlen) == -1)
		return -1;
	return 0;
}

/*
 * A socket that belongs to the scratch namespace: sockets keep the
 * namespace they were made in, so step in, make it, step out.
 * Single-threaded callers only.  The fd, or -1 with errno.
 */
int
st_net_socket(struct st_net *net, int domain, int type)
{
	int	fd, saved;

	if (setns(net->ns_fd, CLONE_NEWNET) == -1)
		return -1;
	fd = socket(domain, type, 0);
	saved = errno;
	if (setns(net->root_fd, CLONE_NEWNET) == -1) {
		fprintf(stderr, "sockprobectl: selftest: cannot return to our "
		    "network namespace: %s\n", strerror(errno));
		_exit(2);
	}
	errno = saved;
	return fd;
}

/*
 * The silence: from now on the scratch namespace drops every TCP
 * segment to and from port, in both directions, so its peers neither
 * hear nor answer (ARP still works, as when a process hangs or a host
 * vanishes behind a live switch).  Returns once the rules are in.
 */
int
st_net_cut(struct st_net *net, uint16_t port, char *err, size_t errlen)
{
	struct net_cmd	 cmd = { .in_ns = true };
	char		 rules[256];
	const char	*argv[] = { net->nft, "-f", "-", NULL };

	snprintf(rules, sizeof(rules),
	    "add rule ip %s input tcp dport %u drop\n"
	    "add rule ip %s output tcp sport %u drop\n",
	    ST_NFT_TABLE, port, ST_NFT_TABLE, port);
	cmd.input = rules;
	return net_run(net, &cmd, argv, err, errlen);
}

/*
 * Undo whatever was built: delete the host veth end (its peer, the
 * nftables table and the namespace's sockets go with the namespace),
 * then drop our hold on the namespace.  Any state; safe to repeat.
 */
void
st_net_destroy(struct st_net *net)
{
	struct net_cmd	 cmd = { .in_ns = false };
	char		 err[ST_ERR_MAX];
	const char	*argv[] = { net->ip, "link", "del", "dev",
			    net->host_if, NULL };

	if (net->host_if_made && if_nametoindex(net->host_if) != 0 &&
	    net_run(net, &cmd, argv, err, sizeof(err)) == -1)
		fprintf(stderr, "sockprobectl: selftest: %s\n", err);
	net->host_if_made = false;
	net_unlock(net);
	if (net->ns_fd != -1)
		close(net->ns_fd);
	if (net->root_fd != -1)
		close(net->root_fd);
	net->ns_fd = net->root_fd = -1;
}
