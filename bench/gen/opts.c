/* key=value options of ravpn-espgen. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen.h"

double gen_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void gen_pace(const struct gen_opts *o, double t0, uint64_t sent)
{
	double wait;
	struct timespec ts;

	if (!o->pps)
		return;
	wait = t0 + (double)sent / (double)o->pps - gen_now();
	if (wait <= 0)
		return;
	ts.tv_sec = (time_t)wait;
	ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

static bool addr(const char *v, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, v, &a) != 1)
		return false;
	*out = a.s_addr;
	return true;
}

static bool num(const char *v, uint64_t *out)
{
	char *end;

	*out = strtoull(v, &end, 0);
	return *v && !*end;
}

/* One key=value word; false for an unknown key or a bad value. */
static bool parse_one(const char *k, const char *v, struct gen_opts *o)
{
	uint64_t n = 0;

	if (!strcmp(k, "keylog"))
		return (o->keylog = v) != NULL;
	if (!strcmp(k, "from")) return addr(v, &o->from);
	if (!strcmp(k, "to")) return addr(v, &o->to);
	if (!strcmp(k, "inner")) return addr(v, &o->inner);
	if (!strcmp(k, "dst")) return addr(v, &o->dst);
	if (!strcmp(k, "spoof")) return addr(v, &o->spoof);
	if (!strcmp(k, "seconds"))
		return (o->seconds = atof(v)) > 0;
	if (!num(v, &n))
		return false;
	if (!strcmp(k, "sport")) o->sport = (uint16_t)n;
	else if (!strcmp(k, "port")) o->dport = (uint16_t)n;
	else if (!strcmp(k, "size")) o->size = (size_t)n;
	else if (!strcmp(k, "count")) o->count = n;
	else if (!strcmp(k, "repeat")) o->repeat = (unsigned)n;
	else if (!strcmp(k, "flip")) o->flip = (unsigned)n;
	else if (!strcmp(k, "seq")) o->seq = (uint32_t)n;
	else if (!strcmp(k, "ring")) o->ring = (unsigned)n;
	else if (!strcmp(k, "verify")) o->verify = (unsigned)n;
	else if (!strcmp(k, "gso")) o->gso = (unsigned)n;
	else if (!strcmp(k, "pps")) o->pps = n;
	else if (!strcmp(k, "gro")) o->gro = (unsigned)n;
	else return false;
	return true;
}

bool gen_parse(int argc, char **argv, struct gen_opts *o)
{
	*o = (struct gen_opts){ .sport = 4500, .dport = 9, .size = 1400, .seconds = 3,
				.repeat = 1, .seq = 1u << 24, .ring = 1024, .verify = 16 };
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq) {
			fprintf(stderr, "espgen: %s: not key=value\n", argv[i]);
			return false;
		}
		*eq = 0;
		if (!parse_one(argv[i], eq + 1, o)) {
			fprintf(stderr, "espgen: bad option %s=%s\n", argv[i], eq + 1);
			return false;
		}
	}
	if (o->size < 28 || o->size > GEN_PKT_MAX - 200 || !o->repeat || !o->ring) {
		fprintf(stderr, "espgen: size must be 28..%d, repeat and ring >= 1\n", GEN_PKT_MAX - 200);
		return false;
	}
	return true;
}

void gen_report(const char *what, uint64_t pkts, uint64_t bytes, double secs)
{
	if (secs <= 0)
		secs = 1e-9;
	printf("%s packets=%llu bytes=%llu seconds=%.3f pps=%.0f gbps=%.3f\n", what,
	       (unsigned long long)pkts, (unsigned long long)bytes, secs, (double)pkts / secs,
	       (double)bytes * 8 / secs / 1e9);
	fflush(stdout);
}
