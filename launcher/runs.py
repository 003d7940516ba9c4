"""Runs on disk: where a new run's journal and recordings go, the checks made before it starts,
finding runs again (`ceremony runs list`, `ceremony report RUN`), and repairing what a crash
left (recording chapters rebuilt from the journal)."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from ceremony import notes
from ceremony.journal import Record, RecordKind
from ceremony.resume import ResumeError, RunState, resume
from ceremony.runs import (
    RunInfo,
    RunSegment,
    make_run_id,
    runsheet_sha256,
    split_runs,
    unclosed_recordings,
)
from ceremony.runsheet import Runsheet
from launcher.messages import Failure, say
from launcher.paths import Paths
from media.clock import now as clock_now
from media.journal_reader import read_journal
from media.journal_writer import JournalWriter

log = logging.getLogger(__name__)

JOURNAL_NAME = "journal.jsonl"


class StartupError(Exception):
    """A reason the studio cannot start, as one sentence for the operator."""

    def __init__(self, failure: Failure, text: str) -> None:
        super().__init__(text)
        self.failure = failure
        self.text = text


@dataclass(frozen=True)
class Run:
    info: RunInfo
    journal: Path
    record_dir: Path | None
    resume: RunState | None = None  # an unfinished run taken over after a crash


def new_run(
    paths: Paths,
    sheet: Runsheet,
    *,
    rehearsal: bool,
    record: bool,
    record_dir: Path | None = None,
    journal: Path | None = None,
) -> Run:
    """A fresh run: its id (the local start time), its journal and recording folder."""
    ceremony_id = sheet.ceremony.id
    root = paths.runs / ceremony_id
    taken = {p.name for p in root.iterdir()} if root.is_dir() else set()
    run_id = make_run_id(time.strftime("%Y%m%d-%H%M%S"), taken)
    info = RunInfo(run_id, rehearsal, runsheet_sha256(sheet))
    folder = None
    if record:
        folder = (record_dir / run_id) if record_dir else paths.run_recordings(ceremony_id, run_id)
    return Run(info, journal or paths.run_dir(ceremony_id, run_id) / JOURNAL_NAME, folder)


# ---- checks before the studio starts ---------------------------------------------------


def check_journal(path: Path, language: str) -> None:
    """A journal that already holds a run would mix two runs: refused, as is one we cannot write."""
    if path.exists() and path.stat().st_size > 0:
        raise StartupError(
            Failure.JOURNAL_NOT_WRITABLE,
            say(
                Failure.JOURNAL_NOT_WRITABLE,
                language,
                path=path,
                reason="already holds another run" if language == "en" else "sudah berisi run lain",
            ),
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab"):
            pass
    except OSError as exc:
        raise StartupError(
            Failure.JOURNAL_NOT_WRITABLE,
            say(Failure.JOURNAL_NOT_WRITABLE, language, path=path, reason=_why(exc, language)),
        ) from None


def check_recording_folder(folder: Path, planned_s: float, bitrate_bps: int, language: str) -> None:
    """The folder can be created and written, and its disk holds the planned ceremony."""
    probe = folder / ".write-test"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(probe, "wb") as f:
            f.write(b"\0" * 4096)
            f.flush()
            os.fsync(f.fileno())
        probe.unlink()
        free = shutil.disk_usage(folder).free
    except OSError as exc:
        if _exists(probe):
            probe.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            free = 0
        else:
            raise StartupError(
                Failure.FOLDER_NOT_WRITABLE,
                say(
                    Failure.FOLDER_NOT_WRITABLE, language, folder=folder, reason=_why(exc, language)
                ),
            ) from None
    room_s = free * 8 / max(1, bitrate_bps)
    if room_s < planned_s:
        raise StartupError(
            Failure.DISK_FULL,
            say(
                Failure.DISK_FULL,
                language,
                folder=folder,
                free_min=room_s / 60,
                need_min=planned_s / 60,
            ),
        )


def check_port(host: str, port: int, language: str) -> None:
    """Bind and let go, as the server will (SO_REUSEADDR, like aiohttp): a port another program
    holds is said plainly before anything else is opened."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            s.listen(1)
        except OSError as exc:
            raise explain_bind_error(exc, host, port, language) from None


