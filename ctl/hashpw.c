/* hash-password: the argon2id string a `username` line needs. */
#include "ctl.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* Reads one line from stdin, without echo on a terminal. */
static int read_password(char *buf, size_t len)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	char *ok;

	if (tty) {
		fprintf(stderr, "Password: ");
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	ok = fgets(buf, (int)len, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!ok) {
		fprintf(stderr, "ravpnctl: no password on stdin\n");
		return -1;
	}
	buf[strcspn(buf, "\r\n")] = 0;
	return 0;
}

int ctl_hash_password(const char *password)
{
	char buf[256], out[crypto_pwhash_STRBYTES];
	int rc = -1;

	if (sodium_init() < 0) {
		fprintf(stderr, "ravpnctl: libsodium failed to initialise\n");
		return -1;
	}
	if (!password) {
		if (read_password(buf, sizeof buf) < 0)
			return -1;
		password = buf;
	}
	if (!*password)
		fprintf(stderr, "ravpnctl: empty password\n");
	else if (crypto_pwhash_str(out, password, strlen(password),
				   crypto_pwhash_OPSLIMIT_INTERACTIVE,
				   crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		fprintf(stderr, "ravpnctl: out of memory hashing the password\n");
	else
		rc = printf("%s\n", out) > 0 ? 0 : -1;
	sodium_memzero(buf, sizeof buf);
	return rc;
}
