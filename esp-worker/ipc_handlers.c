/* The ESP worker's messages: shutdown from master, SA install and delete
 * from the IKE workers, counters to db (the channels themselves are
 * lib/chanloop.c's). */
#include "worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "log.h"
#include "transport.h"

static const char *addr_str(uint32_t a, char *buf, size_t n)
{
	return inet_ntop(AF_INET, &a, buf, (socklen_t)n);
}

/* Tells master to route (or stop routing) the host's packets for a
 * transport-mode peer into the TUN (master/transport_route.c). */
static void announce_route(void *arg, uint32_t addr, uint32_t local, bool up)
{
	struct esp_worker *w = arg;
	struct ipc_transport_route m = { .addr = addr, .local_addr = local, .up = up };
	char a[INET_ADDRSTRLEN];

	if (ipc_send(w->c->master, IPC_TRANSPORT_ROUTE, 0, &m, sizeof m, -1) < 0)
		log_warn("esp: cannot tell master about transport peer %s: %s",
			 addr_str(addr, a, sizeof a), strerror(errno));
}

/* After an SA change: only a change that involved a transport SA (the
 * count moved, or one was added or replaced) walks the table, so tunnel
 * SAs pay nothing.  One worker per process: the set can be static. */
static void transport_sync(struct esp_worker *w, size_t before, bool added_transport)
{
	static struct esp_transport_routes routes;

	if (before == w->sas.n_transport && !added_transport)
		return;
	esp_transport_sync(&routes, &w->sas, announce_route, w);
}

/* master handed over a new channel: the peer was (re)started. */
void esp_ipc_new_channel(void *arg, int role, int index)
{
	struct esp_worker *w = arg;

	if (role == ROLE_IKE) {
		size_t before = w->sas.n_transport;
		int n = esp_sa_del_ike(&w->sas, (unsigned)index);

		log_info("IKE worker %d reconnected: dropped its %d SAs, awaiting re-install",
			 index, n);
		transport_sync(w, before, false);
	}
}

bool esp_ipc_master_msg(void *arg, struct ipc_msg *m)
{
	(void)arg;
	if (m->hdr.type != IPC_SHUTDOWN)
		return false;
	log_info("shutdown requested by master");
	exit(0);
}

static void sa_add(struct esp_worker *w, int ike, struct ipc_sa_add *a)
{
	char peer[INET_ADDRSTRLEN], inner[INET_ADDRSTRLEN];
	struct esp_sa *sa = NULL;
	size_t before = w->sas.n_transport;

	if (a->sid >> 56 != (uint64_t)ike)
		log_warn("IKE worker %d sent SA spi 0x%08x of sid %016llx it does not own: refused",
			 ike, a->spi, (unsigned long long)a->sid);
	else
		sa = esp_sa_add(&w->sas, a);
	if (sa)
		log_info("SA %s spi 0x%08x sid %016llx peer %s:%u %s inner %s enc %u auth %u window %u",
			 a->dir == SA_IN ? "in" : "out", a->spi, (unsigned long long)a->sid,
			 addr_str(a->peer_addr, peer, sizeof peer), a->peer_port,
			 a->encap == ENCAP_UDP ? "udp" : "esp",
			 addr_str(a->inner_addr, inner, sizeof inner), a->enc, a->auth,
			 sa->replay.size);
	if (sa && sa->transport)
		log_info("SA spi 0x%08x: transport mode", a->spi);
	transport_sync(w, before, sa && sa->transport);
	OPENSSL_cleanse(a, sizeof *a);		/* keys live only in the EVP contexts */
}

static void sa_del(struct esp_worker *w, const struct ipc_sa_del *d)
{
	size_t before = w->sas.n_transport;
	int n = esp_sa_del(&w->sas, d->spi, d->sid);

	transport_sync(w, before, false);
	log_info("SA delete spi 0x%08x sid %016llx: %d removed", d->spi,
		 (unsigned long long)d->sid, n);
}

bool esp_ipc_peer_msg(void *arg, int role, int index, struct ipc_msg *m)
{
	struct esp_worker *w = arg;

	if (role == ROLE_IKE && m->hdr.type == IPC_SA_ADD) {
		struct ipc_sa_add a;

		memcpy(&a, m->data, sizeof a);
		OPENSSL_cleanse(m->data, sizeof a);
		sa_add(w, index, &a);
	} else if (role == ROLE_IKE && m->hdr.type == IPC_SA_DEL) {
		struct ipc_sa_del d;

		memcpy(&d, m->data, sizeof d);
		sa_del(w, &d);
	} else {
		return false;
	}
	return true;
}

static bool counters_changed(const struct esp_sa *sa)
{
	return memcmp(&sa->cnt, &sa->reported, sizeof sa->cnt) != 0;
}

static void fill_counters(const struct esp_worker *w, const struct esp_sa *sa,
			  struct ipc_db_counters *m)
{
	memset(m, 0, sizeof *m);
	m->sid = sa->sid;
	m->spi = sa->spi;
	m->dir = sa->dir;
	m->esp_index = (uint8_t)w->c->index;
	m->bytes = sa->cnt.bytes;
	m->packets = sa->cnt.packets;
	m->drops_auth = sa->cnt.drops[ESP_DROP_AUTH];
	m->drops_replay = sa->cnt.drops[ESP_DROP_REPLAY];
	m->drops_other = sa->cnt.drops[ESP_DROP_MALFORMED] + sa->cnt.drops[ESP_DROP_SPOOF];
}

/* The owning IKE worker keeps the last outbound sequence number so it can
 * re-install the SA above it after this worker restarts, and the packet
 * counts of both directions for its idle timer. */
static void report_seq(struct esp_worker *w, const struct esp_sa *sa)
{
	struct ipc_sa_seq m = { .sid = sa->sid, .spi = sa->spi, .dir = sa->dir,
				.packets = sa->cnt.packets };
	int ike = w->c->chan[ROLE_IKE][(sa->sid >> 56) % MAX_WORKERS];

	if (sa->dir == SA_OUT)
		m.seq_out = (uint32_t)sa->seq_out;
	if (ike >= 0)
		ipc_send(ike, IPC_SA_SEQ, 0, &m, sizeof m, -1);
}

void esp_report_counters(struct esp_worker *w)
{
	int db = w->c->chan[ROLE_DB][0];
	struct ipc_db_counters m;

	if (db < 0)
		return;
	for (struct esp_sa *sa = w->sas.all; sa; sa = sa->next_all) {
		if (!counters_changed(sa))
			continue;
		fill_counters(w, sa, &m);
		if (ipc_send(db, IPC_DB_COUNTERS, 0, &m, sizeof m, -1) < 0) {
			log_warn("counters to db: %s", strerror(errno));
			return;		/* not marked reported: retried next period */
		}
		sa->reported = sa->cnt;
		report_seq(w, sa);
	}
}