def explain_bind_error(exc: OSError, host: str, port: int, language: str) -> StartupError:
    if exc.errno == errno.EADDRINUSE:
        return StartupError(
            Failure.PORT_IN_USE, say(Failure.PORT_IN_USE, language, host=host, port=port)
        )
    if exc.errno == errno.EACCES:
        return StartupError(
            Failure.PORT_FORBIDDEN, say(Failure.PORT_FORBIDDEN, language, port=port)
        )
    return StartupError(
        Failure.ADDRESS_UNAVAILABLE, say(Failure.ADDRESS_UNAVAILABLE, language, host=host)
    )


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:
        return False


def _why(exc: OSError, language: str) -> str:
    reasons = {
        errno.EACCES: ("permission denied", "tidak ada izin"),
        errno.EPERM: ("not permitted", "tidak diizinkan"),
        errno.EROFS: ("read-only", "hanya-baca"),
        errno.ENOENT: ("does not exist", "tidak ada"),
        errno.ENOTDIR: ("a file is in the way", "ada berkas di jalurnya"),
        errno.ENOSPC: ("disk full", "disk penuh"),
    }
    en, idn = reasons.get(exc.errno or 0, (exc.strerror or type(exc).__name__,) * 2)
    return en if language == "en" else idn


# ---- a run in progress -------------------------------------------------------------------


def hold_run_lock(journal: Path) -> object:
    """Mark the run as in progress for as long as this process lives (or the returned file is
    open): its journal and recordings are then never "repaired" under a running studio."""
    try:
        import fcntl
    except ImportError:  # not on Windows: a repair there trusts the operator
        return None
    lock = open(journal.with_suffix(".lock"), "a+b")  # noqa: SIM115 - held for the run
    fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    return lock


def is_running(journal: Path) -> bool:
    try:
        import fcntl
    except ImportError:
        return False
    path = journal.with_suffix(".lock")
    if not path.exists():
        return False
    with open(path, "a+b") as lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    return False


# ---- finding runs again -----------------------------------------------------------------


@dataclass(frozen=True)
class FoundRun:
    journal: Path
    segment: RunSegment
    problems: list[str]
    truncated: bool


def all_journals(paths: Paths, ceremony_id: str | None = None) -> list[Path]:
    out: list[Path] = []
    if paths.runs.is_dir():
        for ceremony in sorted(paths.runs.iterdir()):
            if ceremony_id and ceremony.name != ceremony_id:
                continue
            out += sorted(p for p in ceremony.glob(f"*/{JOURNAL_NAME}") if p.is_file())
    if paths.legacy_journals.is_dir():
        out += sorted(
            p
            for p in paths.legacy_journals.glob("*.jsonl")
            if not ceremony_id or p.stem == ceremony_id
        )
    return out


def runs_in(journal: Path) -> list[FoundRun]:
    read = read_journal(journal)
    return [
        FoundRun(journal, segment, read.problems, read.truncated_tail)
        for segment in split_runs(read.records)
    ]


def find_run(paths: Paths, run_id: str) -> list[FoundRun]:
    return [
        found
        for journal in all_journals(paths)
        for found in runs_in(journal)
        if found.segment.info.id == run_id
    ]


# ---- after a crash ----------------------------------------------------------------------


