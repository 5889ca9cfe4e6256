/* ravpn-ike: the IKEv1 responder.  Sandboxed by child_start before it
 * reads a byte; holds no long-term secret (master computes SKEYID). */
#include <poll.h>
#include <string.h>

#include "ike.h"
#include "log.h"

struct ike_ctx ike;

static void init_libs(void)
{
	crypto_init();
}

struct watch {
	int fd, role, index;
};

/* The set of fds changes when master hands over a new channel, so it is
 * rebuilt each round; the control plane has only a handful of them. */
static int collect(struct pollfd *pfd, struct watch *w, int cap)
{
	int n = 0;

	w[n] = (struct watch){ ike.c.master, ROLE_MASTER, 0 };
	w[n + 1] = (struct watch){ ike.sock500, -1, 500 };
	w[n + 2] = (struct watch){ ike.sock4500, -1, 4500 };
	n = 3;
	for (int r = 1; r < ROLE_MAX; r++)
		for (int i = 0; i < MAX_WORKERS && n < cap; i++)
			if (ike.c.chan[r][i] >= 0)
				w[n++] = (struct watch){ ike.c.chan[r][i], r, i };
	for (int i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = w[i].fd, .events = POLLIN };
	return n;
}

static void run(void)
{
	struct pollfd pfd[64];
	struct watch w[64];
	long long next_tick = now_ms() + 1000;

	for (;;) {
		int n = collect(pfd, w, 64);

		if (poll(pfd, (nfds_t)n, 1000) < 0)
			continue;
		for (int i = 0; i < n; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) || pfd[i].fd < 0)
				continue;
			if (w[i].role < 0)
				net_receive(w[i].fd, w[i].index == 4500);
			else
				peers_input(w[i].fd, w[i].role, w[i].index);
		}
		if (now_ms() >= next_tick) {
			sa_tick();
			next_tick = now_ms() + 1000;
		}
	}
}

int main(int argc, char **argv)
{
	child_start(&ike.c, ROLE_IKE, argc, argv, init_libs);
	ike.sock500 = ike.c.fds[FD_UDP500];
	ike.sock4500 = ike.c.fds[FD_UDP4500];
	ike.local_addr = ike.c.start.outside_addr;
	if (ike.sock500 < 0 || ike.sock4500 < 0)
		fatal("master did not pass the UDP 500/4500 sockets");
	log_info("IKE worker %d ready", ike.c.index);
	run();
}
