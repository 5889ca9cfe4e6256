#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *log_ident = "ravpn";
static bool log_to_syslog;
static bool log_to_stderr = true;
static bool log_debug_on;

void log_init(const char *ident, bool use_syslog, bool use_stderr)
{
	log_ident = ident;
	log_to_syslog = use_syslog;
	log_to_stderr = use_stderr;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_debug(bool on)
{
	log_debug_on = on;
}

bool log_debug_enabled(void)
{
	return log_debug_on;
}

static const char *prio_name(int prio)
{
	static const char *names[] = { "emerg", "alert", "crit", "err", "warning",
				       "notice", "info", "debug" };

	return names[prio & 7];
}

void log_vmsg(int prio, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof line, fmt, ap);
	if (log_to_syslog)
		syslog(prio, "%s", line);
	if (log_to_stderr) {
		struct timespec ts;
		struct tm tm;
		char stamp[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s[%s]: %s\n", stamp, ts.tv_nsec / 1000000,
			log_ident, prio_name(prio), line);
	}
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap);
	va_end(ap);
}

/* Child lines look like "HH:MM:SS.mmm ident[prio]: text"; keep the
 * child's priority for syslog. */
void log_forward(const char *who, const char *line)
{
	static const char *names[] = { "emerg", "alert", "crit", "err", "warning",
				       "notice", "info", "debug" };
	int prio = LOG_INFO;
	const char *b = strchr(line, '[');

	for (int i = 0; b && i < 8; i++) {
		size_t n = strlen(names[i]);

		if (!strncmp(b + 1, names[i], n) && b[1 + n] == ']') {
			prio = i;
			break;
		}
	}
	if (log_to_syslog)
		syslog(prio, "%s: %s", who, line);
	if (log_to_stderr)
		fprintf(stderr, "%s\n", line);
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
