/* The ASA-style config parser: the shipped etc/ravpn.conf parses into the
 * right values; documented defaults and aliases; a table of bad configs,
 * each failing with the exact file:line:col; redaction keeps columns and
 * re-parses; lookups. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ipc.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(1 << 20);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

/* etc/ravpn.conf, found from the repo root or next to this source file. */
static char *read_example(size_t *len)
{
	char path[4096];
	const char *src = __FILE__;
	const char *cut = strstr(src, "tests/unit/test_conf.c");
	char *t = slurp("etc/ravpn.conf", len);

	if (t || !cut)
		return t;
	snprintf(path, sizeof path, "%.*setc/ravpn.conf", (int)(cut - src), src);
	return slurp(path, len);
}

static uint32_t ip(const char *s)
{
	return inet_addr(s);
}

static void parse_ok(const char *text, struct conf *c)
{
	char err[CONF_ERR];
	bool ok = conf_parse_text(text, strlen(text), "t.conf", c, err, sizeof err);

	if (!ok)
		fail_msg("unexpected error: %s", err);
}

/* ---- the shipped example ---------------------------------------------- */

static void test_example_values(void **state)
{
	struct conf c;
	char err[CONF_ERR];
	size_t len;
	char *text = read_example(&len);

	(void)state;
	assert_non_null(text);
	if (!conf_parse_text(text, len, "etc/ravpn.conf", &c, err, sizeof err))
		fail_msg("%s", err);
	assert_string_equal(c.hostname, "ravpn-lab");
	assert_int_equal(c.n_ifaces, 1);
	assert_string_equal(c.ifaces[0].name, "gw0");
	assert_string_equal(c.ifaces[0].nameif, "outside");
	assert_int_equal(c.ifaces[0].addr, ip("10.99.0.1"));
	assert_int_equal(c.ifaces[0].mask, ip("255.255.255.0"));
	assert_int_equal(conf_outside_addr(&c), ip("10.99.0.1"));

	assert_int_equal(c.n_pools, 1);
	assert_string_equal(c.pools[0].name, "RA-POOL");
	assert_int_equal(c.pools[0].first, ip("10.200.0.1"));
	assert_int_equal(c.pools[0].last, ip("10.200.0.254"));
	assert_int_equal(c.pools[0].mask, ip("255.255.255.0"));

	assert_int_equal(c.n_users, 2);
	assert_string_equal(c.users[0].name, "alice");
	assert_memory_equal(c.users[0].hash, "$argon2id$v=19$", 15);
	assert_int_equal(c.users[1].privilege, 2);

	assert_int_equal(c.n_policies, 7);
	for (int i = 1; i < c.n_policies; i++)
		assert_true(c.policies[i - 1].priority < c.policies[i].priority);
	assert_int_equal(c.policies[0].priority, 10);
	assert_int_equal(c.policies[0].auth, IKE_AUTH_PSK);
	assert_int_equal(c.policies[0].enc, IKE_ENC_AES);
	assert_int_equal(c.policies[0].key_bits, 256);
	assert_int_equal(c.policies[0].hash, IKE_HASH_SHA1);
	assert_int_equal(c.policies[0].group, 2);
	assert_int_equal(c.policies[0].lifetime, 86400);
	assert_int_equal(c.policies[4].group, 14);
	assert_int_equal(c.policies[5].hash, IKE_HASH_SHA256);
	assert_int_equal(c.policies[6].enc, IKE_ENC_3DES);
	assert_int_equal(c.policies[6].hash, IKE_HASH_MD5);

	assert_int_equal(c.n_tsets, 8);	/* AEAD / SHA-2 ones: tests/unit/test_conf_ipsec.c */
	assert_string_equal(c.tsets[0].name, "TS-AES256-SHA");
	assert_int_equal(c.tsets[0].enc, ESP_ENC_AES_CBC);
	assert_int_equal(c.tsets[0].key_bits, 256);
	assert_int_equal(c.tsets[0].auth, ESP_AUTH_HMAC_SHA1);
	assert_false(c.tsets[0].transport);
	assert_int_equal(c.tsets[1].key_bits, 128);
	assert_int_equal(c.tsets[3].enc, ESP_ENC_3DES);
	assert_int_equal(c.tsets[3].auth, ESP_AUTH_HMAC_MD5);

	assert_int_equal(c.n_dynmaps, 3);	/* DYN 20: the AEAD sets; DYN 30: IKEv2 */
	assert_string_equal(c.dynmaps[0].name, "DYN");
	assert_int_equal(c.dynmaps[0].seq, 10);
	assert_int_equal(c.dynmaps[0].n_tsets, 4);
	assert_string_equal(c.dynmaps[0].tsets[3], "TS-3DES-MD5");
	assert_int_equal(c.dynmaps[0].sa_lifetime_sec, 28800);
	assert_int_equal(c.n_cmaps, 1);
	assert_string_equal(c.cmaps[0].dynamic, "DYN");
	assert_int_equal(c.cmaps[0].seq, 65535);
	assert_string_equal(c.cmap_iface_map, "OUTSIDE");
	assert_string_equal(c.cmap_iface, "outside");
	assert_string_equal(c.ikev1_enable, "outside");
	assert_int_equal(c.natt_keepalive, 20);
	assert_false(c.am_disable);

	assert_int_equal(c.n_acls, 1);
	assert_int_equal(c.acls[0].net, ip("10.100.0.0"));
	assert_int_equal(c.acls[0].mask, ip("255.255.255.0"));

	const struct conf_group_policy *g = conf_group_policy(&c, "GP");
	assert_non_null(g);
	assert_int_equal(g->n_dns, 1);
	assert_int_equal(g->dns[0], ip("10.100.0.53"));
	assert_int_equal(g->split_policy, SPLIT_SPECIFIED);
	assert_string_equal(g->split_acl, "SPLIT");
	assert_string_equal(g->banner, "Welcome to the ravpn lab.\nAuthorized use only.");
	assert_int_equal(g->vpn_protocols, CONF_PROTO_IKEV1 | CONF_PROTO_IKEV2);

	const struct conf_aaa_server *a = conf_aaa_server(&c, "RAD");
	assert_non_null(a);
	assert_int_equal(a->n_hosts, 1);
	assert_int_equal(a->hosts[0].addr, ip("127.0.0.1"));
	assert_string_equal(a->hosts[0].key, "testing123");
	assert_string_equal(a->hosts[0].nameif, "outside");
	assert_int_equal(a->hosts[0].auth_port, 1812);
	assert_int_equal(a->hosts[0].acct_port, 1813);
	assert_int_equal(a->hosts[0].timeout, 5);

	const struct conf_tunnel_group *t = conf_tunnel_group(&c, "vpngroup");
	assert_non_null(t);
	assert_int_equal(t->n_pools, 1);
	assert_string_equal(t->pools[0], "RA-POOL");
	assert_string_equal(t->auth_server_group, "LOCAL");
	assert_string_equal(t->default_policy, "GP");
	assert_true(t->has_psk);
	assert_string_equal(t->psk, "groupsecret");
	assert_string_equal(t->v2_psk_remote, "v2groupsecret");
	assert_string_equal(t->v2_psk_local, "v2groupsecret");

	assert_int_equal(c.n_secrets, 6);	/* 2 hashes, 1 RADIUS key, 3 PSKs */
	conf_free(&c);
	free(text);
}

