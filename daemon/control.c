/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The control socket: an AF_UNIX stream listener (from systemd socket
 * activation, else bound here), its clients and their JSON Lines
 * framing, the per-client limits, and the event stream to watchers.
 * What a request means is commands.c's business.
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>
#include <systemd/sd-daemon.h>

#include "sockprobe.h"
#include "sockprobed.h"

#define CONTROL_BACKLOG		16
#define CONTROL_LINGER_MS	1000	/* to flush last words, then close */
#define CONTROL_PAUSE_MS	1000	/* accept paused after EMFILE */
#define CONTROL_NGROUPS		64	/* first guess at a peer's groups */
#define CONTROL_PATH_MAX	sizeof(((struct sockaddr_un *)0)->sun_path)

/* Sent when even the error object cannot be built. */
#define CONTROL_NOMEM	"{\"ok\":false,\"error\":{\"code\":\"" \
	CTL_ERR_INTERNAL "\",\"message\":\"out of memory\"}}\n"

struct control_client {
	TAILQ_ENTRY(control_client) entry;
	struct control		*control;
	struct bufferevent	*bev;
	struct client_cred	 cred;
	bool			 watching;	/* events are sent to it */
	bool			 closing;	/* last words queued */
	bool			 eof;		/* it sent all it will send */
	bool			 dead;		/* the reaper frees it */
};
TAILQ_HEAD(control_clients, control_client);

struct control {
	struct sockprobed	*sd;
	int			 fd;
	bool			 activated;	/* from systemd: not ours */
	char			 path[CONTROL_PATH_MAX];
	struct event		*ev_accept;
	struct event		*ev_resume;	/* accept again after EMFILE */
	struct event		*ev_reap;	/* frees dead clients */
	struct control_clients	 clients;
	size_t			 nclients;	/* dead ones included */
	int			 spare;		/* held for a full table */
};

static int	 control_listen_fds(struct control *);
static size_t	 control_watchers(const struct control *);
static int	 control_bind(struct control *, const char *);
static int	 control_stale(const char *);
static void	 control_chgrp(const struct control *, const char *);
static int	 control_events(struct control *);
static void	 control_accept_cb(evutil_socket_t, short, void *);
static void	 control_resume_cb(evutil_socket_t, short, void *);
static void	 control_spare(struct control *);
static int	 control_accept(struct control *, int);
static void	 control_reap_cb(evutil_socket_t, short, void *);
static void	 control_refuse(int, const char *, const char *);
static int	 control_cred(struct control *, int, struct client_cred *);
static bool	 control_in_group(int, const struct ucred *, gid_t);
static bool	 control_groups_have(const gid_t *, int, gid_t);
static struct control_client *control_client_new(struct control *, int,
		    const struct client_cred *);
static void	 control_read_cb(struct bufferevent *, void *);
static void	 control_write_cb(struct bufferevent *, void *);
static void	 control_event_cb(struct bufferevent *, short, void *);
static void	 control_serve_eof(struct control_client *);
static void	 control_request(struct control_client *, const char *,
		    size_t);
static int	 control_send(struct control_client *, const json_t *, bool);
static void	 control_last_words(struct control_client *, const char *,
		    const char *);
static void	 control_drop(struct control_client *);
static void	 control_client_free(struct control_client *);

/*
 * Open the control socket before any target starts: the one systemd
 * passed, else bind -s or control_socket.  Returns 0, or -1 after
 * logging why.
 */
int
control_init(struct sockprobed *sd)
{
	struct control	*c;
	const char	*path;
	int		 rc;

	c = xcalloc(1, sizeof(*c));
	c->sd = sd;
	c->fd = -1;
	c->spare = -1;
	TAILQ_INIT(&c->clients);
	sd->control = c;
	if ((rc = control_listen_fds(c)) == 0) {
		path = sd->socket_override != NULL ? sd->socket_override :
		    sd->conf->daemon.control_socket;
		rc = control_bind(c, path);
	}
	if (rc == -1 || control_events(c) == -1) {
		control_free(sd);
		return -1;
	}
	control_spare(c);
	return 0;
}

