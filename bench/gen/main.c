/* ravpn-espgen MODE key=value...
 *   esp       keylog= from= to= inner= dst= [size= seconds= count= repeat=
 *             flip= spoof= seq= sport= ring=]   ESP-in-UDP from the client
 *   blast     dst= [port= size= seconds=]       plain UDP at full speed
 *   sink      [port= seconds=]                  counts UDP datagrams
 *   esp-sink  from= [to= keylog= inner= verify= seconds=]  counts ESP in
 *             UDP from `from`, decrypts the first `verify` with the keylog
 * Each prints one line of key=value results (packets, bytes, seconds,
 * pps, gbps) for bench/esp-throughput to read. */
#include <stdio.h>
#include <string.h>

#include "gen.h"
#include "log.h"

int main(int argc, char **argv)
{
	struct gen_opts o;

	log_init("espgen", false, true);
	if (argc < 2 || !gen_parse(argc - 2, argv + 2, &o)) {
		fprintf(stderr, "usage: %s esp|blast|sink|esp-sink key=value...\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "esp"))
		return gen_esp(&o);
	if (!strcmp(argv[1], "blast"))
		return gen_blast(&o);
	if (!strcmp(argv[1], "sink"))
		return gen_sink_udp(&o);
	if (!strcmp(argv[1], "esp-sink"))
		return gen_sink_esp(&o);
	fprintf(stderr, "espgen: unknown mode %s\n", argv[1]);
	return 2;
}
