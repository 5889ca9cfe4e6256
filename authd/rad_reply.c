/* Access-Accept attributes -> the authorization in ipc_auth_ans. */
#include "radius.h"
#include "buf.h"

#include <arpa/inet.h>
#include <string.h>

/* 255.255.255.255 (the user may choose) and 255.255.255.254 (the NAS
 * chooses from a pool) are not addresses to assign (RFC 2865 5.8). */
static uint32_t framed_addr(uint32_t host_order)
{
	return host_order >= 0xfffffffeu ? 0 : htonl(host_order);
}

static void copy_raw(VALUE_PAIR *vp, void *dst, size_t cap, uint16_t *len_out)
{
	char *raw;
	unsigned n;

	if (rc_avpair_get_raw(vp, &raw, &n) != 0)
		return;
	if (n > cap)
		n = (unsigned)cap;
	memcpy(dst, raw, n);
	if (len_out)
		*len_out = (uint16_t)n;
}

static void take_class(VALUE_PAIR *vp, struct ipc_auth_ans *ans)
{
	if (ans->class_len)
		return;		/* the first Class is the one echoed */
	copy_raw(vp, ans->class_attr, sizeof ans->class_attr, &ans->class_len);
	rad_class_policy(ans->class_attr, ans->class_len, ans->group_policy,
			 sizeof ans->group_policy);
}

static void take_pool(VALUE_PAIR *vp, struct ipc_auth_ans *ans)
{
	memset(ans->framed_pool, 0, sizeof ans->framed_pool);
	copy_raw(vp, ans->framed_pool, sizeof ans->framed_pool - 1, NULL);
}

void rad_fill_answer(VALUE_PAIR *reply, struct ipc_auth_ans *ans)
{
	for (VALUE_PAIR *vp = reply; vp; vp = rc_avpair_next(vp)) {
		unsigned type, id;
		uint32_t v = 0;

		rc_avpair_get_attr(vp, &type, &id);
		if (type == PW_TYPE_INTEGER || type == PW_TYPE_IPADDR)
			rc_avpair_get_uint32(vp, &v);
		switch (id) {
		case PW_FRAMED_IP_ADDRESS: ans->framed_addr = framed_addr(v); break;
		case PW_FRAMED_IP_NETMASK: ans->framed_mask = htonl(v); break;
		case PW_SESSION_TIMEOUT: ans->session_timeout = v; break;
		case PW_IDLE_TIMEOUT: ans->idle_timeout = v; break;
		case PW_FRAMED_POOL: take_pool(vp, ans); break;
		case PW_CLASS: take_class(vp, ans); break;
		default: break;
		}
	}
}

void rad_take_state(VALUE_PAIR *reply, struct ipc_auth_ans *ans)
{
	VALUE_PAIR *vp = rc_avpair_get(reply, PW_STATE, 0);
	char *raw;
	unsigned n;

	ans->state_len = 0;
	if (!vp || rc_avpair_get_raw(vp, &raw, &n) != 0 || n == 0 || n > sizeof ans->state)
		return;
	memcpy(ans->state, raw, n);
	ans->state_len = (uint16_t)n;
}

bool rad_add_state(rc_handle *rh, VALUE_PAIR **send, const struct ipc_auth *req)
{
	if (req->state_len == 0)
		return true;
	if (req->state_len > sizeof req->state)
		return false;
	return rc_avpair_add(rh, send, PW_STATE, req->state, req->state_len, 0) != NULL;
}

static bool ou_prefix(struct rbuf *r)
{
	const uint8_t *p;

	if (!rbuf_ptr(r, &p, 3))
		return false;
	return (p[0] == 'O' || p[0] == 'o') && (p[1] == 'U' || p[1] == 'u') && p[2] == '=';
}

/* Class is a list of "key=value" items separated by ';' (ASA: "OU=GP2;");
 * the OU item names the group-policy. */
bool rad_class_policy(const uint8_t *cls, size_t len, char *out, size_t cap)
{
	struct rbuf r;

	rbuf_init(&r, cls, len);
	while (rbuf_left(&r)) {
		struct rbuf item = r;
		size_t n = 0;
		uint8_t ch;
		bool ou = ou_prefix(&item);

		if (!ou)
			item = r;
		while (rbuf_u8(&item, &ch) && ch != ';') {
			if (ou && ch && n + 1 < cap)
				out[n++] = (char)ch;
		}
		if (ou && n) {
			out[n] = 0;
			return true;
		}
		r = item;
	}
	return false;
}
