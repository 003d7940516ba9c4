"""`ceremony …`: the command-line front end."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import ceremony
from ceremony import runsheet
from ceremony.runsheet import RunsheetError
from ceremony.runsheet.fields import format_duration
from ceremony.sequencer import Sequencer
from ceremony.timebase import format_wall
from launcher.paths import Paths
from media import clock

if TYPE_CHECKING:
    from ceremony.turn import TurnServer
    from media.remote.service import RemoteConfig

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
    import asyncio

    from launcher import demo

    paths = Paths.default()
    sheet = _load_or_report(args.runsheet or paths.sample_runsheet())
    if sheet is None:
        return EXIT_INVALID
    if args.sequencer_only:
        from launcher import rehearsal

        rehearsal.run(sheet, args.duration, args.out)
        return EXIT_OK
    options = demo.DemoOptions(
        venues=args.venues,
        duration_s=args.duration,
        out=args.out,
        program=args.program,
        venue_video=args.venue_video,
        record=not args.no_record,
    )
    if args.kill_venue:
        options.incidents.append(
            demo.Incident("kill", args.kill_venue, args.kill_at, args.restart_after)
        )
    if not args.headless and _has_display():
        from ui.console.app import exit_now, run_console

        runner = demo.Demo(sheet, options, sys.stdout)
        exit_now(
            run_console(
                demo.fit_venues(sheet, args.venues).scaled(args.duration),
                runner.prepare,
                paths.config / "console.ini",
                after_start=runner.rehearse,
                on_stop=runner.stop_venues,
                screenshot=args.screenshot,
                after_s=args.after,
                language=args.language,
            )
        )
    report = asyncio.run(demo.Demo(sheet, options, sys.stdout).run())
    print(demo.summarize(report))
    print(f"report: {args.out / 'report.json'}")
    return EXIT_OK


def cmd_invites(args: argparse.Namespace) -> int:
    import time

    import qrcode

    from media.identity import ensure_identity

    sheet = _load_or_report(args.runsheet)
    if sheet is None:
        return EXIT_INVALID
    paths = Paths.default()
    hosts = [a.rsplit(":", 1)[0] for a in args.address]
    identity = ensure_identity(args.data_dir or paths.data / "studio", hosts)
    args.out.mkdir(parents=True, exist_ok=True)
    expires = time.time() + args.valid_days * 86400
    for venue in sheet.venues:
        invite = identity.invite(sheet, venue.id, args.address, expires)
        text = invite.to_string()
        (args.out / f"{venue.id}.invite.txt").write_text(text + "\n", encoding="utf-8")
        qrcode.make(text).save(str(args.out / f"{venue.id}.invite.png"))
        print(f"{venue.id}: {args.out / (venue.id + '.invite.txt')} (+ .png)")
    print(f"studio certificate fingerprint {identity.certificate.fingerprint}")
    return EXIT_OK


def _ice_config(args: argparse.Namespace) -> None:
    from media import aiortc_compat
    from media.ice import enlarge_socket_buffers, pin_host_addresses

    aiortc_compat.verify()  # an aiortc/aioice this build was not tested with: say so loudly
    enlarge_socket_buffers()
    if args.ice_address:
        pin_host_addresses(args.ice_address)


def _turn_config(args: argparse.Namespace) -> tuple[TurnServer | None, bytes] | int:
    """(TurnServer or None, secret) from --turn-url/--turn-secret-file, or an exit code."""
    from ceremony.turn import TurnUrlError, parse_turn_url

    if args.turn_url is None:
        return None, b""
    try:
        server = parse_turn_url(args.turn_url)
    except TurnUrlError as exc:
        print(f"--turn-url: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if args.turn_secret_file is None:
        print("--turn-url needs --turn-secret-file (coturn's static-auth-secret)", file=sys.stderr)
        return EXIT_INVALID
    path: Path = args.turn_secret_file
    try:
        if path.stat().st_mode & 0o077:
            print(
                f"{path} can be read by other users; chmod 600 it "
                "(berkas rahasia TURN harus chmod 600)",
                file=sys.stderr,
            )
            return EXIT_INVALID
        secret = path.read_text(encoding="utf-8").strip().encode()
    except OSError as exc:
        print(f"--turn-secret-file: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if not secret:
        print(f"{path} is empty", file=sys.stderr)
        return EXIT_INVALID
    return server, secret


def _ceremony_folder(paths: Paths, sheet: runsheet.Runsheet) -> Path:
    """One folder per ceremony and day under the user's videos: protocol staff find it there."""
    return paths.videos / f"{sheet.ceremony.id}-{time.strftime('%Y-%m-%d')}"


