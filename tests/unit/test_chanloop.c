/* lib/chanloop.c: the shared child event loop must hand peer messages to
 * on_peer_msg, drop a peer's channel on EOF (quietly) or on a broken or
 * refused message (reporting the peer to master), watch channels master
 * hands over and announce them, run extra fd callbacks (and move them
 * when re-watched), run the idle, due and wake hooks, and exit when master
 * goes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chanloop.h"

static struct child c;
static struct chanloop loop;
static int master_end;		/* what master would hold */
static int peer_end;		/* what ike[2] would hold */

/* What the hooks saw. */
static struct seen {
	int peer_msgs, last_role, last_index;
	uint16_t last_type;
	int new_channels, rewired, master_msgs, idles, dues, fd_calls, wakes;
	int msgs_at_wake;		/* peer_msgs when on_wake last ran */
	uint16_t rewired_type;
	long long due_at;
} seen;

static bool accept_auth(void *arg, int role, int index, struct ipc_msg *m)
{
	(void)arg;
	seen.peer_msgs++;
	seen.last_role = role;
	seen.last_index = index;
	seen.last_type = m->hdr.type;
	return m->hdr.type == IPC_AUTH;
}

static void new_channel(void *arg, int role, int index)
{
	(void)arg;
	seen.new_channels++;
	seen.last_role = role;
	seen.last_index = index;
}

static void rewired(void *arg, uint16_t type)
{
	(void)arg;
	seen.rewired++;
	seen.rewired_type = type;
}

static bool master_msg(void *arg, struct ipc_msg *m)
{
	(void)arg;
	seen.master_msgs++;
	return m->hdr.type == IPC_SHUTDOWN;
}

static void idle(void *arg)
{
	(void)arg;
	seen.idles++;
}

static long long due_ms(void *arg)
{
	(void)arg;
	return seen.due_at;
}

static void due(void *arg)
{
	(void)arg;
	seen.dues++;
	seen.due_at = -1;
}

/* on_wake runs before the handlers of its round */
static void wake(void *arg)
{
	(void)arg;
	seen.msgs_at_wake = seen.peer_msgs;
	seen.wakes++;
}

static void fd_ready(void *arg)
{
	char b[16];

	seen.fd_calls++;
	assert_true(read(*(int *)arg, b, sizeof b) > 0);
}

static const struct chanloop_ops ops = {
	.on_peer_msg = accept_auth, .on_new_channel = new_channel, .on_rewired = rewired,
	.on_master_msg = master_msg, .on_idle = idle, .due_ms = due_ms, .on_due = due,
	.on_wake = wake,
};

static int setup(void **state)
{
	int sv[2];

	(void)state;
	memset(&c, 0, sizeof c);
	memset(&seen, 0, sizeof seen);
	seen.due_at = -1;
	for (size_t i = 0; i < sizeof c.fds / sizeof c.fds[0]; i++)
		c.fds[i] = -1;
	for (int r = 0; r < ROLE_MAX; r++)
		for (int i = 0; i < MAX_WORKERS; i++)
			c.chan[r][i] = -1;
	c.msg = malloc(sizeof *c.msg);
	assert_non_null(c.msg);
	assert_int_equal(ipc_pair(sv), 0);
	c.master = sv[0];
	master_end = sv[1];
	assert_int_equal(ipc_pair(sv), 0);
	c.chan[ROLE_IKE][2] = sv[0];
	peer_end = sv[1];
	chanloop_init(&loop, &c, &ops);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(loop.ep);
	close(c.master);
	close(master_end);
	if (peer_end >= 0)
		close(peer_end);
	for (int r = 0; r < ROLE_MAX; r++)
		for (int i = 0; i < MAX_WORKERS; i++)
			if (c.chan[r][i] >= 0)
				close(c.chan[r][i]);
	for (size_t i = 0; i < sizeof c.fds / sizeof c.fds[0]; i++)
		if (c.fds[i] >= 0)
			close(c.fds[i]);
	free(c.msg);
	return 0;
}

static void send_auth(int fd)
{
	struct ipc_auth a = { .sid = 1 };

	assert_int_equal(ipc_send(fd, IPC_AUTH, 9, &a, sizeof a, -1), 0);
}

/* The IPC_PEER_BROKEN master got, or fails when there is none. */
static struct ipc_peer broken_report(void)
{
	struct ipc_msg *m = malloc(sizeof *m);
	struct ipc_peer p;

	assert_non_null(m);
	assert_int_equal(ipc_recv(master_end, m), IPC_OK);
	assert_int_equal(m->hdr.type, IPC_PEER_BROKEN);
	memcpy(&p, m->data, sizeof p);
	free(m);
	return p;
}

static bool master_got_nothing(void)
{
	struct ipc_msg *m = malloc(sizeof *m);
	int rc;

	assert_non_null(m);
	rc = ipc_recv(master_end, m);
	free(m);
	return rc == IPC_AGAIN;
}

static void test_peer_message_reaches_handler(void **state)
{
	(void)state;
	send_auth(peer_end);
	chanloop_step(&loop);
	assert_int_equal(seen.peer_msgs, 1);
	assert_int_equal(seen.last_role, ROLE_IKE);
	assert_int_equal(seen.last_index, 2);
	assert_int_equal(seen.last_type, IPC_AUTH);
	assert_true(c.chan[ROLE_IKE][2] >= 0);
	assert_true(master_got_nothing());
}

static void test_refused_message_drops_and_reports(void **state)
{
	struct ipc_lease l = { .sid = 1 };
	struct ipc_peer p;

	(void)state;
	assert_int_equal(ipc_send(peer_end, IPC_LEASE, 1, &l, sizeof l, -1), 0);
	send_auth(peer_end);	/* after the refused one: must not be read */
	chanloop_step(&loop);
	assert_int_equal(seen.peer_msgs, 1);
	assert_int_equal(c.chan[ROLE_IKE][2], -1);
	p = broken_report();
	assert_int_equal(p.role, ROLE_IKE);
	assert_int_equal(p.index, 2);
}

