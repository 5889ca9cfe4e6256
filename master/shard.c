/* Sharding the data plane: how many ESP workers, which CPU each runs on,
 * and the TUN steering program that sends each client's outbound packets
 * to the queue of the worker owning its SAs (lib/shard.h).
 *
 * The steering program is eBPF (TUNSETSTEERINGEBPF takes nothing else),
 * loaded with the raw bpf() syscall: the program is six instructions and
 * needs no library. */
#include "master.h"
#include "log.h"

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

/* Returns ntohl(IPv4 destination) % n, the owner of lib/shard.h; 0 for
 * anything that is not IPv4.  The legacy packet loads (LD_ABS) read
 * network order into host order and want the context in R6; a load past
 * the packet's end ends the program with 0. */
static int steer_load(int n)
{
	const struct bpf_insn prog[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0),
		INSN(BPF_LD | BPF_B | BPF_ABS, 0, 0, 0, 0),		/* version/IHL */
		INSN(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_0, 0, 0, 4),
		INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, 3, 4),	/* not IPv4: queue 0 */
		INSN(BPF_LD | BPF_W | BPF_ABS, 0, 0, 0, 16),		/* destination */
		INSN(BPF_ALU | BPF_MOD | BPF_K, BPF_REG_0, 0, 0, n),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a;

	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uint64_t)(uintptr_t)prog;
	a.insn_cnt = sizeof prog / sizeof prog[0];
	a.license = (uint64_t)(uintptr_t)"GPL";
	return (int)syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof a);
}

int master_tun_steer(int queue_fd, int n)
{
	int pfd = steer_load(n), e;

	if (pfd < 0)
		return -1;
	/* the TUN device holds its own reference to the program */
	e = ioctl(queue_fd, TUNSETSTEERINGEBPF, &pfd) < 0 ? errno : 0;
	close(pfd);
	errno = e;
	return e ? -1 : 0;
}
