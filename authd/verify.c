/* Local users: argon2id verification with libsodium; the dispatch of a
 * request to LOCAL or a RADIUS server group. */
#include "auth.h"
#include "log.h"
#include "radius.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static char decoy[crypto_pwhash_STRBYTES];

int auth_init_decoy(void)
{
	char pw[33];
	unsigned char rnd[16];

	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(pw, sizeof pw, rnd, sizeof rnd);
	if (crypto_pwhash_str(decoy, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return -1;
	sodium_memzero(pw, sizeof pw);
	return 0;
}

void auth_answer(struct auth_job *job, int result, const char *msg)
{
	job->ans.sid = job->req.sid;
	job->ans.result = result;
	ipc_strcpy(job->ans.message, sizeof job->ans.message, msg);
}

static enum auth_kind prepare_radius(const struct auth_nas *nas, struct auth_job *job)
{
	job->group = rad_group_get(job->req.server_group);
	if (!job->group) {
		auth_answer(job, AUTH_ERROR, "no such aaa-server group");
		sodium_memzero(job->req.pass, sizeof job->req.pass);
		return AUTH_KIND_NONE;
	}
	job->nas_addr = nas->addr;
	ipc_strcpy(job->nas_ident, sizeof job->nas_ident,
		   nas->ident && *nas->ident ? nas->ident : "ravpn");
	return AUTH_KIND_RADIUS;
}

enum auth_kind auth_prepare(const struct conf *c, const struct auth_nas *nas,
			    struct auth_job *job)
{
	const struct conf_user *u;

	job->req.user[sizeof job->req.user - 1] = 0;
	job->req.pass[sizeof job->req.pass - 1] = 0;
	job->req.tunnel_group[sizeof job->req.tunnel_group - 1] = 0;
	job->req.server_group[sizeof job->req.server_group - 1] = 0;
	if (strcmp(job->req.server_group, "LOCAL") != 0 && job->req.server_group[0])
		return prepare_radius(nas, job);
	u = conf_user(c, job->req.user);
	job->known = u != NULL;
	ipc_strcpy(job->hash, sizeof job->hash, u ? u->hash : decoy);
	return AUTH_KIND_LOCAL;
}

void auth_verify(struct auth_job *job)
{
	int rc = crypto_pwhash_str_verify(job->hash, job->req.pass, strlen(job->req.pass));

	sodium_memzero(job->req.pass, sizeof job->req.pass);
	if (!job->known)
		auth_answer(job, AUTH_REJECT, "unknown user");
	else if (rc != 0)
		auth_answer(job, AUTH_REJECT, "bad password");
	else
		auth_answer(job, AUTH_OK, "ok");
}

void auth_job_free(struct auth_job *job)
{
	if (!job)
		return;
	rad_group_put(job->group);
	sodium_memzero(job, sizeof *job);
	free(job);
}
