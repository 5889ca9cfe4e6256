/* The IKE worker's channels to master, authd, poold, the ESP workers and
 * db: what it sends them and how it dispatches what they answer. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ike.h"
#include "log.h"
#include "proposal.h"

static int chan_fd(int role, int index)
{
	if (role == ROLE_MASTER)
		return ike.c.master;
	if (role <= 0 || role >= ROLE_MAX || index < 0 || index >= MAX_WORKERS)
		return -1;
	return ike.c.chan[role][index];
}

void peers_send(int role, int index, uint16_t type, uint32_t id, const void *p, size_t len)
{
	int fd = chan_fd(role, index);

	if (fd < 0 || ipc_send(fd, type, id, p, len, -1) < 0)
		log_warn("cannot send %s to %s[%d]: %s", ipc_type_name(type),
			 role_name((enum proc_role)role), index, fd < 0 ? "no channel" : "send failed");
}

static void send_sa(struct ike_sa *sa, struct child_sa *ch, bool in)
{
	struct ipc_sa_add a = {
		.sid = sa->sid, .spi = in ? ch->spi_in : ch->spi_out, .dir = in ? SA_IN : SA_OUT,
		.encap = ch->encap, .enc = ch->enc, .auth = ch->auth, .enc_key_len = ch->enc_len,
		.auth_key_len = ch->auth_len, .peer_port = ntohs(sa->peer.sin_port),
		.peer_addr = sa->peer.sin_addr.s_addr, .local_addr = ike.local_addr,
		.inner_addr = ch->rmask ? ch->rnet : sa->addr,	/* LAN-to-LAN: the remote network */
		.inner_mask = ch->rmask,
		.replay_window = (uint32_t)conf_replay_window(&ike.c.conf),
		.mode = prop_transport_mode(ch->encap_mode) ? SA_MODE_TRANSPORT : SA_MODE_TUNNEL,
	};
	const uint8_t *k = in ? ch->key_in : ch->key_out;

	/* A re-install jumps well past what the old worker may have sent
	 * after its last report (2 s at up to 2 million packets/s). */
	if (!in && ch->seq_out_seen)
		a.seq_out = ch->seq_out_seen + (1u << 22);
	a.hard_bytes = (uint64_t)ch->lifetime_kb * 1024;
	a.soft_bytes = rekey_soft_bytes(ch);
	memcpy(a.enc_key, k, ch->enc_len);
	memcpy(a.auth_key, k + ch->enc_len, ch->auth_len);
	peers_send(ROLE_ESP, ch->esp_index, IPC_SA_ADD, 0, &a, sizeof a);
	sodium_memzero(&a, sizeof a);
}

void peers_install_in(struct ike_sa *sa, struct child_sa *ch)
{
	send_sa(sa, ch, true);
	ch->installed = true;
}

void peers_install_out(struct ike_sa *sa, struct child_sa *ch)
{
	send_sa(sa, ch, false);
	ch->installed = true;
}

void peers_install_child(struct ike_sa *sa, struct child_sa *ch)
{
	peers_install_in(sa, ch);
	peers_install_out(sa, ch);
}

void peers_remove_child(struct ike_sa *sa, struct child_sa *ch)
{
	struct ipc_sa_del d = { .sid = sa->sid, .spi = ch->spi_in };

	if (!ch->installed)
		return;
	peers_send(ROLE_ESP, ch->esp_index, IPC_SA_DEL, 0, &d, sizeof d);
	d.spi = ch->spi_out;
	peers_send(ROLE_ESP, ch->esp_index, IPC_SA_DEL, 0, &d, sizeof d);
	ch->installed = false;
}

/* The client's address or port changed (a NAT rebinding): outbound ESP
 * follows it; the ESP worker keeps each SA's counters and sequence. */
