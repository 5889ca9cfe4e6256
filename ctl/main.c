/* ravpnctl: show sessions and pools from the database, send operator
 * commands to ravpnd, hash passwords for the config. */
#include "ctl.h"
#include "log.h"
#include "../db/db_schema.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ravpnctl [--db PATH] [--socket PATH] [--config PATH] [--json] COMMAND\n"
		"commands:\n"
		"  show vpn-sessiondb [remote|detail] [filter name USER]\n"
		"  show vpn-sessiondb history [filter name USER]\n"
		"  show ip local pool [NAME]\n"
		"  show aaa-server [GROUP]\n"
		"  stats                      (per ESP worker: packets, bytes, drops)\n"
		"  show crypto isakmp sa [detail]\n"
		"  show crypto ipsec sa [peer ADDRESS]\n"
		"  vpn-sessiondb logoff name USER | index N | ipaddress A | all\n"
		"  clear crypto sa [peer A]   (IPsec SAs; the IKE SA stays)\n"
		"  clear crypto isakmp sa [A] (IKE SAs and their IPsec SAs)\n"
		"  reload\n"
		"  hash-password [PASSWORD]   (reads stdin when not given)\n"
		"defaults: --db %s --socket %s --config %s\n",
		DB_DEFAULT_PATH, CTL_DEFAULT_SOCKET, CTL_DEFAULT_CONFIG);
}

static int bad_command(void)
{
	fprintf(stderr, "ravpnctl: unknown or incomplete command (ravpnctl -h lists them)\n");
	return -1;
}

static bool is(const char *word, const char *s)
{
	return word && strcmp(word, s) == 0;
}

/* show vpn-sessiondb [remote|detail|history] [filter name U] */
static int cmd_show_sessiondb(const struct ctl_opts *o, int n, char **w)
{
	bool detail = false, history = false;
	const char *user = NULL;
	int i = 0;

	if (i < n && (is(w[i], "remote") || is(w[i], "detail") || is(w[i], "history"))) {
		detail = is(w[i], "detail");
		history = is(w[i], "history");
		i++;
	}
	if (i < n && is(w[i], "detail") && history)
		detail = true, i++;
	if (i + 3 == n && is(w[i], "filter") && is(w[i + 1], "name"))
		user = w[i + 2], i += 3;
	if (i != n)
		return bad_command();
	return ctl_show_sessions(o, detail, history, user);
}

static int cmd_logoff(const struct ctl_opts *o, int n, char **w)
{
	if (n == 1 && is(w[0], "all"))
		return ctl_logoff(o, "all", NULL);
	if (n == 2 && (is(w[0], "name") || is(w[0], "index") || is(w[0], "ipaddress")))
		return ctl_logoff(o, w[0], w[1]);
	return bad_command();
}

/* clear crypto sa [peer A] | clear crypto isakmp sa [A] (after "clear crypto") */
static int cmd_clear(const struct ctl_opts *o, int n, char **w)
{
	if (n == 1 && is(w[0], "sa"))
		return ctl_clear_crypto(o, false, NULL);
	if (n == 3 && is(w[0], "sa") && is(w[1], "peer"))
		return ctl_clear_crypto(o, false, w[2]);
	if ((n == 2 || n == 3) && is(w[0], "isakmp") && is(w[1], "sa"))
		return ctl_clear_crypto(o, true, n == 3 ? w[2] : NULL);
	return bad_command();
}

static int run(const struct ctl_opts *o, int n, char **w)
{
	if (n >= 2 && is(w[0], "show") && is(w[1], "vpn-sessiondb"))
		return cmd_show_sessiondb(o, n - 2, w + 2);
	if (n >= 4 && n <= 5 && is(w[0], "show") && is(w[1], "ip") && is(w[2], "local") &&
	    is(w[3], "pool"))
		return ctl_show_pools(o, n == 5 ? w[4] : NULL);
	if ((n == 2 || n == 3) && is(w[0], "show") && is(w[1], "aaa-server"))
		return ctl_show_aaa(o, n == 3 ? w[2] : NULL);
	if ((n == 4 || n == 5) && is(w[0], "show") && is(w[1], "crypto") && is(w[2], "isakmp") &&
	    is(w[3], "sa") && (n == 4 || is(w[4], "detail")))
		return ctl_show_isakmp_sa(o, n == 5);
	if ((n == 4 || n == 6) && is(w[0], "show") && is(w[1], "crypto") && is(w[2], "ipsec") &&
	    is(w[3], "sa") && (n == 4 || is(w[4], "peer")))
		return ctl_show_ipsec_sa(o, n == 6 ? w[5] : NULL);
	if (n >= 2 && is(w[0], "vpn-sessiondb") && is(w[1], "logoff"))
		return cmd_logoff(o, n - 2, w + 2);
	if (n >= 3 && is(w[0], "clear") && is(w[1], "crypto"))
		return cmd_clear(o, n - 2, w + 2);
	if (n == 1 && is(w[0], "reload"))
		return ctl_reload(o);
	if (n == 1 && is(w[0], "stats"))
		return ctl_stats(o);
	if ((n == 1 || n == 2) && is(w[0], "hash-password"))
		return ctl_hash_password(n == 2 ? w[1] : NULL);
	return bad_command();
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct ctl_opts o = { DB_DEFAULT_PATH, CTL_DEFAULT_SOCKET, CTL_DEFAULT_CONFIG, false };
	int opt;

	/* Library log lines (ipc.c) would add a second line to our one-line
	 * errors; ravpnctl reports failures itself. */
	log_init("ravpnctl", false, false);
	/* GNU getopt permutes, so options may follow the command words. */
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': o.db = optarg; break;
		case 's': o.socket = optarg; break;
		case 'c': o.config = optarg; break;
		case 'j': o.json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 1;
	}
	return run(&o, argc - optind, argv + optind) < 0 ? 1 : 0;
}