def cmd_studio(args: argparse.Namespace) -> int:
    import asyncio

    from launcher import live
    from media.studio import StudioConfig

    paths = Paths.default()
    sheet_path = args.runsheet
    if sheet_path is None and not args.headless and _has_display():
        from ui.console.app import remembered_runsheet

        sheet_path = remembered_runsheet(paths.config / "console.ini")  # the last one used
    sheet_path = sheet_path or paths.sample_runsheet()
    sheet = _load_or_report(sheet_path)
    if sheet is None:
        return EXIT_INVALID
    _ice_config(args)
    turn = _turn_config(args)
    if isinstance(turn, int):
        return turn
    sheet_dir = sheet_path.resolve().parent
    config = StudioConfig(
        turn=turn[0],
        turn_secret=turn[1],
        host=args.host,
        port=args.port,
        ice_servers=tuple(args.ice_server),
        program=args.program,
        camera=args.camera,
        microphone=args.microphone,
        media_dir=args.media_dir or sheet_dir,
        record_dir=None if args.no_record else args.record_dir or _ceremony_folder(paths, sheet),
    )
    journal = args.journal or paths.data / "journals" / f"{sheet.ceremony.id}.jsonl"
    data_dir = args.data_dir or paths.data / "studio"
    remote = _remote_config(args, paths)
    if isinstance(remote, int):
        return remote
    if not args.headless:
        if not _has_display():
            print("no display: use --headless, or run under a desktop or Xvfb", file=sys.stderr)
            return EXIT_FAILED
        from ui.console.app import exit_now, remember_runsheet, run_console

        if args.runsheet is not None:
            remember_runsheet(paths.config / "console.ini", args.runsheet)
        exit_now(
            run_console(
                sheet,
                lambda: live.make_studio_engine(sheet, data_dir, journal, config),
                paths.config / "console.ini",
                after_start=(lambda e: live.serve_remote(e, remote)) if remote.enabled else None,
                screenshot=args.screenshot,
                after_s=args.after,
                language=args.language,
            )
        )
    return asyncio.run(
        live.run_studio(sheet, data_dir, journal, config, auto_go=args.auto_go, remote=remote)
    )


def _remote_config(args: argparse.Namespace, paths: Paths) -> RemoteConfig | int:
    """The remote-control surfaces asked for (off unless named), or an exit status."""
    from media.remote.service import ControlAddressError, RemoteConfig, parse_address

    try:
        return RemoteConfig(
            http=parse_address(args.control_http) if args.control_http else None,
            osc=parse_address(args.control_osc) if args.control_osc else None,
            osc_feedback=tuple(parse_address(a) for a in args.osc_feedback),
            folder=paths.data / "control",
        )
    except ControlAddressError as exc:
        print(f"ceremony studio: {exc}", file=sys.stderr)
        return EXIT_INVALID


