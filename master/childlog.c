/* Children log to stderr; master reads each child's pipe and forwards
 * whole lines to syslog (and its own stderr with -F). */
#include "master.h"
#include "log.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static void clog_flush_lines(struct mchild *k)
{
	char *start = k->line, *nl;
	size_t left = k->line_len;

	while ((nl = memchr(start, '\n', left))) {
		*nl = 0;
		log_forward(k->name, start);
		left -= (size_t)(nl + 1 - start);
		start = nl + 1;
	}
	memmove(k->line, start, left);
	k->line_len = left;
	if (k->line_len == sizeof k->line - 1) {	/* an over-long line: pass it on in pieces */
		k->line[k->line_len] = 0;
		log_forward(k->name, k->line);
		k->line_len = 0;
	}
}

static void clog_close(struct master *m, struct mchild *k)
{
	if (k->line_len) {
		k->line[k->line_len] = 0;
		log_forward(k->name, k->line);
		k->line_len = 0;
	}
	master_ep_del(m, k->err);
	close(k->err);
	k->err = -1;
}

void master_on_child_stderr(struct master *m, struct mchild *k)
{
	for (int n = 0; n < 16 && k->err >= 0; n++) {
		ssize_t r = read(k->err, k->line + k->line_len, sizeof k->line - 1 - k->line_len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0) {
			clog_close(m, k);
			return;
		}
		k->line_len += (size_t)r;
		clog_flush_lines(k);
	}
}

/* After the child is reaped: forward what is left in its pipe, then close. */
void master_child_drain_stderr(struct master *m, struct mchild *k)
{
	for (int n = 0; n < 64 && k->err >= 0; n++)
		master_on_child_stderr(m, k);
	if (k->err >= 0)
		clog_close(m, k);
}
