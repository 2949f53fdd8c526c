"""The form engine against its peers, side by side in one run (called by scripts/bench-engine).

For each corpus file it times, best of several runs taken in turn so that
both sides see the same load on a shared machine:

- formrobot: the whole `formrobot check FILE` process (start, read, extract,
  parse, validate, print), which must accept the corpus (exit 0);
- rpsl-parser (rpsl-rs on PyPI): `parse_whois_server_response` on the text
  already in memory, structure only (no validation), without Python's start;
- IRRd's strict parser (`rpsl_object_from_text(strict_validation=True)` per
  object), on the corpora up to --irrd-max-bytes only, as it is slow.

Peak memory is each process's maximum resident set (getrusage of the child).
"""

import argparse
import os
import subprocess
import sys
import time

PEER = r"""
import resource, sys, time
kind, path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, encoding="utf-8") as f:
    text = f.read()
if kind == "rpsl-parser":
    from rpsl_parser import parse_whois_server_response
    def work():
        return len(parse_whois_server_response(text))
else:
    from irrd.rpsl.rpsl_objects import rpsl_object_from_text
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    def work():
        return sum(1 for p in paragraphs if rpsl_object_from_text(p + "\n", strict_validation=True))
best = None
for _ in range(runs):
    start = time.perf_counter()
    objects = work()
    elapsed = time.perf_counter() - start
    best = elapsed if best is None else min(best, elapsed)
print(best, objects, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def run_formrobot(binary, path):
    """Seconds and peak RSS (bytes) of one `formrobot check` process."""
    start = time.perf_counter()
    child = subprocess.Popen([binary, "check", path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"formrobot check {path} exited {code}: the corpus must be accepted")
    return elapsed, usage.ru_maxrss * 1024


def run_peer(python, kind, path, runs):
    """Best seconds over `runs` in one process, objects found and the process's peak RSS."""
    out = subprocess.run([python, "-c", PEER, kind, path, str(runs)], check=True, capture_output=True, text=True)
    best, objects, rss = out.stdout.split()
    return float(best), int(objects), int(rss)


def mb(size):
    return size / 1e6


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--formrobot", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--irrd-max-bytes", type=int, default=12_000_000)
    parser.add_argument("corpus", nargs="+")
    args = parser.parse_args()

    rows = []
    for path in args.corpus:
        size = os.path.getsize(path)
        runs = args.runs if size < 50_000_000 else max(2, args.runs // 2)
        formrobot_best, formrobot_rss, rpsl_best, rpsl_rss = None, 0, None, 0
        # In turn, so that both see the same load; best of the runs.
        for _ in range(runs):
            seconds, rss = run_formrobot(args.formrobot, path)
            formrobot_best = seconds if formrobot_best is None else min(formrobot_best, seconds)
            formrobot_rss = max(formrobot_rss, rss)
            seconds, objects, rss = run_peer(args.python, "rpsl-parser", path, 1)
            rpsl_best = seconds if rpsl_best is None else min(rpsl_best, seconds)
            rpsl_rss = max(rpsl_rss, rss)
        irrd = None
        if size <= args.irrd_max_bytes:
            irrd = run_peer(args.python, "irrd", path, 1)
        rows.append((path, size, objects, formrobot_best, formrobot_rss, rpsl_best, rpsl_rss, irrd))

    print(f"{'corpus':<34} {'MB':>7} {'objects':>8} | {'formrobot check':>22} {'peak':>9} {'x input':>7}"
          f" | {'rpsl-parser':>20} {'peak':>9} | {'IRRd strict':>17} | {'vs rpsl':>7} {'vs IRRd':>7}")
    for path, size, objects, fr, fr_rss, rp, rp_rss, irrd in rows:
        fr_rate, rp_rate = mb(size) / fr, mb(size) / rp
        irrd_text, versus_irrd = "-", "-"
        if irrd:
            irrd_rate = mb(size) / irrd[0]
            irrd_text = f"{irrd[0]:7.3f} s {irrd_rate:5.1f} MB/s"
            versus_irrd = f"{fr_rate / irrd_rate:6.1f}x"
        print(f"{os.path.basename(path):<34} {mb(size):7.2f} {objects:>8} | "
              f"{fr:7.3f} s {fr_rate:7.1f} MB/s {fr_rss / 2**20:6.1f}MiB {fr_rss / size:6.2f}x | "
              f"{rp:7.3f} s {rp_rate:6.1f} MB/s {rp_rss / 2**20:6.1f}MiB | {irrd_text:>17} | "
              f"{fr_rate / rp_rate:6.2f}x {versus_irrd:>7}")
    first, last = rows[0], rows[-1]
    per_mb = lambda row: row[3] / mb(row[1])  # noqa: E731
    print(f"formrobot time per MB, largest over smallest corpus: {per_mb(last) / per_mb(first):.2f}"
          " (1.00 is flat; the smallest includes the process start)")


if __name__ == "__main__":
    main()
