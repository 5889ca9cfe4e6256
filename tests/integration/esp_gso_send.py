#!/usr/bin/python3
"""Sends ESP-in-UDP (RFC 3948) like a client that uses UDP GSO: batches of
equal-sized ESP packets, each batch one sendmsg with a UDP_SEGMENT cmsg,
so the gateway's socket (UDP_GRO on) receives every batch as one datagram.

The ESP is built here, independently of ravpn (AES-CBC + HMAC-SHA1-96 per
RFC 3602 / RFC 2404, the SA's keys taken from ravpnd --keylog).  Each inner
packet is IPv4/UDP from the client's tunnel address to DST:PORT carrying
"gso <index>" padded to 1000 bytes.

usage: esp_gso_send.py KEYLOG PEER GATEWAY INNER_SRC DST PORT BATCHES PER_BATCH SEQ0 [SPORT]
(SPORT: the UDP source port, 4501 by default)
"""
import hashlib
import hmac
import os
import socket
import struct
import sys
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

UDP_SEGMENT = 103


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def inner_packet(src, dst, port, index):
    data = ("gso %d " % index).encode().ljust(1000, b".")
    udp = struct.pack("!HHHH", 40000, port, 8 + len(data), 0) + data
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    c = csum(s + d + struct.pack("!BBH", 0, 17, len(udp)) + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), index & 0xFFFF, 0, 64, 17, 0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + udp


def esp_packet(spi, seq, enc_key, auth_key, inner):
    pad = (16 - (len(inner) + 2) % 16) % 16
    pt = inner + bytes(range(1, pad + 1)) + bytes([pad, 4])
    iv = os.urandom(16)
    enc = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).encryptor()
    body = struct.pack("!II", spi, seq) + iv + enc.update(pt) + enc.finalize()
    return body + hmac.new(auth_key, body, hashlib.sha1).digest()[:12]


def sa_keys(keylog, peer, gateway):
    for line in open(keylog):
        if not line.startswith("esp_sa:"):
            continue
        f = [x.strip('"') for x in line.strip()[len("esp_sa:"):].split('","')]
        if f[1] == peer and f[2] == gateway and f[4].startswith("AES-CBC") and "SHA-1" in f[6]:
            return int(f[3], 16), bytes.fromhex(f[5][2:]), bytes.fromhex(f[7][2:])
    sys.exit("no AES-CBC/HMAC-SHA1 SA from %s to %s in %s" % (peer, gateway, keylog))


def main():
    keylog, peer, gw, src, dst = sys.argv[1:6]
    port, batches, per, seq = (int(x) for x in sys.argv[6:10])
    sport = int(sys.argv[10]) if len(sys.argv) > 10 else 4501
    spi, ek, ak = sa_keys(keylog, peer, gw)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((peer, sport))
    index = 0
    for _ in range(batches):
        pkts = []
        for _ in range(per):
            pkts.append(esp_packet(spi, seq, ek, ak, inner_packet(src, dst, port, index)))
            seq += 1
            index += 1
        seg = len(pkts[0])
        assert all(len(p) == seg for p in pkts)
        s.sendmsg([b"".join(pkts)], [(socket.SOL_UDP, UDP_SEGMENT, struct.pack("H", seg))],
                   0, (gw, 4500))
        time.sleep(0.01)  # a batch at a time: no socket buffer overrun
    print(index)


if __name__ == "__main__":
    main()