def cmd_venue(args: argparse.Namespace) -> int:
    import asyncio

    from launcher import live
    from media.venue import VenueConfig

    if not args.headless:
        if not _has_display():
            print("no display: use --headless, or run under a desktop or Xvfb", file=sys.stderr)
            return EXIT_FAILED
        from ceremony.invite import Invite
        from media.venue import VenueLink
        from ui.console.app import exit_now
        from ui.venue.app import run_venue_app

        _ice_config(args)
        text = live.invite_text(args.invite) if args.invite else ""
        paths = Paths.default()

        def make_link(invite: Invite, devices: tuple[str | None, ...]) -> VenueLink:
            camera, microphone, speaker = devices
            return live.make_venue_link(
                invite,
                video=args.video,
                config=VenueConfig(ice_servers=tuple(args.ice_server), speaker=speaker),
                # The command line wins over the choice made in the app.
                camera_spec=args.camera or camera,
                microphone=args.microphone or microphone,
            )

        exit_now(
            run_venue_app(
                make_link,
                paths.config / "venue.ini",
                invite_text=text.strip(),
                join_at_once=args.join,
                screenshot=args.screenshot,
                after_s=args.after,
                language=args.language,
            )
        )
    if not args.invite:
        print("venue --headless needs --invite", file=sys.stderr)
        return EXIT_INVALID
    try:
        invite = live.read_invite(args.invite)
    except live.InviteError as exc:
        print(f"invite: {exc}", file=sys.stderr)
        return EXIT_INVALID
    _ice_config(args)
    if args.count_only:
        from media.lightreceive import count_only_video

        count_only_video()
    config = VenueConfig(
        ice_servers=tuple(args.ice_server),
        speaker=args.speaker,
        program_sound=not args.no_program_sound,
    )
    if args.sim_net != "none" or args.sim_clock_offset or args.sim_drift_ppm or args.sim_true_time:
        from media.netsim import NetKind, NetProfile, SimClock

        config.clock = SimClock(args.sim_clock_offset, args.sim_drift_ppm, time.monotonic())
        config.net = NetProfile.make(
            NetKind(args.sim_net), args.sim_rtt_ms / 1000, args.sim_asymmetry_ms / 1000
        )
        config.sim_seed = args.sim_seed
        config.report_true_time = True
    config.latency_log = args.sim_latency_log
    return asyncio.run(
        live.run_venue(
            invite,
            video=args.video,
            config=config,
            media=not args.no_media,
            camera_spec=args.camera,
            microphone=args.microphone,
        )
    )


def cmd_devices(args: argparse.Namespace) -> int:
    from media.devices import DeviceError, list_audio_devices, list_cameras

    cameras = list_cameras()
    print("cameras (use with --camera):")
    for cam in cameras:
        print(f"  {cam.spec:14} {cam.name}")
    if not cameras:
        print("  none found (no /dev/video* devices); the test pattern will be sent")
    print("audio devices (use part of the name with --microphone):")
    try:
        devices = list_audio_devices()
    except DeviceError as exc:
        print(f"  {exc}")
        return EXIT_OK
    for d in devices:
        print(f"  [{d.host_api}] {d.name} (in {d.inputs}, out {d.outputs})")
    if not devices:
        print("  none found")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from launcher.report import write_report

    try:
        result, files = write_report(args.journal, args.out, args.language)
    except (OSError, ValueError) as exc:
        print(f"{args.journal}: cannot make a report ({exc})", file=sys.stderr)
        return EXIT_INVALID
    if result.truncated:
        print(
            f"{args.journal}: the last record was cut off mid-write; it is left out and the "
            "report says so",
            file=sys.stderr,
        )
    for problem in result.journal_problems:
        print(problem, file=sys.stderr)
    for path in files:
        print(path)
    return EXIT_OK


def cmd_screenshots(args: argparse.Namespace) -> int:
    if not _has_display():
        print("no display: run under Xvfb (xvfb-run -a ceremony screenshots)", file=sys.stderr)
        return EXIT_FAILED
    from launcher.screenshots import take
    from ui.console.app import exit_now

    exit_now(take(args.out, args.language or "id"))
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check, from a venue's own network, what will work on the day (Indonesian report)."""
    import asyncio
    import json

    from ceremony.doctor import report_lines
    from launcher import live
    from media.netcheck import run_checks

    try:
        invite = live.read_invite(args.invite)
    except (live.InviteError, OSError) as exc:
        print(f"invite: {exc}", file=sys.stderr)
        return EXIT_INVALID
    findings = asyncio.run(run_checks(invite))
    if args.json:
        print(json.dumps(dataclasses.asdict(findings) | {"verdict": findings.verdict()}, indent=2))
    else:
        print("\n".join(report_lines(findings)))
    return EXIT_FAILED if findings.verdict() == "blocked" else 0


