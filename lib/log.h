/* Logging: one line per event, to syslog and (foreground or child) stderr.
 *
 * Children write to stderr only: master hands each child a pipe as its
 * stderr and forwards every line to syslog under the child's name, so a
 * chrooted, seccomp'd child never needs /dev/log. */
#ifndef RAVPN_LOG_H
#define RAVPN_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

/* ident: program name; use_syslog: master only; use_stderr: -F or child. */
void log_init(const char *ident, bool use_syslog, bool use_stderr);
void log_set_debug(bool on);
bool log_debug_enabled(void);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(int prio, const char *fmt, va_list ap);
/* Forwards a line from a child's stderr, prefixed with the child's name. */
void log_forward(const char *who, const char *line);

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)	log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	do { if (log_debug_enabled()) log_msg(LOG_DEBUG, __VA_ARGS__); } while (0)

/* Logs at LOG_CRIT and exits with status 1. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
