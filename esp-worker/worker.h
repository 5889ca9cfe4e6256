/* The ESP worker process: its state and the pieces of its event loop.
 *
 * main.c sets up the loop (lib/chanloop.h); io.c moves packets between
 * the sockets, the TUN queue and datapath.c; ipc_handlers.c handles the
 * messages from master and the IKE workers and reports to db.  One
 * worker, one thread: no locks anywhere. */
#ifndef ESP_WORKER_H
#define ESP_WORKER_H

#include <stdint.h>

#include "chanloop.h"
#include "child.h"
#include "datapath.h"
#include "rxmod.h"
#include "sa.h"

#define ESP_REPORT_MS	2000	/* counter report period */

struct esp_io;

/* I/O errors with no SA to charge them to. */
struct esp_io_stats {
	uint64_t rx_truncated;	/* datagram larger than a receive slot */
	uint64_t tun_write_err;
	uint64_t tx_dropped;	/* socket buffer full, no socket for the encap */
};

/* What the offloads did (io.c, tx.c): proof the fast path ran. */
struct esp_offload_stats {
	uint64_t tso_split;	/* TUN super-segments (TCP, UDP) split into packets */
	uint64_t tso_segs;	/* the packets they made */
	uint64_t tso_bad;	/* super-segments dropped (also counted in seal_failed) */
	uint64_t gso_sends;	/* UDP GSO messages sent (more than one ESP packet) */
	uint64_t gso_segs;	/* ESP packets in them */
	uint64_t gso_refused;	/* GSO sends the kernel refused (then sent one by one) */
	uint64_t gro_batches;	/* UDP GRO datagrams received holding several ESP packets */
	uint64_t gro_segs;	/* ESP packets in them */
	uint64_t tun_gso_writes;	/* TUN writes of several decrypted packets (TCP, UDP) */
	uint64_t tun_gso_segs;	/* the segments in them */
};

struct esp_worker {
	struct child *c;
	struct esp_sa_table sas;
	struct esp_path_stats path;
	struct esp_io_stats iost;
	struct esp_offload_stats off;
	struct esp_io *io;
	struct esp_rxmod rxmod;		/* crypto engine rx-usecs */
	struct chanloop loop;
	long long next_report_ms;
};

/* io.c */
/* Allocates the packet buffers and watches the packet fds (w->loop must
 * be initialised). */
void esp_io_init(struct esp_worker *w);
/* (Re-)watches the UDP, raw ESP and TUN fds (after master replaced one). */
void esp_io_watch(struct esp_worker *w);

/* ipc_handlers.c: chanloop callbacks, arg is the struct esp_worker */
bool esp_ipc_peer_msg(void *arg, int role, int index, struct ipc_msg *m);
void esp_ipc_new_channel(void *arg, int role, int index);
bool esp_ipc_master_msg(void *arg, struct ipc_msg *m);
/* Sends IPC_DB_COUNTERS for every SA whose counters changed. */
void esp_report_counters(struct esp_worker *w);

/* stats.c: the worker's totals (IPC_DB_WORKER_STATS) */
void esp_fill_worker_stats(const struct esp_worker *w, struct ipc_db_worker_stats *m);
void esp_report_worker(struct esp_worker *w);

#endif