void peers_peer_moved(struct ike_sa *sa)
{
	const struct child_sa *first = NULL;

	for (int i = 0; i < SA_CHILDREN; i++) {
		struct child_sa *ch = &sa->children[i];

		if (!ch->used || !ch->installed)
			continue;
		peers_install_out(sa, ch);
		first = first ? first : ch;
	}
	peers_db_session_upd(sa, first);
}

/* A restarted ESP worker starts empty: give it back its SAs. */
void peers_reinstall_esp(int esp_index)
{
	int n = 0;

	for (struct ike_sa *sa = ike.sas; sa; sa = sa->next)
		for (int i = 0; i < SA_CHILDREN; i++) {
			struct child_sa *ch = &sa->children[i];

			if (ch->used && ch->esp_index == esp_index) {
				peers_install_child(sa, ch);
				n++;
			}
		}
	log_info("esp[%d] (re)connected: %d SA pairs installed", esp_index, n);
}

/* What db needs for RADIUS accounting: the tunnel-group's accounting
 * group, the Acct-Session-Id of the Access-Request (LOCAL logins get the
 * same form, from the sid) and the Class to echo. */
static void peers_acct_fill(const struct ike_sa *sa, struct ipc_db_session_new *e)
{
	const struct conf_tunnel_group *tg = conf_tunnel_group(&ike.c.conf, sa->group_name);

	if (tg)
		ipc_strcpy(e->acct_group, sizeof e->acct_group, tg->acct_server_group);
	if (sa->acct_session_id[0])
		ipc_strcpy(e->acct_session_id, sizeof e->acct_session_id, sa->acct_session_id);
	else
		snprintf(e->acct_session_id, sizeof e->acct_session_id, "%016llX",
			 (unsigned long long)sa->sid);
	e->class_len = sa->class_len;
	memcpy(e->class_attr, sa->class_attr, sa->class_len);
}

void peers_db_session_new(struct ike_sa *sa)
{
	struct ipc_db_session_new e = {
		.sid = sa->sid, .public_addr = sa->peer.sin_addr.s_addr,
		.public_port = ntohs(sa->peer.sin_port), .ike_index = (uint8_t)ike.c.index,
		.login_time = now_wall(),
	};

	ipc_strcpy(e.user, sizeof e.user, sa->user);
	ipc_strcpy(e.tunnel_group, sizeof e.tunnel_group, sa->group_name);
	ipc_strcpy(e.group_policy, sizeof e.group_policy, sa->policy);
	peers_acct_fill(sa, &e);
	peers_send(ROLE_DB, 0, IPC_DB_SESSION_NEW, 0, &e, sizeof e);
	sa->session_in_db = true;
}

void peers_db_session_upd(struct ike_sa *sa, const struct child_sa *ch)
{
	struct ipc_db_session_upd u = {
		.sid = sa->sid, .assigned_addr = sa->addr, .public_addr = sa->peer.sin_addr.s_addr,
		.public_port = ntohs(sa->peer.sin_port),
	};

	if (ch) {
		ipc_strcpy(u.protocol, sizeof u.protocol,
			   ch->encap == ENCAP_UDP ? (sa->v2 ? "IKEv2 IPsecOverNatT" :
			   "IKEv1 IPsecOverNatT") : sa->v2 ? "IKEv2 IPsec" : "IKEv1 IPsec");
		ipc_strcpy(u.encryption, sizeof u.encryption, prop_esp_enc_name(ch->enc, ch->key_bits));
		ipc_strcpy(u.hashing, sizeof u.hashing, prop_esp_auth_name(ch->auth));
	}
	peers_send(ROLE_DB, 0, IPC_DB_SESSION_UPD, 0, &u, sizeof u);
}

