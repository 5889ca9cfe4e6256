/* Pieces shared by the tests that drive the IKE worker message by message
 * (test_ike_protocol.c, test_ike_cert_protocol.c, test_ike_l2l_initiator.c):
 * the worker's state wired to channels whose other ends the test holds
 * (*_end), loopback UDP sockets, a payload that must be there, emptying a
 * channel, and the reset between tests.  Include after cmocka.h and
 * ike-worker/ike.h. */
#ifndef RAVPN_TEST_IKE_HARNESS_H
#define RAVPN_TEST_IKE_HARNESS_H

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/* The test's ends of the worker's channels. */
static int master_end, authd_end, poold_end, esp_end, db_end;

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

/* A fresh worker: logging, crypto, no SA, no channel, no fd. */
static void harness_begin(void)
{
	log_init("test", false, false);
	crypto_init();
	memset(&ike, 0, sizeof ike);
	memset(ike.c.chan, -1, sizeof ike.c.chan);
	memset(ike.c.fds, -1, sizeof ike.c.fds);
}

/* With ike.c.conf parsed: one ESP worker, a channel to master, authd,
 * poold, the ESP worker and db, UDP 500 on loopback (its address in *gw)
 * and UDP 4500. */
static void harness_wire(struct sockaddr_in *gw)
{
	ike.c.msg = malloc(sizeof *ike.c.msg);
	ike.c.start.n_esp = 1;
	ike.c.master = chan_pair(&master_end);
	ike.c.chan[ROLE_AUTHD][0] = chan_pair(&authd_end);
	ike.c.chan[ROLE_POOLD][0] = chan_pair(&poold_end);
	ike.c.chan[ROLE_ESP][0] = chan_pair(&esp_end);
	ike.c.chan[ROLE_DB][0] = chan_pair(&db_end);
	ike.sock500 = udp_sock(gw);
	ike.sock4500 = udp_sock(NULL);
	ike.local_addr = htonl(INADDR_LOOPBACK);
}

/* A fresh worker with the config text (len bytes) parsed and wired as
 * harness_wire does; the usual setup of a protocol test. */
static inline void harness_start(const char *text, size_t len, struct sockaddr_in *gw)
{
	char err[CONF_ERR];

	harness_begin();
	assert_true(conf_parse_text(text, len, "test", &ike.c.conf, err, sizeof err));
	harness_wire(gw);
}

/* Between tests: every SA ended, every channel and the test's own UDP
 * socket emptied. */
static void harness_reset(int sock)
{
	uint8_t buf[4096];

	while (ike.sas)
		sa_end(ike.sas, "test", false);
	drain(master_end);
	drain(authd_end);
	drain(poold_end);
	drain(esp_end);
	drain(db_end);
	while (recv(sock, buf, sizeof buf, MSG_DONTWAIT) > 0)
		;
}

#endif