/*
 * The socket of systemd socket activation, if any: the first AF_UNIX
 * stream listener passed.  1 when found, 0 when nothing was passed, -1
 * when sockets were passed but none fits.
 */
static int
control_listen_fds(struct control *c)
{
	int	n, fd, flags;

	if ((n = sd_listen_fds(1)) <= 0) {
		if (n < 0)
			log_warnx("control: LISTEN_FDS: %s", strerror(-n));
		return 0;
	}
	for (fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; fd++) {
		if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0)
			continue;
		if ((flags = fcntl(fd, F_GETFL)) == -1 ||
		    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
			log_warn("control: socket from systemd");
			return -1;
		}
		c->fd = fd;
		c->activated = true;
		log_info("control: listening on the socket systemd passed "
		    "(fd %d)", fd);
		return 1;
	}
	log_warnx("control: systemd passed %d socket%s, none a listening "
	    "AF_UNIX stream socket", n, n == 1 ? "" : "s");
	return -1;
}

/*
 * Bind path with mode 0660 (group control_group), after removing a
 * stale socket left by a daemon that died.  0 or -1 after logging.
 */
static int
control_bind(struct control *c, const char *path)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	mode_t			 old;
	int			 saved_errno;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket %s: path longer than %zu bytes", path,
		    sizeof(sun.sun_path) - 1);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (control_stale(path) == -1)
		return -1;
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		log_warn("control socket %s: socket", path);
		return -1;
	}
	/* The mode is fixed at bind: no moment with a wider one. */
	old = umask(S_IXUSR | S_IXGRP | S_IRWXO);
	if (bind(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved_errno = errno;
		(void)umask(old);
		errno = saved_errno;
		if (errno == ENOENT)
			log_warnx("control socket %s: its directory does not "
			    "exist (the service's RuntimeDirectory= makes it)",
			    path);
		else
			log_warn("control socket %s: bind", path);
		return -1;
	}
	(void)umask(old);
	(void)snprintf(c->path, sizeof(c->path), "%s", path);
	control_chgrp(c, path);
	if (listen(c->fd, CONTROL_BACKLOG) == -1) {
		log_warn("control socket %s: listen", path);
		return -1;
	}
	log_info("control: listening on %s", path);
	return 0;
}

/*
 * Remove path if it is a socket nobody listens on; refuse to touch
 * anything else, or a socket another daemon still serves.
 */
static int
control_stale(const char *path)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	struct stat		 st;
	int			 fd, rc;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		log_warn("control socket %s", path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("control socket %s: exists and is not a socket; "
		    "not removing it", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control socket %s: socket", path);
		return -1;
	}
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	if (rc == 0 || errno == EAGAIN) {
		close(fd);
		log_warnx("control socket %s: another process is listening "
		    "on it", path);
		return -1;
	}
	close(fd);
	if (errno != ECONNREFUSED) {
		log_warn("control socket %s: checking for a listener", path);
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		log_warn("control socket %s: removing the stale socket", path);
		return -1;
	}
	log_info("control socket %s: removed a stale socket", path);
	return 0;
}

/*
 * Give the socket to control_group, so its members may connect.  Under
 * the service it already has that group (Group=sockprobe), and chown()
 * is not called at all: the unit's system call filter refuses it.
 */
static void
control_chgrp(const struct control *c, const char *path)
{
	const char	*group = c->sd->conf->daemon.control_group;
	struct group	*gr;
	struct stat	 st;

	if (group == NULL)
		return;
	if ((gr = getgrnam(group)) == NULL) {
		log_warnx("control socket %s: group %s does not exist; only "
		    "root and our user may connect", path, group);
		return;
	}
	if (lstat(path, &st) == 0 && st.st_gid == gr->gr_gid)
		return;
	if (chown(path, (uid_t)-1, gr->gr_gid) == -1)
		log_warn("control socket %s: chown to group %s", path, group);
}

