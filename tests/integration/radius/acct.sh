# FreeRADIUS's accounting detail file, for the tests that source this
# after setting RSTATE (the private FreeRADIUS state directory).
#   detail STATUS [SESSION-ID]   the matching records, one JSON line each
#   has_record STATUS [SESSION-ID]
detail() {
	cat "$RSTATE"/log/radacct/*/detail-* 2>/dev/null | /usr/bin/python3 -c '
import sys, json
recs, cur = [], {}
for line in sys.stdin:
    line = line.rstrip("\n")
    if not line.strip():
        if cur: recs.append(cur); cur = {}
        continue
    if "=" in line and line.startswith("\t"):
        k, v = line.strip().split(" = ", 1)
        cur[k] = v.strip("\"")
if cur: recs.append(cur)
st = sys.argv[1]; sid = sys.argv[2] if len(sys.argv) > 2 else None
for r in recs:
    if r.get("Acct-Status-Type") == st and (sid is None or r.get("Acct-Session-Id") == sid):
        print(json.dumps(r))' "$@"
}
has_record() { [ -n "$(detail "$@")" ]; }
