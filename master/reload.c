/* Reload (SIGHUP or `ravpnctl reload`): the file is parsed again; only a
 * config that parses replaces the running one, and every child gets the
 * new text (redacted for its role). */
#include "master.h"
#include "log.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static void reload_send_all(struct master *m)
{
	for (int i = 0; i < m->n_kids; i++) {
		struct mchild *k = &m->kids[i];
		char *text;

		if (!master_child_running(k))
			continue;
		text = master_config_for(m, k->role);
		if (!text) {
			log_err("reload: could not redact the config for %s", k->name);
			continue;
		}
		master_child_send(m, k, IPC_CONFIG, 0, text, m->conf_len, -1);
		master_pki_feed(m, k);
		explicit_bzero(text, m->conf_len);
		free(text);
	}
}

/* What a reload cannot change while the sockets stay open. */
static void reload_check_outside(const struct master *m)
{
	uint32_t now = conf_outside_addr(&m->conf);

	if (now != m->res.outside) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &now, a, sizeof a);
		log_warn("reload: the outside address changed to %s; restart ravpnd to listen there",
			 a);
	}
}

bool master_reload(struct master *m, char *err, size_t errlen)
{
	struct conf nc;
	char *text;
	size_t len;

	if (!master_load_config(m->o.conf_path, &nc, &text, &len, err, errlen)) {
		log_err("reload failed: %s; keeping the running configuration", err);
		return false;
	}
	conf_free(&m->conf);
	explicit_bzero(m->conf_text, m->conf_len);
	free(m->conf_text);
	m->conf = nc;
	m->conf_text = text;
	m->conf_len = len;
	log_notice("reload: %s loaded (%zu bytes)", m->o.conf_path, len);
	reload_check_outside(m);
	master_add_pool_routes(m);
	reload_send_all(m);
	return true;
}