/* ---- defaults and aliases ---------------------------------------------- */

static void test_defaults_and_aliases(void **state)
{
	static const char text[] =
		"crypto isakmp policy 30\n"
		"crypto ikev1 policy 5\n"
		"crypto isakmp policy 20 encryption aes-192\n"
		"crypto ipsec transform-set IOS esp-aes 256 esp-sha256-hmac\n"
		" mode transport\n"
		"crypto ipsec ikev1 transform-set REV esp-md5-hmac esp-des\n"
		"crypto ipsec ikev1 transform-set NOAUTH esp-aes-192\n"
		"crypto ipsec ikev1 transform-set REV mode tunnel\n"
		"crypto ipsec ikev1 transform-set NULL esp-null esp-sha-hmac\n"
		"crypto dynamic-map D 20 set transform-set IOS\n"
		"crypto dynamic-map D 5 set ikev1 transform-set REV NOAUTH\n"
		"crypto dynamic-map D 5 set pfs\n"
		"crypto dynamic-map D 5 set security-association lifetime seconds 3600\n"
		"crypto isakmp nat-traversal\n"
		"crypto isakmp am-disable\n"
		"tunnel-group T type remote-access\n"
		"group-policy DfltGrpPolicy attributes\n"
		" dns-server value 10.0.0.1 10.0.0.2\n"
		" banner value  w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19"
		" w20 w21 w22 w23 w24 w25 w26 w27 w28 w29 w30 w31 w32 w33 w34 w35 w36 w37 w38 w39  \n";
	struct conf c;

	(void)state;
	parse_ok(text, &c);
	assert_int_equal(c.n_policies, 3);
	assert_int_equal(c.policies[0].priority, 5);
	assert_int_equal(c.policies[1].priority, 20);
	assert_int_equal(c.policies[2].priority, 30);
	/* seed 002 defaults: pre-share, 3des, sha, group 2, 86400 */
	assert_int_equal(c.policies[0].auth, IKE_AUTH_PSK);
	assert_int_equal(c.policies[0].enc, IKE_ENC_3DES);
	assert_int_equal(c.policies[0].key_bits, 0);
	assert_int_equal(c.policies[0].hash, IKE_HASH_SHA1);
	assert_int_equal(c.policies[0].group, 2);
	assert_int_equal(c.policies[0].lifetime, 86400);
	assert_int_equal(c.policies[1].enc, IKE_ENC_AES);
	assert_int_equal(c.policies[1].key_bits, 192);

	const struct conf_transform_set *ts = conf_transform_set(&c, "IOS");
	assert_non_null(ts);
	assert_int_equal(ts->enc, ESP_ENC_AES_CBC);
	assert_int_equal(ts->key_bits, 256);
	assert_int_equal(ts->auth, CONF_ESP_AUTH_HMAC_SHA256);
	assert_true(ts->transport);
	ts = conf_transform_set(&c, "REV");
	assert_int_equal(ts->enc, ESP_ENC_DES);
	assert_int_equal(ts->auth, ESP_AUTH_HMAC_MD5);
	assert_false(ts->transport);
	assert_int_equal(conf_transform_set(&c, "NOAUTH")->auth, ESP_AUTH_NONE);
	assert_int_equal(conf_transform_set(&c, "NULL")->enc, ESP_ENC_NULL);

	assert_int_equal(c.n_dynmaps, 2);
	assert_int_equal(c.dynmaps[0].seq, 5);	/* sorted by name, seq */
	assert_int_equal(c.dynmaps[0].n_tsets, 2);
	assert_int_equal(c.dynmaps[0].pfs_group, 2);
	assert_int_equal(c.dynmaps[0].sa_lifetime_sec, 3600);
	assert_int_equal(c.dynmaps[0].sa_lifetime_kb, 4608000);
	assert_int_equal(c.dynmaps[1].pfs_group, 0);

	assert_int_equal(c.natt_keepalive, 20);
	assert_true(c.am_disable);
	assert_int_equal(conf_outside_addr(&c), 0);

	const struct conf_tunnel_group *t = conf_tunnel_group(&c, "T");
	assert_string_equal(t->auth_server_group, "LOCAL");
	assert_string_equal(t->default_policy, "DfltGrpPolicy");
	assert_false(t->has_psk);
	const struct conf_group_policy *g = conf_group_policy(&c, "DfltGrpPolicy");
	assert_non_null(g);
	assert_int_equal(g->n_dns, 2);
	assert_int_equal(g->dns[1], ip("10.0.0.2"));
	assert_int_equal(g->split_policy, SPLIT_TUNNELALL);
	/* a long banner line: inner blanks kept, the trailing ones dropped */
	assert_int_equal(strncmp(g->banner, "w1 w2 w3 ", 9), 0);
	assert_int_equal(strlen(g->banner) - strlen(strstr(g->banner, "w39")), strlen(g->banner) - 3);
	conf_free(&c);
}

