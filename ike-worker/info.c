/* Informational exchanges: DPD (RFC 3706) R-U-THERE answered, DELETE in
 * both directions, and the unencrypted error notify of a refused
 * message 1. */
#include <arpa/inet.h>
#include <string.h>

#include "ike.h"
#include "log.h"

#define DOI_IPSEC 1

static void send_info(struct ike_sa *sa, void (*fill)(struct v1_out *, const void *),
		      const void *arg)
{
	struct v1_out o;
	size_t hash;

	v1_out_begin(&o, sa->icky, sa->rcky, EXCH_INFO, 0, crypt_new_msgid());
	hash = crypt_reserve_hash(sa, &o);
	fill(&o, arg);
	crypt_seal_send(sa, &o, hash, NULL, 0);
}

static void delete_payload(struct v1_out *o, uint8_t proto, uint8_t spi_len, uint16_t n,
			   const void *spis)
{
	size_t p = v1_out_open(o, PL_DELETE);

	wbuf_u32(&o->w, DOI_IPSEC);
	wbuf_u8(&o->w, proto);
	wbuf_u8(&o->w, spi_len);
	wbuf_u16(&o->w, n);
	wbuf_bytes(&o->w, spis, (size_t)spi_len * n);
	v1_out_close(o, p);
}

/* The IKE SA comes first: vpnc answers a lone ESP delete by starting a new
 * quick mode, but leaves at once when its IKE SA is deleted. */
static void fill_delete_all(struct v1_out *o, const void *arg)
{
	const struct ike_sa *sa = arg;
	uint8_t ck[16], spis[4 * SA_CHILDREN];
	uint16_t n = 0;

	memcpy(ck, sa->icky, 8);
	memcpy(ck + 8, sa->rcky, 8);
	delete_payload(o, PROTO_ISAKMP, 16, 1, ck);
	for (int i = 0; i < SA_CHILDREN; i++) {
		uint32_t spi = htonl(sa->children[i].spi_in);

		if (sa->children[i].used)
			memcpy(spis + 4 * n++, &spi, 4);
	}
	if (n)
		delete_payload(o, PROTO_ESP, 4, n, spis);
}

void info_send_delete_all(struct ike_sa *sa)
{
	send_info(sa, fill_delete_all, sa);
}

static void fill_delete_ike(struct v1_out *o, const void *arg)
{
	const struct ike_sa *sa = arg;
	uint8_t ck[16];

	memcpy(ck, sa->icky, 8);
	memcpy(ck + 8, sa->rcky, 8);
	delete_payload(o, PROTO_ISAKMP, 16, 1, ck);
}

void info_send_delete_ike(struct ike_sa *sa)
{
	send_info(sa, fill_delete_ike, sa);
}

struct esp_spis {
	const uint32_t *spi;		/* host order */
	uint16_t n;
};

static void fill_delete_esp(struct v1_out *o, const void *arg)
{
	const struct esp_spis *e = arg;
	uint8_t spis[4 * SA_CHILDREN];
	uint16_t n = e->n < SA_CHILDREN ? e->n : SA_CHILDREN;

	for (uint16_t i = 0; i < n; i++) {
		uint32_t spi = htonl(e->spi[i]);

		memcpy(spis + 4 * i, &spi, 4);
	}
	delete_payload(o, PROTO_ESP, 4, n, spis);
}

/* The peer's outbound SAs are our inbound ones: their SPIs name the pair
 * (RFC 2408 3.15, as the IKE worker reads a peer's DELETE). */
void info_send_delete_esp(struct ike_sa *sa, const uint32_t *spis_in, uint16_t n)
{
	struct esp_spis e = { spis_in, n };

	if (n)
		send_info(sa, fill_delete_esp, &e);
}

struct dpd_arg {
	const uint8_t *spi;
	size_t spi_len;
	uint32_t seq;
	uint16_t type;
};

