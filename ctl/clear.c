/* clear crypto sa [peer A] and clear crypto isakmp sa [A]: the IPsec SAs
 * of a peer (its IKE SA stays; new ones are negotiated on demand), or its
 * IKE SAs with everything under them. */
#include "ctl.h"

#include <arpa/inet.h>
#include <stdio.h>

#include "ipc.h"

int ctl_clear_crypto(const struct ctl_opts *o, bool isakmp, const char *peer)
{
	struct ipc_ctl req = { .cmd = isakmp ? CTL_CLEAR_ISAKMP : CTL_CLEAR_IPSEC_PEER };
	struct ipc_ctl_ans ans;
	struct in_addr a;

	if (peer && inet_pton(AF_INET, peer, &a) != 1) {
		fprintf(stderr, "ravpnctl: bad peer address: %s\n", peer);
		return -1;
	}
	if (peer)
		ipc_strcpy(req.arg, sizeof req.arg, peer);
	if (ctl_request(o, &req, &ans) < 0 || ctl_report_answer(o, &ans) < 0)
		return -1;
	if (!o->json)
		printf("INFO: %u %s SA%s cleared%s%s\n", ans.count, isakmp ? "ISAKMP" : "IPsec",
		       ans.count == 1 ? "" : "s", peer ? " for peer " : "", peer ? peer : "");
	return 0;
}
