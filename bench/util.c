/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sp-bench's plumbing: clocks, the temp dir, child processes and their
 * cleanup on every exit path, /proc figures, percentiles and a line
 * reader with deadlines.
 */

#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define MAX_CHILDREN	512
#define MAX_TMPFILES	64

bool			 util_verbose;
static volatile sig_atomic_t util_signalled;
static pid_t		 util_children[MAX_CHILDREN];
static size_t		 util_nchildren;
static char		 util_dir[64];
static char		*util_files[MAX_TMPFILES];
static size_t		 util_nfiles;
static pid_t		 util_parent;

static void	util_signal_cb(int);
static void	util_forget(pid_t);
static int	util_cmp_i64(const void *, const void *);
static int	util_cmp_dbl(const void *, const void *);

/* Progress for -v, to stderr. */
void
vlog(const char *fmt, ...)
{
	va_list	ap;

	if (!util_verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "sp-bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

int64_t
util_now(clockid_t clk)
{
	struct timespec	ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * NS_SECOND + ts.tv_nsec;
}

/* Sleep, in slices, so that an interrupt ends the wait promptly. */
void
util_sleep_ns(int64_t ns)
{
	int64_t		end = util_now(CLOCK_MONOTONIC) + ns, left;
	struct timespec	ts;

	while (!util_interrupted() &&
	    (left = end - util_now(CLOCK_MONOTONIC)) > 0) {
		if (left > 100 * NS_MS)
			left = 100 * NS_MS;
		ts.tv_sec = (time_t)(left / NS_SECOND);
		ts.tv_nsec = (long)(left % NS_SECOND);
		(void)nanosleep(&ts, NULL);
	}
}

bool
util_interrupted(void)
{
	return util_signalled != 0;
}

/* SIGINT, SIGTERM, SIGHUP: only a flag; every wait checks it. */
static void
util_signal_cb(int sig)
{
	util_signalled = sig;
}

/* Signals end the run through the normal cleanup; SIGPIPE is ignored. */
void
util_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = util_signal_cb;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	util_parent = getpid();
}

/* Called between steps: an interrupt stops the run (cleanup at exit). */
void
util_check(void)
{
	if (util_interrupted())
		errx(130, "interrupted");
}

/*
 * A program of the build tree as it really runs: for a libtool wrapper
 * script, the binary in .libs with the wrapper's LD_LIBRARY_PATH set
 * here (children inherit it), so no shell runs inside a measurement.
 */
const char *
util_resolve(const char *path)
{
	char		 line[1024], real[1024], *dir, *slash, *q;
	const char	*base;
	FILE		*fp;
	bool		 script = false;

	if ((fp = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (!script && strncmp(line, "#!", 2) != 0)
			break;
		script = true;
		if ((q = strstr(line, "LD_LIBRARY_PATH=\"")) == NULL ||
		    (slash = strstr(q, ":$LD_LIBRARY_PATH")) == NULL)
			continue;
		*slash = '\0';
		if (setenv("LD_LIBRARY_PATH", q + 17, 1) == -1)
			err(1, "setenv");
	}
	fclose(fp);
	if (!script)
		return path;
	if ((dir = strdup(path)) == NULL)
		err(1, "strdup");
	slash = strrchr(dir, '/');
	base = slash != NULL ? slash + 1 : dir;
	(void)snprintf(real, sizeof(real), "%.*s.libs/%s",
	    slash != NULL ? (int)(slash - dir + 1) : 0, dir, base);
	free(dir);
	if (access(real, X_OK) == -1)
		return path;		/* run the script as it is */
	if ((dir = strdup(real)) == NULL)
		err(1, "strdup");
	return dir;
}

/*
 * The soft descriptor limit up to the hard one, for us and children;
 * returns it.
 */
size_t
util_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(1, "getrlimit");
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(1, "setrlimit");
	return rl.rlim_max == RLIM_INFINITY ? SIZE_MAX : (size_t)rl.rlim_max;
}

/* The run's private directory, made on first use. */
const char *
util_tmpdir(void)
{
	const char	*base;

	if (util_dir[0] != '\0')
		return util_dir;
	if ((base = getenv("TMPDIR")) == NULL || strlen(base) > 30)
		base = "/tmp";
	(void)snprintf(util_dir, sizeof(util_dir), "%s/sp-bench.XXXXXX",
	    base);
	if (mkdtemp(util_dir) == NULL)
		err(1, "mkdtemp %s", util_dir);
	return util_dir;
}

/* A file name in the temp dir; it is removed by util_cleanup(). */
const char *
util_tmpfile(const char *name)
{
	char	path[256];
	size_t	i;
	int	n;

	n = snprintf(path, sizeof(path), "%s/%s", util_tmpdir(), name);
	if (n < 0 || (size_t)n >= sizeof(path))
		errx(1, "temp path too long");
	for (i = 0; i < util_nfiles; i++)
		if (strcmp(util_files[i], path) == 0)
			return util_files[i];
	if (util_nfiles == MAX_TMPFILES)
		errx(1, "too many temp files");
	if ((util_files[util_nfiles] = strdup(path)) == NULL)
		err(1, "strdup");
	return util_files[util_nfiles++];
}

/*
 * At exit, in the parent only: stop every child still running, then
 * remove the temp files and dir (kept with --keep).
 */
void
util_cleanup(bool keep)
{
	size_t	i;

	if (getpid() != util_parent)
		return;
	while (util_nchildren > 0)
		util_stop(util_children[util_nchildren - 1], 2000);
	if (keep && util_dir[0] != '\0') {
		fprintf(stderr, "sp-bench: kept %s\n", util_dir);
		return;
	}
	for (i = 0; i < util_nfiles; i++) {
		(void)unlink(util_files[i]);
		free(util_files[i]);
	}
	util_nfiles = 0;
	if (util_dir[0] != '\0')
		(void)rmdir(util_dir);
	util_dir[0] = '\0';
}

void
util_child(pid_t pid)
{
	if (util_nchildren == MAX_CHILDREN) {
		(void)kill(pid, SIGKILL);
		errx(1, "too many children");
	}
	util_children[util_nchildren++] = pid;
}

static void
util_forget(pid_t pid)
{
	size_t	i;

	for (i = 0; i < util_nchildren; i++)
		if (util_children[i] == pid) {
			util_children[i] = util_children[--util_nchildren];
			return;
		}
}

/*
 * Run argv in a child that dies with us (PR_SET_PDEATHSIG survives the
 * exec), stdio from the fds given, -1 meaning /dev/null.
 */
pid_t
util_spawn(char *const argv[], int in, int out, int errfd)
{
	pid_t	pid;
	int	null;

	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid > 0) {
		util_child(pid);
		return pid;
	}
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != util_parent)
		_exit(127);
	if ((null = open("/dev/null", O_RDWR)) == -1)
		_exit(127);
	if (dup2(in != -1 ? in : null, 0) == -1 ||
	    dup2(out != -1 ? out : null, 1) == -1 ||
	    dup2(errfd != -1 ? errfd : null, 2) == -1)
		_exit(127);
	closefrom(3);
	execvp(argv[0], argv);
	dprintf(2, "sp-bench: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Stop a child: SIGTERM, up to timeout_ms to exit, then SIGKILL. */
void
util_stop(pid_t pid, int timeout_ms)
{
	int64_t	end = util_now(CLOCK_MONOTONIC) + timeout_ms * NS_MS;
	int	status;

	util_forget(pid);
	if (kill(pid, SIGTERM) == -1 && errno == ESRCH) {
		(void)waitpid(pid, &status, WNOHANG);
		return;
	}
	while (util_now(CLOCK_MONOTONIC) < end) {
		if (waitpid(pid, &status, WNOHANG) != 0)
			return;
		util_sleep_ns(5 * NS_MS);
	}
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, &status, 0);
}

