#!/usr/bin/env python3
"""dae_msgauth.py HOST SECRET USER [corrupt]: sends one RFC 5176
Disconnect-Request for User-Name USER with a Message-Authenticator
(HMAC-MD5 over the packet with a zero Authenticator field, RFC 5176 3.4)
and the Request Authenticator over it; with "corrupt", one bit of the
Message-Authenticator is flipped before the Request Authenticator is
computed, so only the Message-Authenticator is wrong.  Prints the answer's
code name, or "no answer" after 2 s; exits 1 when an answer does not
verify (Response Authenticator, and its Message-Authenticator, which must
be there, computed with our Request Authenticator)."""
import hashlib
import hmac
import os
import socket
import struct
import sys

NAMES = {41: "Disconnect-ACK", 42: "Disconnect-NAK"}


def attr(t, v):
    return bytes([t, len(v) + 2]) + v


def request(secret, user, corrupt):
    ident = os.urandom(1)[0]
    attrs = attr(1, user.encode()) + attr(80, bytes(16))
    pkt = bytes([40, ident]) + struct.pack("!H", 20 + len(attrs)) + bytes(16) + attrs
    mac = bytearray(hmac.new(secret, pkt, hashlib.md5).digest())
    if corrupt:
        mac[0] ^= 1
    pkt = pkt[:-16] + bytes(mac)
    auth = hashlib.md5(pkt + secret).digest()
    return pkt[:4] + auth + pkt[20:]


def answer_ok(ans, req, secret):
    if len(ans) < 20 or ans[1] != req[1]:
        return False
    want = hashlib.md5(ans[:4] + req[4:20] + ans[20:] + secret).digest()
    if not hmac.compare_digest(want, ans[4:20]):
        return False
    i = 20
    while i + 2 <= len(ans):
        t, n = ans[i], ans[i + 1]
        if t == 80 and n == 18:
            zeroed = ans[:4] + req[4:20] + ans[20:i + 2] + bytes(16) + ans[i + 18:]
            mac = hmac.new(secret, zeroed, hashlib.md5).digest()
            return hmac.compare_digest(mac, ans[i + 2:i + 18])
        i += max(n, 2)
    return False


def main():
    host, secret, user = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
    req = request(secret, user, len(sys.argv) > 4 and sys.argv[4] == "corrupt")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(req, (host, 3799))
    try:
        ans = s.recv(4096)
    except socket.timeout:
        print("no answer")
        return 0
    print(NAMES.get(ans[0], "code %d" % ans[0]))
    if not answer_ok(ans, req, secret):
        print("answer does not verify")
        return 1
    print("answer verifies (Response Authenticator, Message-Authenticator)")
    return 0


sys.exit(main())
