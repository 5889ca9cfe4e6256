#!/usr/bin/env python3
"""Writes tests/unit/radius_msgauth_vectors.h: RADIUS packets with
Message-Authenticator (RFC 3579 3.2, RFC 5176 3.4) and Response/Request
Authenticators computed here with hashlib/hmac only, independently of
authd's code.  Run: python3 tests/unit/radius_msgauth_vectors.py > tests/unit/radius_msgauth_vectors.h
"""
import hashlib
import hmac
import struct

SECRET = b"testing123"
REQ_AUTH = bytes(range(0xA0, 0xB0))	# the Access-Request's authenticator
ZERO16 = bytes(16)


def attr(t, v):
    return bytes([t, len(v) + 2]) + v


def ma_placeholder():
    return attr(80, ZERO16)


def packet(code, ident, auth, attrs):
    return bytes([code, ident]) + struct.pack("!H", 20 + len(attrs)) + auth + attrs


def sign_ma(pkt, auth16, secret):
    """HMAC-MD5 over pkt with auth16 in the Authenticator field; pkt has the
    Message-Authenticator value as zeroes."""
    work = pkt[:4] + auth16 + pkt[20:]
    mac = hmac.new(secret, work, hashlib.md5).digest()
    i = pkt.index(bytes([80, 18]) + ZERO16, 20)
    return pkt[:i + 2] + mac + pkt[i + 18:]


def response_auth(pkt, req_auth, secret):
    md = hashlib.md5(pkt[:4] + req_auth + pkt[20:] + secret).digest()
    return pkt[:4] + md + pkt[20:]


def answer(code, attrs, ma_secret=SECRET, ma_auth=REQ_AUTH, resp_secret=SECRET, ident=42):
    p = packet(code, ident, REQ_AUTH, attrs)
    if bytes([80, 18]) in attrs:
        p = sign_ma(p, ma_auth, ma_secret)
    return response_auth(p, REQ_AUTH, resp_secret)


def tamper_reply_message(p):
    """Changes one byte of the Reply-Message and recomputes only the
    Response Authenticator: what a BlastRADIUS forgery achieves."""
    i = p.index(b"Welcome")
    q = p[:i] + b"W" + b"E" + p[i + 2:]
    q = q[:4] + REQ_AUTH + q[20:]
    return response_auth(q, REQ_AUTH, SECRET)


def dae_request(code, ident, attrs, secret=b"daesecret"):
    p = packet(code, ident, ZERO16, attrs)
    if bytes([80, 18]) in attrs:
        p = sign_ma(p, ZERO16, secret)
    md = hashlib.md5(p[:4] + ZERO16 + p[20:] + secret).digest()
    return p[:4] + md + p[20:]


def dae_answer(code, req, attrs, secret=b"daesecret"):
    p = packet(code, req[1], req[4:20], attrs)
    if bytes([80, 18]) in attrs:
        p = sign_ma(p, req[4:20], secret)
    return response_auth(p, req[4:20], secret)


def c_array(name, data, comment):
    out = ["/* %s */" % comment, "static const uint8_t %s[] = {" % name]
    for i in range(0, len(data), 14):
        out.append("\t" + " ".join("0x%02x," % b for b in data[i:i + 14]))
    out.append("};")
    return "\n".join(out)