/* The accept event and the helper events; 0 or -1 after logging. */
static int
control_events(struct control *c)
{
	struct event_base	*base = c->sd->base;

	c->ev_accept = event_new(base, c->fd, EV_READ | EV_PERSIST,
	    control_accept_cb, c);
	c->ev_resume = evtimer_new(base, control_resume_cb, c);
	c->ev_reap = event_new(base, -1, 0, control_reap_cb, c);
	if (c->ev_accept == NULL || c->ev_resume == NULL ||
	    c->ev_reap == NULL || event_add(c->ev_accept, NULL) == -1) {
		log_warnx("control: cannot register events");
		return -1;
	}
	return 0;
}

/*
 * Close every client and the socket; remove the path we bound (a
 * socket from systemd is systemd's).  Safe with NULL and half-built.
 */
void
control_free(struct sockprobed *sd)
{
	struct control		*c = sd->control;
	struct control_client	*cl;

	if (c == NULL)
		return;
	while ((cl = TAILQ_FIRST(&c->clients)) != NULL)
		control_client_free(cl);
	if (c->ev_accept != NULL)
		event_free(c->ev_accept);
	if (c->ev_resume != NULL)
		event_free(c->ev_resume);
	if (c->ev_reap != NULL)
		event_free(c->ev_reap);
	if (c->fd != -1)
		close(c->fd);
	if (c->spare != -1)
		close(c->spare);
	if (!c->activated && c->path[0] != '\0')
		(void)unlink(c->path);
	free(c);
	sd->control = NULL;
}

/*
 * Send an event object to every watch client; the caller keeps its
 * reference.  A watcher that does not read is dropped when its queue
 * would pass CTL_MAX_OUTPUT.
 */
void
control_broadcast(struct sockprobed *sd, json_t *ev)
{
	struct control_client	*cl;

	if (sd->control == NULL || ev == NULL)
		return;
	TAILQ_FOREACH(cl, &sd->control->clients, entry)
		if (cl->watching && !cl->closing && !cl->dead)
			(void)control_send(cl, ev, false);
}

/* A client connects: check the limit, read its credentials, serve it. */
static void
control_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct control		*c = arg;
	struct client_cred	 cred;
	struct timeval		 tv = { CONTROL_PAUSE_MS / 1000,
				    (CONTROL_PAUSE_MS % 1000) * 1000 };
	int			 fd;

	(void)what;
	if ((fd = control_accept(c, lfd)) == -1) {
		if (errno == EMFILE || errno == ENFILE) {
			/* Pause rather than spin on a full fd table. */
			log_warn("control: accept, pausing for %d ms",
			    CONTROL_PAUSE_MS);
			event_del(c->ev_accept);
			evtimer_add(c->ev_resume, &tv);
		} else if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("control: accept");
		return;
	}
	if (c->nclients >= CTL_MAX_CLIENTS) {
		log_info("control: %d clients connected, refusing one more",
		    CTL_MAX_CLIENTS);
		control_refuse(fd, CTL_ERR_TOO_MANY, "too many clients");
		return;
	}
	if (control_cred(c, fd, &cred) == -1) {
		log_warn("control: SO_PEERCRED");
		close(fd);
		return;
	}
	if (control_client_new(c, fd, &cred) == NULL)
		close(fd);
}

static void
control_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control	*c = arg;

	(void)fd;
	(void)what;
	control_spare(c);
	if (event_add(c->ev_accept, NULL) == -1)
		log_warnx("control: cannot accept again");
}

/*
 * Hold one descriptor in hand (a duplicate of the listening socket) for
 * when the table is full: whatever took the others, one client can
 * still connect and ask why.  Retaken whenever one is free again.
 */
static void
control_spare(struct control *c)
{
	if (c->spare == -1)
		c->spare = fcntl(c->fd, F_DUPFD_CLOEXEC, 0);
}

/* accept4(), spending the spare descriptor when the table is full. */
static int
control_accept(struct control *c, int lfd)
{
	int	fd;

	control_spare(c);
	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) !=
	    -1 || (errno != EMFILE && errno != ENFILE) || c->spare == -1)
		return fd;
	(void)close(c->spare);
	c->spare = -1;
	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) !=
	    -1)
		log_warnx("control: out of descriptors: one client served on "
		    "the spare");
	return fd;
}

