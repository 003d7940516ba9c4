"""`ceremony …`: the command-line front end."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ceremony import runsheet
from ceremony.invite_link import invite_from_link, invite_url
from ceremony.runsheet import RunsheetError
from ceremony.runsheet.fields import format_duration
from ceremony.sequencer import Sequencer
from ceremony.timebase import format_wall
from launcher.paths import Paths
from media import clock, runsheet_files
from media.version import describe

if TYPE_CHECKING:  # imported where used: `ceremony --version` stays quick
    from ceremony.turn import TurnServer
    from launcher.runs import FoundRun, Run
    from media.remote.service import RemoteConfig

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2


def _load_or_report(path: Path) -> runsheet.Runsheet | None:
    """The run-sheet, with every warning printed; None (every problem printed) if unusable."""
    notices: list[runsheet.Notice] = []
    try:
        sheet = runsheet_files.load(path, notices)
    except RunsheetError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{path}: {len(exc.problems)} problem(s); nothing was loaded", file=sys.stderr)
        return None
    for notice in notices:
        print(f"warning: {notice}", file=sys.stderr)
    return sheet


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


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def cmd_convert(args: argparse.Namespace) -> int:
    if runsheet.format_problem(args.output) is not None:  # refused before anything is written
        suffix = args.output.suffix or "(no extension)"
        print(
            f"{args.output}: cannot write {suffix}; a run-sheet is written as .yaml/.yml (YAML) "
            "or .csv/.tsv/.txt (CSV). For a spreadsheet, write a .csv and open it there: "
            f"ceremony runsheet convert {args.input} {args.output.with_suffix('.csv')}",
            file=sys.stderr,
        )
        return EXIT_INVALID
    if _same_file(args.input, args.output):
        print(
            f"{args.output}: is the input itself; converting in place would replace it and "
            "drop its comments. Write to a new file, e.g. "
            f"ceremony runsheet convert {args.input} "
            f"{args.input.with_name(args.input.stem + '-converted' + args.output.suffix)}",
            file=sys.stderr,
        )
        return EXIT_INVALID
    sheet = _load_or_report(args.input)
    if sheet is None:
        return EXIT_INVALID
    try:
        runsheet_files.save(sheet, args.output)
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
        rehearsal=args.rehearsal,
    )
    if args.kill_venue:
        options.incidents.append(
            demo.Incident("kill", args.kill_venue, args.kill_at, args.restart_after)
        )
    if not args.headless and _has_display():
        from ui.console.app import exit_now, run_console

        runner = demo.Demo(sheet, options, sys.stdout)
        code = run_console(
            demo.fit_venues(sheet, args.venues).scaled(args.duration),
            runner.prepare,
            paths.config / "console.ini",
            after_start=runner.rehearse,
            on_stop=runner.stop_venues,
            screenshot=args.screenshot,
            after_s=args.after,
            language=args.language,
            rehearsal=args.rehearsal,
            quit_after_run_s=None if args.screenshot else 5.0,  # the demo ends by itself
        )
        if runner.result is not None:  # it ran to its end: the recording is closed now
            runner.finish(runner.result)
            print(f"report: {args.out / 'report.json'}")
        exit_now(code)
    report = asyncio.run(demo.Demo(sheet, options, sys.stdout).run())
    print(demo.summarize(report))
    print(f"report: {args.out / 'report.json'}")
    return EXIT_OK


INVITE_MARGIN_DAYS = 2.0  # invites stay valid this long after the ceremony's day ends


def parse_address(text: str) -> tuple[str, int] | None:
    """HOST:PORT or [IPv6]:PORT; None when there is no usable port (the venue would dial 443)."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        return None
    if ":" in host and not (host.startswith("[") and host.endswith("]")):
        return None  # a bare IPv6 address: its last group is not a port
    number = int(port)
    if not 1 <= number <= 65535:
        return None
    return host.strip("[]"), number


def invite_expiry(sheet: runsheet.Runsheet, now: float, valid_days: float | None) -> float:
    """`valid_days` from now, or by default the end of the ceremony's day (in its time zone)
    plus INVITE_MARGIN_DAYS."""
    import datetime as dt
    import zoneinfo

    if valid_days is not None:
        return now + valid_days * 86400
    c = sheet.ceremony
    day_after = dt.datetime.combine(c.date + dt.timedelta(days=1), dt.time(0, 0))
    end_of_day = day_after.replace(tzinfo=zoneinfo.ZoneInfo(c.timezone))
    return end_of_day.timestamp() + INVITE_MARGIN_DAYS * 86400