def main():
    reply = attr(18, b"Welcome") + attr(8, bytes([10, 200, 0, 9]))
    accept = answer(2, ma_placeholder() + reply)
    v = [
        ("req_auth", REQ_AUTH, "the Request Authenticator of the Access-Request (id 42) answered below"),
        ("accept_ma", accept, "Access-Accept, Message-Authenticator first, Reply-Message, Framed-IP; secret testing123"),
        ("accept_ma_last", answer(2, reply + ma_placeholder()), "the same with the Message-Authenticator last"),
        ("accept_tampered", tamper_reply_message(accept), "accept_ma with one Reply-Message byte changed and the Response Authenticator recomputed"),
        ("accept_ma_other_secret", answer(2, ma_placeholder() + reply, ma_secret=b"other"), "Message-Authenticator keyed with another secret, Response Authenticator right"),
        ("accept_ma_resp_auth", answer(2, ma_placeholder() + reply, ma_auth=ZERO16), "Message-Authenticator over a zero Authenticator field instead of the request's"),
        ("accept_wrong_secret", answer(2, ma_placeholder() + reply, ma_secret=b"wrong", resp_secret=b"wrong"), "the whole answer made with secret 'wrong'"),
        ("reject_no_ma", answer(3, attr(18, b"Denied")), "Access-Reject without Message-Authenticator"),
        ("challenge_ma", answer(11, ma_placeholder() + attr(24, b"\x01\x02st") + attr(18, b"Code?")), "Access-Challenge with State and Message-Authenticator"),
        ("acct_resp", answer(5, b""), "Accounting-Response, no attributes"),
        ("accept_ma_short", answer(2, attr(80, bytes(10)) + reply), "a Message-Authenticator of 10 octets"),
        ("accept_ma_twice", answer(2, ma_placeholder() + reply + attr(80, bytes(16))), "two Message-Authenticators"),
    ]
    # RFC 5176: Disconnect-Request with a Message-Authenticator (computed
    # with a zero Authenticator, then covered by the Request Authenticator)
    dreq_attrs = attr(1, b"bob") + ma_placeholder() + attr(44, b"00A0FEBAEB765597")
    dreq = dae_request(40, 7, dreq_attrs)
    bad = bytearray(dreq)
    i = bytes(bad).index(bytes([80, 18])) + 2
    bad[i] ^= 0x01
    bad = bytes(bad)
    md = hashlib.md5(bad[:4] + ZERO16 + bad[20:] + b"daesecret").digest()
    bad = bad[:4] + md + bad[20:]
    v += [
        ("dreq_ma", dreq, "Disconnect-Request id 7, User-Name bob, Message-Authenticator, Acct-Session-Id; secret daesecret"),
        ("dreq_ma_bad", bad, "the same with one Message-Authenticator bit flipped and the Request Authenticator recomputed"),
        ("dack_ma", dae_answer(41, dreq, ma_placeholder()), "its Disconnect-ACK with a Message-Authenticator"),
        ("dnak_ma", dae_answer(42, dreq, attr(101, struct.pack("!I", 503)) + ma_placeholder()), "its Disconnect-NAK, Error-Cause 503, Message-Authenticator"),
    ]
    # RFC 5176 3.2: a CoA-Request with Service-Type Authorize-Only (17),
    # its State and a proxy's Proxy-States is NAKed with Error-Cause 405
    # (Unsupported Service); the NAK echoes State (3.3) and the
    # Proxy-States in order (3.1), then a Message-Authenticator
    state = attr(24, b"\x07authz-state")
    proxies = attr(33, b"proxy-one") + attr(33, b"\x00\x02")
    coa_ao = dae_request(43, 11, attr(1, b"alice") + attr(6, struct.pack("!I", 17)) + state
                         + proxies + ma_placeholder())
    coa_st = dae_request(43, 12, attr(1, b"alice") + attr(27, struct.pack("!I", 30)) + state
                         + attr(33, b"p"))
    dreq_ps = dae_request(40, 13, attr(1, b"bob") + attr(33, b"dm-proxy") + state)
    v += [
        ("coa_authorize_only", coa_ao, "CoA-Request id 11, User-Name alice, Service-Type Authorize-Only, State, two Proxy-States, Message-Authenticator; secret daesecret"),
        ("coa_nak405", dae_answer(45, coa_ao, attr(101, struct.pack("!I", 405)) + state + proxies + ma_placeholder()), "its CoA-NAK: Error-Cause 405, State, the Proxy-States, Message-Authenticator"),
        ("coa_state", coa_st, "CoA-Request id 12, User-Name alice, Session-Timeout 30, State, Proxy-State"),
        ("coa_state_ack", dae_answer(44, coa_st, state + attr(33, b"p")), "its CoA-ACK: State, Proxy-State"),
        ("dreq_proxy", dreq_ps, "Disconnect-Request id 13, User-Name bob, Proxy-State, State"),
        ("dnak_proxy", dae_answer(42, dreq_ps, attr(101, struct.pack("!I", 503)) + attr(33, b"dm-proxy")), "its Disconnect-NAK 503: the Proxy-State, no State (a Disconnect answer carries none)"),
    ]
    print("/* Generated by tests/unit/radius_msgauth_vectors.py (hashlib/hmac): do not edit. */")
    print("#ifndef RADIUS_MSGAUTH_VECTORS_H\n#define RADIUS_MSGAUTH_VECTORS_H\n\n#include <stdint.h>\n")
    for name, data, comment in v:
        print(c_array(name, data, comment) + "\n")
    print("#endif")


main()
