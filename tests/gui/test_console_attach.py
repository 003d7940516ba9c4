"""The console and the engine as separate processes, for real: `ceremony studio` (offscreen)
starts the engine detached and attaches; the console is SIGKILLed; the engine runs on; another
console attaches and shows the live state within 2 s; ending the run stops the engine."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from ceremony.journal import RecordKind
from ceremony.notes import OperatorControl, OperatorStop, RunEnded, decode_note
from ceremony.sequencer import commands as cmd
from launcher.studio_attach import engine_answers, engine_argv
from media import runsheet_files
from media.journal_reader import read_journal
from media.operator_link.framing import socket_path
from media.remote.endpoint import load_token
from tests.integration.procs import LOOPBACK, TINY_SHEET, Proc, environment, free_port
from ui.bridge import LinkHost
from ui.console.window import ConsoleWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def home() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="ch", dir="/tmp"))  # a short Unix socket path
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_engine_argv_drops_the_console_options() -> None:
    argv = ["studio", "--screenshot", "a.png", "--after=3", "--watch", "--port", "9", "--rehearsal"]
    argv += ["--console-nice", "5"]
    command = engine_argv(argv, Path("/x/sheet.yaml"), rehearsal=True)
    assert command[1:4] == ["-m", "launcher.cli", "studio"]
    assert command[4:] == [
        "--port",
        "9",
        "--headless",
        "--runsheet",
        "/x/sheet.yaml",
        "--rehearsal",
    ]


def test_a_killed_console_leaves_the_engine_and_another_attaches(
    qtbot: QtBot, home: Path, tmp_path: Path
) -> None:
    sheet_path = home / "uji.yaml"
    sheet_path.write_text(TINY_SHEET.replace('duration: "2"', 'duration: "600"'), "utf-8")
    sheet = runsheet_files.load(sheet_path)
    env = environment(home / "h")
    args = ["studio", "--runsheet", str(sheet_path), "--host", LOOPBACK, "--port"]
    args += [str(free_port()), "--ice-address", LOOPBACK, "--program", "160x96@10"]
    folder = home / "h" / "data" / "control"
    path = socket_path(folder, sheet.ceremony.id)
    console = Proc([*args, "--rehearsal", "--no-record"], env)
    engine_pid: int | None = None
    host: LinkHost | None = None
    try:
        token = None

        def console_attached() -> bool:
            nonlocal token
            if not (folder / "token").exists():
                return False
            token = load_token(folder)
            if not engine_answers(path, token):
                return False
            journals = list((home / "h" / "data" / "runs").rglob("journal.jsonl"))
            return bool(journals) and any(
                isinstance(n := decode_note(r.payload), OperatorControl)
                and n.action == "taken"
                and n.by.startswith("console on")
                for r in read_journal(journals[0]).records
                if r.kind is RecordKind.NOTE
            )

        qtbot.waitUntil(console_attached, timeout=60000)
        assert token is not None
        console.signal(signal.SIGKILL)  # the window's process dies; the engine must not
        console.wait()

        second = host = LinkHost(path, token, name="second console")
        settings = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
        window = ConsoleWindow(second, sheet, settings)
        qtbot.addWidget(window)
        with qtbot.waitSignal(second.started, timeout=10000):
            second.start()
        assert second.welcome is not None
        engine_pid = second.welcome.engine_pid
        assert second.welcome.rehearsal  # the run the first console started
        window.show()
        # The dead console's seat was freed, so this one holds control and can drive the run.
        qtbot.waitUntil(lambda: second.in_control, timeout=5000)
        assert second.command(cmd.Go()).result(timeout=5).ok
        qtbot.waitUntil(
            lambda: window.last is not None and window.last.view.current == 0, timeout=5000
        )
        second.stop()  # this console goes too, without a word
        window.close()

        again = LinkHost(path, token, name="third console")
        third = ConsoleWindow(again, sheet, settings)
        qtbot.addWidget(third)
        started = time.monotonic()
        with qtbot.waitSignal(again.started, timeout=5000):
            again.start()
        qtbot.waitUntil(
            lambda: third.last is not None and third.last.view.current == 0, timeout=2000
        )
        assert time.monotonic() - started < 2.0  # the live state within 2 s
        assert again.stop_engine().result(timeout=10).ok  # "End the run", answered yes
        host = again
        journal = next((home / "h" / "data" / "runs").rglob("journal.jsonl"))

        def run_ended() -> bool:
            return any(
                isinstance(decode_note(r.payload), RunEnded)
                for r in read_journal(journal).records
                if r.kind is RecordKind.NOTE
            )

        qtbot.waitUntil(run_ended, timeout=30000)  # the engine closed the run and its journal
        qtbot.waitUntil(lambda: not path.exists(), timeout=30000)
        said = [decode_note(r.payload) for r in read_journal(journal).records]
        assert OperatorStop(by="third console") in said
    finally:
        if host is not None:
            host.stop()
        console.kill()
        if engine_pid is not None and _alive(engine_pid):
            os.kill(engine_pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # (not our child: the console started it)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
