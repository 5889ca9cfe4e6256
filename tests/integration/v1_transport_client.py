#!/usr/bin/python3
"""A minimal IKEv1 transport-mode client for tests/integration/test_transport.sh.

strongSwan cannot be the client here: the lab kernel has no ESP (no XFRM
states) and strongSwan's user-space libipsec only does tunnel mode
("IPsec SA: unsupported mode").  So this script plays the client, written
from the RFCs (2409 for IKEv1, 4303 for ESP, draft-beaulieu-ike-xauth and
draft-dukes-ike-mode-cfg for XAUTH / mode-config), independently of ravpn:

  aggressive mode PSK (keyid GROUP) + XAUTH USER/PASS + mode-config request,
  then a quick mode for AES-128-CBC + HMAC-SHA1-96 with ENCAPSULATION-MODE
  transport (2) and IDci/IDcr = the two hosts; plain ESP (IP protocol 50).
  Behind a NAT (the gateway's NAT-D says so, RFC 3947): IKE floats to UDP
  4500, the mode is UDP-Transport (4) and ESP travels in UDP (RFC 3948);
  opened TCP/UDP gets its checksum recomputed for the rebuilt header
  (RFC 3948 3.1.2, the receiver's side).

Then it is a transport-mode IPsec host: it owns a TUN device (NAME) whose
packets (the client's own traffic to the gateway, routed there by the
test) leave as ESP carrying only their IP payload, and opened ESP goes
back to the TUN behind a rebuilt IPv4 header.  Its own sockets carry
SO_MARK 1 so the test's policy rule keeps them off the TUN.

usage: v1_transport_client.py LOCAL GATEWAY GROUP PSK USER PASS TUN [MODE [BITS]]
  MODE: transport (default) or tunnel; BITS: the AES key length (128)
Prints "READY <our spi> <gateway spi>" once the SAs are up, "REFUSED
<notify>" when quick mode is refused, then serves until SIGTERM.
"""
import fcntl
import hashlib
import hmac
import os
import select
import signal
import socket
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

MODP1024 = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF", 16)
SO_MARK = 36
PL_SA, PL_KE, PL_ID, PL_HASH, PL_NONCE, PL_NOTIFY, PL_VID, PL_ATTR, PL_NATD = 1, 4, 5, 8, 10, 11, 13, 14, 20
VID_NATT = hashlib.md5(b"RFC 3947").digest()
EX_AGGR, EX_INFO, EX_CFG, EX_QUICK = 4, 5, 6, 32


def prf(key, data):
    return hmac.new(key, data, hashlib.sha1).digest()


def payloads(plist):
    """[(type, body)] -> (first type, bytes) with generic headers chained."""
    out = b""
    for i, (_, body) in enumerate(plist):
        nxt = plist[i + 1][0] if i + 1 < len(plist) else 0
        out += struct.pack("!BBH", nxt, 0, 4 + len(body)) + body
    return (plist[0][0] if plist else 0), out


def parse(first, data):
    res, t = [], first
    while t and len(data) >= 4:
        nxt, _, ln = struct.unpack("!BBH", data[:4])
        if ln < 4 or ln > len(data):
            break
        res.append((t, data[4:ln]))
        t, data = nxt, data[ln:]
    return res


def find(pl, t):
    return next((b for x, b in pl if x == t), None)


def attr_tv(t, v):
    return struct.pack("!HH", 0x8000 | t, v)


