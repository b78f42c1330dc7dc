#!/usr/bin/env python3
"""Compile benchmark: `quire compile` against esbuild's native binary, one shot each, on the
seed page and on a page importing recharts; plus Quire's in-process warm compile.

Run from anywhere: `python3 bench/compile/run.py` (builds Quire in release mode, installs
esbuild and the pages' packages into bench/compile/node_modules with npm, whose configured
registry is used). Prints min and median of RUNS runs (default 20) and the peak RSS of each.
Targets: warm in-process seed compile <= 5 ms median; `quire compile` one-shot no slower
than esbuild's; peak memory < 150 MB.

Environment: RUNS (default 20); QUIRE_BIN (default target/release/quire; it is run as
`$QUIRE_BIN compile …`); BENCH_STORE (Quire's package store, default bench/compile/out/npm).
BENCH_NO_BUILD=1 skips the release build. QUIRE_NPM_REGISTRY is set from `npm config get registry` when unset, as a deployment would set
it; an extra row runs the seed page without it, where Quire would ask the npm CLI (about 200 ms)
only if the compile needed the network, which a compile with a lock and a filled store does not.
"""

import glob
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(HERE, "out")
RUNS = int(os.environ.get("RUNS", "20"))
PAGES = ["seed-page.tsx", "recharts-page.tsx"]


def run(cmd, **kw):
    subprocess.run(cmd, check=True, **kw)


def timed(cmd, env=None):
    """Wall time in ms and peak RSS in MB of one run of `cmd`."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = (time.perf_counter() - start) * 1000
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr.read().decode()}")
    proc.stderr.close()
    return elapsed, usage.ru_maxrss / 1024  # ru_maxrss is KiB on Linux


def series(cmd, env=None):
    cmd_times, peaks = [], []
    for _ in range(RUNS):
        ms, mb = timed(cmd, env)
        cmd_times.append(ms)
        peaks.append(mb)
    return min(cmd_times), statistics.median(cmd_times), max(peaks)


def main():
    os.makedirs(OUT, exist_ok=True)
    store = os.environ.get("BENCH_STORE", os.path.join(OUT, "npm"))
    quire = os.environ.get("QUIRE_BIN", os.path.join(ROOT, "target", "release", "quire"))
    if not os.environ.get("BENCH_NO_BUILD"):
        print("building quire (release)…", file=sys.stderr)
        run(["cargo", "build", "--release", "-p", "quire", "-p", "quire-compiler", "--bin",
             "quire", "--example", "bench"], cwd=ROOT)
    if not glob.glob(os.path.join(HERE, "node_modules", "@esbuild", "*", "bin", "esbuild")):
        print("installing esbuild and the pages' packages with npm…", file=sys.stderr)
        run(["npm", "install", "--no-audit", "--no-fund"], cwd=HERE)
    esbuild = glob.glob(os.path.join(HERE, "node_modules", "@esbuild", "*", "bin", "esbuild"))[0]

    ask_npm_env = {k: v for k, v in os.environ.items() if k != "QUIRE_NPM_REGISTRY"}
    if not os.environ.get("QUIRE_NPM_REGISTRY"):
        os.environ["QUIRE_NPM_REGISTRY"] = subprocess.run(
            ["npm", "config", "get", "registry"], check=True, capture_output=True, text=True
        ).stdout.strip()

    rows = []
    for page in PAGES:
        src = os.path.join(HERE, page)
        stem = page.removesuffix(".tsx")
        quire_cmd = [quire, "compile", src, "-o", os.path.join(OUT, stem + ".html"),
                     "--lock", os.path.join(OUT, stem + ".lock.json"), "--store", store]
        # Once untimed: fetch the packages into the store and write the lock.
        html = os.path.join(OUT, stem + ".html")
        if os.path.exists(html):
            os.remove(html)
        run(quire_cmd, stdout=subprocess.DEVNULL)
        if not os.path.exists(html):
            sys.exit(f"{quire} compile wrote no {html}: is the compile subcommand wired in?")
        esbuild_cmd = [esbuild, src, "--bundle", "--minify", "--format=esm", "--platform=browser",
                       "--jsx=automatic", "--define:process.env.NODE_ENV=\"production\"",
                       "--log-level=error", "--outfile=" + os.path.join(OUT, stem + ".esbuild.js")]
        rows.append((stem, "quire compile (one-shot CLI)", *series(quire_cmd)))
        if page == PAGES[0]:
            rows.append((stem, "  same, without QUIRE_NPM_REGISTRY", *series(quire_cmd, ask_npm_env)))
        rows.append((stem, "esbuild native binary (one-shot)", *series(esbuild_cmd)))
        bench = os.path.join(ROOT, "target", "release", "examples", "bench")
        line = subprocess.run([bench, src, store, str(RUNS)], check=True, capture_output=True,
                              text=True).stdout
        warm = json.loads(line)
        _, peak = timed([bench, src, store, "1"])
        rows.append((stem, "quire in-process warm compile", warm["min_ms"], warm["median_ms"], peak))

    print(f"\n{'page':<16} {'what':<34} {'min ms':>8} {'median ms':>10} {'peak RSS MB':>12}")
    for stem, what, lo, med, peak in rows:
        print(f"{stem:<16} {what:<34} {lo:>8.1f} {med:>10.1f} {peak:>12.1f}")
    print(f"\n{RUNS} runs each; targets: warm seed compile <= 5 ms median, quire one-shot <= esbuild "
          "one-shot, peak RSS < 150 MB")


if __name__ == "__main__":
    main()