static void test_comments_crlf_exit(void **state)
{
	static const char text[] =
		"! comment\r\n"
		"# another\r\n"
		": Saved\r\n"
		"\r\n"
		"interface gw0\r\n"
		"\tnameif outside\r\n"
		"  ! indented comment keeps the block\r\n"
		"  ip address 192.0.2.1 255.255.255.0\r\n"
		" exit\r\n"
		"end\r\n"
		"hostname h";		/* no final newline */
	struct conf c;

	(void)state;
	parse_ok(text, &c);
	assert_string_equal(c.ifaces[0].nameif, "outside");
	assert_int_equal(c.ifaces[0].addr, ip("192.0.2.1"));
	assert_string_equal(c.hostname, "h");
	conf_free(&c);
}

/* ---- bad configs ----------------------------------------------------------- */

struct bad_case {
	const char *text;
	const char *prefix;	/* exact "file:line:col:" */
	const char *words;	/* a part of the message */
};

#define TG	"tunnel-group G type remote-access\n"
#define GPA	"group-policy GP internal\ngroup-policy GP attributes\n"
#define IFO	"interface gw0\n nameif outside\n"

static const struct bad_case bad_cases[] = {
	{ "bogus command\n", "t.conf:1:1:", "unknown command 'bogus'" },
	{ " nameif outside\n", "t.conf:1:2:", "no block is open" },
	{ "nameif outside\n", "t.conf:1:1:", "must be indented under interface" },
	{ "interface gw0\n nameif outside\n ip address 10.99.0.300 255.255.255.0\n", "t.conf:3:13:", "invalid IPv4 address" },
	{ "interface gw0\n ip address 10.99.0.1 255.0.255.0\n", "t.conf:2:23:", "contiguous netmask" },
	{ "interface gw0\n ip address 10.99.0.1\n", "t.conf:2:23:", "missing argument, expected a netmask" },
	{ "interface gw0\n encryption aes\n", "t.conf:2:2:", "not a sub-command of interface" },
	{ "interface gw0\n security-level 101\n", "t.conf:2:17:", "out of range" },
	{ IFO "interface gw1\n nameif outside\n", "t.conf:4:9:", "already used by interface gw0" },
	{ "ip local pool P 10.0.0.9-10.0.0.1 mask 255.255.255.0\n", "t.conf:1:17:", "FIRST <= LAST" },
	{ "ip local pool P 10.0.0.1-10.0.1.1 mask 255.255.255.0\n", "t.conf:1:17:", "one subnet" },
	{ "ip local pool P 10.0.0.1-10.0.0.x mask 255.255.255.0\n", "t.conf:1:26:", "invalid last address" },
	{ "ip local pool P 10.0.0.1-10.0.0.9\n", "t.conf:1:35:", "expected mask" },
	{ "ip local pool P 10.0.0.1 mask 255.255.255.0\n", "t.conf:1:17:", "FIRST-LAST" },
	{ "ip local pool P 10.0.0.1-10.0.0.2 mask 255.255.255.0\nip local pool P 10.0.0.1-10.0.0.2 mask 255.255.255.0\n",
	  "t.conf:2:15:", "already defined" },
	{ "username bob password plaintext\n", "t.conf:1:23:", "not an argon2id hash" },
	{ "username bob password $argon2id$x privilege 16\n", "t.conf:1:45:", "out of range" },
	{ "username bob password $argon2id$x\nusername bob password $argon2id$y\n", "t.conf:2:10:", "already defined" },
	{ "crypto ikev1 policy 10\n lifetime 100\n", "t.conf:2:11:", "out of range" },
	{ "crypto ikev1 policy 10\n group 3\n", "t.conf:2:8:", "invalid value '3'" },
	{ "crypto ikev1 policy 10\n encryption aes-128\n", "t.conf:2:13:", "invalid value 'aes-128'" },
	{ "crypto ikev1 policy 10\n hash sha1\n", "t.conf:2:7:", "invalid value 'sha1'" },
	{ "crypto ikev1 policy 10\n authentication crack\n", "t.conf:2:17:", "expected pre-share or rsa-sig" },
	{ "crypto ikev1 policy 0\n", "t.conf:1:21:", "out of range" },
	{ "crypto ikev1 policy 99999999999\n", "t.conf:1:21:", "out of range" },
	{ "crypto ikev1 policy 1x\n", "t.conf:1:21:", "invalid number" },
	{ "crypto ikev1 policy 10\n nameif x\n", "t.conf:2:2:", "not a sub-command of crypto ikev1 policy" },
	{ "crypto ikev2 remote-access trustpoint TP\n", "t.conf:1:14:", "expected policy or enable" },
	{ "crypto ipsec ikev1 transform-set T esp-aes esp-foo\n", "t.conf:1:44:", "unknown transform 'esp-foo'" },
	{ "crypto ipsec ikev1 transform-set T esp-aes esp-3des\n", "t.conf:1:44:", "second encryption" },
	{ "crypto ipsec ikev1 transform-set T esp-sha-hmac\n", "t.conf:1:49:", "missing encryption transform" },
	{ "crypto ipsec ikev1 transform-set T esp-null esp-none\n", "t.conf:1:45:", "protects nothing" },
	{ "crypto ipsec transform-set T esp-aes 512\n", "t.conf:1:38:", "expected 128, 192 or 256" },
	{ "crypto ipsec ikev1 transform-set T mode transport\n", "t.conf:1:34:", "not defined" },
	{ "crypto ipsec ikev1 transform-set T esp-aes\n mode bogus\n", "t.conf:2:7:", "expected transport or tunnel" },
	{ "crypto dynamic-map D 10 set ikev1 transform-set NOPE\n", "t.conf:1:49:", "transform-set 'NOPE' is not defined" },
	{ "crypto ipsec ikev1 transform-set A esp-aes\ncrypto dynamic-map D 10 set ikev1 transform-set A A A A A A A\n",
	  "t.conf:2:61:", "at most 6" },
	{ "crypto dynamic-map D 10 set pfs group7\n", "t.conf:1:33:", "invalid value 'group7'" },
	{ "crypto map M 10 ipsec-isakmp dynamic NOPE\n", "t.conf:1:38:", "dynamic-map 'NOPE' is not defined" },
	{ "crypto map M 10 frobnicate ACL\n", "t.conf:1:17:", "expected ipsec-isakmp" },
	{ IFO "crypto map M interface outside\n", "t.conf:3:12:", "crypto map 'M' has no entries" },
	{ "crypto ikev1 enable inside\n", "t.conf:1:21:", "no interface has nameif 'inside'" },
	{ "crypto isakmp nat-traversal 5\n", "t.conf:1:29:", "out of range" },
	{ "crypto isakmp nat-traversal 20 30\n", "t.conf:1:32:", "expected end of line" },
	{ "access-list A standard permit 10.0.0.1 255.255.255.0\n", "t.conf:1:31:", "host bits" },
	{ "access-list A standard deny any\n", "t.conf:1:24:", "expected permit" },
	{ "access-list A extended permit any\n", "t.conf:1:31:", "expected ip" },
	{ "access-list A reflexive permit any\n", "t.conf:1:15:", "expected standard, remark or extended" },
	{ TG "tunnel-group G general-attributes\n address-pool NOPE\n", "t.conf:3:15:", "address pool 'NOPE' is not defined" },
	{ "tunnel-group G general-attributes\n", "t.conf:1:14:", "type remote-access` first" },
	{ "tunnel-group G type lan-to-lan\n", "t.conf:1:21:", "expected remote-access, ipsec-ra or ipsec-l2l" },
	{ TG "tunnel-group G general-attributes\n default-group-policy GPX\n", "t.conf:3:23:", "group-policy 'GPX' is not defined" },
	{ TG "tunnel-group G general-attributes\n authentication-server-group RADX\n", "t.conf:3:30:", "aaa-server group 'RADX'" },
	{ TG "tunnel-group G ipsec-attributes\n ikev1 pre-shared-key\n", "t.conf:3:23:", "expected a pre-shared key" },
	{ TG "tunnel-group G ipsec-attributes\n address-pool P\n", "t.conf:3:2:", "not a sub-command of tunnel-group ipsec-attributes" },
	{ GPA " split-tunnel-network-list value NOPE\n", "t.conf:3:34:", "access-list 'NOPE' is not defined" },
	{ GPA " split-tunnel-policy tunnelspecified\n", "t.conf:3:22:", "without a network list" },
	{ "access-list L2L extended permit ip any any\n" GPA " split-tunnel-network-list value L2L\n",
	  "t.conf:4:34:", "access-list 'L2L' is extended, expected a standard access-list" },
	{ TG "tunnel-group G general-attributes\n accounting-server-group LOCAL\n", "t.conf:3:26:",
	  "accounting-server-group 'LOCAL' is the local user database" },
	{ IFO TG "tunnel-group G general-attributes\n accounting-server-group (outside) LOCAL\n",
	  "t.conf:5:36:", "keeps no accounting records" },
	{ GPA " split-tunnel-policy everything\n", "t.conf:3:22:", "expected tunnelall, tunnelspecified or excludespecified" },
	{ GPA " dns-server value 10.0.0\n", "t.conf:3:19:", "invalid IPv4 address" },
	{ GPA " dns-server 10.0.0.1\n", "t.conf:3:13:", "expected value or none" },
	{ GPA " default-domain value bad_domain\n", "t.conf:3:23:", "invalid domain name" },
	{ GPA " vpn-tunnel-protocol ikev1 pptp\n", "t.conf:3:28:", "invalid value 'pptp'" },
	{ "group-policy GP attributes\n", "t.conf:1:14:", "is not defined" },
	{ "aaa-server R (outside) host 1.2.3.4\n", "t.conf:1:12:", "has no protocol" },
	{ "aaa-server R protocol tacacs+\n", "t.conf:1:23:", "expected radius" },
	{ "aaa-server R protocol radius\naaa-server R host 127.0.0.1\n address-pool P\n", "t.conf:3:2:", "not a sub-command of aaa-server host" },
	{ "aaa-server R protocol radius\naaa-server R host 127.0.0.1\n timeout 0\n", "t.conf:3:10:", "out of range" },
	{ IFO "aaa-server R protocol radius\naaa-server R (inside) host 1.2.3.4\n", "t.conf:4:14:", "no interface has nameif 'inside'" },
	{ "hostname a b\n", "t.conf:1:12:", "expected end of line" },
	{ "hostname a\x01\n", "t.conf:1:11:", "invalid character 0x01" },
	{ "crypto ikev1 policy 10\nhostname x\n hash sha\n", "t.conf:3:2:", "no block is open" },
	{ "interface gw0\n ip addr 1.2.3.4 255.0.0.0\n", "t.conf:2:5:", "expected address" },
};

