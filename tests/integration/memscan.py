#!/usr/bin/python3
"""memscan.py PID STRING: exit 0 when no readable mapping of PID holds STRING."""
import re
import sys

pid, needle = sys.argv[1], sys.argv[2].encode()
found = False
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
        if not m or m.group(3)[0] != "r":
            continue
        start, end = int(m.group(1), 16), int(m.group(2), 16)
        if end - start > 1 << 30:
            continue
        try:
            mem.seek(start)
            if needle in mem.read(end - start):
                found = True
                print(f"found in {line.strip()}", file=sys.stderr)
        except OSError:
            pass
sys.exit(1 if found else 0)
