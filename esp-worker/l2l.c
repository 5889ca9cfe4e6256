/* LAN-to-LAN: the outbound prefix list and the acquire of missing SAs. */
#include "l2l.h"

#include <arpa/inet.h>
#include <string.h>

#include "log.h"

#define ACQUIRE_EVERY_MS	1000	/* per remote network */
#define ACQUIRE_SLOTS		16

static struct child *l2l_child;

struct acquire_slot {
	uint32_t net, mask;
	long long last_ms;
};

static struct acquire_slot slots[ACQUIRE_SLOTS];

void esp_l2l_init(struct child *c)
{
	l2l_child = c;
}

bool esp_l2l_is_net(const struct esp_sa *s)
{
	return s->inner_mask && s->inner_mask != 0xffffffffu;
}

void esp_l2l_link(struct esp_sa_table *t, struct esp_sa *s)
{
	if (s->dir != SA_OUT || !esp_l2l_is_net(s))
		return;
	if (t->n_l2l == ESP_L2L_MAX) {
		log_warn("esp: more than %d LAN-to-LAN SAs: spi 0x%08x not used for sending",
			 ESP_L2L_MAX, s->spi);
		return;
	}
	/* newest first: a rekeyed SA takes over from its predecessor */
	memmove(&t->l2l[1], &t->l2l[0], sizeof t->l2l[0] * (size_t)t->n_l2l);
	t->l2l[0] = s;
	t->n_l2l++;
}

void esp_l2l_unlink(struct esp_sa_table *t, struct esp_sa *s)
{
	for (int i = 0; i < t->n_l2l; i++)
		if (t->l2l[i] == s) {
			memmove(&t->l2l[i], &t->l2l[i + 1],
				sizeof t->l2l[0] * (size_t)(t->n_l2l - i - 1));
			t->n_l2l--;
			return;
		}
}

struct esp_sa *esp_l2l_find_out(const struct esp_sa_table *t, uint32_t dst)
{
	struct esp_sa *best = NULL;

	for (int i = 0; i < t->n_l2l; i++) {
		struct esp_sa *s = t->l2l[i];

		if ((dst & s->inner_mask) != s->inner_addr)
			continue;
		if (!best || ntohl(s->inner_mask) > ntohl(best->inner_mask))
			best = s;
	}
	return best;
}

/* One acquire per remote network per second: the IKE worker needs one
 * to start, and a flood of packets must not become a flood of messages. */
static bool acquire_due(uint32_t net, uint32_t mask)
{
	long long now = now_ms();
	struct acquire_slot *oldest = &slots[0];

	for (int i = 0; i < ACQUIRE_SLOTS; i++) {
		struct acquire_slot *s = &slots[i];

		if (s->net == net && s->mask == mask && s->last_ms) {
			if (now - s->last_ms < ACQUIRE_EVERY_MS)
				return false;
			s->last_ms = now;
			return true;
		}
		if (s->last_ms < oldest->last_ms)
			oldest = s;
	}
	*oldest = (struct acquire_slot){ net, mask, now };
	return true;
}

void esp_l2l_miss(uint32_t src, uint32_t dst)
{
	const struct conf_acl *acl;
	struct ipc_acquire q = { .src = src, .dst = dst };
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	int ike;

	if (!l2l_child || !conf_l2l_by_traffic(&l2l_child->conf, src, dst, &acl) ||
	    !acquire_due(acl->dst_net, acl->dst_mask))
		return;
	/* one IKE worker negotiates every static map entry: the first */
	ike = l2l_child->chan[ROLE_IKE][0];
	if (ike >= 0 && ipc_send(ike, IPC_ACQUIRE, 0, &q, sizeof q, -1) == 0)
		log_info("esp: no SA for LAN-to-LAN traffic %s -> %s: asked IKE to negotiate",
			 inet_ntop(AF_INET, &src, a, sizeof a), inet_ntop(AF_INET, &dst, b, sizeof b));
}