/* The counterparts of the kind checks above: LOCAL still authenticates,
 * a standard ACL (even defined after its use) is a split-tunnel list. */
static const char *const good_refs[] = {
	TG "tunnel-group G general-attributes\n authentication-server-group LOCAL\n",
	GPA " split-tunnel-policy tunnelspecified\n split-tunnel-network-list value S\n"
	"access-list S standard permit 10.1.0.0 255.255.0.0\n",
	"aaa-server R protocol radius\n" TG "tunnel-group G general-attributes\n accounting-server-group R\n",
};

static void test_good_references(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof good_refs / sizeof good_refs[0]; i++) {
		struct conf c;

		parse_ok(good_refs[i], &c);
		conf_free(&c);
	}
}

static void test_bad_configs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *b = &bad_cases[i];
		struct conf c;
		char err[CONF_ERR];

		if (conf_parse_text(b->text, strlen(b->text), "t.conf", &c, err, sizeof err))
			fail_msg("case %zu parsed but should fail: %s", i, b->text);
		if (strncmp(err, b->prefix, strlen(b->prefix)) != 0 || !strstr(err, b->words) ||
		    !strstr(err, "expected"))
			fail_msg("case %zu: got \"%s\", want prefix \"%s\" and \"%s\"", i, err, b->prefix, b->words);
		/* the struct is left empty on failure */
		assert_null(c.ifaces);
		assert_int_equal(c.n_secrets, 0);
	}
}