static void test_broken_message_drops_and_reports(void **state)
{
	(void)state;
	assert_int_equal(send(peer_end, "abc", 3, 0), 3);
	chanloop_step(&loop);
	assert_int_equal(seen.peer_msgs, 0);
	assert_int_equal(c.chan[ROLE_IKE][2], -1);
	assert_int_equal(broken_report().index, 2);
}

static void test_eof_drops_quietly(void **state)
{
	(void)state;
	close(peer_end);
	peer_end = -1;
	chanloop_step(&loop);
	assert_int_equal(c.chan[ROLE_IKE][2], -1);
	assert_true(master_got_nothing());
}

/* A restarted peer: master sends the new channel end; the old one is
 * closed, the new one watched and announced. */
static void test_handed_over_channel_is_watched(void **state)
{
	struct ipc_channel ch = { .peer_role = ROLE_IKE, .peer_index = 2 };
	int old = c.chan[ROLE_IKE][2], sv[2];

	(void)state;
	assert_int_equal(ipc_pair(sv), 0);
	assert_int_equal(ipc_send(master_end, IPC_CHANNEL, 0, &ch, sizeof ch, sv[0]), 0);
	close(sv[0]);
	chanloop_step(&loop);
	assert_int_equal(seen.new_channels, 1);
	assert_int_equal(seen.last_index, 2);
	assert_int_not_equal(c.chan[ROLE_IKE][2], old);
	assert_true(fcntl(old, F_GETFD) < 0);	/* closed */
	close(peer_end);
	peer_end = sv[1];
	send_auth(peer_end);
	chanloop_step(&loop);
	assert_int_equal(seen.peer_msgs, 1);
}

static void test_master_messages(void **state)
{
	struct ipc_fd f = { .kind = FD_TUN };
	struct ipc_shutdown s = { .cause = "test" };
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(ipc_send(master_end, IPC_FD, 0, &f, sizeof f, p[0]), 0);
	assert_int_equal(ipc_send(master_end, IPC_SHUTDOWN, 0, &s, sizeof s, -1), 0);
	close(p[0]);
	close(p[1]);
	chanloop_step(&loop);
	assert_int_equal(seen.rewired, 1);
	assert_int_equal(seen.rewired_type, IPC_FD);
	assert_true(c.fds[FD_TUN] >= 0);
	assert_int_equal(seen.master_msgs, 1);
	assert_int_equal(seen.new_channels, 0);
}

/* Re-watching with the same callback moves the watch to the new fd. */
static void test_extra_fd_moves(void **state)
{
	int a[2], b[2], arg;

	(void)state;
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	arg = a[0];
	chanloop_watch(&loop, a[0], fd_ready, &arg);
	assert_int_equal(write(a[1], "x", 1), 1);
	chanloop_step(&loop);
	assert_int_equal(seen.fd_calls, 1);
	arg = b[0];
	chanloop_watch(&loop, b[0], fd_ready, &arg);
	assert_int_equal(write(a[1], "x", 1), 1);	/* the old fd: ignored now */
	assert_int_equal(write(b[1], "y", 1), 1);
	chanloop_step(&loop);
	assert_int_equal(seen.fd_calls, 2);
	seen.due_at = now_ms() + 20;	/* so the next step returns */
	chanloop_step(&loop);		/* the idle poll */
	chanloop_step(&loop);		/* sleeps until due; a[0] must not fire */
	assert_int_equal(seen.fd_calls, 2);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
}

static void test_idle_and_due(void **state)
{
	long long t0;

	(void)state;
	send_auth(peer_end);
	chanloop_step(&loop);
	assert_int_equal(seen.idles, 0);
	chanloop_step(&loop);		/* nothing pending: idle once */
	assert_int_equal(seen.idles, 1);
	t0 = now_ms();
	seen.due_at = t0 + 30;
	chanloop_step(&loop);		/* nothing pending: sleeps until due */
	assert_int_equal(seen.dues, 1);
	assert_int_equal(seen.idles, 1);
	assert_true(now_ms() - t0 >= 30);
}

/* on_wake: once per round that has events, before they are handled; not
 * for a round that only timed out. */
static void test_wake_before_events(void **state)
{
	(void)state;
	send_auth(peer_end);
	chanloop_step(&loop);
	assert_int_equal(seen.wakes, 1);
	assert_int_equal(seen.msgs_at_wake, 0);	/* before the message was handled */
	assert_int_equal(seen.peer_msgs, 1);
	chanloop_step(&loop);		/* nothing pending: idle, no wake */
	assert_int_equal(seen.wakes, 1);
	seen.due_at = now_ms();
	chanloop_step(&loop);		/* due only */
	assert_int_equal(seen.wakes, 1);
	send_auth(peer_end);
	chanloop_step(&loop);
	assert_int_equal(seen.wakes, 2);
	assert_int_equal(seen.msgs_at_wake, 1);
	assert_int_equal(seen.peer_msgs, 2);
}

static void test_master_gone_exits(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(master_end);
		chanloop_step(&loop);
		_exit(3);	/* not reached when the loop exits */
	}
	close(master_end);
	master_end = socket(AF_UNIX, SOCK_DGRAM, 0);	/* for teardown */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_peer_message_reaches_handler, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_message_drops_and_reports, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_broken_message_drops_and_reports, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_eof_drops_quietly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handed_over_channel_is_watched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_master_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extra_fd_moves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_and_due, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wake_before_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_master_gone_exits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
