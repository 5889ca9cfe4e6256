/* Files and directories master prepares: the run directory, the empty
 * chroot directory, the database directory and the control socket. */
#include "master.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Creates dir if missing and sets its owner and mode either way. */
static int paths_dir(const char *dir, mode_t mode, uid_t uid, gid_t gid)
{
	if (mkdir(dir, mode) < 0 && errno != EEXIST) {
		log_err("mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (chown(dir, uid, gid) < 0 || chmod(dir, mode) < 0) {
		log_err("%s: setting owner/mode: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* The chroot of the workers must stay empty: an entry in it would be
 * visible to every sandboxed child. */
static int paths_check_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d) {
		log_err("opendir %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	if (n) {
		log_err("%s is not empty; refusing to use it as the children's chroot", dir);
		return -1;
	}
	return 0;
}

int master_prepare_dirs(struct master *m)
{
	struct passwd *pw = getpwnam(m->o.user);
	uid_t uid = pw ? pw->pw_uid : 0;
	gid_t gid = pw ? pw->pw_gid : 0;

	if (!pw && !m->o.no_sandbox) {
		log_err("user '%s' does not exist (create it, or run with -u USER)", m->o.user);
		return -1;
	}
	snprintf(m->res.empty_dir, sizeof m->res.empty_dir, "%s/empty", m->o.rundir);
	if (paths_dir(m->o.rundir, 0755, 0, 0) < 0 || paths_dir(m->res.empty_dir, 0755, 0, 0) < 0 ||
	    paths_check_empty(m->res.empty_dir) < 0 || paths_dir(m->o.dbdir, 0750, uid, gid) < 0)
		return -1;
	return 0;
}

static void paths_ctl_owner(const char *path)
{
	struct group *g = getgrnam("ravpn");

	if (chmod(path, 0660) < 0)
		log_warn("chmod %s: %s", path, strerror(errno));
	if (g && chown(path, 0, g->gr_gid) < 0)
		log_warn("chown %s: %s", path, strerror(errno));
}

int master_open_control(struct master *m)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int s;

	if ((size_t)snprintf(m->res.ctl_path, sizeof m->res.ctl_path, "%s/ravpn.sock",
			     m->o.rundir) >= sizeof sun.sun_path) {
		log_err("control socket path %s/ravpn.sock is too long", m->o.rundir);
		return -1;
	}
	memcpy(sun.sun_path, m->res.ctl_path, strlen(m->res.ctl_path) + 1);
	unlink(m->res.ctl_path);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sun, sizeof sun) < 0 || listen(s, 8) < 0) {
		log_err("control socket %s: %s", m->res.ctl_path, strerror(errno));
		if (s >= 0)
			close(s);
		return -1;
	}
	paths_ctl_owner(m->res.ctl_path);
	m->res.ctl = s;
	return 0;
}