static void test_too_many_policies(void **state)
{
	char text[2048] = "";
	struct conf c;
	char err[CONF_ERR];

	(void)state;
	for (int i = 1; i <= CONF_MAX_POLICIES + 1; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text), "crypto ikev1 policy %d\n", i);
	assert_false(conf_parse_text(text, strlen(text), "t.conf", &c, err, sizeof err));
	assert_string_equal(err, "t.conf:21:21: too many ikev1 policies, expected at most 20");
}

static void test_missing_file(void **state)
{
	struct conf c;
	char err[CONF_ERR];

	(void)state;
	assert_false(conf_parse_file("/nonexistent/ravpn.conf", &c, err, sizeof err));
	assert_non_null(strstr(err, "/nonexistent/ravpn.conf: "));
}

/* ---- redaction ---------------------------------------------------------------- */

static void test_redact(void **state)
{
	struct conf c, r;
	char err[CONF_ERR];
	size_t len;
	char *text = read_example(&len);

	(void)state;
	assert_non_null(text);
	assert_true(conf_parse_text(text, len, "etc/ravpn.conf", &c, err, sizeof err));
	for (int i = 0; i < c.n_secrets; i++) {	/* the ikev1 key, the two ikev2 ones */
		const char *s = text + c.secrets[i].offset;
		size_t n = c.secrets[i].len;

		if (c.secrets[i].kind == SECRET_PSK)
			assert_true((n == 11 && memcmp(s, "groupsecret", n) == 0) ||
				    (n == 13 && memcmp(s, "v2groupsecret", n) == 0));
	}

	char *red = conf_redact(text, len, &c, SECRET_PSK);
	assert_non_null(red);
	assert_int_equal(strlen(red), len);
	assert_null(strstr(red, "groupsecret"));
	assert_non_null(strstr(red, " ikev1 pre-shared-key ***********\n"));
	assert_non_null(strstr(red, "testing123"));
	assert_non_null(strstr(red, "$argon2id$"));
	assert_true(conf_parse_text(red, len, "red", &r, err, sizeof err));
	assert_string_equal(conf_tunnel_group(&r, "vpngroup")->psk, "***********");
	assert_int_equal(r.n_secrets, c.n_secrets);
	for (int i = 0; i < c.n_secrets; i++) {	/* same columns */
		assert_int_equal(r.secrets[i].offset, c.secrets[i].offset);
		assert_int_equal(r.secrets[i].len, c.secrets[i].len);
	}
	conf_free(&r);
	free(red);

	red = conf_redact(text, len, &c, SECRET_PSK | SECRET_PASSWORD_HASH | SECRET_AAA_KEY);
	assert_null(strstr(red, "testing123"));
	assert_null(strstr(red, "$argon2id$"));
	assert_true(conf_parse_text(red, len, "red", &r, err, sizeof err));
	assert_int_equal(strlen(conf_user(&r, "alice")->hash), strlen(conf_user(&c, "alice")->hash));
	assert_int_equal(strspn(conf_user(&r, "alice")->hash, "*"), strlen(conf_user(&c, "alice")->hash));
	assert_string_equal(conf_aaa_server(&r, "RAD")->hosts[0].key, "**********");
	conf_free(&r);
	free(red);
	conf_free(&c);
	free(text);
}