/* Free the clients dropped since the last run, outside their callbacks. */
static void
control_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control		*c = arg;
	struct control_client	*cl, *next;

	(void)fd;
	(void)what;
	for (cl = TAILQ_FIRST(&c->clients); cl != NULL; cl = next) {
		next = TAILQ_NEXT(cl, entry);
		if (cl->dead)
			control_client_free(cl);
	}
}

/*
 * One error line on a fresh socket we will not serve, then close.  Its
 * send buffer is empty, so the short line fits without blocking.
 */
static void
control_refuse(int fd, const char *code, const char *message)
{
	char	line[256];
	int	n;

	n = snprintf(line, sizeof(line), "{\"ok\":false,\"error\":{\"code\":"
	    "\"%s\",\"message\":\"%s\"}}\n", code, message);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

/*
 * The peer's credentials as of its connect(), and whether it may
 * mutate: root, our own uid, or a member of control_group.
 */
static int
control_cred(struct control *c, int fd, struct client_cred *cred)
{
	const char	*group = c->sd->conf->daemon.control_group;
	struct ucred	 uc;
	struct group	*gr;
	socklen_t	 len = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1)
		return -1;
	cred->pid = uc.pid;
	cred->uid = uc.uid;
	cred->gid = uc.gid;
	cred->may_mutate = uc.uid == 0 || uc.uid == geteuid();
	if (!cred->may_mutate && group != NULL &&
	    (gr = getgrnam(group)) != NULL)
		cred->may_mutate = control_in_group(fd, &uc, gr->gr_gid);
	return 0;
}

/*
 * Whether the peer belongs to gid: its primary group, else the groups
 * its process held at connect() (SO_PEERGROUPS, the same set the
 * kernel checked the socket's mode against), else on kernels before
 * 4.13 the group database's list for its user.
 */
static bool
control_in_group(int fd, const struct ucred *uc, gid_t gid)
{
	struct passwd	*pw;
	gid_t		*groups;
	socklen_t	 len = CONTROL_NGROUPS * sizeof(gid_t);
	int		 n, rc;
	bool		 found = false;

	if (uc->gid == gid)
		return true;
	groups = xcalloc(CONTROL_NGROUPS, sizeof(gid_t));
	rc = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len);
	if (rc == -1 && errno == ERANGE) {
		free(groups);
		groups = xcalloc(len / sizeof(gid_t) + 1, sizeof(gid_t));
		rc = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len);
	}
	if (rc == 0)
		found = control_groups_have(groups, (int)(len / sizeof(gid_t)),
		    gid);
	else if ((pw = getpwuid(uc->uid)) != NULL) {
		n = CONTROL_NGROUPS;
		if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1) {
			free(groups);
			groups = xcalloc((size_t)n, sizeof(gid_t));
			if (getgrouplist(pw->pw_name, pw->pw_gid, groups,
			    &n) == -1)
				n = 0;
		}
		found = control_groups_have(groups, n, gid);
	}
	free(groups);
	return found;
}