/*
 * Wait for a child to exit by deadline (CLOCK_MONOTONIC): 0 with its
 * wait status, or -1 after killing it.
 */
int
util_wait(pid_t pid, int64_t deadline, int *status)
{
	pid_t	rc;

	for (;;) {
		if ((rc = waitpid(pid, status, WNOHANG)) == pid ||
		    (rc == -1 && errno == ECHILD)) {
			util_forget(pid);
			return rc == pid ? 0 : -1;
		}
		if (util_now(CLOCK_MONOTONIC) > deadline ||
		    util_interrupted()) {
			util_stop(pid, 1000);
			return -1;
		}
		util_sleep_ns(NS_MS / 4);
	}
}

/* Whether a child is still running (reaps it when it is not). */
bool
util_alive(pid_t pid)
{
	int	status;

	return waitpid(pid, &status, WNOHANG) == 0;
}

/* VmRSS, RssAnon and VmHWM of pid; 0 or -1. */
int
util_procmem(pid_t pid, struct procmem *m)
{
	char	path[64], line[256];
	FILE	*fp;

	memset(m, 0, sizeof(*m));
	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			m->rss_kib = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "RssAnon:", 8) == 0)
			m->anon_kib = strtol(line + 8, NULL, 10);
		else if (strncmp(line, "VmHWM:", 6) == 0)
			m->hwm_kib = strtol(line + 6, NULL, 10);
	}
	fclose(fp);
	return m->rss_kib > 0 ? 0 : -1;
}

/*
 * CPU time of pid in ns: /proc/PID/schedstat's first field, which the
 * scheduler keeps in ns, unlike utime+stime in clock ticks.
 */
int64_t
util_cpu_ns(pid_t pid)
{
	char		path[64];
	FILE		*fp;
	long long	ns;
	int		n;

	(void)snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fscanf(fp, "%lld", &ns);
	fclose(fp);
	return n == 1 ? (int64_t)ns : -1;
}

