/* The ESP worker process: its state and the pieces of its event loop.
 *
 * main.c owns the loop; io.c moves packets between the sockets, the TUN
 * queue and datapath.c; ipc_handlers.c talks to master, the IKE workers
 * and db.  One worker, one thread: no locks anywhere. */
#ifndef ESP_WORKER_H
#define ESP_WORKER_H

#include <stdint.h>

#include "child.h"
#include "datapath.h"
#include "sa.h"

#define ESP_REPORT_MS	2000	/* counter report period */

struct esp_io;

/* I/O errors with no SA to charge them to. */
struct esp_io_stats {
	uint64_t rx_truncated;	/* datagram larger than a receive slot */
	uint64_t tun_write_err;
	uint64_t tx_dropped;	/* socket buffer full, no socket for the encap */
};

struct esp_worker {
	struct child *c;
	struct esp_sa_table sas;
	struct esp_path_stats path;
	struct esp_io_stats iost;
	struct esp_io *io;
	int epfd;
	long long next_report_ms;
};

/* epoll tags: which fd an event is for. */
enum esp_ev { EV_MASTER = 1, EV_PEER, EV_UDP, EV_RAW, EV_TUN };
#define EV_DATA(kind, role, index) ((uint64_t)(kind) << 16 | (uint64_t)(role) << 8 | (index))
#define EV_KIND(d)	((int)((d) >> 16))
#define EV_ROLE(d)	((int)((d) >> 8 & 0xff))
#define EV_INDEX(d)	((int)((d) & 0xff))

/* io.c */
void esp_io_init(struct esp_worker *w);
/* (Re-)registers every fd the worker has (after start-up and wiring). */
void esp_io_watch(struct esp_worker *w);
void esp_io_udp_ready(struct esp_worker *w);
void esp_io_raw_ready(struct esp_worker *w);
void esp_io_tun_ready(struct esp_worker *w);

/* ipc_handlers.c */
void esp_ipc_master_ready(struct esp_worker *w);
void esp_ipc_peer_ready(struct esp_worker *w, int role, int index);
/* Sends IPC_DB_COUNTERS for every SA whose counters changed. */
void esp_report_counters(struct esp_worker *w);

#endif
