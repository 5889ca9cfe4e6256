/* The SA table: two hashes and a list, no locks (one thread). */
#include "sa.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "esp_crypt.h"
#include "lifetime.h"
#include "l2l.h"
#include "log.h"

const char *esp_verdict_name(enum esp_verdict v)
{
	static const char *const names[ESP_DROP_MAX] = {
		"ok", "auth", "replay", "malformed", "spoof",
	};

	return (unsigned)v < ESP_DROP_MAX ? names[v] : "?";
}

#define SA_HASH_MIN_BITS 8
#define SA_HASH_MAX_BITS 24
#define SA_HASH_SPREAD 8	/* buckets per SA at least */

uint64_t esp_sa_probes;

/* Fibonacci hashing: the top bits of key * 2^32/phi (t->bits >= 8). */
static unsigned bucket(const struct esp_sa_table *t, uint32_t key)
{
	return (key * 2654435761u) >> (32 - t->bits);
}

void esp_sa_table_init(struct esp_sa_table *t)
{
	memset(t, 0, sizeof *t);
}

static struct esp_sa *find_spi(const struct esp_sa_table *t, uint32_t spi, uint8_t dir)
{
	if (!t->by_spi)
		return NULL;
	for (struct esp_sa *s = t->by_spi[bucket(t, spi)]; s; s = s->next_spi) {
		esp_sa_probes++;
		if (s->spi == spi && s->dir == dir)
			return s;
	}
	return NULL;
}

struct esp_sa *esp_sa_find_in(const struct esp_sa_table *t, uint32_t spi)
{
	return find_spi(t, spi, SA_IN);
}

/* The newest outbound SA for the address wins (it is at the chain head). */
struct esp_sa *esp_sa_find_out(const struct esp_sa_table *t, uint32_t inner_addr)
{
	if (!t->by_inner)
		return NULL;
	for (struct esp_sa *s = t->by_inner[bucket(t, ntohl(inner_addr))]; s; s = s->next_inner) {
		esp_sa_probes++;
		if (s->inner_addr == inner_addr)
			return s;
	}
	return esp_l2l_find_out(t, inner_addr);	/* a LAN-to-LAN network SA */
}

/* Puts s at the head of its chains (the newest outbound SA wins). */
static void hash_link(struct esp_sa_table *t, struct esp_sa *s)
{
	struct esp_sa **head = &t->by_spi[bucket(t, s->spi)];

	s->next_spi = *head;
	*head = s;
	if (s->dir == SA_OUT) {
		head = &t->by_inner[bucket(t, ntohl(s->inner_addr))];
		s->next_inner = *head;
		*head = s;
	}
}

/* Makes room for n SAs: new, larger hashes filled from the all-SA list,
 * oldest first so chains keep newest-first order.  Returns false only if
 * there is no hash at all; a failed growth keeps the old (longer) chains. */
static bool hash_fit(struct esp_sa_table *t, size_t n)
{
	unsigned bits = t->by_spi ? t->bits : SA_HASH_MIN_BITS;
	struct esp_sa **spi, **inner, *s;

	while (((size_t)1 << bits) < n * SA_HASH_SPREAD && bits < SA_HASH_MAX_BITS)
		bits++;
	if (t->by_spi && bits == t->bits)
		return true;
	spi = calloc((size_t)1 << bits, sizeof *spi);
	inner = calloc((size_t)1 << bits, sizeof *inner);
	if (!spi || !inner) {
		free(spi);
		free(inner);
		return t->by_spi != NULL;
	}
	free(t->by_spi);
	free(t->by_inner);
	t->by_spi = spi;
	t->by_inner = inner;
	t->bits = bits;
	for (s = t->all; s && s->next_all; s = s->next_all)
		;
	for (; s; s = s->prev_all)
		hash_link(t, s);
	return true;
}

static void link_sa(struct esp_sa_table *t, struct esp_sa *s)
{
	hash_link(t, s);
	esp_l2l_link(t, s);
	s->prev_all = NULL;
	s->next_all = t->all;
	if (t->all)
		t->all->prev_all = s;
	t->all = s;
	t->count++;
	t->n_transport += s->transport;
}

static void unlink_spi(struct esp_sa_table *t, struct esp_sa *s)
{
	struct esp_sa **pp = &t->by_spi[bucket(t, s->spi)];

	while (*pp && *pp != s)
		pp = &(*pp)->next_spi;
	if (*pp)
		*pp = s->next_spi;
}

static void unlink_inner(struct esp_sa_table *t, struct esp_sa *s)
{
	struct esp_sa **pp = &t->by_inner[bucket(t, ntohl(s->inner_addr))];

	while (*pp && *pp != s)
		pp = &(*pp)->next_inner;
	if (*pp)
		*pp = s->next_inner;
}

static void unlink_sa(struct esp_sa_table *t, struct esp_sa *s)
{
	unlink_spi(t, s);
	if (s->dir == SA_OUT)
		unlink_inner(t, s);
	esp_l2l_unlink(t, s);
	if (s->prev_all)
		s->prev_all->next_all = s->next_all;
	else
		t->all = s->next_all;
	if (s->next_all)
		s->next_all->prev_all = s->prev_all;
	t->count--;
	t->n_transport -= s->transport;
}

