/* Commands that go to ravpnd over the control socket. */
#include "buf.h"
#include "ctl.h"
#include "ipc.h"
#include "json.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_ANSWER_TIMEOUT_MS	15000

static int connect_master(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "ravpnctl: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "ravpnctl: cannot connect to %s: %s (is ravpnd running?)\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int wait_answer(int fd, struct ipc_msg *m, struct ipc_ctl_ans *ans)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct rbuf r;
	int rc;

	for (;;) {
		rc = poll(&p, 1, CTL_ANSWER_TIMEOUT_MS);
		if (rc == 0) {
			fprintf(stderr, "ravpnctl: no answer from ravpnd\n");
			return -1;
		}
		if (rc < 0 && errno != EINTR)
			break;
		rc = ipc_recv(fd, m);
		if (rc == IPC_AGAIN)
			continue;
		if (rc != IPC_OK || m->hdr.type != IPC_CTL_ANS)
			break;
		rbuf_init(&r, m->data, m->hdr.len);
		if (!rbuf_copy(&r, ans, sizeof *ans))
			break;
		ans->text[sizeof ans->text - 1] = 0;
		return 0;
	}
	fprintf(stderr, "ravpnctl: bad or no answer from ravpnd\n");
	return -1;
}

/* Sends one command and waits for its answer. */
int ctl_request(const struct ctl_opts *o, const struct ipc_ctl *req,
		struct ipc_ctl_ans *ans)
{
	struct ipc_msg *m = malloc(sizeof *m);
	int fd = connect_master(o->socket), rc = -1;

	if (fd >= 0 && m) {
		if (ipc_send(fd, IPC_CTL, 1, req, sizeof *req, -1) < 0)
			fprintf(stderr, "ravpnctl: send to ravpnd: %s\n", strerror(errno));
		else
			rc = wait_answer(fd, m, ans);
	}
	if (fd >= 0)
		close(fd);
	free(m);
	return rc;
}

static void print_json_answer(const struct ipc_ctl_ans *ans)
{
	struct ctl_json j;

	ctl_json_init(&j, stdout);
	ctl_json_begin_object(&j);
	ctl_json_kint(&j, "status", ans->status);
	ctl_json_kint(&j, "count", ans->count);
	ctl_json_kstr(&j, "text", ans->text);
	ctl_json_end_object(&j);
	ctl_json_finish(&j);
}

/* Prints master's answer as JSON when asked; a failed command prints
 * master's reason and fails. */
int ctl_report_answer(const struct ctl_opts *o, struct ipc_ctl_ans *ans)
{
	ans->text[sizeof ans->text - 1] = 0;
	if (o->json)
		print_json_answer(ans);
	if (ans->status != 0) {
		fprintf(stderr, "ravpnctl: %s\n", ans->text[0] ? ans->text : "command failed");
		return -1;
	}
	return 0;
}

static int sid_for_index(const struct ctl_opts *o, const char *arg, uint64_t *sid)
{
	char *end;
	long long idx = strtoll(arg, &end, 10);
	sqlite3 *h;
	int rc;

	if (*arg == 0 || *end || idx <= 0) {
		fprintf(stderr, "ravpnctl: bad index: %s\n", arg);
		return -1;
	}
	if (ctl_db_open(o->db, &h) < 0)
		return -1;
	rc = ctl_db_sid_of_index(h, idx, sid);
	sqlite3_close(h);
	if (rc < 0)
		fprintf(stderr, "ravpnctl: no active session with index %lld\n", idx);
	return rc;
}

int ctl_logoff(const struct ctl_opts *o, const char *by, const char *arg)
{
	struct ipc_ctl req = { 0 };
	struct ipc_ctl_ans ans;

	if (strcmp(by, "name") == 0) {
		req.cmd = CTL_LOGOFF_NAME;
		ipc_strcpy(req.arg, sizeof req.arg, arg);
	} else if (strcmp(by, "ipaddress") == 0) {
		struct in_addr a;

		if (inet_pton(AF_INET, arg, &a) != 1) {
			fprintf(stderr, "ravpnctl: bad address: %s\n", arg);
			return -1;
		}
		req.cmd = CTL_LOGOFF_ADDR;
		ipc_strcpy(req.arg, sizeof req.arg, arg);
	} else if (strcmp(by, "index") == 0) {
		req.cmd = CTL_LOGOFF_SID;
		ipc_strcpy(req.arg, sizeof req.arg, arg);
		if (sid_for_index(o, arg, &req.sid) < 0)
			return -1;
	} else {
		req.cmd = CTL_LOGOFF_ALL;
	}
	if (ctl_request(o, &req, &ans) < 0 || ctl_report_answer(o, &ans) < 0)
		return -1;
	if (o->json)
		return 0;
	if (req.cmd == CTL_LOGOFF_ALL)
		printf("INFO: Number of sessions logged off : %u\n", ans.count);
	else
		printf("INFO: Number of sessions with %s \"%s\" logged off : %u\n", by, arg,
		       ans.count);
	return 0;
}

int ctl_reload(const struct ctl_opts *o)
{
	struct ipc_ctl req = { .cmd = CTL_RELOAD };
	struct ipc_ctl_ans ans;

	if (ctl_request(o, &req, &ans) < 0 || ctl_report_answer(o, &ans) < 0)
		return -1;
	if (!o->json)
		printf("%s\n", ans.text[0] ? ans.text : "configuration reloaded");
	return 0;
}
