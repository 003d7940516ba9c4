"""Join trials on a lossy LAN: the distribution of the join, not one lucky figure.

`ceremony bench network` joins its 5 %-loss venue once a run; which packets the loss takes is
random, so one run's slowest join says little. This harness builds the lab with only that LAN
(behind its NAT router, coturn beside the studio), then starts a light-venue process of
`--venues` links there `--rounds` times, each a fresh process (a cold join, as on the day), and
records every link's join phases (`media.venue` marks: signaling, ICE plan, gathering, the
studio's answer, ICE connected, DTLS connected, the control channel open, the welcome).

    python -m launcher.join_trials --rounds 6 --venues 5 --out /tmp/jt [--loss 5]

Prints (and writes OUT/join-trials.json) every join's phases and the distribution of
connect → welcome. Needs root; the namespaces take $CEREMONY_NETLAB_PREFIX. Harness code.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ceremony.turn import parse_turn_url
from launcher.demo import fit_venues
from launcher.light_venue import LightGroupSpec, LightVenueSpec
from launcher.netlab import LanSpec, NetLab, lab_prefix, start_turn, unavailable
from launcher.paths import Paths
from media import runsheet_files
from media.ice import pin_host_addresses
from media.identity import ensure_identity
from media.program import VideoFormat
from media.studio import StudioConfig, StudioEngine

PORT = 8443
ROUND_TIMEOUT_S = 40.0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m launcher.join_trials")
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--venues", type=int, default=5, help="light venues per round")
    p.add_argument("--loss", type=int, default=5, help="%% of packets lost each way")
    p.add_argument("--out", type=Path, default=Path("bench-out/join-trials"))
    args = p.parse_args(argv)
    reason = unavailable()
    if reason is not None:
        print(f"join trials: {reason}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with NetLab([LanSpec("lossy", loss_pct=args.loss)], prefix=lab_prefix("jt")) as lab:
        turn = start_turn(lab, args.out / "turn")
        try:
            joins = asyncio.run(_run(args, lab, turn.url, turn.secret))
        finally:
            turn.stop()
    result = {"loss_pct": args.loss, "rounds": args.rounds, "venues": args.venues}
    result |= {"summary": summary(joins), "joins": joins}
    (args.out / "join-trials.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps(result["summary"], indent=1))
    return 0


def summary(joins: list[dict[str, Any]]) -> dict[str, Any]:
    """The distribution of connect → welcome (s) over the joins, and each phase's median/max."""
    totals = sorted(j["join_s"] for j in joins if j.get("join_s") is not None)
    phases: dict[str, list[float]] = {}
    for j in joins:
        for key, value in j.get("phases", {}).items():
            phases.setdefault(key, []).append(value)

    def pct(q: float) -> float | None:
        return round(totals[min(len(totals) - 1, int(q * len(totals)))], 3) if totals else None

    return {
        "joins": len(totals),
        "missing": len(joins) - len(totals),
        "join_s_p50": pct(0.5),
        "join_s_p90": pct(0.9),
        "join_s_max": totals[-1] if totals else None,
        "over_4s": sum(t > 4.0 for t in totals),
        "join_s_sorted": totals,
        "phase_median_max_s": {
            k: [round(statistics.median(v), 3), round(max(v), 3)] for k, v in phases.items()
        },
    }


async def _run(args: argparse.Namespace, lab: NetLab, turn_url: str, secret: bytes) -> Any:
    sheet = fit_venues(runsheet_files.load(Paths.default().sample_runsheet()), args.venues)
    joins: list[dict[str, Any]] = []
    with lab.inside(lab.studio_ns):
        pin_host_addresses([lab.studio_ip])
        identity = ensure_identity(args.out / "studio", [lab.studio_ip])
        journal = args.out / "journal.jsonl"
        journal.unlink(missing_ok=True)
        engine = StudioEngine(
            sheet.scaled(3600),
            identity,
            StudioConfig(
                host=lab.studio_ip,
                port=PORT,
                program=VideoFormat(320, 180, 15),
                turn=parse_turn_url(turn_url),
                turn_secret=secret,
            ),
            journal,
        )
        await engine.start()
        try:
            for n in range(args.rounds):
                joins += await _round(args, lab, identity, sheet, n)
                done = [j["join_s"] for j in joins[-args.venues :] if j.get("join_s")]
                print(f"round {n + 1}: {sorted(done)}", file=sys.stderr, flush=True)
        finally:
            await engine.stop()
            pin_host_addresses(None)
    return joins


async def _round(
    args: argparse.Namespace, lab: NetLab, identity: Any, sheet: Any, n: int
) -> list[dict[str, Any]]:
    specs = []
    for v in sheet.venues:
        invite = identity.invite(sheet, v.id, [f"{lab.studio_ip}:{PORT}"], time.time() + 3600)
        path = args.out / f"{v.id}.invite"
        path.write_text(invite.to_string(), encoding="utf-8")
        specs.append(LightVenueSpec(invite=str(path)))
    spec_path = args.out / f"round-{n}.json"
    out = args.out / f"round-{n}.out"
    times = Path(str(out) + ".times")
    times.unlink(missing_ok=True)
    LightGroupSpec(specs, ice_addresses=None, out=str(out), realtime=False).dump(spec_path)
    argv = [sys.executable, "-m", "launcher.light_venue", str(spec_path)]
    with open(args.out / f"round-{n}.log", "wb") as log:
        proc = subprocess.Popen(
            lab.exec_argv(lab.lans["lossy"].namespace, argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    seen: dict[str, Any] = {}
    deadline = time.monotonic() + ROUND_TIMEOUT_S
    try:
        while time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            try:
                seen = json.loads(times.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if len(seen) == len(specs) and all("phases" in e for e in seen.values()):
                break
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    rows = []
    for v in sheet.venues:
        marks = seen.get(v.id, {}).get("phases") or {}
        row: dict[str, Any] = {"round": n, "venue": v.id}
        if "connect" in marks and "welcome" in marks:
            row["join_s"] = round(marks["welcome"] - marks["connect"], 3)
            keys = list(marks)
            row["phases"] = {b: round(marks[b] - marks[a], 3) for a, b in itertools.pairwise(keys)}
        rows.append(row)
    await asyncio.sleep(3.5)  # the studio notices the old links gone before the next round
    return rows


if __name__ == "__main__":
    sys.exit(main())