/*
 * The second column of /proc/net/softnet_stat, summed over CPUs: what
 * netdev_max_backlog turned away.  Loopback traffic passes there.
 */
uint64_t
util_softnet_drops(void)
{
	unsigned long	 processed, dropped;
	uint64_t	 total = 0;
	char		 line[512];
	FILE		*fp;

	if ((fp = fopen("/proc/net/softnet_stat", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "%lx %lx", &processed, &dropped) == 2)
			total += dropped;
	fclose(fp);
	return total;
}

static int
util_cmp_i64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
util_cmp_dbl(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The smallest value with at least p% of the sample at or below it. */
int64_t
util_percentile(int64_t *v, size_t n, double p)
{
	size_t	rank;

	if (n == 0)
		return -1;
	qsort(v, n, sizeof(*v), util_cmp_i64);
	rank = (size_t)((p / 100.0) * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

double
util_median(double *v, size_t n)
{
	if (n == 0)
		return -1;
	qsort(v, n, sizeof(*v), util_cmp_dbl);
	return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void
util_lines_init(struct lines *l, int fd)
{
	memset(l, 0, sizeof(*l));
	l->fd = fd;
}

void
util_lines_free(struct lines *l)
{
	free(l->buf);
	memset(l, 0, sizeof(*l));
	l->fd = -1;
}

/*
 * The next whole line already read, without its newline, valid until
 * the next call on l; NULL when none is buffered.
 */
char *
util_line_next(struct lines *l)
{
	char	*nl;

	if (l->consumed > 0) {
		memmove(l->buf, l->buf + l->consumed, l->len - l->consumed);
		l->len -= l->consumed;
		l->consumed = 0;
	}
	if (l->len == 0 || (nl = memchr(l->buf, '\n', l->len)) == NULL)
		return NULL;
	*nl = '\0';
	l->consumed = (size_t)(nl - l->buf) + 1;
	return l->buf;
}

/* One read() of what is there (poll said so); sets eof at the end. */
void
util_lines_fill(struct lines *l)
{
	ssize_t	n;

	if (l->consumed > 0) {
		memmove(l->buf, l->buf + l->consumed, l->len - l->consumed);
		l->len -= l->consumed;
		l->consumed = 0;
	}
	if (l->len + 1 >= l->cap) {
		l->cap = l->cap == 0 ? 65536 : l->cap * 2;
		if ((l->buf = realloc(l->buf, l->cap)) == NULL)
			err(1, "realloc");
	}
	n = read(l->fd, l->buf + l->len, l->cap - l->len - 1);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
		l->eof = true;
	else if (n > 0)
		l->len += (size_t)n;
}

/*
 * The next line, without its newline, valid until the next call; NULL
 * at EOF, on an interrupt, or when deadline (CLOCK_MONOTONIC) passes.
 */
char *
util_line(struct lines *l, int64_t deadline)
{
	struct pollfd	 pfd = { .fd = l->fd, .events = POLLIN };
	char		*line;
	int64_t		 left;

	for (;;) {
		if ((line = util_line_next(l)) != NULL)
			return line;
		if (l->eof || util_interrupted())
			return NULL;
		left = deadline - util_now(CLOCK_MONOTONIC);
		if (left <= 0)
			return NULL;
		if (poll(&pfd, 1, (int)((left + NS_MS - 1) / NS_MS)) > 0)
			util_lines_fill(l);
	}
}

/* The last lines of a log, to stderr, when its writer failed us. */
void
util_log_tail(const char *log)
{
	char	line[512], last[10][512];
	size_t	n = 0, i;
	FILE	*fp;

	if ((fp = fopen(log, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL)
		(void)snprintf(last[n++ % 10], sizeof(last[0]), "%s", line);
	fclose(fp);
	for (i = n > 10 ? n - 10 : 0; i < n; i++)
		fprintf(stderr, "  %s: %s", log, last[i % 10]);
}

/* Uniform in [0, n); not for secrets, only for spreading samples. */
uint32_t
util_random(uint32_t n)
{
	return n == 0 ? 0 : (uint32_t)((uint64_t)random() * n /
	    ((uint64_t)RAND_MAX + 1));
}

/* One detection latency of kind (0 FIN, 1 RST), cap entries per kind. */
void
util_lat_add(struct latencies *l, int kind, int64_t ns, size_t cap)
{
	if (l->ns[kind] == NULL &&
	    (l->ns[kind] = calloc(cap, sizeof(int64_t))) == NULL)
		err(1, "calloc");
	if (l->n[kind] < cap)
		l->ns[kind][l->n[kind]++] = ns;
}

void
util_lat_free(struct latencies *l)
{
	free(l->ns[0]);
	free(l->ns[1]);
	memset(l, 0, sizeof(*l));
}