static void fill_dpd(struct v1_out *o, const void *arg)
{
	const struct dpd_arg *a = arg;
	size_t p = v1_out_open(o, PL_NOTIFY);

	wbuf_u32(&o->w, DOI_IPSEC);
	wbuf_u8(&o->w, PROTO_ISAKMP);
	wbuf_u8(&o->w, (uint8_t)a->spi_len);
	wbuf_u16(&o->w, a->type);
	wbuf_bytes(&o->w, a->spi, a->spi_len);
	wbuf_u32(&o->w, a->seq);
	v1_out_close(o, p);
}

static void info_notify(struct ike_sa *sa, const struct v1_payload *n)
{
	struct rbuf r;
	uint32_t doi, seq;
	uint8_t proto, spi_len;
	uint16_t type;
	const uint8_t *spi;

	rbuf_init(&r, n->body, n->len);
	if (!rbuf_u32(&r, &doi) || !rbuf_u8(&r, &proto) || !rbuf_u8(&r, &spi_len) ||
	    !rbuf_u16(&r, &type) || !rbuf_ptr(&r, &spi, spi_len))
		return;
	if (type == N_DPD_R_U_THERE && rbuf_u32(&r, &seq)) {
		struct dpd_arg a = { spi, spi_len, seq, N_DPD_R_U_THERE_ACK };

		log_debug("peer %s: DPD R-U-THERE %u answered", sa_peer_str(sa), seq);
		send_info(sa, fill_dpd, &a);
	} else if (type == N_DPD_R_U_THERE_ACK && rbuf_u32(&r, &seq)) {
		dpd_ack(sa, seq);
	} else if (type == N_INITIAL_CONTACT) {
		log_info("peer %s: INITIAL-CONTACT received", sa_peer_str(sa));
		sa->initial_contact = true;
		ic_apply(sa);	/* now, when the identity is known; else after XAUTH */
	} else if (type != N_DPD_R_U_THERE_ACK) {
		log_info("peer %s: notify %u received", sa_peer_str(sa), type);
	}
}

struct notify_arg {
	uint16_t type;
};

static void fill_notify(struct v1_out *o, const void *arg)
{
	const struct notify_arg *a = arg;
	size_t p = v1_out_open(o, PL_NOTIFY);

	wbuf_u32(&o->w, DOI_IPSEC);
	wbuf_u8(&o->w, PROTO_ISAKMP);
	wbuf_u8(&o->w, 0);
	wbuf_u16(&o->w, a->type);
	v1_out_close(o, p);
}

struct lifetime_arg {
	uint32_t spi;
	uint32_t seconds, kb;
};

#define LIFE_TYPE_SECONDS	1
#define LIFE_TYPE_KILOBYTES	2

