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
    # IRRd reads its settings (password hashers) from a configuration file;
    # its built-in defaults are all the parser needs.
    import pathlib, yaml
    import irrd.conf as conf
    defaults = conf.DottedDict(yaml.safe_load(open(pathlib.Path(conf.__file__).parent / "default_config.yaml"))["irrd"])
    conf.get_setting = lambda name, default=None: defaults.get(name, default)
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


def run_formrobot(binary, path, must_accept=True, options=()):
    """Seconds and peak RSS (bytes) of one `formrobot check` process.

    The peak comes from /usr/bin/time, whose own small process forks it: a
    child forked from Python would count Python's pages in its peak.
    """
    start = time.perf_counter()
    child = subprocess.run(["/usr/bin/time", "-f", "%M", binary, "check", *options, path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if child.returncode != 0 and must_accept:
        sys.exit(f"formrobot check {path} exited {child.returncode}: the corpus must be accepted")
    return elapsed, int(child.stderr.strip().splitlines()[-1]) * 1024


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
    parser.add_argument("--baseline", help="an older formrobot binary, run in turn with the others")
    parser.add_argument("--baseline-label", default="baseline", help="what the baseline is, for its lines")
    parser.add_argument("--baseline-max-bytes", type=int, default=12_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--irrd-max-bytes", type=int, default=12_000_000)
    parser.add_argument("corpus", nargs="+")
    args = parser.parse_args()

    # What the process holds before any form: the binary, the template definitions.
    empty = os.path.join(os.path.dirname(args.corpus[0]), "empty.txt")
    open(empty, "w").close()
    # And how long it takes to start, read the definitions and end, which is no work per MB.
    starts = [run_formrobot(args.formrobot, empty, must_accept=False) for _ in range(args.runs)]
    # The largest peak of the runs, as for each corpus below: the two peaks
    # compared are the same statistic (a run's peak moves by a few hundred KiB).
    start_time, resting_rss = min(seconds for seconds, _ in starts), max(rss for _, rss in starts)
    one_thread = ["--threads", "1"]
    rows = []
    baselines = []
    for path in args.corpus:
        size = os.path.getsize(path)
        runs = args.runs if size < 50_000_000 else max(2, args.runs // 2)
        formrobot_best, formrobot_rss, rpsl_best, rpsl_rss = None, 0, None, 0
        single_best = None
        baseline_best, baseline_rss = None, 0
        with_baseline = args.baseline and size <= args.baseline_max_bytes
        # In turn, so that both see the same load; best of the runs.
        for _ in range(runs):
            seconds, rss = run_formrobot(args.formrobot, path)
            formrobot_best = seconds if formrobot_best is None else min(formrobot_best, seconds)
            formrobot_rss = max(formrobot_rss, rss)
            seconds, _ = run_formrobot(args.formrobot, path, options=one_thread)
            single_best = seconds if single_best is None else min(single_best, seconds)
            seconds, objects, rss = run_peer(args.python, "rpsl-parser", path, 1)
            rpsl_best = seconds if rpsl_best is None else min(rpsl_best, seconds)
            rpsl_rss = max(rpsl_rss, rss)
            if with_baseline:
                seconds, rss = run_formrobot(args.baseline, path, must_accept=False)
                baseline_best = seconds if baseline_best is None else min(baseline_best, seconds)
                baseline_rss = max(baseline_rss, rss)
        irrd = None
        if size <= args.irrd_max_bytes:
            irrd = run_peer(args.python, "irrd", path, 1)
        rows.append((path, size, objects, formrobot_best, formrobot_rss, rpsl_best, rpsl_rss, irrd, single_best))
        if with_baseline:
            baselines.append((path, size, baseline_best, baseline_rss, formrobot_best))

    print(f"formrobot check on an empty form: {start_time * 1000:.1f} ms (the 'start' that 'ms/MB w/o start' "
          f"leaves out), peak RSS {resting_rss / 2**20:.1f} MiB (the 'above' column subtracts it)")
    print("formrobot check uses every core (--threads: the default); '1 thread' is --threads 1")
    print(f"{'corpus':<26} {'MB':>7} {'objects':>7} | {'formrobot check':>30} {'w/o start':>9} {'peak':>9} {'above':>6}"
          f" | {'1 thread':>11} | {'rpsl-parser':>20} {'peak':>9} | {'IRRd strict':>17} | {'vs rpsl':>7}"
          f" {'1 thread':>8} {'vs IRRd':>7}")
    for path, size, objects, fr, fr_rss, rp, rp_rss, irrd, single in rows:
        fr_rate, rp_rate = mb(size) / fr, mb(size) / rp
        irrd_text, versus_irrd = "-", "-"
        if irrd:
            irrd_rate = mb(size) / irrd[0]
            irrd_text = f"{irrd[0]:7.3f} s {irrd_rate:5.1f} MB/s"
            versus_irrd = f"{fr_rate / irrd_rate:6.1f}x"
        print(f"{os.path.basename(path):<26} {mb(size):7.2f} {objects:>7} | "
              f"{fr:7.3f} s {fr_rate:6.1f} MB/s {fr * 1000 / mb(size):5.1f} ms/MB "
              f"{(fr - start_time) * 1000 / mb(size):5.1f} ms/MB {fr_rss / 2**20:6.1f}MiB "
              f"{(fr_rss - resting_rss) / size:5.2f}x | {mb(size) / single:6.1f} MB/s | "
              f"{rp:7.3f} s {rp_rate:6.1f} MB/s {rp_rss / 2**20:6.1f}MiB | {irrd_text:>17} | "
              f"{fr_rate / rp_rate:6.2f}x {rp / single:7.2f}x {versus_irrd:>7}")
    for path, size, seconds, rss, now in baselines:
        print(f"{args.baseline_label} {os.path.basename(path)}: {seconds:.3f} s {mb(size) / seconds:.1f} MB/s"
              f" {rss / 2**20:.1f} MiB ({rss / size:.2f}x input); this build is {seconds / now:.1f}x as fast")
    per_mb = lambda row: row[3] / mb(row[1])  # noqa: E731
    work_per_mb = lambda row: (row[3] - start_time) / mb(row[1])  # noqa: E731
    reference = rows[1] if len(rows) > 1 else rows[0]
    for row in rows[2:]:
        print(f"formrobot time per MB, {os.path.basename(row[0])} over {os.path.basename(reference[0])}: "
              f"{per_mb(row) / per_mb(reference):.2f} (1.00 is flat)")
    for row in rows[1:]:
        print(f"formrobot time per MB without the process start, {os.path.basename(row[0])} over "
              f"{os.path.basename(rows[0][0])}: {work_per_mb(row) / work_per_mb(rows[0]):.2f} (1.00 is flat)")


if __name__ == "__main__":
    main()