/* ---- lookups --------------------------------------------------------------- */

static void test_lookups(void **state)
{
	static const char text[] =
		"interface e0\n nameif outside\n ip address 10.0.0.1 255.255.255.0\n"
		"interface e1\n nameif inside\n ip address 10.1.0.1 255.255.255.0\n"
		"access-list S standard permit 10.2.0.0 255.255.0.0\n"
		"access-list X standard permit any\n"
		"access-list S standard permit host 10.3.0.7\n"
		"ip local pool P 10.9.0.10-10.9.0.20 mask 255.255.255.0\n"
		"crypto ikev1 enable inside\n";
	struct conf c;

	(void)state;
	parse_ok(text, &c);
	assert_string_equal(conf_iface_by_nameif(&c, "inside")->name, "e1");
	assert_null(conf_iface_by_nameif(&c, "dmz"));
	assert_null(conf_iface_by_nameif(&c, ""));
	assert_int_equal(conf_outside_addr(&c), ip("10.1.0.1"));
	assert_non_null(conf_pool(&c, "P"));
	assert_null(conf_pool(&c, "p"));		/* case-sensitive */
	assert_null(conf_tunnel_group(&c, "P"));
	assert_null(conf_user(&c, "alice"));
	assert_null(conf_transform_set(&c, "TS"));

	const struct conf_acl *a = conf_acl_next(&c, "S", NULL);
	assert_int_equal(a->net, ip("10.2.0.0"));
	a = conf_acl_next(&c, "S", a);
	assert_int_equal(a->net, ip("10.3.0.7"));
	assert_int_equal(a->mask, 0xffffffffu);
	assert_null(conf_acl_next(&c, "S", a));
	a = conf_acl_next(&c, "X", NULL);
	assert_int_equal(a->mask, 0);
	/* DfltGrpPolicy always exists */
	assert_non_null(conf_group_policy(&c, "DfltGrpPolicy"));
	conf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_values),
		cmocka_unit_test(test_defaults_and_aliases),
		cmocka_unit_test(test_comments_crlf_exit),
		cmocka_unit_test(test_good_references),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_too_many_policies),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_lookups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