def cmd_invites(args: argparse.Namespace) -> int:
    import qrcode

    from launcher.messages import pick_language
    from media.identity import ensure_identity
    from media.private_files import make_private_dir, open_private, write_private

    en = pick_language(None) == "en"
    for address in args.address:
        if parse_address(address) is None:
            print(
                f"--address {address}: needs HOST:PORT, e.g. 192.168.1.10:8443 (without a port "
                "the venues would dial port 443)"
                if en
                else f"--address {address}: harus HOST:PORT, mis. 192.168.1.10:8443 (tanpa port "
                "lokasi akan menghubungi port 443)",
                file=sys.stderr,
            )
            return EXIT_INVALID
    if args.valid_days is not None and not args.valid_days > 0:
        print(
            f"--valid-days {args.valid_days:g}: must be more than 0"
            if en
            else f"--valid-days {args.valid_days:g}: harus lebih dari 0",
            file=sys.stderr,
        )
        return EXIT_INVALID
    sheet = _load_or_report(args.runsheet)
    if sheet is None:
        return EXIT_INVALID
    now = time.time()
    expires = invite_expiry(sheet, now, args.valid_days)
    tz = sheet.ceremony.timezone
    if expires <= now:
        print(
            f"the ceremony's date {sheet.ceremony.date} has passed: the invites would already "
            "be expired; give --valid-days N"
            if en
            else f"tanggal acara {sheet.ceremony.date} sudah lewat: undangan akan langsung "
            "kedaluwarsa; beri --valid-days N",
            file=sys.stderr,
        )
        return EXIT_INVALID
    paths = Paths.default()
    hosts = [(parse_address(a) or ("", 0))[0] for a in args.address]
    identity = ensure_identity(args.data_dir or paths.data / "studio", hosts)
    make_private_dir(args.out)  # invites carry tokens: 0600 files in a 0700 folder
    until = _local_stamp(expires, tz)
    for venue in sheet.venues:
        invite = identity.invite(sheet, venue.id, args.address, expires)
        text = invite.to_string()
        write_private(args.out / f"{venue.id}.invite.txt", (text + "\n").encode())
        # The QR code holds the link: a phone or laptop camera opens the venue app with it.
        with open_private(args.out / f"{venue.id}.invite.png", append=False) as png:
            qrcode.make(invite_url(text)).save(png)
        print(f"{venue.id}: {args.out / (venue.id + '.invite.txt')} (+ .png), expires {until}")
    print(f"studio certificate fingerprint {identity.certificate.fingerprint}")
    return EXIT_OK


def _local_stamp(wall: float, tz: str) -> str:
    """`2026-12-22 00:00 (Asia/Jakarta)`."""
    import datetime as dt
    import zoneinfo

    local = dt.datetime.fromtimestamp(wall, zoneinfo.ZoneInfo(tz))
    return f"{local:%Y-%m-%d %H:%M} ({tz})"


def _ice_config(args: argparse.Namespace) -> None:
    from media import aiortc_compat
    from media.ice import enlarge_socket_buffers, pin_host_addresses

    aiortc_compat.verify()  # an aiortc/aioice this build was not tested with: say so loudly
    enlarge_socket_buffers()
    if args.ice_address:
        pin_host_addresses(args.ice_address)


def _repair_unfinished(paths: Paths, ceremony_id: str) -> None:
    """Runs a killed studio left open: their recordings get their chapters back now."""
    from launcher import runs

    for journal in runs.all_journals(paths, ceremony_id):
        for line in runs.repair(journal):
            print(line, file=sys.stderr)


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


def cmd_studio(args: argparse.Namespace) -> int:
    import asyncio

    from launcher import live, runs
    from launcher.messages import pick_language
    from media.studio import StudioConfig

    language = pick_language(args.language)
    paths = Paths.default()
    sheet_path = args.runsheet
    gui = not args.headless
    if gui and not _has_display():
        print("no display: use --headless, or run under a desktop or Xvfb", file=sys.stderr)
        return EXIT_FAILED
    if sheet_path is None and gui:
        from ui.console.app import remembered_runsheet

        sheet_path = remembered_runsheet(paths.config / "console.ini")  # the last one used
    if args.sfu_cascade and args.sfu is None:
        print("--sfu-cascade needs --sfu (the Janus the studio publishes to)", file=sys.stderr)
        return EXIT_INVALID
    sheet_path = sheet_path or paths.sample_runsheet()
    sheet = _load_or_report(sheet_path)
    if sheet is None:
        return EXIT_INVALID
    _tag_logs(args, sheet.ceremony.id)
    if gui:  # the engine is a process of its own; this console attaches to it
        return _studio_console(args, paths, sheet, sheet_path, language)
    _ice_config(args)
    turn = _turn_config(args)
    if isinstance(turn, int):
        return turn
    rehearsal = args.rehearsal
    # A run a crash interrupted is taken over (same run id) unless a new one is asked for.
    resume_from = None
    unfinished = runs.find_unfinished(paths, sheet.ceremony.id, args.journal)
    if unfinished is not None and not args.new_run:
        from launcher.resume_text import not_resumed

        if unfinished.too_old and not args.resume:
            print(not_resumed(unfinished), file=sys.stderr, flush=True)
        else:
            resume_from = unfinished.journal
    _repair_unfinished(paths, sheet.ceremony.id)
    if resume_from is not None:
        from launcher.resume_text import resuming

        for line in runs.repair(resume_from):  # a --journal outside the runs folder
            print(line, file=sys.stderr)
        run = runs.resume_run(
            paths, resume_from, record=not args.no_record, record_dir=args.record_dir
        )
        print(resuming(run, sheet), file=sys.stderr, flush=True)
        sheet = run.resume.sequencer.sheet if run.resume else sheet  # as the run has it
    else:
        run = runs.new_run(
            paths,
            sheet,
            rehearsal=rehearsal,
            record=not args.no_record,
            record_dir=args.record_dir,
            journal=args.journal,
        )
    config = StudioConfig(
        turn=turn[0],
        turn_secret=turn[1],
        host=args.host,
        port=args.port,
        ice_servers=tuple(args.ice_server),
        program=args.program,
        camera=args.camera,
        microphone=args.microphone,
        media_dir=args.media_dir or sheet_path.resolve().parent,
        record_dir=run.record_dir,
        sfu=args.sfu.with_cascade(args.sfu_cascade) if args.sfu else None,
    )
    data_dir = args.data_dir or paths.data / "studio"
    remote = _remote_config(args, paths, rehearsal=run.info.rehearsal)
    if isinstance(remote, int):
        _remove_empty(run)
        return remote
    try:
        runs.check_port(config.host, config.port, language)
        if run.record_dir is not None:
            runs.check_recording_folder(
                run.record_dir,
                sheet.planned_duration_s,
                config.program_bitrate + 64_000,
                language,
            )
        if run.resume is None:
            runs.check_journal(run.journal, language)
    except runs.StartupError as exc:
        _remove_empty(run)
        return _startup_failed(exc.text, gui, language)
    lock = runs.hold_run_lock(run.journal)  # held until this process ends  # noqa: F841
    try:
        return asyncio.run(
            live.run_studio(
                sheet,
                data_dir,
                run,
                config,
                auto_go=args.auto_go,
                language=language,
                remote=remote,
                link_folder=paths.data / "control",
            )
        )
    except runs.StartupError as exc:
        _remove_empty(run)
        return _startup_failed(exc.text, gui, language)


