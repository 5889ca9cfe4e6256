/* Pieces shared by the scripted IKEv1 initiators of the protocol tests
 * (test_ike_protocol.c, test_ike_cert_protocol.c): a channel pair to the
 * IKE worker, a loopback UDP socket, a payload that must be there, and
 * emptying a channel.  Include after cmocka.h and ike-worker/ike.h. */
#ifndef RAVPN_TEST_IKE_HARNESS_H
#define RAVPN_TEST_IKE_HARNESS_H

#include <netinet/in.h>
#include <sys/socket.h>

/* Returns the worker's end of a new channel; *ours is the test's end. */
static int chan_pair(int *ours)
{
	int sv[2];

	assert_int_equal(ipc_pair(sv), 0);
	*ours = sv[1];
	return sv[0];
}

/* A UDP socket on 127.0.0.1 and a free port, which *bound gets. */
static int udp_sock(struct sockaddr_in *bound)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof a;

	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	getsockname(s, (struct sockaddr *)&a, &l);
	if (bound)
		*bound = a;
	return s;
}

static const struct v1_payload *need(const struct v1_msg *m, uint8_t type)
{
	const struct v1_payload *p = v1_find(m, type, 0);

	assert_non_null(p);
	return p;
}

/* Reads and drops whatever a channel holds. */
static void drain(int fd)
{
	static struct ipc_msg junk;

	while (ipc_recv(fd, &junk) == IPC_OK)
		;
}

#endif
