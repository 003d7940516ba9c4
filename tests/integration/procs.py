"""Real `ceremony` processes for tests: started with their own CEREMONY_HOME, their output read
line by line on threads so a test can wait for a line (with a timeout) instead of sleeping."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

LOOPBACK = "127.0.0.1"

TINY_SHEET = """\
version: 1
ceremony:
  id: gladi-uji
  title: Upacara Uji
  date: "2026-12-20"
  timezone: Asia/Jakarta
  studio: Studio Uji
venues:
  - {id: kota-cirebon, name: MPP Kota Cirebon, region: Jawa Barat}
items:
  - {id: buka, kind: opening, title: Pembukaan, source: studio, duration: "2"}
  - {id: sambutan, kind: speech, title: Sambutan Menteri, source: studio, duration: "2"}
  - {id: tutup, kind: closing, title: Penutupan, source: studio, duration: "2"}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_MESSAGES")}
    env.update(CEREMONY_HOME=str(home), QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


class Proc:
    """A `ceremony …` process whose stdout and stderr lines can be awaited."""

    def __init__(self, args: list[str], env: dict[str, str], prefix: list[str] | None = None):
        self.proc = subprocess.Popen(
            [*(prefix or []), sys.executable, "-m", "launcher.cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=Path(__file__).resolve().parents[2],
            text=True,
        )
        self.lines: queue.Queue[tuple[str, str]] = queue.Queue()
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(name, stream, store), daemon=True)
            for name, stream, store in (
                ("out", self.proc.stdout, self.out),
                ("err", self.proc.stderr, self.err),
            )
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, name: str, stream: object, store: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            store.append(line)
            self.lines.put((name, line))
        stream.close()  # type: ignore[attr-defined]

    def wait_line(self, text: str, timeout: float = 60.0) -> str:
        """The first line (either stream) containing `text`, counting lines already read."""
        for line in self.out + self.err:
            if text in line:
                return line
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"no line with {text!r} within {timeout} s; stdout={''.join(self.out)!r} "
                    f"stderr={''.join(self.err)!r}"
                )
            try:
                _, line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if text in line:
                return line

    def signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float = 60.0) -> int:
        """The exit status, once the process has ended and all its output is read."""
        code = self.proc.wait(timeout)
        for reader in self._readers:
            reader.join(10)
        return code

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait(10)


def run(args: list[str], env: dict[str, str], timeout: float = 120.0) -> Proc:
    """Run to the end."""
    p = Proc(args, env)
    try:
        p.wait(timeout)
    finally:
        p.kill()
    return p
