/* ravpn-esp: the user-space ESP data plane (one worker of possibly many).
 * Start-up and the event loop are shared with other children
 * (lib/child.h, lib/chanloop.h). */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>

#include "child.h"
#include "esp_crypt.h"
#include "lifetime.h"
#include "l2l.h"
#include "log.h"
#include "worker.h"

/* Before the sandbox: fetch algorithms, load providers, seed the DRBG.
 * The timer slack drops from the default 50 us to 2 us: the receive
 * moderation waits rx-usecs, 100 us by default (rxmod.c), and 50 us of
 * slack would make that up to half as long again. */
static void init_libs(void)
{
	if (!esp_crypto_init())
		fatal("OpenSSL lacks AES-CBC, 3DES or HMAC");
	if (prctl(PR_SET_TIMERSLACK, 2000UL, 0UL, 0UL, 0UL) < 0)
		log_warn("esp: PR_SET_TIMERSLACK: %s", strerror(errno));
}

/* master replaced a socket or the TUN queue: watch the new one; a reload
 * may change the receive moderation. */
static void on_rewired(void *arg, uint16_t type)
{
	struct esp_worker *w = arg;

	if (type == IPC_FD)
		esp_io_watch(w);
	else if (type == IPC_CONFIG)
		esp_rxmod_set(&w->rxmod, conf_rx_usecs(&w->c->conf));
}

static void on_wake(void *arg)
{
	struct esp_worker *w = arg;

	esp_rxmod_wake(&w->rxmod);
}

static long long report_due(void *arg)
{
	struct esp_worker *w = arg;
	long long life = esp_lifetime_due();

	return life < w->next_report_ms ? life : w->next_report_ms;
}

static void report(void *arg)
{
	struct esp_worker *w = arg;

	esp_lifetime_check(w);
	if (now_ms() < w->next_report_ms)
		return;
	esp_report_counters(w);
	esp_report_worker(w);
	w->next_report_ms = now_ms() + ESP_REPORT_MS;
}

int main(int argc, char **argv)
{
	static struct child c;
	static struct esp_worker w;
	const struct chanloop_ops ops = {
		.arg = &w,
		.on_peer_msg = esp_ipc_peer_msg,
		.on_new_channel = esp_ipc_new_channel,
		.on_rewired = on_rewired,
		.on_master_msg = esp_ipc_master_msg,
		.due_ms = report_due,
		.on_due = report,
		.on_wake = on_wake,
	};

	child_start(&c, ROLE_ESP, argc, argv, init_libs);
	w.c = &c;
	esp_l2l_init(&c);
	esp_sa_table_init(&w.sas);
	chanloop_init(&w.loop, &c, &ops);
	esp_io_init(&w);
	esp_rxmod_set(&w.rxmod, conf_rx_usecs(&c.conf));
	log_info("ESP worker %d ready: udp fd %d, tun fd %d, raw esp fd %d, rx-usecs %u", c.index,
		 c.fds[FD_UDP4500], c.fds[FD_TUN], c.fds[FD_RAW_ESP], conf_rx_usecs(&c.conf));
	w.next_report_ms = now_ms() + ESP_REPORT_MS;
	chanloop_run(&w.loop);
}
