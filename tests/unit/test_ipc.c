/* lib/ipc.c validation: a receiver must reject unknown types, mis-sized
 * payloads, header/payload length mismatches and fds where none belong
 * (or missing where one must be), and must pass good messages and their
 * fds through intact. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ipc.h"

static struct ipc_msg *msg;

static int setup(void **state)
{
	int *sv = malloc(2 * sizeof *sv);

	msg = malloc(sizeof *msg);
	assert_non_null(sv);
	assert_non_null(msg);
	assert_int_equal(ipc_pair(sv), 0);
	*state = sv;
	return 0;
}

static int teardown(void **state)
{
	int *sv = *state;

	close(sv[0]);
	close(sv[1]);
	free(sv);
	free(msg);
	return 0;
}

/* Sends raw bytes (header as given, then body), bypassing ipc_send's own
 * checks, optionally with an fd: what a broken or hostile peer can do. */
static void send_raw(int s, uint16_t type, uint32_t hdr_len, const void *body, size_t blen,
		     int fd)
{
	struct ipc_hdr h = { .type = type, .id = 7, .len = hdr_len };
	struct iovec iov[2] = { { &h, sizeof h }, { (void *)body, blen } };
	union {
		struct cmsghdr c;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = blen ? 2 : 1 };

	if (fd >= 0) {
		memset(&u, 0, sizeof u);
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof u.buf;
		u.c.cmsg_level = SOL_SOCKET;
		u.c.cmsg_type = SCM_RIGHTS;
		u.c.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&u.c), &fd, sizeof fd);
	}
	assert_true(sendmsg(s, &mh, 0) >= 0);
}

static int count_open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

struct bad_case {
	const char *what;
	uint16_t type;
	uint32_t hdr_len;	/* what the header claims */
	size_t body_len;	/* what is actually sent */
	bool with_fd;
};

static const struct bad_case bad_cases[] = {
	{ "unknown type past the table", IPC_TYPE_MAX, 0, 0, false },
	{ "unknown type 999", 999, 8, 8, false },
	{ "type 0 (IPC_NONE)", IPC_NONE, 0, 0, false },
	{ "IPC_START one byte short", IPC_START, sizeof(struct ipc_start) - 1,
	  sizeof(struct ipc_start) - 1, false },
	{ "IPC_START one byte long", IPC_START, sizeof(struct ipc_start) + 1,
	  sizeof(struct ipc_start) + 1, false },
	{ "IPC_AUTH empty", IPC_AUTH, 0, 0, false },
	{ "header len disagrees with payload", IPC_SA_DEL, sizeof(struct ipc_sa_del) + 4,
	  sizeof(struct ipc_sa_del), false },
	{ "IPC_SKEYID with an fd", IPC_SKEYID, sizeof(struct ipc_skeyid),
	  sizeof(struct ipc_skeyid), true },
	{ "IPC_START with an fd", IPC_START, sizeof(struct ipc_start),
	  sizeof(struct ipc_start), true },
	{ "IPC_FD without its fd", IPC_FD, sizeof(struct ipc_fd), sizeof(struct ipc_fd), false },
	{ "IPC_CHANNEL without its fd", IPC_CHANNEL, sizeof(struct ipc_channel),
	  sizeof(struct ipc_channel), false },
	{ "shorter than a header", 0xffff, 0, 0, false },
};

static void test_bad_messages_are_broken(void **state)
{
	int *sv = *state;
	static uint8_t body[1024];

	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *c = &bad_cases[i];
		int before, p[2] = { -1, -1 };

		if (c->type == 0xffff) {	/* a 3-byte datagram */
			assert_int_equal(send(sv[0], "abc", 3, 0), 3);
		} else {
			if (c->with_fd)
				assert_int_equal(pipe2(p, O_CLOEXEC), 0);
			send_raw(sv[0], c->type, c->hdr_len, body, c->body_len, p[1]);
			if (p[1] >= 0)
				close(p[1]);
		}
		before = count_open_fds();
		int rc = ipc_recv(sv[1], msg);
		if (rc != IPC_BROKEN)
			fail_msg("case '%s': expected IPC_BROKEN, got %d", c->what, rc);
		assert_int_equal(msg->fd, -1);
		/* a rejected fd is closed, not leaked */
		assert_int_equal(count_open_fds(), before);
		if (p[0] >= 0)
			close(p[0]);
	}
}

