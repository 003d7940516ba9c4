"""`ceremony …`: the command-line front end."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import ceremony
from ceremony import runsheet
from ceremony.runsheet import RunsheetError
from ceremony.runsheet.fields import format_duration
from ceremony.sequencer import Sequencer
from ceremony.timebase import format_wall
from launcher import clock
from launcher.paths import Paths

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2


def _load_or_report(path: Path) -> runsheet.Runsheet | None:
    try:
        return runsheet.load(path)
    except RunsheetError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{path}: {len(exc.problems)} problem(s); nothing was loaded", file=sys.stderr)
        return None


def cmd_validate(args: argparse.Namespace) -> int:
    sheet = _load_or_report(args.file)
    if sheet is None:
        return EXIT_INVALID
    print(
        f"{args.file}: OK — {len(sheet.items)} items, {len(sheet.venues)} venues, "
        f"{format_duration(sheet.planned_duration_s)} planned"
    )
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    sheet = _load_or_report(args.file)
    if sheet is None:
        return EXIT_INVALID
    c = sheet.ceremony
    print(f"{c.title} — {c.date.isoformat()} ({c.timezone}), {c.studio}")
    starts = Sequencer(sheet).planned_starts(clock.now())
    header = f"{'#':>2}  {'start':8}  {'dur':>6}  {'kind':9}  {'source':22}  title — speaker"
    print(header)
    print("-" * len(header))
    for i, (item, start) in enumerate(zip(sheet.items, starts, strict=True)):
        speaker = f" — {item.speaker.name}" if item.speaker else ""
        hard = "*" if item.hard_start else " "
        duration = format_duration(item.duration_s)
        print(
            f"{i + 1:>2}  {format_wall(start, c.timezone)}{hard} {duration:>6}"
            f"  {item.kind.value:9}  {item.source!s:22}  {item.title}{speaker}"
        )
    print(
        f"ends {format_wall(starts[-1] + sheet.items[-1].duration_s, c.timezone)}; * = hard start"
    )
    return EXIT_OK


def cmd_convert(args: argparse.Namespace) -> int:
    sheet = _load_or_report(args.input)
    if sheet is None:
        return EXIT_INVALID
    try:
        runsheet.save(sheet, args.output)
    except OSError as exc:
        print(f"{args.output}: cannot write ({exc.strerror})", file=sys.stderr)
        return EXIT_FAILED
    print(f"{args.input} -> {args.output}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from launcher import rehearsal

    paths = Paths.default()
    sheet = _load_or_report(args.runsheet or paths.sample_runsheet())
    if sheet is None:
        return EXIT_INVALID
    rehearsal.run(sheet, args.duration, args.out)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ceremony", description="Hybrid state ceremonies.")
    p.add_argument("--version", action="version", version=f"ceremony {ceremony.__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    sub = p.add_subparsers(dest="command", required=True)

    rs = sub.add_parser("runsheet", help="check, show and convert run-sheets")
    rs_sub = rs.add_subparsers(dest="action", required=True)
    v = rs_sub.add_parser("validate", help="check a run-sheet; exit 2 listing every problem")
    v.add_argument("file", type=Path)
    v.set_defaults(func=cmd_validate)
    s = rs_sub.add_parser("show", help="print the run-sheet with planned start times")
    s.add_argument("file", type=Path)
    s.set_defaults(func=cmd_show)
    cv = rs_sub.add_parser("convert", help="YAML <-> CSV (by file extension)")
    cv.add_argument("input", type=Path)
    cv.add_argument("output", type=Path)
    cv.set_defaults(func=cmd_convert)

    d = sub.add_parser("demo", help="run the sample ceremony")
    d.add_argument("--headless", action="store_true", help="no GUI; progress in the terminal")
    d.add_argument("--runsheet", type=Path, default=None)
    d.add_argument("--duration", type=float, default=60.0, help="compress the run-sheet to S s")
    d.add_argument("--venues", type=int, default=11)
    d.add_argument("--out", type=Path, default=Path("demo-out"))
    d.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    rc: int = args.func(args)
    return rc


if __name__ == "__main__":
    sys.exit(main())