void peers_db_ike_sa(struct ike_sa *sa, bool deleted)
{
	struct ipc_db_ike_sa e = {
		.sid = sa->sid, .dh_group = (uint8_t)sa->group, .deleted = deleted,
		.lifetime = sa->lifetime, .peer_addr = sa->peer.sin_addr.s_addr,
		.peer_port = ntohs(sa->peer.sin_port), .created = now_wall(),
	};

	memcpy(e.icookie, sa->icky, 8);
	memcpy(e.rcookie, sa->rcky, 8);
	ipc_strcpy(e.encryption, sizeof e.encryption, cipher_name(sa->enc, sa->key_bits));
	ipc_strcpy(e.hashing, sizeof e.hashing, hash_name(sa->hash));
	ipc_strcpy(e.auth, sizeof e.auth, sa->v2 ? "IKEv2 PSK" : sa->l2l ?
		   (cert_mm_is_sig(sa) ? "RSA" : "PSK") :	/* LAN-to-LAN: no XAUTH */
		   cert_mm_is_sig(sa) ? "RSA+XAUTH" : "PSK+XAUTH");
	peers_send(ROLE_DB, 0, IPC_DB_IKE_SA, 0, &e, sizeof e);
}

void peers_db_child_sa(struct ike_sa *sa, const struct child_sa *ch, bool deleted)
{
	struct ipc_db_child_sa e = {
		.sid = sa->sid, .spi_in = ch->spi_in, .spi_out = ch->spi_out,
		.tunnel = !prop_transport_mode(ch->encap_mode),
		.encap = ch->encap, .deleted = deleted, .lifetime = ch->lifetime,
		.created = now_wall(),
	};

	ipc_strcpy(e.encryption, sizeof e.encryption, prop_esp_enc_name(ch->enc, ch->key_bits));
	ipc_strcpy(e.integrity, sizeof e.integrity, prop_esp_auth_name(ch->auth));
	peers_send(ROLE_DB, 0, IPC_DB_CHILD_SA, 0, &e, sizeof e);
}

static bool logoff_matches(const struct ike_sa *sa, const struct ipc_logoff *l)
{
	if (!sa->session_in_db)
		return false;
	switch (l->by) {
	case LOGOFF_SID: return sa->sid == l->sid;
	case LOGOFF_NAME: return !strcmp(sa->user, l->user);
	case LOGOFF_ALL: return true;
	case LOGOFF_ADDR: return sa->addr && sa->addr == l->addr;
	default: return false;
	}
}

/* From master (operator) or authd (RADIUS Disconnect-Request); the
 * answer goes back to whoever asked. */
static void on_logoff(int role, uint32_t id, struct ipc_logoff *l)
{
	struct ipc_logoff_ans a = { 0 };
	struct ike_sa *next;

	l->user[sizeof l->user - 1] = 0;
	l->cause[sizeof l->cause - 1] = 0;
	if (l->by == LOGOFF_PEER_IPSEC || l->by == LOGOFF_PEER_ISAKMP) {	/* l2l.c */
		a.count = l2l_clear(l);
		peers_send(role, 0, IPC_LOGOFF_ANS, id, &a, sizeof a);
		return;
	}
	for (struct ike_sa *sa = ike.sas; sa; sa = next) {
		next = sa->next;
		if (l->coa && logoff_matches(sa, l)) {	/* RFC 5176 CoA: change, do not end */
			timeouts_coa(sa, l);
			a.count++;
		} else if (logoff_matches(sa, l)) {
			log_notice("peer %s user %s: logged off by %s", sa_peer_str(sa), sa->user,
				   role == ROLE_AUTHD ? "a RADIUS Disconnect-Request" : "the operator");
			sa_end(sa, l->cause[0] ? l->cause : "admin", true);
			a.count++;
		}
	}
	peers_send(role, 0, IPC_LOGOFF_ANS, id, &a, sizeof a);
}

static void on_shutdown(uint32_t id, struct ipc_shutdown *s)
{
	s->cause[sizeof s->cause - 1] = 0;
	ike.shutting_down = true;
	while (ike.sas)
		sa_end(ike.sas, s->cause, true);
	peers_send(ROLE_MASTER, 0, IPC_SHUTDOWN_ANS, id, s, sizeof *s);
}