def repair(journal: Path) -> list[str]:
    """Recordings a killed studio left open: chapters rebuilt from the journal, and their
    closing notes (length, checksum, "repaired") appended, so the report lists them.
    Returns what was done, one line per file."""
    from media.recorder import repair_chapters  # media only when there is work
    from media.studio_record import sha256

    if is_running(journal):
        return []  # a studio is recording into it right now: nothing to repair
    read = read_journal(journal)
    segments = split_runs(read.records)
    if not segments:
        return []
    records = segments[-1].records
    todo = unclosed_recordings(records)
    if not todo:
        return []
    done = []
    writer = JournalWriter(journal, first_seq=max(r.seq for r in read.records) + 1)
    try:
        for rec in todo:
            path = Path(rec.path)
            if not path.is_file() or path.stat().st_size == 0:
                # Never opened (no picture arrived) or gone: nothing to list in the report.
                gone = notes.RecordingNotOpened(rec.path, rec.venue, repaired=True)
                writer.append(RecordKind.NOTE, notes.encode_note(gone), clock_now())
                continue
            duration = repair_chapters(path, rec.chapters)
            closed = notes.RecordingClosed(
                path=rec.path,
                duration_s=round(duration, 3),
                sha256=sha256(path),
                venue=rec.venue,
                chapters=[notes.Chapter(t, round(s, 3)) for t, s in rec.chapters]
                if rec.venue is None
                else [],
                repaired=True,
                part=rec.part,
            )
            writer.append(RecordKind.NOTE, notes.encode_note(closed), clock_now())
            what = f"{len(rec.chapters)} chapters" if rec.venue is None else f"ISO {rec.venue}"
            done.append(f"{path}: repaired after a crash ({what}, {duration:.1f} s)")
    finally:
        writer.close()
    return done


# ---- resuming a run a crash interrupted --------------------------------------------------


RESUME_WITHIN_S = 3 * 3600.0  # an interrupted run older than this is not taken over by itself


@dataclass(frozen=True)
class Unfinished:
    journal: Path
    run_id: str
    stopped_wall: float  # the dead engine's last record
    too_old: bool  # stopped longer ago than RESUME_WITHIN_S: a new run, unless asked


def find_unfinished(
    paths: Paths,
    ceremony_id: str,
    journal: Path | None = None,
    *,
    now_wall: float | None = None,
    within_s: float = RESUME_WITHIN_S,
) -> Unfinished | None:
    """The ceremony's newest run, if it never ended and no studio is writing it: the run a
    restarted studio takes over (`--journal`: only that file is looked at). An older run left
    unfinished behind a finished one is history, never resumed; one that stopped more than
    `within_s` ago is reported `too_old` (yesterday's rehearsal is not today's ceremony)."""
    if journal is None:
        journal = next(
            (
                p
                for p in reversed(all_journals(paths, ceremony_id))
                if p.parent.parent == paths.runs / ceremony_id and p.stat().st_size > 0
            ),
            None,
        )
    if journal is None or not journal.is_file() or journal.stat().st_size == 0:
        return None
    if is_running(journal):
        return None
    read = read_journal(journal)
    segments = split_runs(read.records)
    if len(segments) != 1:  # an old shared journal (several runs in one file)
        return None
    state = _state(segments[0].records, read.truncated_tail)
    if state is None or state.ended:
        return None
    now = time.time() if now_wall is None else now_wall
    stopped = state.engine_wall
    return Unfinished(journal, state.run.id, stopped, now - stopped > within_s)


def _state(records: list[Record], torn: bool) -> RunState | None:
    try:
        state = resume(records, clock_now())
    except (ResumeError, ValueError) as exc:
        log.warning("cannot resume from the journal: %s", exc)
        return None
    state.torn_tail = torn
    return state


def resume_run(paths: Paths, journal: Path, *, record: bool, record_dir: Path | None = None) -> Run:
    """The unfinished run in `journal`, its state rebuilt; its next recording part goes beside
    the first part (or where a new run's would)."""
    read = read_journal(journal)
    state = _state(read.records, read.truncated_tail)
    if state is None:
        raise ValueError(f"{journal}: no run to resume")
    folder = None
    if record:
        ceremony_id = state.sequencer.sheet.ceremony.id
        if state.first_program_path:
            folder = Path(state.first_program_path).parent
        elif record_dir is not None:
            folder = record_dir / state.run.id
        else:
            folder = paths.run_recordings(ceremony_id, state.run.id)
    return Run(state.run, journal, folder, state)
