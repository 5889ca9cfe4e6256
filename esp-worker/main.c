/* ravpn-esp: the user-space ESP data plane (one worker of possibly many).
 * Start-up is shared with every child (lib/child.h); then one epoll loop. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "child.h"
#include "esp_crypt.h"
#include "log.h"
#include "worker.h"

#define MAX_EVENTS 16

/* Before the sandbox: fetch algorithms, load providers, seed the DRBG. */
static void init_libs(void)
{
	if (!esp_crypto_init())
		fatal("OpenSSL lacks AES-CBC, 3DES or HMAC");
}

static void dispatch(struct esp_worker *w, uint64_t tag)
{
	switch (EV_KIND(tag)) {
	case EV_UDP:
		esp_io_udp_ready(w);
		break;
	case EV_RAW:
		esp_io_raw_ready(w);
		break;
	case EV_TUN:
		esp_io_tun_ready(w);
		break;
	case EV_MASTER:
		esp_ipc_master_ready(w);
		break;
	case EV_PEER:
		esp_ipc_peer_ready(w, EV_ROLE(tag), EV_INDEX(tag));
		break;
	}
}

static void run(struct esp_worker *w)
{
	struct epoll_event ev[MAX_EVENTS];

	w->next_report_ms = now_ms() + ESP_REPORT_MS;
	for (;;) {
		long long wait = w->next_report_ms - now_ms();
		int n = epoll_wait(w->epfd, ev, MAX_EVENTS, wait < 0 ? 0 : (int)wait);

		if (n < 0 && errno != EINTR)
			fatal("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++)
			dispatch(w, ev[i].data.u64);
		if (now_ms() >= w->next_report_ms) {
			esp_report_counters(w);
			w->next_report_ms = now_ms() + ESP_REPORT_MS;
		}
	}
}

int main(int argc, char **argv)
{
	static struct child c;
	static struct esp_worker w;

	child_start(&c, ROLE_ESP, argc, argv, init_libs);
	w.c = &c;
	esp_sa_table_init(&w.sas);
	esp_io_init(&w);
	log_info("ESP worker %d ready: udp fd %d, tun fd %d, raw esp fd %d", c.index,
		 c.fds[FD_UDP4500], c.fds[FD_TUN], c.fds[FD_RAW_ESP]);
	run(&w);
}
