/* Sharding the data plane: how many ESP workers, which CPU each runs on,
 * and the TUN steering program that sends each client's outbound packets
 * to the queue of the worker owning its SAs (lib/shard.h).
 *
 * The steering program is eBPF (TUNSETSTEERINGEBPF takes nothing else),
 * loaded with the raw bpf() syscall: the program is a few instructions per
 * LAN-to-LAN network plus nine and needs no library. */
#include "master.h"
#include "log.h"
#include "shard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int master_esp_count(const struct conf *c)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (c->esp_workers > 0)
		return c->esp_workers > MAX_WORKERS ? MAX_WORKERS : c->esp_workers;
	if (cpus < 1)
		return 1;
	return cpus > MAX_WORKERS ? MAX_WORKERS : (int)cpus;
}

/* ESP worker i runs on CPU i (mod the CPUs online): one worker per core
 * keeps its SAs and packet buffers in that core's caches. */
void master_pin_esp(const struct mchild *k)
{
	static bool warned;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (k->role != ROLE_ESP || k->pid <= 0 || cpus < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(k->index % cpus, &set);
	if (sched_setaffinity(k->pid, sizeof set, &set) == 0)
		log_debug("%s pinned to CPU %ld", k->name, k->index % cpus);
	else if (!warned) {
		warned = true;
		log_warn("cannot pin ESP workers to CPUs (%s): they float", strerror(errno));
	}
}

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

/* One LAN-to-LAN network: if ((dst & mask) == net) return its owner.
 * R0 holds the destination in host order; R1 and R2 are scratch (the
 * packet loads clobber them anyway).  The 32-bit moves zero-extend, so
 * the 64-bit compare sees two u32 (a JNE with an immediate would
 * sign-extend a network above 128.0.0.0). */
static int steer_prefix(struct bpf_insn *p, const struct shard_prefix *x, int n)
{
	int k = 0;

	p[k++] = INSN(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_0, 0, 0);
	p[k++] = INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, (int32_t)ntohl(x->mask));
	p[k++] = INSN(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, (int32_t)ntohl(x->net));
	p[k++] = INSN(BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, BPF_REG_2, 2, 0);
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0,
		      (int32_t)shard_of_net(x->net, x->mask, (unsigned)n));
	p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return k;
}

_Static_assert(STEER_MAX_INSNS == 9 + 6 * SHARD_L2L_MAX, "master.h sizes the program");

/* The program computes shard_steer() of lib/shard.h: the owner of the
 * first of the np prefixes (most specific first) holding the IPv4
 * destination, else ntohl(destination) % n; 0 for anything that is not
 * IPv4.  The legacy packet loads (LD_ABS) read network order into host
 * order and want the context in R6; a load past the packet's end ends
 * the program with 0.  prog has room for STEER_MAX_INSNS; returns the
 * instruction count. */
int master_steer_build(const struct shard_prefix *pfx, int np, int n, struct bpf_insn *prog)
{
	int k = 0, not_v4;

	if (np > SHARD_L2L_MAX)
		np = SHARD_L2L_MAX;
	prog[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0);
	prog[k++] = INSN(BPF_LD | BPF_B | BPF_ABS, 0, 0, 0, 0);		/* version/IHL */
	prog[k++] = INSN(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_0, 0, 0, 4);
	not_v4 = k++;					/* jump filled in below */
	prog[k++] = INSN(BPF_LD | BPF_W | BPF_ABS, 0, 0, 0, 16);		/* destination */
	for (int i = 0; i < np; i++)
		k += steer_prefix(&prog[k], &pfx[i], n);
	prog[k++] = INSN(BPF_ALU | BPF_MOD | BPF_K, BPF_REG_0, 0, 0, n);
	prog[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	prog[not_v4] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, (int16_t)(k - not_v4 - 1), 4);
	prog[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	prog[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return k;
}

int master_steer_load(const struct shard_prefix *pfx, int np, int n)
{
	struct bpf_insn prog[STEER_MAX_INSNS];
	union bpf_attr a;

	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uint64_t)(uintptr_t)prog;
	a.insn_cnt = (uint32_t)master_steer_build(pfx, np, n < 1 ? 1 : n, prog);
	a.license = (uint64_t)(uintptr_t)"GPL";
	return (int)syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof a);
}

static int steer_attach(int queue_fd, int n, const struct shard_prefix *pfx, int np)
{
	int pfd = master_steer_load(pfx, np, n), e;

	if (pfd < 0)
		return -1;
	/* the TUN device holds its own reference to the program; setting
	 * one on any queue replaces the device's program */
	e = ioctl(queue_fd, TUNSETSTEERINGEBPF, &pfd) < 0 ? errno : 0;
	close(pfd);
	errno = e;
	return e ? -1 : 0;
}

int master_tun_steer(int queue_fd, int n)
{
	return steer_attach(queue_fd, n, NULL, 0);
}

/* The networks of the program attached now, to load a new one only when
 * a reload changes them. */
static struct {
	bool attached;
	int np;
	struct shard_prefix p[SHARD_L2L_MAX];
} steer_now;

static void steer_log(const struct shard_prefix *p, int np, int configured, int n)
{
	if (configured > np)
		log_warn("TUN steering: %d LAN-to-LAN remote networks configured, only the first %d "
			 "go to their SA's ESP worker; the others are steered by destination like "
			 "clients, so only some of their hosts are carried (use `crypto engine "
			 "workers 1` or fewer, wider networks)", configured, np);
	for (int i = 0; i < np; i++) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &p[i].net, a, sizeof a);
		log_info("TUN steering: LAN-to-LAN network %s/%d -> esp[%u]", a,
			 __builtin_popcount(p[i].mask), shard_of_net(p[i].net, p[i].mask, (unsigned)n));
	}
}

int master_steer_attach(struct master *m)
{
	struct shard_prefix p[SHARD_L2L_MAX];
	int configured = shard_l2l_prefixes(&m->conf, p, SHARD_L2L_MAX);
	int np = configured < SHARD_L2L_MAX ? configured : SHARD_L2L_MAX;

	if (m->n_esp < 2)
		return 0;	/* one queue: nothing to steer */
	if (steer_now.attached && np == steer_now.np &&
	    memcmp(p, steer_now.p, sizeof p[0] * (size_t)np) == 0)
		return 0;
	if (steer_attach(m->res.tun[0], m->n_esp, p, np) < 0) {
		log_err("TUN steering program for %d LAN-to-LAN network%s: %s%s", np,
			np == 1 ? "" : "s", strerror(errno),
			steer_now.attached ? "; the previous program stays" : "");
		return -1;
	}
	steer_log(p, np, configured, m->n_esp);
	steer_now.attached = true;
	steer_now.np = np;
	memcpy(steer_now.p, p, sizeof p[0] * (size_t)np);
	return 0;
}