static void lifetime_pair(struct v1_out *o, uint16_t type, uint32_t v)
{
	uint8_t be[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	v1_out_attr16(o, P2_LIFE_TYPE, type);
	v1_out_attr_var(o, P2_LIFE_DURATION, be, 4);
}

/* RFC 2407 4.6.3.1: protocol ESP, our inbound SPI, the lifetime attributes
 * (each LIFE-TYPE followed by its LIFE-DURATION). */
static void fill_lifetime(struct v1_out *o, const void *arg)
{
	const struct lifetime_arg *a = arg;
	size_t p = v1_out_open(o, PL_NOTIFY);

	wbuf_u32(&o->w, DOI_IPSEC);
	wbuf_u8(&o->w, PROTO_ESP);
	wbuf_u8(&o->w, 4);
	wbuf_u16(&o->w, N_RESPONDER_LIFETIME);
	wbuf_u32(&o->w, a->spi);
	if (a->seconds)
		lifetime_pair(o, LIFE_TYPE_SECONDS, a->seconds);
	if (a->kb)
		lifetime_pair(o, LIFE_TYPE_KILOBYTES, a->kb);
	v1_out_close(o, p);
}

void info_send_responder_lifetime(struct ike_sa *sa, uint32_t spi_in, uint32_t seconds,
				  uint32_t kb)
{
	struct lifetime_arg a = { spi_in, seconds, kb };

	send_info(sa, fill_lifetime, &a);
}

void info_send_notify(struct ike_sa *sa, uint16_t type)
{
	struct notify_arg a = { type };

	send_info(sa, fill_notify, &a);
}

void dpd_send(struct ike_sa *sa, uint32_t seq)
{
	uint8_t ck[16];
	struct dpd_arg a = { ck, sizeof ck, seq, N_DPD_R_U_THERE };

	memcpy(ck, sa->icky, 8);
	memcpy(ck + 8, sa->rcky, 8);
	send_info(sa, fill_dpd, &a);
}

/* Returns true when the IKE SA itself was deleted (sa is freed). */
static bool info_delete(struct ike_sa *sa, const struct v1_payload *d)
{
	struct rbuf r;
	uint32_t doi, spi;
	uint8_t proto, spi_len;
	uint16_t n;

	rbuf_init(&r, d->body, d->len);
	if (!rbuf_u32(&r, &doi) || !rbuf_u8(&r, &proto) || !rbuf_u8(&r, &spi_len) ||
	    !rbuf_u16(&r, &n))
		return false;
	if (proto == PROTO_ISAKMP) {
		log_notice("peer %s user %s: client deleted the IKE SA", sa_peer_str(sa), sa->user);
		sa_end(sa, "user", false);
		return true;
	}
	/* ESP: the client names its inbound SPIs, our outbound ones. */
	for (uint16_t i = 0; proto == PROTO_ESP && spi_len == 4 && i < n && rbuf_u32(&r, &spi); i++)
		for (int c = 0; c < SA_CHILDREN; c++) {
			struct child_sa *ch = &sa->children[c];

			if (ch->used && (ch->spi_out == spi || ch->spi_in == spi)) {
				peers_remove_child(sa, ch);
				peers_db_child_sa(sa, ch, true);
				ch->used = false;
			}
		}
	return false;
}

/* Informationals do not chain their IVs (crypt.c), so a replayed copy
 * would decrypt and verify again; a byte-for-byte repeat of a recent one
 * is dropped (a peer's own retry, e.g. vpnc's R-U-THERE, has a new M-ID). */
bool info_authentic(struct ike_sa *sa, const struct v1_msg *m, const uint8_t *pkt, size_t len)
{
	struct chunk c = { pkt, len };
	uint8_t d[32];

	if (!crypt_check_hash(sa, m)) {
		log_warn("peer %s: informational message with a bad hash dropped", sa_peer_str(sa));
		return false;
	}
	hash_chunks(IKE_HASH_SHA256, &c, 1, d);
	for (int i = 0; i < INFO_SEEN; i++)
		if (!memcmp(sa->info_seen[i], d, sizeof d)) {
			log_debug("peer %s: repeated informational M-ID %08x dropped",
				  sa_peer_str(sa), m->msgid);
			return false;
		}
	memcpy(sa->info_seen[sa->info_seen_next], d, sizeof d);
	sa->info_seen_next = (sa->info_seen_next + 1) % INFO_SEEN;
	return true;
}

/* m passed info_authentic(). */
void info_input(struct ike_sa *sa, const struct v1_msg *m)
{
	for (int i = 1; i < m->n; i++) {
		if (m->pl[i].type == PL_NOTIFY)
			info_notify(sa, &m->pl[i]);
		else if (m->pl[i].type == PL_DELETE && info_delete(sa, &m->pl[i]))
			return;
	}
}

void info_send_notify_plain(const struct v1_msg *m, const struct sockaddr_in *to, bool on4500,
			    uint16_t type)
{
	static const uint8_t zero[8];
	struct v1_out o;
	size_t p;

	v1_out_begin(&o, m->icky, zero, EXCH_INFO, 0, 0);
	p = v1_out_open(&o, PL_NOTIFY);
	wbuf_u32(&o.w, DOI_IPSEC);
	wbuf_u8(&o.w, PROTO_ISAKMP);
	wbuf_u8(&o.w, 0);
	wbuf_u16(&o.w, type);
	v1_out_close(&o, p);
	v1_out_finish(&o);
	net_send_to(to, on4500, o.buf, o.w.len);
}