static bool from_master(struct ipc_msg *m)
{
	int role = -1, index = -1;

	switch (m->hdr.type) {
	case IPC_SKEYID_ANS:
		p1_skeyid_answer(m->hdr.id, (const struct ipc_skeyid_ans *)m->data);
		return true;
	case IPC_SIGN_ANS:
		cert_mm_sign_answer(m->hdr.id, (const struct ipc_sign_ans *)m->data);
		return true;
	case IPC_V2_AUTH_ANS:
		v2_auth_answer(m->hdr.id, (const struct ipc_v2_auth_ans *)m->data);
		return true;
	case IPC_LOGOFF:
		on_logoff(ROLE_MASTER, m->hdr.id, (struct ipc_logoff *)m->data);
		return true;
	case IPC_SHUTDOWN:
		on_shutdown(m->hdr.id, (struct ipc_shutdown *)m->data);
		return true;
	default:
		if (!child_handle_wiring(&ike.c, m, &role, &index))
			return false;
		if (role == ROLE_ESP)
			peers_reinstall_esp(index);
		if (m->hdr.type == IPC_CONFIG)	/* a reload: ike.c.conf is the new one */
			timeouts_reload();
		return true;
	}
}

static void on_sa_seq(const struct ipc_sa_seq *q)
{
	struct ike_sa *sa = sa_by_sid(q->sid);

	for (int i = 0; sa && q->dir != SA_IN && i < SA_CHILDREN; i++)
		if (sa->children[i].used && sa->children[i].spi_out == q->spi)
			sa->children[i].seq_out_seen = q->seq_out;
	timeouts_esp_report(q);
}

static bool dispatch(struct ipc_msg *m, int role)
{
	if (role == ROLE_ESP && m->hdr.type == IPC_SA_EXPIRE) {
		rekey_sa_expire((const struct ipc_sa_expire *)m->data);
		return true;
	}
	if (role == ROLE_ESP && m->hdr.type == IPC_ACQUIRE) {
		l2l_acquire((const struct ipc_acquire *)m->data);
		return true;
	}
	if (role == ROLE_ESP && m->hdr.type == IPC_SA_SEQ) {
		on_sa_seq((const struct ipc_sa_seq *)m->data);
		return true;
	}
	if (role == ROLE_MASTER)
		return from_master(m);
	if (role == ROLE_AUTHD && m->hdr.type == IPC_AUTH_ANS) {
		xauth_answer((const struct ipc_auth_ans *)m->data);
		return true;
	}
	if (role == ROLE_AUTHD && m->hdr.type == IPC_LOGOFF) {
		on_logoff(ROLE_AUTHD, m->hdr.id, (struct ipc_logoff *)m->data);
		return true;
	}
	if (role == ROLE_POOLD && m->hdr.type == IPC_LEASE_ANS) {
		modecfg_lease_answer((const struct ipc_lease_ans *)m->data);
		return true;
	}
	return false;
}

static void drop_channel(int fd, int role, int index)
{
	close(fd);
	if (role == ROLE_MASTER) {
		log_notice("master closed the channel: exiting");
		_exit(0);
	}
	ike.c.chan[role][index] = -1;
}

void peers_input(int fd, int role, int index)
{
	for (int i = 0; i < 64; i++) {
		int r = ipc_recv(fd, ike.c.msg);

		if (r == IPC_AGAIN)
			return;
		if (r == IPC_OK && dispatch(ike.c.msg, role))
			continue;
		if (r == IPC_OK)
			log_err("unexpected %s from %s: dropping the channel",
				ipc_type_name(ike.c.msg->hdr.type), role_name((enum proc_role)role));
		if (ike.c.msg->fd >= 0 && r == IPC_OK)
			close(ike.c.msg->fd);
		if (r != IPC_EOF && role != ROLE_MASTER)
			child_report_broken(&ike.c, role, index);
		drop_channel(fd, role, index);
		return;
	}
}
