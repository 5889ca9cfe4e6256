/* The UDP port of RFC 5176 dynamic authorization: opened by master on the
 * outside address (a privileged port is possible) and handed to authd as
 * FD_DAE, which checks every request against its client list.  The port is
 * the first `dynamic-authorization [port N]` of the aaa-server groups; no
 * group with it: no socket. */
#include "master.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int dae_port(const struct conf *c)
{
	for (int i = 0; i < c->n_aaa; i++)
		if (c->aaa[i].dae)
			return c->aaa[i].dae_port;
	return 0;
}

int master_open_dae(struct master *m)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = m->res.outside };
	int port = dae_port(&m->conf);
	char a[INET_ADDRSTRLEN];

	m->res.dae = -1;
	if (!port)
		return 0;
	sin.sin_port = htons((uint16_t)port);
	inet_ntop(AF_INET, &m->res.outside, a, sizeof a);
	m->res.dae = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (m->res.dae < 0 || bind(m->res.dae, (struct sockaddr *)&sin, sizeof sin) < 0) {
		log_err("dynamic-authorization UDP %s:%d: %s", a, port, strerror(errno));
		if (m->res.dae >= 0)
			close(m->res.dae);
		m->res.dae = -1;
		return -1;
	}
	log_info("dynamic-authorization (RFC 5176) on %s:%d", a, port);
	return 0;
}