def _studio_console(
    args: argparse.Namespace,
    paths: Paths,
    sheet: runsheet.Runsheet,
    sheet_path: Path,
    language: str,
) -> int:
    """Attach a console to the ceremony's engine process, starting it first if none runs."""
    import signal

    from launcher import studio_attach
    from media.operator_link.framing import socket_path
    from media.remote.endpoint import load_token
    from ui.bridge import LinkHost
    from ui.console.app import EXIT_NO_ENGINE, ask_rehearsal, run_console_client

    ceremony_id = sheet.ceremony.id
    folder = paths.data / "control"
    token = load_token(folder)
    path = socket_path(folder, ceremony_id)
    spawned = None
    if not studio_attach.engine_answers(path, token):
        if args.watch:
            print(f"no studio engine runs for {ceremony_id}: nothing to watch", file=sys.stderr)
            return EXIT_FAILED
        rehearsal = args.rehearsal
        from launcher import runs

        unfinished = (
            None if args.new_run else runs.find_unfinished(paths, ceremony_id, args.journal)
        )
        resumes = unfinished is not None and (args.resume or not unfinished.too_old)
        if not rehearsal and not resumes and args.screenshot is None:
            answer = ask_rehearsal(sheet.ceremony.title, language)
            if answer is None:
                return EXIT_FAILED  # the operator closed the question: nothing was started
            rehearsal = answer
        output = paths.logs / f"engine-{ceremony_id}.out"
        command = studio_attach.engine_argv(args.argv, sheet_path, rehearsal=rehearsal)
        log.info("starting the studio engine: %s", " ".join(command))
        spawned = studio_attach.spawn_engine(command, output)
        failure = studio_attach.wait_for_engine(path, token, spawned, output)
        if failure is not None:
            return _startup_failed(failure, True, language)
    elif args.runsheet is not None:
        print(f"attaching to the running studio engine of {ceremony_id}", file=sys.stderr)
    if args.runsheet is not None and not args.watch:
        from ui.console.app import remember_runsheet

        remember_runsheet(paths.config / "console.ini", args.runsheet)
    from launcher import studio_priority

    # The engine is the ceremony, the console a viewer: on short cores the engine runs first.
    engine = studio_attach.engine_pid(path, token) if args.console_nice > 0 else None
    studio_priority.yield_to_engine(engine, args.console_nice)
    host = LinkHost(path, token, want_control=not args.watch)
    code = run_console_client(
        host,
        paths.config / "console.ini",
        screenshot=args.screenshot,
        after_s=args.after,
        language=args.language,
    )
    if code == EXIT_NO_ENGINE:
        return _startup_failed("the studio engine did not answer", True, language)
    if spawned is not None and args.screenshot is not None:
        spawned.send_signal(signal.SIGTERM)  # a screenshot's engine ends with it
        spawned.wait(60)
    return code


def _remote_config(
    args: argparse.Namespace, paths: Paths, *, rehearsal: bool
) -> RemoteConfig | int:
    """The remote-control surfaces asked for (off unless named), or an exit status."""
    from media.remote.service import ControlAddressError, RemoteConfig, parse_address

    try:
        return RemoteConfig(
            http=parse_address(args.control_http) if args.control_http else None,
            osc=parse_address(args.control_osc) if args.control_osc else None,
            osc_feedback=tuple(parse_address(a) for a in args.osc_feedback),
            folder=paths.data / "control",
            rehearsal=rehearsal,
        )
    except ControlAddressError as exc:
        print(f"ceremony studio: {exc}", file=sys.stderr)
        return EXIT_INVALID


