"""How much transport payload eavesdrop leaves undecoded over a corpus of captures,
and where: the share of payload bytes labelled `undecoded`, then the largest sources
by (transport, server port). Usage:
    python3 scripts/corpus_undecoded.py [EAVESDROP] [CORPUS]
EAVESDROP defaults to target/debug/eavesdrop, CORPUS to $EAVESDROP_CORPUS or
../shared/corpus. Every capture runs through `flows --json` (10 s each at most)."""
import collections
import json
import os
import subprocess
import sys

exe = sys.argv[1] if len(sys.argv) > 1 else "target/debug/eavesdrop"
root = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("EAVESDROP_CORPUS", "../shared/corpus")
files = sorted(
    os.path.join(d, f)
    for d, _, fs in os.walk(root)
    for f in fs
    if f.endswith((".pcap", ".pcapng", ".cap", ".pcap.gz"))
)
total = collections.Counter()
by_port = collections.Counter()
by_file = collections.Counter()
for f in files:
    try:
        out = subprocess.run([exe, "flows", "--json", f], capture_output=True, timeout=60).stdout
    except subprocess.TimeoutExpired:
        print(f"timeout: {f}", file=sys.stderr)
        continue
    for line in out.decode(errors="replace").splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("type") == "summary":
            for k, v in o["payload"].items():
                total[k] += v
        elif o.get("type") == "flow":
            u = o["to_server"]["payload"]["undecoded"] + o["to_client"]["payload"]["undecoded"]
            if u:
                port = min(o["server"]["port"], o["client"]["port"])
                by_port[(o["transport"], port)] += u
                by_file[f] += u
payload = sum(total.values())
und = total["undecoded"]
print(f"{len(files)} captures, {payload:,} payload bytes, {und:,} undecoded ({100 * und / max(payload, 1):.2f}%)")
print("largest sources by transport/port:")
for (t, p), n in by_port.most_common(15):
    print(f"  {t}/{p}: {n:,} bytes ({100 * n / max(payload, 1):.2f}%)")
print("largest files:")
for f, n in by_file.most_common(10):
    print(f"  {os.path.relpath(f, root)}: {n:,}")
