/* The worker's totals for db (IPC_DB_WORKER_STATS, every report period):
 * what it opened and sealed and every packet it dropped, by reason,
 * including those no SA can be charged with. */
#include "worker.h"

#include <errno.h>
#include <string.h>

#include "log.h"

void esp_fill_worker_stats(const struct esp_worker *w, struct ipc_db_worker_stats *m)
{
	const struct esp_path_stats *p = &w->path;

	memset(m, 0, sizeof *m);
	m->esp_index = (uint8_t)w->c->index;
	m->n_sas = (uint32_t)w->sas.count;
	m->in_packets = p->in_packets;
	m->in_bytes = p->in_bytes;
	m->out_packets = p->out_packets;
	m->out_bytes = p->out_bytes;
	m->rebinds = p->rebinds;
	m->drops[WDROP_AUTH] = p->in_drops[ESP_DROP_AUTH];
	m->drops[WDROP_REPLAY] = p->in_drops[ESP_DROP_REPLAY];
	m->drops[WDROP_MALFORMED] = p->in_drops[ESP_DROP_MALFORMED];
	m->drops[WDROP_SPOOF] = p->in_drops[ESP_DROP_SPOOF];
	m->drops[WDROP_NO_SA_IN] = p->no_sa_in;
	m->drops[WDROP_NOT_ESP] = p->not_esp;
	m->drops[WDROP_BAD_IP] = p->bad_ip;
	m->drops[WDROP_TRUNCATED] = w->iost.rx_truncated;
	m->drops[WDROP_NO_SA_OUT] = p->no_sa_out;
	m->drops[WDROP_NOT_IPV4] = p->not_ipv4;
	m->drops[WDROP_SEAL] = p->seal_failed;
	m->drops[WDROP_TUN_WRITE] = w->iost.tun_write_err;
	m->drops[WDROP_TX] = w->iost.tx_dropped;
	m->tso_split = w->off.tso_split;
	m->tso_segs = w->off.tso_segs;
	m->gso_sends = w->off.gso_sends;
	m->gso_segs = w->off.gso_segs;
	m->gro_batches = w->off.gro_batches;
	m->gro_segs = w->off.gro_segs;
	m->tun_gso_writes = w->off.tun_gso_writes;
	m->tun_gso_segs = w->off.tun_gso_segs;
	m->rx_waits = w->rxmod.waits;
}

void esp_report_worker(struct esp_worker *w)
{
	int db = w->c->chan[ROLE_DB][0];
	struct ipc_db_worker_stats m;

	if (db < 0)
		return;
	esp_fill_worker_stats(w, &m);
	if (ipc_send(db, IPC_DB_WORKER_STATS, 0, &m, sizeof m, -1) < 0)
		log_warn("worker stats to db: %s", strerror(errno));
}