def _startup_failed(text: str, gui: bool, language: str) -> int:
    print(text, file=sys.stderr)
    if gui:
        from ui.console.app import show_failure

        show_failure(text, language)
    return EXIT_FAILED


def _remove_empty(run: Run) -> None:
    """A run that never started leaves no empty journal or folder behind."""
    import contextlib

    with contextlib.suppress(OSError):
        if run.journal.stat().st_size == 0:
            run.journal.unlink()
    for folder in (run.journal.parent, run.record_dir):
        with contextlib.suppress(OSError):
            if folder is not None:
                folder.rmdir()  # only when empty


def cmd_venue(args: argparse.Namespace) -> int:
    import asyncio

    from launcher import live
    from launcher.messages import pick_language
    from media.venue import VenueConfig

    args.invite = args.invite or args.link  # `ceremony venue ceremony://join?invite=…`
    if not args.headless:
        if not _has_display():
            print("no display: use --headless, or run under a desktop or Xvfb", file=sys.stderr)
            return EXIT_FAILED
        from PySide6.QtCore import QSettings

        from ceremony.invite import Invite
        from launcher import studio_attach, venue_attach
        from media.remote.endpoint import load_token
        from ui.console.app import exit_now
        from ui.venue.app import run_venue_app
        from ui.venue.devices import stored_hall_latency
        from ui.venue.remote_host import RemoteVenueHost

        text = invite_from_link(live.invite_text(args.invite)) if args.invite else ""
        _log_invite(args, text)
        paths = Paths.default()
        # The link runs as a process of its own (launcher/venue_attach.py): the window's
        # crash leaves the hall's siren and fire report alive.
        folder = paths.data / "control"
        token = load_token(folder)
        output = paths.logs / "venue-link.out"

        def make_host(invite: Invite, devices: tuple[str | None, ...]) -> RemoteVenueHost:
            camera, microphone, speaker = devices
            _tag_logs(args, invite.ceremony_id)
            # The hall delay measured for this speaker and microphone in the device check.
            stored = QSettings(str(paths.config / "venue.ini"), QSettings.Format.IniFormat)
            hall = stored_hall_latency(stored, speaker, microphone)
            choice = venue_attach.LinkChoice(
                video=str(args.video),
                # The command line wins over the choice made in the app.
                camera=args.camera or camera,
                microphone=args.microphone or microphone,
                speaker=speaker,
                hall_latency_ms=args.hall_latency_ms or (hall or 0.0) * 1000,
                ice_servers=tuple(args.ice_server),
                ice_addresses=tuple(args.ice_address),
            )
            place = venue_attach.link_command(folder, invite, choice)
            command = place.command() or []
            return RemoteVenueHost(
                place.socket, token, lambda: studio_attach.spawn_engine(command, output)
            )

        def running() -> RemoteVenueHost | None:
            place = venue_attach.running_link(folder, token)
            if place is None:
                return None
            command = place.command()
            spawn = (lambda: studio_attach.spawn_engine(command, output)) if command else None
            return RemoteVenueHost(place.socket, token, spawn, running=True)

        exit_now(
            run_venue_app(
                make_host,
                paths.config / "venue.ini",
                running=running,
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
    _tag_logs(args, invite.ceremony_id)
    _ice_config(args)
    if args.count_only:
        from media.aiortc_compat import count_only_video

        count_only_video()
    config = VenueConfig(
        ice_servers=tuple(args.ice_server),
        speaker=args.speaker,
        program_sound=not args.no_program_sound,
        hall_latency_s=args.hall_latency_ms / 1000,
        realtime=not args.no_realtime,
        siren_band=args.sim_siren_band,
    )
    if args.sim_cut_s:
        import signal

        from media.netsim import LinkCut

        cut = config.link_cut = LinkCut()
        cut_s = args.sim_cut_s
        signal.signal(signal.SIGUSR1, lambda *_: setattr(cut, "until", time.monotonic() + cut_s))
    if args.sim_net != "none" or args.sim_clock_offset or args.sim_drift_ppm or args.sim_true_time:
        from media.netsim import NetKind, NetProfile, SimClock

        sim = config.clock = SimClock(args.sim_clock_offset, args.sim_drift_ppm, time.monotonic())
        config.true_of = sim.host_of
        config.net = NetProfile.make(
            NetKind(args.sim_net), args.sim_rtt_ms / 1000, args.sim_asymmetry_ms / 1000
        )
        config.sim_seed = args.sim_seed
        config.report_true_time = True
    if args.sim_ns_offset:
        # In a time namespace the kernel shifts this process's monotonic clock by a whole
        # number of seconds; only the true-time report (harness) takes it back out.
        ns_offset, shifted = args.sim_ns_offset, config.true_of
        config.true_of = lambda reading: shifted(reading) - ns_offset
    config.latency_log = args.sim_latency_log
    return asyncio.run(
        live.run_venue(
            invite,
            video=args.video,
            config=config,
            media=not args.no_media,
            camera_spec=args.camera,
            microphone=args.microphone,
            language=pick_language(args.language),
            window_folder=Paths.default().data / "control" if args.window_link else None,
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


def cmd_calibrate(args: argparse.Namespace) -> int:
    """The hall's output latency, measured with a chirp from the speaker into the microphone."""
    import json

    from media.calibration import CalibrationError, measure

    try:
        first = measure(args.speaker, args.microphone)
        result: dict[str, object] = {
            "latency_ms": round(first.latency_s * 1000, 3),
            "score": round(first.score, 1),
            "output_method": first.output_method.value,
            "input_method": first.input_method.value,
            "chirps_heard": first.heard,
            "spread_ms": round(first.spread_s * 1000, 3),
            "readings_ms": [round(x * 1000, 3) for x in first.readings_s],
        }
        if args.verify:
            # Played again advanced by the measurement: what is left is the compensation's error.
            check = measure(args.speaker, args.microphone, advance_s=first.latency_s)
            result["residual_ms"] = round((check.latency_s - check.advance_s) * 1000, 3)
            result["residual_readings_ms"] = [
                round((x - check.advance_s) * 1000, 3) for x in check.readings_s
            ]
    except (CalibrationError, OSError) as exc:
        print(f"calibration failed / kalibrasi gagal: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"hall latency / latensi aula: {result['latency_ms']} ms "
            f"(start the venue with --hall-latency-ms {result['latency_ms']})"
        )
        if "residual_ms" in result:
            print(f"left after compensation / sisa setelah kompensasi: {result['residual_ms']} ms")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """The as-run report of one run. Refused (exit 2) when the journal mixes runs and no
    --run picks one, when the journal contradicts its own run-sheet hash, or when --runsheet
    is not the run-sheet the run used."""
    from ceremony.runs import effective_runsheet_sha256, integrity_problems, runsheet_sha256
    from launcher import runs
    from launcher.report import write_report

    paths = Paths.default()
    target = args.journal
    if target.is_dir():
        target = target / runs.JOURNAL_NAME
    if not target.exists():
        found = runs.find_run(paths, str(args.journal))
        if not found:
            print(f"{args.journal}: no such journal, run folder or run id", file=sys.stderr)
            return EXIT_INVALID
        target = found[0].journal
        args.run = args.run or str(args.journal)
    for line in runs.repair(target):  # a crash left recordings open: chapters back first
        print(line, file=sys.stderr)
    found_runs = runs.runs_in(target)
    if not found_runs:
        print(f"{target}: cannot make a report (no journal header)", file=sys.stderr)
        return EXIT_INVALID
    if len(found_runs) > 1 and args.run is None:
        print(
            f"{target}: this journal holds {len(found_runs)} runs mixed in one file ("
            + ", ".join(f.segment.info.id for f in found_runs)
            + "); a report covers one run: choose it with --run ID",
            file=sys.stderr,
        )
        return EXIT_INVALID
    chosen = found_runs[0]
    if args.run is not None:
        matching = [f for f in found_runs if f.segment.info.id == args.run]
        if not matching:
            print(f"{target}: no run {args.run} in this journal", file=sys.stderr)
            return EXIT_INVALID
        chosen = matching[0]
    problems = integrity_problems(chosen.segment)
    if args.runsheet is not None:
        sheet = _load_or_report(args.runsheet)
        if sheet is None:
            return EXIT_INVALID
        if runsheet_sha256(sheet) != effective_runsheet_sha256(chosen.segment):
            problems.append(
                f"{args.runsheet} is not the run-sheet run {chosen.segment.info.id} used (it was "
                "changed since, or belongs to another ceremony): the report is made from the "
                "run-sheet in the journal, without --runsheet"
            )
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{target}: no report written", file=sys.stderr)
        return EXIT_INVALID
    journal = target
    default_out = "as-run" if len(found_runs) == 1 else f"as-run-{_safe(chosen.segment.info.id)}"
    out = args.out or target.parent / default_out
    if len(found_runs) > 1:
        # An old journal that collected several runs: this run's lines, as they were, apart.
        journal = out / f"journal-{_safe(chosen.segment.info.id)}.jsonl"
        out.mkdir(parents=True, exist_ok=True)
        _extract(target, chosen, journal)
    try:
        result, files = write_report(journal, out, args.language)
    except (OSError, ValueError) as exc:
        print(f"{journal}: cannot make a report ({exc})", file=sys.stderr)
        return EXIT_INVALID
    if result.truncated:
        print(
            f"{args.journal}: the last record was cut off mid-write; it is left out and the "
            "report says so",
            file=sys.stderr,
        )
    for problem in result.journal_problems:
        print(problem, file=sys.stderr)
    info = chosen.segment.info
    print(f"run {info.id} ({'rehearsal/GLADI' if info.rehearsal else 'live/RESMI'})")
    for path in files:
        print(path)
    return EXIT_OK


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


def _extract(journal: Path, run: FoundRun, into: Path) -> None:
    """Copy the lines of one run's records out of a journal holding several."""
    import msgspec

    wanted = {(r.seq, r.wall) for r in run.segment.records}
    lines = []
    for line in journal.read_bytes().split(b"\n"):
        try:
            record = msgspec.json.decode(line)
        except msgspec.DecodeError:
            continue
        if isinstance(record, dict) and (record.get("seq"), record.get("wall")) in wanted:
            lines.append(line)
    into.write_bytes(b"\n".join(lines) + b"\n")


def cmd_runs_list(args: argparse.Namespace) -> int:
    """Every run on this computer: id, rehearsal or live, start, end, items run, recordings."""
    import datetime as dt

    from ceremony.runs import summarize
    from launcher import runs

    paths = Paths.default()
    rows = []
    for journal in runs.all_journals(paths, args.ceremony):
        for found in runs.runs_in(journal):
            rows.append((found, summarize(found.segment)))
    if not rows:
        print(f"no runs under {paths.runs}")
        return EXIT_OK
    rows.sort(key=lambda r: r[1].started_wall)

    def stamp(wall: float | None, journal: Path | None = None) -> str:
        if wall is None:
            return "running" if journal is not None and runs.is_running(journal) else "unfinished"
        return dt.datetime.fromtimestamp(wall).strftime("%Y-%m-%d %H:%M:%S")

    header = f"{'run':20} {'mode':15} {'start':19}  {'end':19}  {'items':>7} {'rec':>3}  ceremony"
    print(header)
    print("-" * len(header))
    for found, s in rows:
        mode = "rehearsal/GLADI" if s.rehearsal else "live/RESMI"
        end = stamp(s.ended_wall, found.journal)
        print(
            f"{s.id:20} {mode:15} {stamp(s.started_wall):19}  {end:19}  "
            f"{s.items_run:>3}/{s.items_total:<3} {s.recordings:>3}  {s.title}"
        )
        if args.verbose_paths:
            print(f"{'':20} {found.journal}")
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


def cmd_bench_resume(args: argparse.Namespace) -> int:
    from launcher import bench_resume

    return bench_resume.main(args)


def cmd_bench(args: argparse.Namespace) -> int:
    from launcher import bench

    return bench.main(args)


def cmd_bench_resilience(args: argparse.Namespace) -> int:
    from launcher import bench_resilience

    return bench_resilience.main(args)


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


def _sfu_address(text: str) -> object:
    from media.sfu.program import SfuAddressError, SfuConfig

    try:
        return SfuConfig.parse(text)
    except SfuAddressError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ceremony", description="Hybrid state ceremonies.")
    p.add_argument("--version", action="version", version=describe())
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
    d.add_argument("--rehearsal", action="store_true", help="mark the run as a rehearsal (GLADI)")
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
    inv.add_argument(
        "--valid-days",
        type=float,
        default=None,
        help="valid this many days from now (default: until the ceremony's day ends, "
        f"in its time zone, plus {INVITE_MARGIN_DAYS:g} days)",
    )
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
        "--new-run",
        action="store_true",
        help="start a new run even if the last one was interrupted (default: resume it)",
    )
    st.add_argument(
        "--resume",
        action="store_true",
        help="take the last interrupted run over even if it stopped hours ago",
    )
    st.add_argument(
        "--control-http",
        metavar="HOST:PORT",
        default=None,
        help="HTTP control API, feed and speaker timer page (loopback unless a host is named)",
    )
    st.add_argument(
        "--sfu",
        type=_sfu_address,
        default=None,
        metavar="janus://HOST:PORT[/ROOM]",
        help="send the program's picture through this Janus VideoRoom (for many venues)",
    )
    st.add_argument(
        "--sfu-cascade",
        type=_sfu_address,
        action="append",
        default=[],
        metavar="janus://HOST:PORT",
        help="a further Janus fed by the --sfu one (repeatable); venues are split across all",
    )
    st.add_argument("--control-osc", metavar="HOST:PORT", default=None, help="OSC control (UDP)")
    st.add_argument(
        "--osc-feedback",
        metavar="HOST:PORT",
        action="append",
        default=[],
        help="send OSC state feedback here (repeatable)",
    )
    st.add_argument(
        "--rehearsal",
        action="store_true",
        help="this run is a rehearsal (GLADI): marked on every screen and in the report",
    )
    st.add_argument(
        "--watch",
        action="store_true",
        help="attach to the running engine as a watcher (a second seat, the protocol officer): "
        "commands only after taking control",
    )
    st.add_argument(
        "--console-nice",
        type=int,
        default=10,
        metavar="N",
        help="the console runs at this nice value, below the engine it shows (0: as started)",
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
    ve.add_argument(
        "link", nargs="?", default=None, help="a ceremony://join?invite=… link (or an invite)"
    )
    ve.add_argument(
        "--invite", default=None, help="the invite string or link, or a file holding it"
    )
    ve.add_argument("--join", action="store_true", help="join at once with --invite (GUI)")
    ve.add_argument(
        "--window-link",
        action="store_true",
        help="with --headless: serve the venue app's window on a local socket (the app does it)",
    )
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
        "--sim-ns-offset",
        type=float,
        default=0.0,
        metavar="S",
        help="this process runs in a time namespace S seconds ahead (true fire times only)",
    )
    sim.add_argument(
        "--sim-siren-band", type=int, default=None, metavar="N", help="a test siren in band N"
    )
    sim.add_argument(
        "--sim-cut-s",
        type=float,
        default=0.0,
        metavar="S",
        help="on SIGUSR1, cut the data channels for S seconds",
    )
    ve.add_argument(
        "--hall-latency-ms",
        type=float,
        default=0.0,
        help="the hall's calibrated output latency: the siren is started this much earlier",
    )
    ve.add_argument(
        "--no-realtime",
        action="store_true",
        help="fire without asking for real-time priority (as an ordinary user account)",
    )
    sim.add_argument(
        "--sim-latency-log", type=Path, default=None, help="append each frame's latency (ms)"
    )
    ve.set_defaults(func=cmd_venue)

    rp = sub.add_parser("report", help="the as-run report (HTML, CSV, PDF) of one run")
    rp.add_argument("journal", type=Path, help="a run id, a run's folder, or a journal file")
    rp.add_argument(
        "--out", type=Path, default=None, help="default: as-run/ beside the run's journal"
    )
    rp.add_argument("--run", default=None, help="the run, in an old journal holding several")
    rp.add_argument(
        "--runsheet", type=Path, default=None, help="refuse unless the run used this run-sheet"
    )
    rp.add_argument("--language", choices=["id", "en"], default="id")
    rp.set_defaults(func=cmd_report)

    ru = sub.add_parser("runs", help="the runs (rehearsals and live) on this computer")
    ru_sub = ru.add_subparsers(dest="action", required=True)
    rl = ru_sub.add_parser("list", help="id, rehearsal/live, start, end, items run, recordings")
    rl.add_argument("--ceremony", default=None, help="only this ceremony id")
    rl.add_argument("--paths", dest="verbose_paths", action="store_true", help="show journals")
    rl.set_defaults(func=cmd_runs_list)

    sc = sub.add_parser("screenshots", help="capture the venue app's screens (under Xvfb)")
    sc.add_argument("--out", type=Path, default=Path("docs"))
    sc.add_argument("--language", choices=["id", "en"], default=None)
    sc.set_defaults(func=cmd_screenshots)

    ca = sub.add_parser("calibrate", help="measure the hall's output latency (speaker to mic)")
    ca.add_argument("--speaker", default=None, help="part of the output device's name")
    ca.add_argument("--microphone", default=None, help="part of the input device's name")
    ca.add_argument("--verify", action="store_true", help="play again compensated and report")
    ca.add_argument("--json", action="store_true")
    ca.set_defaults(func=cmd_calibrate)

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
    rs = be_sub.add_parser(
        "resilience", help="the engine with its console attached, SIGKILLed and restarted"
    )
    rs.add_argument("--venues", type=int, default=11)
    rs.add_argument("--program", type=_video_format, default="640x360@15")
    rs.add_argument(
        "--phase-s", type=float, default=10.0, help="at least this many seconds per phase"
    )
    rs.add_argument("--rounds", type=int, default=4, help="headless/attached pairs (H A H A …)")
    rs.add_argument("--countdowns", type=int, default=3, help="countdowns in each phase")
    rs.add_argument(
        "--settle-s", type=float, default=20.0, help="start-up samples reported, not compared"
    )
    rs.add_argument(
        "--console-nice",
        type=int,
        default=None,
        metavar="N",
        help="start the console with this --console-nice (default: the console's own, 10)",
    )
    rs.add_argument(
        "--console-session",
        choices=["own", "shared"],
        default="own",
        help="the console in a session of its own (as `ceremony studio` runs it beside the "
        "engine it started) or in the engine's",
    )
    rs.add_argument("--out", type=Path, default=Path("bench-out/resilience"))
    rs.add_argument("--json", action="store_true", help="print the result as JSON")
    rs.set_defaults(func=cmd_bench_resilience)

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
    au = sy.add_argument_group(
        "audible (--audible: a private PulseAudio, venues in time namespaces, as root)"
    )
    au.add_argument(
        "--audible",
        action="store_true",
        help="record the sirens at an audio server and measure their audible spread",
    )
    au.add_argument(
        "--ns-offset-max",
        type=float,
        default=float(24 * 3600),
        metavar="S",
        help="kernel clock offsets drawn up to this (whole seconds, at most a day)",
    )
    au.add_argument("--no-realtime", action="store_true", help="venues without real-time priority")
    au.add_argument(
        "--both-priorities",
        action="store_true",
        help="each trial twice, same seed: at real-time and at ordinary priority, side by side",
    )
    au.add_argument("--cut-link", action="store_true", help="cut one venue's link 5 s before zero")
    au.add_argument(
        "--calibrate",
        action="store_true",
        help="check the hall calibration against a 40 ms loopback instead of running trials",
    )
    au.add_argument("--keep-recordings", action="store_true", help="keep each trial's room.raw")
    sy.set_defaults(func=cmd_bench)
    fo = be_sub.add_parser("fanout", help="program fan-out: encode once vs one encoder per venue")
    fo.add_argument("--venues", type=int, default=11)
    fo.add_argument("--program", type=_video_format, default="1280x720@30")
    fo.add_argument("--venue-video", type=_video_format, default="640x360@15")
    fo.add_argument("--duration", type=float, default=30.0)
    fo.add_argument("--naive", action="store_true", help="one encoder per venue (plain aiortc)")
    fo.add_argument("--both", action="store_true", help="encode-once then naive, one report")
    fo.add_argument(
        "--rungs", action="store_true", help="also a run with half the venues on the lower rung"
    )
    fo.add_argument("--bitrate", type=int, default=2_500_000)
    fo.add_argument("--out", type=Path, default=Path("bench-out/fanout"))
    fo.add_argument("--json", action="store_true")
    fo.set_defaults(func=cmd_bench)
    ab = be_sub.add_parser("abuse", help="strangers and a flooding venue against a real studio")
    from launcher.bench_abuse import add_arguments as abuse_arguments

    abuse_arguments(ab)
    ab.set_defaults(func=cmd_bench)
    rs = be_sub.add_parser("resume", help="the studio engine SIGKILLed mid-speech and restarted")
    from launcher.bench_resume import add_arguments as resume_arguments

    resume_arguments(rs)
    rs.set_defaults(func=cmd_bench_resume)

    fe = be_sub.add_parser("feeds", help="venues' feeds through Janus against direct (root)")
    from launcher.bench_feeds import add_arguments as feeds_arguments
    from launcher.bench_feeds import main as feeds_main

    feeds_arguments(fe)
    fe.set_defaults(func=feeds_main)

    sc = be_sub.add_parser("scale", help="up to 100 light venues through Janus (root)")
    from launcher.bench_scale import add_arguments as scale_arguments

    scale_arguments(sc)

    ne = be_sub.add_parser("network", help="venues behind real NAT, a UDP firewall and TURN (root)")
    ne.add_argument("--program", type=_video_format, default="1280x720@30")
    ne.add_argument("--bitrate", type=int, default=2_500_000)
    ne.add_argument("--venue-video", type=_video_format, default="320x180@15")
    ne.add_argument("--duration", type=float, default=30.0, help="seconds of frame-rate samples")
    ne.add_argument("--countdowns", type=int, default=3)
    ne.add_argument("--join-timeout", type=float, default=40.0)
    ne.add_argument(
        "--source",
        choices=("looped", "detail", "bars"),
        default="looped",
        help="program picture: detail that needs the top rung's bitrate, drawn once and looped "
        "(cheap) or drawn live (detail), or colour bars",
    )
    ne.add_argument(
        "--rung-cpu-phases",
        type=int,
        default=6,
        help="after the countdowns, alternate this many phases of one rung / two rungs to "
        "measure the studio's CPU for each (0: skip)",
    )
    ne.add_argument("--rung-phase-s", type=float, default=6.0, help="seconds per such phase")
    ne.add_argument(
        "--light-venues",
        type=int,
        default=None,
        help="run this many venues light (a clip for a camera, the program counted, not "
        "decoded; one process per LAN), the frame-counting ones first, the shaped and lossy "
        "venues last (default 8: all but three decoders; 0: every venue a `ceremony venue`)",
    )
    ne.add_argument(
        "--warm-start",
        action="store_true",
        help="start and import every venue first, then tell all to join at once",
    )
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
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if not (args.command == "studio" and not args.headless):
        # The event loop shares the GIL with aiortc's codec threads; a short switch interval
        # keeps it from waiting up to 5 ms behind each of them (heartbeats, RTCP, data
        # channels). The studio console is only a client of the engine's process: not there.
        sys.setswitchinterval(0.0005)
    args.log_setup = None
    if args.command in APPS:  # the apps a crew or an operator runs for hours: a log file
        from launcher.logs import setup_logging

        # The studio console and its engine are two processes: two log files, not one shared.
        name = "console" if args.command == "studio" and not args.headless else args.command
        if args.command == "venue" and args.window_link:
            name = "venue-link"  # the window and its link process: two log files too
        args.log_setup = setup_logging(Paths.default().logs, name, verbose=args.verbose)
    else:
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else logging.WARNING,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    rc: int = args.func(args)
    return rc


APPS = ("studio", "venue", "demo")


def _tag_logs(args: argparse.Namespace, ceremony_id: str) -> None:
    if args.log_setup is not None:
        args.log_setup.set_ceremony(ceremony_id)


def _log_invite(args: argparse.Namespace, text: str) -> None:
    """Which invite the join screen opens with: a clicked link leaves no other trace."""
    from ceremony.invite import InviteError, parse_invite

    if text:
        try:
            invite = parse_invite(text)
        except InviteError as exc:
            log.warning("the join screen opens with an invite it cannot read: %s", exc)
            return
        _tag_logs(args, invite.ceremony_id)
        log.info("the join screen opens with the invite for venue %s", invite.venue_id)


if __name__ == "__main__":
    sys.exit(main())