static bool
control_groups_have(const gid_t *groups, int n, gid_t gid)
{
	int	i;

	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/* A client on fd: reading lines, idle deadline armed.  NULL on failure. */
static struct control_client *
control_client_new(struct control *c, int fd, const struct client_cred *cred)
{
	struct control_client	*cl;
	struct timeval		 idle = { CTL_IDLE_MS / 1000,
				    (CTL_IDLE_MS % 1000) * 1000 };

	cl = xcalloc(1, sizeof(*cl));
	cl->control = c;
	cl->cred = *cred;
	if ((cl->bev = bufferevent_socket_new(c->sd->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warnx("control: cannot make a client buffer");
		free(cl);
		return NULL;
	}
	bufferevent_setcb(cl->bev, control_read_cb, control_write_cb,
	    control_event_cb, cl);
	/* Reading stops at the line limit: a longer line is refused. */
	bufferevent_setwatermark(cl->bev, EV_READ, 0, CTL_MAX_LINE + 1);
	bufferevent_set_timeouts(cl->bev, &idle, NULL);
	if (bufferevent_enable(cl->bev, EV_READ) == -1) {
		log_warnx("control: cannot read from a client");
		bufferevent_free(cl->bev);
		free(cl);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&c->clients, cl, entry);
	c->nclients++;
	log_debug("control: client pid %d uid %u connected%s",
	    (int)cred->pid, (unsigned)cred->uid, cred->may_mutate ?
	    ", may mutate" : "");
	return cl;
}

/*
 * Input arrived: answer every whole line; refuse a line over the limit.
 * While a quarter of CTL_MAX_OUTPUT is unread, further requests wait in
 * the input buffer until the output drains (control_write_cb), so one
 * client cannot make us hold many large answers at once.
 */
static void
control_read_cb(struct bufferevent *bev, void *arg)
{
	struct control_client	*cl = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer		*out = bufferevent_get_output(bev);
	char			*line, msg[64];
	size_t			 len;

	(void)snprintf(msg, sizeof(msg), "request line longer than %d bytes",
	    CTL_MAX_LINE);
	while (!cl->closing && !cl->dead &&
	    evbuffer_get_length(out) <= CTL_MAX_OUTPUT / 4) {
		if ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) ==
		    NULL)
			break;
		if (len > CTL_MAX_LINE)
			control_last_words(cl, CTL_ERR_TOO_LONG, msg);
		else
			control_request(cl, line, len);
		free(line);
	}
	if (!cl->closing && !cl->dead &&
	    evbuffer_get_length(in) > CTL_MAX_LINE)
		control_last_words(cl, CTL_ERR_TOO_LONG, msg);
}

/*
 * The output queue drained: a client with its last words is done; one
 * with requests held back by a large answer gets them served now.
 */
static void
control_write_cb(struct bufferevent *bev, void *arg)
{
	struct control_client	*cl = arg;

	if (cl->closing)
		control_drop(cl);
	else if (cl->eof)
		control_serve_eof(cl);
	else if (!cl->dead && evbuffer_get_length(bufferevent_get_input(bev)) >
	    0)
		control_read_cb(bev, cl);
}

/*
 * A half-closed client: answer what it sent, a large answer at a time,
 * including a last line without its newline; then close once the
 * output is out (control_write_cb), or at once if nothing is queued.
 */
static void
control_serve_eof(struct control_client *cl)
{
	struct bufferevent	*bev = cl->bev;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct timeval		 linger = { CONTROL_LINGER_MS / 1000,
				    (CONTROL_LINGER_MS % 1000) * 1000 };
	char			*line;
	size_t			 len;

	control_read_cb(bev, cl);
	if (cl->closing || cl->dead)
		return;
	/* Lines held back by a large answer wait for it to drain. */
	if (evbuffer_search_eol(in, NULL, NULL, EVBUFFER_EOL_LF).pos != -1)
		return;
	if ((len = evbuffer_get_length(in)) > 0 && len <= CTL_MAX_LINE &&
	    (line = malloc(len)) != NULL) {
		(void)evbuffer_remove(in, line, len);
		control_request(cl, line, len);
		free(line);
	}
	if (cl->dead)
		return;
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
		control_drop(cl);
		return;
	}
	cl->closing = true;
	bufferevent_set_timeouts(bev, NULL, &linger);
}

/*
 * The client closed, failed, or stayed silent past CTL_IDLE_MS (or did
 * not read its last words within CONTROL_LINGER_MS).
 */
static void
control_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct control_client	*cl = arg;
	char			 msg[64];

	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING) &&
	    !cl->closing) {
		(void)snprintf(msg, sizeof(msg), "no request for %d ms",
		    CTL_IDLE_MS);
		control_last_words(cl, CTL_ERR_IDLE, msg);
		return;
	}
	if ((what & BEV_EVENT_EOF) && !cl->closing && !cl->dead) {
		cl->eof = true;
		bufferevent_disable(bev, EV_READ);
		control_serve_eof(cl);
		return;
	}
	control_drop(cl);
}

/* Clients that are watching now. */
static size_t
control_watchers(const struct control *c)
{
	const struct control_client	*cl;
	size_t				 n = 0;

	TAILQ_FOREACH(cl, &c->clients, entry)
		if (cl->watching && !cl->dead)
			n++;
	return n;
}

/*
 * One request line: its response, and the client may become a watcher,
 * unless CTL_MAX_WATCHERS already are: watchers that never read must not
 * take every slot from the clients that ask and go.
 */
