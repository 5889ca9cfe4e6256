/* Child start-up: argv, logging, sandbox, then the start-up messages
 * from master on fd 3 until IPC_START. */
#include "child.h"
#include "log.h"
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef RAVPN_SANITIZED
/* A sandboxed child can neither ptrace its threads nor read /proc, so
 * LeakSanitizer cannot work there; error reports still do. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

static void child_usage(const char *prog)
{
	fprintf(stderr, "usage: %s --index N --user USER --root DIR [--no-sandbox] [--debug]\n"
		"(started by ravpnd, with its channel on fd 3)\n", prog);
	exit(2);
}

static int child_parse_index(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v >= MAX_WORKERS)
		return -1;
	return (int)v;
}

static void child_parse_args(struct child *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "index", required_argument, NULL, 'i' },
		{ "user", required_argument, NULL, 'u' },
		{ "root", required_argument, NULL, 'r' },
		{ "no-sandbox", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	int o;

	c->index = -1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'i': c->index = child_parse_index(optarg); break;
		case 'u': c->sb.user = optarg; break;
		case 'r': c->sb.root = optarg; break;
		case 'n': c->sb.disabled = true; break;
		case 'd': log_set_debug(true); break;
		default: child_usage(argv[0]);
		}
	}
	if (optind != argc || c->index < 0 || !c->sb.user || !c->sb.root)
		child_usage(argv[0]);
}

static void child_reset(struct child *c, enum proc_role role)
{
	memset(c, 0, sizeof *c);
	c->role = role;
	c->master = CHILD_MASTER_FD;
	for (size_t i = 0; i < sizeof c->fds / sizeof c->fds[0]; i++)
		c->fds[i] = -1;
	for (int r = 0; r < ROLE_MAX; r++)
		for (int i = 0; i < MAX_WORKERS; i++)
			c->chan[r][i] = -1;
}

/* Stores the config text and parses it.  The first config must parse (a
 * child cannot run without one); a later one (reload) replaces the
 * running config only when it parses. */
static void child_take_config(struct child *c, const struct ipc_msg *m)
{
	char err[CONF_ERR];
	struct conf nc;
	char *text = malloc(m->hdr.len + 1);
	bool first = c->config_text == NULL;

	if (!text)
		fatal("out of memory for the config (%u bytes)", m->hdr.len);
	memcpy(text, m->data, m->hdr.len);
	text[m->hdr.len] = 0;
	if (!conf_parse_text(text, m->hdr.len, "config", &nc, err, sizeof err)) {
		if (first)
			fatal("config from master does not parse: %s", err);
		log_err("reload: config from master rejected, keeping the running one: %s", err);
		free(text);
		return;
	}
	if (!first)
		conf_free(&c->conf);
	free(c->config_text);
	c->config_text = text;
	c->config_len = m->hdr.len;
	c->conf = nc;
	if (!first)
		log_info("reload: new config in use (%zu bytes)", c->config_len);
}

static void child_take_fd(struct child *c, const struct ipc_msg *m)
{
	struct ipc_fd f;

	memcpy(&f, m->data, sizeof f);
	if (f.kind == 0 || f.kind >= sizeof c->fds / sizeof c->fds[0]) {
		log_err("IPC_FD of unknown kind %u ignored", f.kind);
		close(m->fd);
		return;
	}
	if (c->fds[f.kind] >= 0)
		close(c->fds[f.kind]);
	c->fds[f.kind] = m->fd;
	log_debug("got fd kind %u as %d", f.kind, m->fd);
}

static bool child_take_channel(struct child *c, const struct ipc_msg *m, int *role, int *index)
{
	struct ipc_channel ch;

	memcpy(&ch, m->data, sizeof ch);
	if (ch.peer_role >= ROLE_MAX || ch.peer_index >= MAX_WORKERS) {
		log_err("IPC_CHANNEL to unknown peer %u/%u ignored", ch.peer_role, ch.peer_index);
		close(m->fd);
		return false;
	}
	if (c->chan[ch.peer_role][ch.peer_index] >= 0)
		close(c->chan[ch.peer_role][ch.peer_index]);
	c->chan[ch.peer_role][ch.peer_index] = m->fd;
	*role = ch.peer_role;
	*index = ch.peer_index;
	log_debug("channel to %s[%u] is fd %d", role_name(ch.peer_role), ch.peer_index, m->fd);
	return true;
}

bool child_handle_wiring(struct child *c, const struct ipc_msg *m, int *changed_role,
			 int *changed_index)
{
	int role = -1, index = -1;

	switch (m->hdr.type) {
	case IPC_CONFIG:
		child_take_config(c, m);
		break;
	case IPC_FD:
		child_take_fd(c, m);
		break;
	case IPC_CHANNEL:
		if (!child_take_channel(c, m, &role, &index))
			role = index = -1;
		break;
	default:
		return false;
	}
	if (changed_role)
		*changed_role = role;
	if (changed_index)
		*changed_index = index;
	return true;
}

/* Blocks until one message from master has arrived; exits if master is gone. */
static void child_recv_master(struct child *c)
{
	for (;;) {
		struct pollfd p = { .fd = c->master, .events = POLLIN };
		int rc;

		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll on the master channel: %s", strerror(errno));
		}
		rc = ipc_recv(c->master, c->msg);
		if (rc == IPC_OK)
			return;
		if (rc == IPC_EOF)
			fatal("master closed the channel during start-up");
		if (rc == IPC_BROKEN)
			fatal("broken message from master during start-up");
	}
}

static void child_read_startup(struct child *c)
{
	for (;;) {
		child_recv_master(c);
		if (c->msg->hdr.type == IPC_START)
			break;
		if (!child_handle_wiring(c, c->msg, NULL, NULL))
			fatal("unexpected %s from master during start-up",
			      ipc_type_name(c->msg->hdr.type));
	}
	if (!c->config_text)
		fatal("IPC_START before IPC_CONFIG");
	memcpy(&c->start, c->msg->data, sizeof c->start);
	if (c->start.index != c->index)
		fatal("IPC_START for index %u, but started as index %d", c->start.index, c->index);
}

void child_start(struct child *c, enum proc_role role, int argc, char **argv,
		 void (*init_libs)(void))
{
	static char ident[32];
	struct sandbox_opts so;

	child_reset(c, role);
	child_parse_args(c, argc, argv);
	snprintf(ident, sizeof ident, "ravpn-%s[%d]", role_name(role), c->index);
	log_init(ident, false, true);
	if (fcntl(c->master, F_SETFD, FD_CLOEXEC) < 0)
		fatal("fd %d (the master channel) is not open: %s", c->master, strerror(errno));
	c->msg = malloc(sizeof *c->msg);
	if (!c->msg)
		fatal("out of memory");
	if (init_libs)
		init_libs();
	so = (struct sandbox_opts){ c->sb.user, c->sb.root, c->sb.disabled };
	if (sandbox_enter(role, &so) < 0)
		fatal("sandbox could not be entered; refusing to start");
	child_read_startup(c);
	log_info("started (%u IKE, %u ESP workers)", c->start.n_ike, c->start.n_esp);
}

long long now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void child_report_broken(struct child *c, int role, int index)
{
	struct ipc_peer p = { .role = (uint8_t)role, .index = (uint8_t)index };

	log_err("%s[%d] sent a broken message: channel dropped", role_name((enum proc_role)role),
		index);
	ipc_send(c->master, IPC_PEER_BROKEN, 0, &p, sizeof p, -1);
}