static void test_send_refuses_bad_size(void **state)
{
	int *sv = *state;
	struct ipc_start st = { 0 };

	errno = 0;
	assert_int_equal(ipc_send(sv[0], IPC_START, 1, &st, sizeof st - 1, -1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ipc_send(sv[0], IPC_TYPE_MAX, 1, NULL, 0, -1), -1);
	assert_int_equal(ipc_send(sv[0], IPC_CONFIG, 1, NULL, IPC_CONFIG_MAX + 1, -1), -1);
	/* nothing reached the peer */
	assert_int_equal(ipc_recv(sv[1], msg), IPC_AGAIN);
}

static void test_fd_round_trip(void **state)
{
	int *sv = *state;
	struct ipc_fd f = { .kind = FD_TUN }, got;
	int p[2];
	char buf[8] = { 0 };

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(ipc_send(sv[0], IPC_FD, 42, &f, sizeof f, p[1]), 0);
	close(p[1]);
	assert_int_equal(ipc_recv(sv[1], msg), IPC_OK);
	assert_int_equal(msg->hdr.type, IPC_FD);
	assert_int_equal(msg->hdr.id, 42);
	assert_int_equal(msg->hdr.len, sizeof f);
	memcpy(&got, msg->data, sizeof got);
	assert_int_equal(got.kind, FD_TUN);
	assert_true(msg->fd >= 0);
	assert_true(fcntl(msg->fd, F_GETFD) & FD_CLOEXEC);
	/* the received fd is the pipe's write end: bytes written there arrive */
	assert_int_equal(write(msg->fd, "ping", 4), 4);
	assert_int_equal(read(p[0], buf, sizeof buf), 4);
	assert_memory_equal(buf, "ping", 4);
	close(msg->fd);
	close(p[0]);
}

static void test_fixed_and_config_round_trip(void **state)
{
	int *sv = *state;
	struct ipc_start st = { .index = 3, .n_ike = 1, .n_esp = 4, .outside_addr = 0x0100630a };
	static char text[IPC_CONFIG_MAX];

	assert_int_equal(ipc_send(sv[0], IPC_START, 9, &st, sizeof st, -1), 0);
	assert_int_equal(ipc_recv(sv[1], msg), IPC_OK);
	assert_int_equal(msg->hdr.type, IPC_START);
	assert_int_equal(msg->fd, -1);
	assert_memory_equal(msg->data, &st, sizeof st);

	memset(text, 'x', sizeof text);
	text[0] = 'a';
	text[sizeof text - 1] = 'z';
	assert_int_equal(ipc_send(sv[0], IPC_CONFIG, 10, text, sizeof text, -1), 0);
	assert_int_equal(ipc_recv(sv[1], msg), IPC_OK);
	assert_int_equal(msg->hdr.type, IPC_CONFIG);
	assert_int_equal(msg->hdr.len, sizeof text);
	assert_memory_equal(msg->data, text, sizeof text);
}

static void test_eof_and_again(void **state)
{
	int *sv = *state;

	assert_int_equal(ipc_recv(sv[1], msg), IPC_AGAIN);
	close(sv[0]);
	sv[0] = socket(AF_UNIX, SOCK_DGRAM, 0);	/* something for teardown to close */
	assert_int_equal(ipc_recv(sv[1], msg), IPC_EOF);
}

static void test_strcpy_terminates(void **state)
{
	char dst[8];

	(void)state;
	memset(dst, 'q', sizeof dst);
	ipc_strcpy(dst, sizeof dst, "abcdefghijk");
	assert_string_equal(dst, "abcdefg");
	ipc_strcpy(dst, sizeof dst, "ab");
	assert_string_equal(dst, "ab");
	assert_int_equal(dst[7], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_messages_are_broken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_refuses_bad_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixed_and_config_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eof_and_again, setup, teardown),
		cmocka_unit_test(test_strcpy_terminates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