def attr_tlv(t, v):
    return struct.pack("!HH", t, len(v)) + v


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Ike:
    def __init__(self, local, gw, group, psk):
        self.gw, self.psk, self.group = gw, psk.encode(), group.encode()
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.setsockopt(socket.SOL_SOCKET, SO_MARK, 1)
        self.s.bind((local, 500))
        self.s.settimeout(10)
        self.u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)     # UDP 4500 (NAT-T)
        self.u.setsockopt(socket.SOL_SOCKET, SO_MARK, 1)
        self.u.bind((local, 4500))
        self.u.settimeout(10)
        self.nat = False
        self.icky, self.rcky = os.urandom(8), b"\0" * 8
        self.ivs = {}

    def send(self, exch, msgid, plist, enc=True):
        first, body = payloads(plist)
        if enc:
            body += b"\0" * ((16 - len(body) % 16) % 16)
            iv = self.ivs[msgid] if msgid in self.ivs else self.p2_iv(msgid)
            e = Cipher(algorithms.AES(self.ek), modes.CBC(iv)).encryptor()
            body = e.update(body) + e.finalize()
            self.ivs[msgid] = body[-16:]
        hdr = self.icky + self.rcky + struct.pack("!BBBBII", first, 0x10, exch, 1 if enc else 0,
                                                  msgid, 28 + len(body))
        if self.nat:
            self.u.sendto(b"\0" * 4 + hdr + body, (self.gw, 4500))
        else:
            self.s.sendto(hdr + body, (self.gw, 500))

    def p2_iv(self, msgid):
        return hashlib.sha1(self.p1_iv + struct.pack("!I", msgid)).digest()[:16]

    def recv(self):
        while True:
            d, _ = (self.u if self.nat else self.s).recvfrom(65535)
            if self.nat:
                if d[:4] != b"\0" * 4:
                    continue
                d = d[4:]
            if len(d) < 28 or d[:8] != self.icky:
                continue
            first, _, exch, flags, msgid, _ = struct.unpack("!BBBBII", d[16:28])
            body = d[28:]
            if flags & 1:
                iv = self.ivs[msgid] if msgid in self.ivs else self.p2_iv(msgid)
                dec = Cipher(algorithms.AES(self.ek), modes.CBC(iv)).decryptor()
                self.ivs[msgid] = body[-16:]
                body = dec.update(body) + dec.finalize()
            return exch, msgid, parse(first, body), d

    def hash_msgid(self, msgid, rest):
        return prf(self.ska, struct.pack("!I", msgid) + rest)

    def aggressive(self):
        tf = struct.pack("!BBH", 1, 1, 0) + attr_tv(1, 7) + attr_tv(14, 256) + attr_tv(2, 2) + \
            attr_tv(3, 65001) + attr_tv(4, 2) + attr_tv(11, 1) + attr_tv(12, 28800)
        prop = struct.pack("!BBBB", 1, 1, 0, 1) + struct.pack("!BBH", 0, 0, 4 + len(tf)) + tf
        self.sa_b = struct.pack("!II", 1, 1) + struct.pack("!BBH", 0, 0, 4 + len(prop)) + prop
        x = int.from_bytes(os.urandom(32), "big")
        gxi = pow(2, x, MODP1024).to_bytes(128, "big")
        ni = os.urandom(20)
        idi = struct.pack("!BBH", 11, 0, 0) + self.group
        self.send(EX_AGGR, 0, [(PL_SA, self.sa_b), (PL_KE, gxi), (PL_NONCE, ni), (PL_ID, idi),
                               (PL_VID, VID_NATT)], enc=False)
        exch, _, pl, raw = self.recv()
        self.rcky = raw[8:16]
        gxr, nr = find(pl, PL_KE), find(pl, PL_NONCE)
        gxy = pow(int.from_bytes(gxr, "big"), x, MODP1024).to_bytes(128, "big")
        skeyid = prf(self.psk, ni + nr)
        c = self.icky + self.rcky
        self.skd = prf(skeyid, gxy + c + b"\0")
        self.ska = prf(skeyid, self.skd + gxy + c + b"\1")
        ske = prf(skeyid, self.ska + gxy + c + b"\2")
        k1 = prf(ske, b"\0")
        self.ek = (k1 + prf(ske, k1))[:32]
        want_r = prf(skeyid, gxr + gxi + self.rcky + self.icky + self.sa_b + find(pl, PL_ID))
        if want_r != find(pl, PL_HASH):
            sys.exit("HASH_R mismatch")
        self.ivs[0] = hashlib.sha1(gxi + gxr).digest()[:16]
        hash_i = prf(skeyid, gxi + gxr + self.icky + self.rcky + self.sa_b + idi)
        msg3 = [(PL_HASH, hash_i)]
        if find(pl, PL_NATD):
            # NAT-D = HASH(CKY-I | CKY-R | IP | port): the gateway's, then
            # ours as we know it (the NAT changes it: the gateway sees NAT)
            c = self.icky + self.rcky
            msg3 += [(PL_NATD, hashlib.sha1(c + socket.inet_aton(self.gw) + struct.pack("!H", 500)).digest()),
                     (PL_NATD, hashlib.sha1(c + socket.inet_aton(self.s.getsockname()[0]) +
                                            struct.pack("!H", 500)).digest())]
            # the gateway's first NAT-D is our address as it sees it
            self.nat = find(pl, PL_NATD) != msg3[2][1]
        self.send(EX_AGGR, 0, msg3)
        self.p1_iv = self.ivs[0]

    def cfg(self, msgid, ctype, attrs):
        body = struct.pack("!BBH", ctype, 0, 7) + attrs
        self.send(EX_CFG, msgid, [(PL_HASH, self.hash_msgid(msgid, payloads([(PL_ATTR, body)])[1])),
                                  (PL_ATTR, body)])

    def recv_cfg(self):
        while True:
            exch, msgid, pl, _ = self.recv()
            if exch == EX_CFG:
                return msgid, find(pl, PL_ATTR)

    def xauth_modecfg(self, user, pw):
        msgid, _ = self.recv_cfg()                              # XAUTH request
        self.cfg(msgid, 2, attr_tlv(16521, user.encode()) + attr_tlv(16522, pw.encode()))
        msgid, a = self.recv_cfg()                              # XAUTH status (SET)
        self.cfg(msgid, 4, b"")
        self.cfg(struct.unpack("!I", os.urandom(4))[0] | 1, 1, attr_tlv(1, b""))
        self.recv_cfg()                                         # mode-config reply

    def quick(self, local, mode, bits):
        msgid = struct.unpack("!I", os.urandom(4))[0] | 1
        self.spi_c = struct.unpack("!I", os.urandom(4))[0] | 0x1000
        tf = struct.pack("!BBH", 1, 12, 0) + attr_tv(1, 1) + attr_tv(2, 3600) + \
            attr_tv(4, (4 if self.nat else 2) if mode == "transport" else (3 if self.nat else 1)) + \
            attr_tv(5, 2) + attr_tv(6, bits)
        prop = struct.pack("!BBBBI", 1, 3, 4, 1, self.spi_c) + struct.pack("!BBH", 0, 0, 4 + len(tf)) + tf
        sa = struct.pack("!II", 1, 1) + struct.pack("!BBH", 0, 0, 4 + len(prop)) + prop
        ni = os.urandom(20)
        idci = struct.pack("!BBH", 1, 0, 0) + socket.inet_aton(local)
        idcr = struct.pack("!BBH", 1, 0, 0) + socket.inet_aton(self.gw)
        rest = [(PL_SA, sa), (PL_NONCE, ni), (PL_ID, idci), (PL_ID, idcr)]
        self.send(EX_QUICK, msgid, [(PL_HASH, self.hash_msgid(msgid, payloads(rest)[1]))] + rest)
        while True:
            exch, mid, pl, _ = self.recv()
            n = find(pl, PL_NOTIFY) if exch == EX_INFO else None
            if n and struct.unpack("!H", n[6:8])[0] < 16384:    # an error, not a status
                print("REFUSED %d" % struct.unpack("!H", n[6:8])[0], flush=True)
                return False
            if exch == EX_QUICK and mid == msgid:
                break
        nr, sar = find(pl, PL_NONCE), find(pl, PL_SA)
        self.spi_r = struct.unpack("!I", sar[16:20])[0]
        self.send(EX_QUICK, msgid, [(PL_HASH, prf(self.ska, b"\0" + struct.pack("!I", msgid) + ni + nr))])
        self.k_out = self.keymat(self.spi_r, ni, nr, bits // 8)
        self.k_in = self.keymat(self.spi_c, ni, nr, bits // 8)
        return True

    def keymat(self, spi, ni, nr, klen):
        seed = b"\3" + struct.pack("!I", spi) + ni + nr
        k = last = prf(self.skd, seed)
        while len(k) < klen + 20:                   # K2 = prf(SKEYID_d, K1 | seed) ...
            last = prf(self.skd, last + seed)
            k += last
        return k[:klen], k[klen:klen + 20]


def fix_l4(seg, proto, src, dst):
    """The TCP/UDP checksum over the pseudo-header of the rebuilt packet."""
    off = {6: 16, 17: 6}.get(proto)
    if off is None or len(seg) < off + 2 or (proto == 17 and seg[6:8] == b"\0\0"):
        return
    seg[off:off + 2] = b"\0\0"
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, proto, len(seg))
    seg[off:off + 2] = struct.pack("!H", csum(ph + bytes(seg)) or (0xFFFF if proto == 17 else 0))


class Esp:
    def __init__(self, ike, local, tun):
        self.ike, self.local, self.seq = ike, local, 0
        self.raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
        self.raw.setsockopt(socket.SOL_SOCKET, SO_MARK, 1)
        self.tun = os.open("/dev/net/tun", os.O_RDWR)
        fcntl.ioctl(self.tun, 0x400454CA, struct.pack("16sH", tun.encode(), 0x0001 | 0x1000))

    def seal(self, pkt):
        hl = (pkt[0] & 15) * 4
        if pkt[0] >> 4 != 4 or struct.unpack("!H", pkt[6:8])[0] & 0x3FFF:
            return
        payload, nxt = pkt[hl:struct.unpack("!H", pkt[2:4])[0]], pkt[9]
        pad = (16 - (len(payload) + 2) % 16) % 16
        pt = payload + bytes(range(1, pad + 1)) + bytes([pad, nxt])
        self.seq += 1
        iv = os.urandom(16)
        ek, ak = self.ike.k_out
        e = Cipher(algorithms.AES(ek), modes.CBC(iv)).encryptor()
        body = struct.pack("!II", self.ike.spi_r, self.seq) + iv + e.update(pt) + e.finalize()
        esp = body + hmac.new(ak, body, hashlib.sha1).digest()[:12]
        if self.ike.nat:
            self.ike.u.sendto(esp, (self.ike.gw, 4500))
        else:
            self.raw.sendto(esp, (self.ike.gw, 0))

    def open(self, d, udp=False):
        esp = d if udp else d[(d[0] & 15) * 4:]
        if len(esp) < 8 + 16 + 12 or struct.unpack("!I", esp[:4])[0] != self.ike.spi_c:
            return
        ek, ak = self.ike.k_in
        if not hmac.compare_digest(hmac.new(ak, esp[:-12], hashlib.sha1).digest()[:12], esp[-12:]):
            print("ICV mismatch", file=sys.stderr, flush=True)
            return
        dec = Cipher(algorithms.AES(ek), modes.CBC(esp[8:24])).decryptor()
        pt = dec.update(esp[24:-12]) + dec.finalize()
        pad, nxt = pt[-2], pt[-1]
        payload = bytearray(pt[:-2 - pad])
        if self.ike.nat:
            fix_l4(payload, nxt, self.ike.gw, self.local)
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64, nxt, 0,
                          socket.inet_aton(self.ike.gw), socket.inet_aton(self.local))
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        os.write(self.tun, hdr + bytes(payload))

    def serve(self):
        while True:
            r, _, _ = select.select([self.tun, self.raw, self.ike.s, self.ike.u], [], [])
            if self.tun in r:
                self.seal(os.read(self.tun, 65535))
            if self.raw in r:
                self.open(self.raw.recv(65535))
            if self.ike.u in r:
                d = self.ike.u.recv(65535)
                if len(d) > 8 and d[:4] != b"\0" * 4:
                    self.open(d, udp=True)
            if self.ike.s in r:
                try:
                    self.ike.s.recvfrom(65535)      # DPD and the like: not needed here
                except OSError:
                    pass


def main():
    local, gw, group, psk, user, pw, tun = sys.argv[1:8]
    mode = sys.argv[8] if len(sys.argv) > 8 else "transport"
    bits = int(sys.argv[9]) if len(sys.argv) > 9 else 128
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ike = Ike(local, gw, group, psk)
    esp = Esp(ike, local, tun)
    ike.aggressive()
    ike.xauth_modecfg(user, pw)
    if not ike.quick(local, mode, bits):
        return
    print("READY %08x %08x" % (ike.spi_c, ike.spi_r), flush=True)
    esp.serve()


if __name__ == "__main__":
    main()
