/* ravpnd: the privileged master.  Parses the config, opens every
 * privileged resource, starts and supervises the sandboxed children. */
#include "master.h"
#include "transport_route.h"
#include "crypto.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ravpnd [options]\n"
		"  -c FILE        configuration file (default /etc/ravpn/ravpn.conf)\n"
		"  -F             stay in the foreground, log to stderr and syslog\n"
		"  -t             check the configuration only (exit 0 if OK, 1 if not)\n"
		"  -r RUNDIR      runtime directory: control socket, chroot (default /run/ravpn)\n"
		"  -d DBDIR       database directory (default /var/lib/ravpn)\n"
		"  -b BINDIR      where ravpn-ike, ravpn-esp, ... are (default: ravpnd's directory)\n"
		"  -u USER        unprivileged user of the children (default ravpn)\n"
		"  --no-sandbox   children run without chroot/uid drop/seccomp (debugging only)\n"
		"  --debug        debug logging in master and children\n"
		"  --keylog FILE  append IKE and ESP keys to FILE in tshark's UAT format\n"
		"                 (tests/tshark-keys.sh turns it into tshark options; debugging only)\n"
		"  -h, --help     this text\n");
}

static void default_bindir(struct master_opts *o)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (n <= 0) {
		snprintf(o->bindir, sizeof o->bindir, "/usr/local/sbin");
		return;
	}
	exe[n] = 0;
	snprintf(o->bindir, sizeof o->bindir, "%s", dirname(exe));
}

static void parse_options(struct master_opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "no-sandbox", no_argument, NULL, 'N' },
		{ "debug", no_argument, NULL, 'D' },
		{ "keylog", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	*o = (struct master_opts){ .conf_path = "/etc/ravpn/ravpn.conf", .rundir = "/run/ravpn",
				   .dbdir = "/var/lib/ravpn", .user = "ravpn" };
	default_bindir(o);
	while ((c = getopt_long(argc, argv, "c:Ftr:d:b:u:h", lo, NULL)) != -1) {
		switch (c) {
		case 'c': o->conf_path = optarg; break;
		case 'F': o->foreground = true; break;
		case 't': o->check_only = true; break;
		case 'r': o->rundir = optarg; break;
		case 'd': o->dbdir = optarg; break;
		case 'b': snprintf(o->bindir, sizeof o->bindir, "%s", optarg); break;
		case 'u': o->user = optarg; break;
		case 'N': o->no_sandbox = true; break;
		case 'D': o->debug = true; break;
		case 'K': o->keylog = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
}

static int check_config(const char *path)
{
	struct conf c;
	char *text, err[CONF_ERR];
	size_t len;

	if (!master_load_config(path, &c, &text, &len, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	conf_free(&c);
	free(text);
	printf("%s: OK\n", path);
	return 0;
}

static void daemonize(void)
{
	pid_t pid = fork();
	int nul;

	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		fatal("setsid: %s", strerror(errno));
	if (chdir("/") < 0)
		fatal("chdir /: %s", strerror(errno));
	nul = open("/dev/null", O_RDWR);
	if (nul < 0)
		fatal("/dev/null: %s", strerror(errno));
	dup2(nul, 0);
	dup2(nul, 1);
	dup2(nul, 2);
	/* nothing inherited from whoever started us stays open in a daemon */
	close_range(3, ~0U, 0);
}

static void write_pidfile(const struct master *m)
{
	char path[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof path, "%s/ravpnd.pid", m->o.rundir);
	f = fopen(path, "we");
	if (!f) {
		log_warn("%s: %s", path, strerror(errno));
		return;
	}
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
}

static void remove_runfiles(const struct master *m)
{
	char path[PATH_MAX + 16];

	unlink(m->res.ctl_path);
	snprintf(path, sizeof path, "%s/ravpnd.pid", m->o.rundir);
	unlink(path);
}

static void init_master(struct master *m)
{
	char err[CONF_ERR];

	for (size_t i = 0; i < sizeof m->res.udp4500 / sizeof m->res.udp4500[0]; i++)
		m->res.udp4500[i] = -1;
	for (int i = 0; i < MAX_WORKERS; i++)
		m->res.tun[i] = m->res.raw_esp[i] = -1;
	m->res.udp500 = m->res.ctl = m->res.keylog = -1;
	m->n_ike = 1;
	m->msg = malloc(sizeof *m->msg);
	if (!m->msg)
		fatal("out of memory");
	if (!master_load_config(m->o.conf_path, &m->conf, &m->conf_text, &m->conf_len, err,
				sizeof err))
		fatal("%s", err);
	m->have_conf = true;
	m->n_esp = master_esp_count(&m->conf);
	m->res.outside = conf_outside_addr(&m->conf);
	if (!m->res.outside)
		fatal("%s: no address for the interface of `crypto ikev1 enable` or `crypto ikev2 enable`",
		      m->o.conf_path);
}

/* Everything privileged is opened before the first child exists. */
static void open_everything(struct master *m)
{
	/* TUN first: without its steering program n_esp falls back to 1,
	 * and the sockets' steering must be built for the final count. */
	if (master_prepare_dirs(m) < 0 || master_open_tun(m) < 0 ||
	    master_open_resources(m) < 0 || master_open_control(m) < 0)
		fatal("cannot open the resources ravpnd needs; exiting");
	master_add_pool_routes(m);
	if (master_setup_loop(m) < 0)
		fatal("cannot set up the event loop");
}

int main(int argc, char **argv)
{
	static struct master m;

	parse_options(&m.o, argc, argv);
	if (m.o.check_only)
		return check_config(m.o.conf_path);
	if (!m.o.foreground)
		daemonize();
	log_init("ravpnd", true, m.o.foreground);
	log_set_debug(m.o.debug);
	crypto_init();
	if (m.o.no_sandbox)
		log_warn("SANDBOX DISABLED (--no-sandbox): children keep root and see the whole system");
	init_master(&m);
	open_everything(&m);
	write_pidfile(&m);
	master_children_init(&m);
	log_notice("ravpnd %d starting: config %s, %d ESP worker(s)", (int)getpid(),
		   m.o.conf_path, m.n_esp);
	master_start_all(&m);
	master_run(&m);
	master_transport_routes_clear();	/* ESP transport mode (transport_route.c) */
	remove_runfiles(&m);
	log_notice("ravpnd stopped");
	return 0;
}