def cmd_bench(args: argparse.Namespace) -> int:
    from launcher import bench

    return bench.main(args)


def _has_display() -> bool:
    import os

    return bool(
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM") in ("offscreen", "xcb", "wayland")
    )


def _gui_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--screenshot",
        type=Path,
        default=None,
        help="render the window after --after seconds, save a PNG, exit",
    )
    p.add_argument("--after", type=float, default=10.0)
    p.add_argument("--language", choices=["id", "en"], default=None)


def _video_format(text: str) -> object:
    from media.program import VideoFormat

    try:
        return VideoFormat.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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

    d = sub.add_parser("demo", help="a studio and N venue processes run the sample ceremony")
    d.add_argument("--headless", action="store_true", help="no GUI; progress in the terminal")
    d.add_argument("--runsheet", type=Path, default=None)
    d.add_argument("--duration", type=float, default=60.0, help="compress the run-sheet to S s")
    d.add_argument("--venues", type=int, default=11)
    d.add_argument("--out", type=Path, default=Path("demo-out"))
    d.add_argument("--program", type=_video_format, default="640x360@15")
    d.add_argument("--venue-video", type=_video_format, default="320x180@15")
    d.add_argument("--kill-venue", default=None, help="SIGKILL this venue mid-demo, restart it")
    d.add_argument("--kill-at", type=float, default=20.0)
    d.add_argument("--restart-after", type=float, default=5.0)
    d.add_argument("--sequencer-only", action="store_true", help="no media: the sequencer alone")
    d.add_argument(
        "--no-record",
        action="store_true",
        help="do not record (by default the program and every venue go to DIR/recordings)",
    )
    _gui_arguments(d)
    d.set_defaults(func=cmd_demo)

    inv = sub.add_parser("invites", help="write one invite (text + QR PNG) per venue")
    inv.add_argument("runsheet", type=Path)
    inv.add_argument("--out", type=Path, required=True)
    inv.add_argument(
        "--address",
        action="append",
        required=True,
        help="HOST:PORT venues use to reach the studio (repeatable)",
    )
    inv.add_argument("--valid-days", type=float, default=14.0)
    inv.add_argument("--data-dir", type=Path, default=None)
    inv.set_defaults(func=cmd_invites)

    st = sub.add_parser("studio", help="run the studio")
    st.add_argument("--headless", action="store_true")
    st.add_argument("--runsheet", type=Path, default=None)
    st.add_argument("--host", default="0.0.0.0")
    st.add_argument("--port", type=int, default=8443)
    st.add_argument("--program", type=_video_format, default="640x360@15")
    st.add_argument("--journal", type=Path, default=None)
    st.add_argument("--data-dir", type=Path, default=None)
    st.add_argument("--auto-go", action="store_true", help="stand-in operator presses GO")
    st.add_argument("--camera", default=None, help="camera index or device path")
    st.add_argument("--microphone", default=None, help="part of the input device's name")
    st.add_argument("--media-dir", type=Path, default=None, help="where file: sources are")
    st.add_argument(
        "--record-dir",
        type=Path,
        default=None,
        help="where the recordings go (default: a folder per ceremony in your Videos folder)",
    )
    st.add_argument("--no-record", action="store_true", help="do not record")
    st.add_argument(
        "--control-http",
        metavar="HOST:PORT",
        default=None,
        help="HTTP control API, feed and speaker timer page (loopback unless a host is named)",
    )
    st.add_argument("--control-osc", metavar="HOST:PORT", default=None, help="OSC control (UDP)")
    st.add_argument(
        "--osc-feedback",
        metavar="HOST:PORT",
        action="append",
        default=[],
        help="send OSC state feedback here (repeatable)",
    )
    _gui_arguments(st)
    _ice_arguments(st)
    st.add_argument(
        "--turn-url",
        default=None,
        metavar="turn:HOST:PORT",
        help="TURN server the venues relay through when nothing direct works (docs/networks.md)",
    )
    st.add_argument(
        "--turn-secret-file",
        type=Path,
        default=None,
        help="file (chmod 600) holding the TURN server's static-auth-secret",
    )
    st.set_defaults(func=cmd_studio)

    ve = sub.add_parser("venue", help="run a venue")
    ve.add_argument("--headless", action="store_true")
    ve.add_argument("--invite", default=None, help="the invite string, or a file holding it")
    ve.add_argument("--join", action="store_true", help="join at once with --invite (GUI)")
    ve.add_argument("--video", type=_video_format, default="320x180@15")
    ve.add_argument("--no-media", action="store_true", help="data channels only (clock benches)")
    ve.add_argument(
        "--count-only",
        action="store_true",
        help="benchmark harness: count program frames without decoding them",
    )
    ve.add_argument("--camera", default=None, help="camera index or device path")
    ve.add_argument("--microphone", default=None, help="part of the input device's name")
    ve.add_argument(
        "--speaker", default=None, help="part of the output device's name (program and siren)"
    )
    ve.add_argument(
        "--no-program-sound",
        action="store_true",
        help="play only the siren, not the program (venues sharing one machine's speaker)",
    )
    _gui_arguments(ve)
    _ice_arguments(ve)
    sim = ve.add_argument_group(
        "simulation (rehearsal harness only: shifts this venue's clock and impairs its data "
        "channels, and reports true fire times)"
    )
    sim.add_argument("--sim-clock-offset", type=float, default=0.0, metavar="S")
    sim.add_argument("--sim-drift-ppm", type=float, default=0.0, metavar="P")
    sim.add_argument("--sim-net", choices=["none", "lan", "wan", "bad"], default="none")
    sim.add_argument("--sim-rtt-ms", type=float, default=0.0)
    sim.add_argument(
        "--sim-asymmetry-ms",
        type=float,
        default=0.0,
        help="mean forward (venue to studio) minus mean return delay",
    )
    sim.add_argument("--sim-seed", type=int, default=0)
    sim.add_argument("--sim-true-time", action="store_true", help="report true fire times")
    sim.add_argument(
        "--sim-latency-log", type=Path, default=None, help="append each frame's latency (ms)"
    )
    ve.set_defaults(func=cmd_venue)

    rp = sub.add_parser("report", help="the as-run report (HTML, CSV, PDF) from a journal")
    rp.add_argument("journal", type=Path)
    rp.add_argument("--out", type=Path, required=True)
    rp.add_argument("--language", choices=["id", "en"], default="id")
    rp.set_defaults(func=cmd_report)

    sc = sub.add_parser("screenshots", help="capture the venue app's screens (under Xvfb)")
    sc.add_argument("--out", type=Path, default=Path("docs"))
    sc.add_argument("--language", choices=["id", "en"], default=None)
    sc.set_defaults(func=cmd_screenshots)

    dv = sub.add_parser("devices", help="list cameras and audio devices")
    dv.set_defaults(func=cmd_devices)

    from launcher import ctl

    ctl.add_parser(sub)

    dr = sub.add_parser("doctor", help="check a venue's network before the day (Indonesian)")
    dr.add_argument("--invite", required=True, help="the invite string, or a file holding it")
    dr.add_argument("--json", action="store_true", help="the findings as JSON")
    dr.set_defaults(func=cmd_doctor)

    be = sub.add_parser("bench", help="benchmarks (JSON out)")
    be_sub = be.add_subparsers(dest="bench", required=True)
    bs = be_sub.add_parser("session", help="join times, frame rates, loss detection, rejoin")
    bs.add_argument("--venues", type=int, default=11)
    bs.add_argument("--duration", type=float, default=40.0)
    bs.add_argument("--out", type=Path, default=Path("bench-out/session"))
    bs.add_argument("--json", action="store_true", help="print the result as JSON")
    bs.set_defaults(func=cmd_bench)
    br = be_sub.add_parser("remote", help="HTTP/OSC control against a live studio")
    br.add_argument("--venues", type=int, default=11)
    br.add_argument("--rate", type=float, default=200.0, help="request loop, requests/s")
    br.add_argument("--load-s", type=float, default=30.0, help="request loop duration")
    br.add_argument("--out", type=Path, default=Path("bench-out/remote"))
    br.add_argument("--json", action="store_true", help="print the result as JSON")
    br.set_defaults(func=cmd_bench)

    sy = be_sub.add_parser("sync", help="countdown fire-time spread against true time")
    sy.add_argument("--venues", type=int, default=11)
    sy.add_argument("--net", choices=["lan", "wan", "bad"], default="lan")
    sy.add_argument("--clock-offset-max", type=float, default=60.0, metavar="S")
    sy.add_argument("--drift-ppm", type=float, default=100.0)
    sy.add_argument("--asymmetry-ms", type=float, default=20.0)
    sy.add_argument("--trials", type=int, default=20)
    sy.add_argument("--lead", type=float, default=10.0, help="arm this many seconds ahead")
    sy.add_argument(
        "--media", action="store_true", help="venues also send and receive media (the live load)"
    )
    sy.add_argument("--seed", type=int, default=1)
    sy.add_argument("--out", type=Path, default=Path("bench-out/sync"))
    sy.add_argument("--json", action="store_true")
    sy.set_defaults(func=cmd_bench)
    fo = be_sub.add_parser("fanout", help="program fan-out: encode once vs one encoder per venue")
    fo.add_argument("--venues", type=int, default=11)
    fo.add_argument("--program", type=_video_format, default="1280x720@30")
    fo.add_argument("--venue-video", type=_video_format, default="640x360@15")
    fo.add_argument("--duration", type=float, default=30.0)
    fo.add_argument("--naive", action="store_true", help="one encoder per venue (plain aiortc)")
    fo.add_argument("--both", action="store_true", help="encode-once then naive, one report")
    fo.add_argument("--bitrate", type=int, default=2_500_000)
    fo.add_argument("--out", type=Path, default=Path("bench-out/fanout"))
    fo.add_argument("--json", action="store_true")
    fo.set_defaults(func=cmd_bench)
    ne = be_sub.add_parser("network", help="venues behind real NAT, a UDP firewall and TURN (root)")
    ne.add_argument("--program", type=_video_format, default="1280x720@30")
    ne.add_argument("--bitrate", type=int, default=2_500_000)
    ne.add_argument("--venue-video", type=_video_format, default="320x180@15")
    ne.add_argument("--duration", type=float, default=30.0, help="seconds of frame-rate samples")
    ne.add_argument("--countdowns", type=int, default=3)
    ne.add_argument("--join-timeout", type=float, default=40.0)
    ne.add_argument("--out", type=Path, default=Path("bench-out/network"))
    ne.add_argument("--json", action="store_true", help="print the result as JSON")
    ne.set_defaults(func=cmd_bench)
    return p


def _ice_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--ice-server",
        action="append",
        default=[],
        help="stun:HOST:PORT or turn:USER:PASS@HOST:PORT (default: none)",
    )
    p.add_argument(
        "--ice-address",
        action="append",
        default=[],
        help="local address for ICE host candidates (repeatable; default: all)",
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The event loop shares the GIL with aiortc's codec threads; a short switch interval keeps
    # it from waiting up to 5 ms behind each of them (heartbeats, RTCP, data channels).
    sys.setswitchinterval(0.0005)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    rc: int = args.func(args)
    return rc


if __name__ == "__main__":
    sys.exit(main())