static void
control_request(struct control_client *cl, const char *line, size_t len)
{
	struct sockprobed	*sd = cl->control->sd;
	json_t			*resp;
	bool			 watch = false;

	resp = commands_handle(sd, &cl->cred, line, len, &watch);
	/* The command may have dropped us (a watcher over its limit). */
	if (cl->dead) {
		json_decref(resp);
		return;
	}
	if (watch && !cl->watching &&
	    control_watchers(cl->control) >= CTL_MAX_WATCHERS) {
		json_decref(resp);
		watch = false;
		resp = json_pack("{s:b, s:{s:s, s:s}}", "ok", 0, "error",
		    "code", CTL_ERR_TOO_MANY, "message",
		    "too many watchers at once; other requests are served");
	}
	if (resp == NULL) {
		if (bufferevent_write(cl->bev, CONTROL_NOMEM,
		    strlen(CONTROL_NOMEM)) == -1)
			control_drop(cl);
		return;
	}
	if (control_send(cl, resp, true) == 0 && watch && !cl->watching) {
		cl->watching = true;
		/* A watcher may be silent for as long as it likes. */
		bufferevent_set_timeouts(cl->bev, NULL, NULL);
	}
	json_decref(resp);
}

/*
 * Queue one object as a line.  A client with CTL_MAX_OUTPUT bytes still
 * unread is not reading: it is dropped and -1 returned.  An answer
 * (whole) is queued entire however large (status of many targets); an
 * event must also fit under the limit.
 */
static int
control_send(struct control_client *cl, const json_t *o, bool whole)
{
	struct evbuffer	*out = bufferevent_get_output(cl->bev);
	char		*s;
	size_t		 len;

	if ((s = json_dumps(o, JSON_COMPACT)) == NULL) {
		log_warnx("control: cannot encode a response");
		return -1;
	}
	len = strlen(s);
	if (evbuffer_get_length(out) + (whole ? 0 : len + 1) >
	    CTL_MAX_OUTPUT) {
		log_info("control: client pid %d uid %u: %zu bytes unread, "
		    "dropped", (int)cl->cred.pid, (unsigned)cl->cred.uid,
		    evbuffer_get_length(out));
		free(s);
		control_drop(cl);
		return -1;
	}
	if (evbuffer_add(out, s, len) == -1 || evbuffer_add(out, "\n", 1) ==
	    -1) {
		free(s);
		control_drop(cl);
		return -1;
	}
	free(s);
	return 0;
}

/*
 * A client broke a limit: send one error, read nothing more, close once
 * the line is out or CONTROL_LINGER_MS has passed.
 */
static void
control_last_words(struct control_client *cl, const char *code,
    const char *message)
{
	struct timeval	 linger = { CONTROL_LINGER_MS / 1000,
			    (CONTROL_LINGER_MS % 1000) * 1000 };
	json_t		*err;

	log_info("control: client pid %d uid %u: %s, dropped",
	    (int)cl->cred.pid, (unsigned)cl->cred.uid, message);
	cl->watching = false;
	bufferevent_disable(cl->bev, EV_READ);
	err = json_pack("{s:b, s:{s:s, s:s}}", "ok", 0, "error", "code", code,
	    "message", message);
	if (err == NULL || control_send(cl, err, true) == -1) {
		json_decref(err);
		control_drop(cl);
		return;
	}
	json_decref(err);
	cl->closing = true;
	bufferevent_set_timeouts(cl->bev, NULL, &linger);
}

/*
 * Forget a client now; free it from the reaper, since we may be inside
 * its own callback or walking the client list.
 */
static void
control_drop(struct control_client *cl)
{
	if (cl->dead)
		return;
	cl->dead = true;
	cl->watching = false;
	bufferevent_disable(cl->bev, EV_READ | EV_WRITE);
	event_active(cl->control->ev_reap, 0, 0);
}

static void
control_client_free(struct control_client *cl)
{
	struct control	*c = cl->control;

	TAILQ_REMOVE(&c->clients, cl, entry);
	c->nclients--;
	bufferevent_free(cl->bev);
	free(cl);
	control_spare(c);
}
