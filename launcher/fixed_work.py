"""A fixed amount of Python work, timed: how much the machine's load inflates a CPU figure.

The scale benchmark compares the studio's CPU at 100 venues with its CPU at 11. On this 2-core
virtual machine the same work costs more or less CPU time from one minute to the next (seen idle:
a 5 s median from 0.44 to 0.68 ms; the host's load, not ours), so part of that ratio can be the
machine, not the studio. This
process does the same chunk of interpreter work every CHUNK_EVERY_S and writes the chunk's own
CPU time (thread time, in ns) as one line; the benchmark takes the median over a measuring
window. The ratio of two windows' medians is the inflation the studio's own work met between
them, measured beside it.

Run: `python -m launcher.fixed_work` (stops when its stdout closes).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import statistics
import subprocess
import sys
import time

CHUNK_EVERY_S = 0.05
CHUNK_ITEMS = 4000  # ~1 ms of interpreter work on this machine, idle: ~2 % of a core


def chunk() -> int:
    """Dicts, ints and calls, as the studio's Python spends its time; the result is used so
    nothing is optimised away."""
    table: dict[int, int] = {}
    for i in range(CHUNK_ITEMS):
        table[i % 97] = table.get(i % 97, 0) + (i * i) % 7
    return sum(table.values())


def main() -> int:
    out = sys.stdout
    due = time.monotonic()
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
        while True:
            start = time.thread_time_ns()
            chunk()
            out.write(f"{time.thread_time_ns() - start}\n")
            out.flush()
            due += CHUNK_EVERY_S
            time.sleep(max(0.0, due - time.monotonic()))
    return 0


class FixedWorkProbe:
    """The benchmark's side: start the process, read its chunks' CPU times per window."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._partial = b""

    def start(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "launcher.fixed_work"],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)

    def take(self) -> list[float]:
        """The chunks' CPU times (ms) written since the last call."""
        if self._proc is None or self._proc.stdout is None:
            return []
        data = b""
        with contextlib.suppress(BlockingIOError):
            while block := os.read(self._proc.stdout.fileno(), 65536):
                data += block
        data = self._partial + data
        lines, _, self._partial = data.rpartition(b"\n")
        return [int(x) / 1e6 for x in lines.split()] if lines else []

    @staticmethod
    def median_ms(times: list[float]) -> float | None:
        return round(statistics.median(times), 4) if times else None

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._proc = None


if __name__ == "__main__":
    sys.exit(main())
