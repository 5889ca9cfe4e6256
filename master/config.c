/* The configuration as master holds it: the file's text (sent to the
 * children, redacted per role) and its parsed form. */
#include "master.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads the whole file; it must fit into one IPC_CONFIG. */
static char *cfg_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *text = NULL;
	struct stat st;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (st.st_size > IPC_CONFIG_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, IPC_CONFIG_MAX);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	n = read(fd, text, (size_t)st.st_size);
	if (n != st.st_size) {
		snprintf(err, errlen, "%s: short read", path);
		free(text);
		text = NULL;
		goto out;
	}
	text[n] = 0;
	*len = (size_t)n;
out:
	if (fd >= 0)
		close(fd);
	return text;
}

/* Configured weak algorithms are taken but named, one line each. */
static void cfg_log_weak(const char *path, const struct conf *c)
{
	char weak[16][CONF_WEAK_LEN];
	int n = conf_weak_algorithms(c, weak, 16);

	for (int i = 0; i < n && i < 16; i++)
		log_warn("config %s: %s (configured explicitly; prefer a stronger algorithm)", path, weak[i]);
	if (n > 16)
		log_warn("config %s: %d more weak algorithms", path, n - 16);
}

bool master_load_config(const char *path, struct conf *out, char **text, size_t *len,
			char *err, size_t errlen)
{
	size_t n = 0;
	char *t = cfg_read_file(path, &n, err, errlen);

	if (!t)
		return false;
	if (!conf_parse_text(t, n, path, out, err, errlen)) {
		free(t);
		return false;
	}
	if (!master_pki_check(out, err, errlen)) {
		conf_free(out);
		free(t);
		return false;
	}
	cfg_log_weak(path, out);
	*text = t;
	*len = n;
	return true;
}

/* authd checks passwords and talks RADIUS, so it keeps those secrets;
 * nobody but master keeps a PSK. */
static int cfg_redact_kinds(enum proc_role role)
{
	if (role == ROLE_AUTHD)
		return SECRET_PSK;
	return SECRET_PSK | SECRET_PASSWORD_HASH | SECRET_AAA_KEY;
}

char *master_config_for(const struct master *m, enum proc_role role)
{
	return conf_redact(m->conf_text, m->conf_len, &m->conf, cfg_redact_kinds(role));
}
