"""Benchmark: how long from launching the frozen venue app until its join screen is on screen.

    python packaging/bench_startup.py --frozen dist [--runs 5] [--json]

Starts one Xvfb, then launches `ceremony-venue --screenshot X --after 0` RUNS times: the window
is shown, painted, grabbed and saved as soon as the event loop runs, so the moment the PNG
appears is an upper bound for "the join screen is on screen". The first launch reads the
libraries from disk (cold page cache, as on a crew's first double-click after boot, unless the
build just read them); the others are warm. `--source` times the source tree's `ceremony venue`
the same way, for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x900x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()  # Xvfb writes its display number once it is ready
    return xvfb, f":{number}"


def launch_once(command: list[str], display: str, work: Path, i: int) -> float:
    shot = work / f"join-{i}.png"
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", CEREMONY_HOME=str(work))
    started = time.monotonic()
    proc = subprocess.Popen(
        [*command, "--screenshot", str(shot), "--after", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while not (shot.exists() and shot.stat().st_size > 0):
        if proc.poll() is not None and not shot.exists():
            raise RuntimeError(f"{command[0]} exited with {proc.returncode} before its window")
        time.sleep(0.005)  # a benchmark polling a file: 5 ms resolution is enough for seconds
    seconds = time.monotonic() - started
    proc.wait(timeout=60)
    return seconds


def measure(command: list[str], runs: int) -> dict[str, object]:
    xvfb, display = start_xvfb()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            samples = [launch_once(command, display, Path(tmp), i) for i in range(runs)]
    finally:
        xvfb.terminate()
        xvfb.wait()
    warm = samples[1:] or samples
    return {
        "command": " ".join(command),
        "runs": runs,
        "first_s": round(samples[0], 3),
        "warm_median_s": round(statistics.median(warm), 3),
        "max_s": round(max(samples), 3),
        "samples_s": [round(s, 3) for s in samples],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frozen", type=Path, default=ROOT / "dist")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--source", action="store_true", help="also time the source tree")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--limit", type=float, default=4.0, help="fail when max_s exceeds this")
    args = parser.parse_args()
    result: dict[str, object] = {
        "bench": "startup",
        "date": time.strftime("%Y-%m-%d"),
        "cpus": os.cpu_count(),
        "frozen": measure([str(args.frozen.resolve() / "ceremony" / "ceremony-venue")], args.runs),
    }
    if args.source:
        result["source"] = measure([sys.executable, "-m", "launcher.cli", "venue"], args.runs)
    frozen = result["frozen"]
    assert isinstance(frozen, dict)
    result["limit_s"] = args.limit
    result["ok"] = frozen["max_s"] <= args.limit
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"frozen venue app: join screen after {frozen['warm_median_s']} s (median, warm), "
            f"first {frozen['first_s']} s, max {frozen['max_s']} s"
        )
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
