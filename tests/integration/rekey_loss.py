#!/usr/bin/python3
"""Which pings were lost, and were they lost near a rekey?

usage: rekey_loss.py PING_OUTPUT RAVPND_LOG WINDOW_SECONDS

PING_OUTPUT is `ping -D -O` output; RAVPND_LOG is ravpnd's log, whose lines
start with HH:MM:SS.mmm (local time, the same day as the pings).  A rekey
event is every "IPsec SA up" after the first (a client's rekey), every
"rekeying IPsec SA" and "IPsec SA rekeyed" (ravpn's own) and every removal
of an IPsec SA ("IPsec SA in 0x... out 0x... removed (...)").  A ping is
lost when no reply with its icmp_seq came; its time is its "no answer
yet" line (ping prints it when the next one is sent, so within one
interval of the send).  Prints one line:
"LOST_TOTAL TRANSMITTED LOST_NEAR_REKEY REKEY_EVENTS".
A lost ping whose time is unknown counts as near a rekey (the strict side),
except the last one sent: `ping -w` exits at its deadline, often before
that ping's reply could come, so its absence says nothing (CI once saw
541 sent, 540 answered, no gap, and the deadline 0.1 s after a rekey).
"""
import datetime
import re
import sys


def pings(path):
    sent, replied, noanswer = 0, set(), {}
    for line in open(path, errors="replace"):
        m = re.match(r"\[(\d+\.\d+)\] no answer yet for icmp_seq=(\d+)", line)
        if m:
            noanswer.setdefault(int(m.group(2)), float(m.group(1)))
            continue
        m = re.match(r"\[(\d+\.\d+)\] \d+ bytes from .*icmp_seq=(\d+)", line)
        if m:
            replied.add(int(m.group(2)))
            continue
        m = re.match(r"(\d+) packets transmitted", line)
        if m:
            sent = int(m.group(1))
    lost = [s for s in range(1, sent) if s not in replied]	# not the last: see above
    return sent, [(s, noanswer.get(s)) for s in lost]


def rekey_times(path, day):
    times, first_up = [], True
    for line in open(path, errors="replace"):
        m = re.match(r"(\d\d):(\d\d):(\d\d\.\d+) ", line)
        if not m:
            continue
        up = "IPsec SA up" in line
        if up and first_up:
            first_up = False
            continue
        ours = "rekeying IPsec SA" in line or "IPsec SA rekeyed" in line
        removed = re.search(r"IPsec SA in 0x[0-9a-f]+ out 0x[0-9a-f]+ removed \(", line)
        if up or ours or removed:
            t = datetime.datetime.combine(day, datetime.time(int(m.group(1)), int(m.group(2))))
            times.append(t.timestamp() + float(m.group(3)))
    return times


def main():
    ping_path, log_path, window = sys.argv[1], sys.argv[2], float(sys.argv[3])
    sent, lost = pings(ping_path)
    day = datetime.date.today()
    events = rekey_times(log_path, day)
    near = sum(1 for _, t in lost if t is None or any(abs(t - e) <= window for e in events))
    print(len(lost), sent, near, len(events))


if __name__ == "__main__":
    main()
