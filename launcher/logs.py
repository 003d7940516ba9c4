"""Where the apps write what happened: a rotating log file per app in the user's log folder, and
a trace of any crash beside it, for the help desk to ask for (Help → Save diagnostics).

The folder is private (0700) and so is every file in it (0600): the log says which studio a venue
joined and when. Invites and tokens never reach it: the formatter blanks them (media.diagnostics
.redact), whatever a message happens to include.
"""

from __future__ import annotations

import faulthandler
import io
import logging
import logging.handlers
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from media.diagnostics import redact
from media.private_files import FILE_MODE, make_private_dir
from media.version import describe

log = logging.getLogger(__name__)

LOG_BYTES = 2_000_000  # per file; five old files are kept: a ceremony day fits with room
LOG_BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s [%(ceremony)s] %(process)d %(threadName)s %(name)s: %(message)s"
# aioice logs every ICE check at INFO: dozens of lines per venue join. Their WARNINGs still show.
QUIET_UNLESS_VERBOSE = ("aioice",)


def crash_file(logs: Path, app: str) -> Path:
    """Native crashes (faulthandler) and uncaught Python exceptions land here."""
    return logs / f"{app}-crash.log"


class CeremonyTag(logging.Filter):
    """Puts the ceremony id on every record, once the app knows which ceremony it is in."""

    def __init__(self) -> None:
        super().__init__()
        self.ceremony_id = "-"

    def filter(self, record: logging.LogRecord) -> bool:
        record.ceremony = self.ceremony_id
        return True


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler whose files (the first and each one after a rollover) are 0600."""

    def _open(self) -> io.TextIOWrapper:
        return private_append(Path(self.baseFilename), self.encoding, self.errors)


def private_append(
    path: Path, encoding: str | None = "utf-8", errors: str | None = None
) -> io.TextIOWrapper:
    """`path` opened for appending text, readable by its owner alone (on POSIX)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    if hasattr(os, "fchmod"):  # not on Windows before 3.13, where the user folder is private
        os.fchmod(fd, FILE_MODE)  # a file left by an older version may be wider
    return os.fdopen(fd, "a", encoding=encoding, errors=errors)


def private_dir(path: Path) -> Path:
    make_private_dir(path)
    return path


@dataclass
class LogSetup:
    """What `setup_logging` installed; `close()` takes it all back (tests, a second setup)."""

    app: str
    folder: Path
    file: Path
    tag: CeremonyTag
    handlers: list[logging.Handler]
    crash_stream: IO[str]
    _old_hooks: tuple[Any, Any] = field(default=(None, None))
    hooked: bool = False
    old_level: int = logging.WARNING

    def set_ceremony(self, ceremony_id: str) -> None:
        if ceremony_id != self.tag.ceremony_id:
            log.info("ceremony %s -> %s", self.tag.ceremony_id, ceremony_id)
            self.tag.ceremony_id = ceremony_id

    def _crash_note(self, title: str, text: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S %z")
        self.crash_stream.write(f"--- {stamp} pid {os.getpid()} {title}\n{redact(text)}\n")
        self.crash_stream.flush()

    def _excepthook(
        self, kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        log.critical("uncaught exception", exc_info=(kind, value, tb))
        self._crash_note("uncaught exception", "".join(traceback.format_exception(value)))
        old = self._old_hooks[0] or sys.__excepthook__
        old(kind, value, tb)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else "?"
        if args.exc_value is not None:
            log.critical(
                "uncaught exception in thread %s",
                name,
                exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
            )
            text = "".join(traceback.format_exception(args.exc_value))
            self._crash_note(f"uncaught exception in thread {name}", text)
        old = self._old_hooks[1] or threading.__excepthook__
        old(args)

    def close(self) -> None:
        root = logging.getLogger()
        root.setLevel(self.old_level)
        for handler in self.handlers:
            root.removeHandler(handler)
            handler.close()
        if self.hooked:
            if sys.excepthook == self._excepthook:
                sys.excepthook = self._old_hooks[0] or sys.__excepthook__
            if threading.excepthook == self._thread_excepthook:
                threading.excepthook = self._old_hooks[1] or threading.__excepthook__
            faulthandler.disable()
        self.crash_stream.close()


def setup_logging(
    folder: Path, app: str, *, verbose: bool = False, crash_traces: bool = True
) -> LogSetup:
    """Log to `folder/<app>.log` (rotating; INFO, or DEBUG with --verbose) and to stderr
    (WARNING, or DEBUG with --verbose), and trace crashes into `folder/<app>-crash.log`
    (`crash_traces=False` leaves the process-wide hooks alone: tests inside pytest)."""
    private_dir(folder)
    tag = CeremonyTag()
    file = folder / f"{app}.log"
    to_file = PrivateRotatingFileHandler(
        file, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    to_file.setLevel(logging.DEBUG if verbose else logging.INFO)
    handlers: list[logging.Handler] = [to_file]
    if sys.stderr is not None:  # a windowed app on Windows has no stderr at all
        to_stderr = logging.StreamHandler()
        to_stderr.setLevel(logging.DEBUG if verbose else logging.WARNING)
        handlers.append(to_stderr)
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in handlers:
        handler.addFilter(tag)
        handler.setFormatter(RedactingFormatter(FORMAT))
        root.addHandler(handler)
    for name in QUIET_UNLESS_VERBOSE:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)
    crash_stream = private_append(crash_file(folder, app))
    setup = LogSetup(app, folder, file, tag, handlers, crash_stream)
    setup.old_level = old_level
    if crash_traces:
        # A segfault in a codec or in Qt leaves the Python stacks of every thread here.
        faulthandler.enable(file=crash_stream, all_threads=True)
        setup._old_hooks = (sys.excepthook, threading.excepthook)
        sys.excepthook = setup._excepthook
        threading.excepthook = setup._thread_excepthook
        setup.hooked = True
    log.info(
        "%s started: %s, Python %s, pid %d", app, describe(), sys.version.split()[0], os.getpid()
    )
    return setup