static void free_sa(struct esp_sa *s)
{
	esp_crypt_sa_free(s);
	free(s);
}

static bool sa_add_valid(const struct ipc_sa_add *a)
{
	const char *why = NULL;

	if (a->dir != SA_IN && a->dir != SA_OUT)
		why = "bad direction";
	else if (a->encap != ENCAP_UDP && a->encap != ENCAP_NONE)
		why = "bad encapsulation";
	else if (a->spi < 256)			/* RFC 4303 2.1: 1..255 reserved */
		why = "reserved SPI";
	else if (a->mode != SA_MODE_TUNNEL && a->mode != SA_MODE_TRANSPORT)
		why = "bad mode";
	else if (a->mode == SA_MODE_TRANSPORT && (a->peer_addr == 0 || a->local_addr == 0))
		why = "transport mode without both host addresses";
	else if (a->inner_addr == 0 && a->mode == SA_MODE_TUNNEL)
		why = "no inner address";
	else if (a->dir == SA_OUT && (a->peer_addr == 0 || (a->encap == ENCAP_UDP && !a->peer_port)))
		why = "no peer address";
	if (why)
		log_warn("esp: refusing SA spi 0x%08x sid %016llx: %s", a->spi,
			 (unsigned long long)a->sid, why);
	return !why;
}

/* A re-install with the same keys continues where the old SA was, so the
 * peer's replay window does not reject our restarted sequence numbers. */
static void inherit_state(struct esp_sa *n, const struct esp_sa *old)
{
	if (memcmp(n->key_digest, old->key_digest, sizeof n->key_digest) != 0)
		return;
	n->seq_out = old->seq_out;
	n->iv_base = old->iv_base;	/* AEAD IVs keep counting where they were */
	n->cnt = old->cnt;
	n->reported = old->reported;
	if (n->replay.size == old->replay.size)
		n->replay = old->replay;
}

struct esp_sa *esp_sa_add(struct esp_sa_table *t, const struct ipc_sa_add *a)
{
	struct esp_sa *n, *old;

	if (!sa_add_valid(a) || !hash_fit(t, t->count + 1) || !(n = calloc(1, sizeof *n)))
		return NULL;
	n->sid = a->sid;
	n->spi = a->spi;
	n->dir = a->dir;
	n->encap = a->encap;
	n->enc = a->enc;
	n->auth = a->auth;
	n->peer_addr = a->peer_addr;
	n->peer_port = a->peer_port;
	n->inner_addr = a->inner_addr;
	esp_lifetime_set(n, a->soft_bytes, a->hard_bytes);
	n->inner_mask = a->inner_mask;
	if (a->mode == SA_MODE_TRANSPORT) {	/* host to host: found by the peer (transport.h) */
		n->transport = true;
		n->inner_addr = a->peer_addr;
		n->inner_mask = 0;
		n->local_addr = a->local_addr;
	}
	esp_replay_init(&n->replay, a->dir == SA_IN ? a->replay_window : 0);
	if (!esp_crypt_sa_init(n, a)) {
		free(n);
		return NULL;
	}
	old = find_spi(t, a->spi, a->dir);
	if (old) {
		inherit_state(n, old);
		unlink_sa(t, old);
		free_sa(old);
	}
	if (a->dir == SA_OUT && a->seq_out > n->seq_out)
		n->seq_out = a->seq_out;
	link_sa(t, n);
	return n;
}

int esp_sa_del(struct esp_sa_table *t, uint32_t spi, uint64_t sid)
{
	static const uint8_t dirs[] = { SA_IN, SA_OUT };
	int n = 0;

	for (size_t i = 0; i < sizeof dirs; i++) {
		struct esp_sa *s = find_spi(t, spi, dirs[i]);

		if (s && (sid == 0 || s->sid == sid)) {
			unlink_sa(t, s);
			free_sa(s);
			n++;
		}
	}
	return n;
}

int esp_sa_del_ike(struct esp_sa_table *t, unsigned ike_index)
{
	struct esp_sa *s = t->all, *next;
	int n = 0;

	for (; s; s = next) {
		next = s->next_all;
		if (s->sid >> 56 == ike_index) {
			unlink_sa(t, s);
			free_sa(s);
			n++;
		}
	}
	return n;
}

/* A walk over all SAs: rebindings are rare and need no index of their own. */
int esp_sa_rebind(struct esp_sa_table *t, uint64_t sid, uint32_t addr, uint16_t port)
{
	int n = 0;

	for (struct esp_sa *s = t->all; s; s = s->next_all)
		if (s->sid == sid && s->encap == ENCAP_UDP &&
		    (s->peer_addr != addr || s->peer_port != port)) {
			s->peer_addr = addr;
			s->peer_port = port;
			n++;
		}
	return n;
}

void esp_sa_table_clear(struct esp_sa_table *t)
{
	struct esp_sa *s = t->all, *next;

	for (; s; s = next) {
		next = s->next_all;
		free_sa(s);
	}
	free(t->by_spi);
	free(t->by_inner);
	esp_sa_table_init(t);
}
