"""The scale benchmark's reading of the hypervisor's steal time (a whole machine held up)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from launcher.bench_scale import steal_s, threads_cpu_s


def test_steal_is_the_eighth_figure_of_the_cpu_line_in_seconds(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    # user nice system idle iowait irq softirq steal guest guest_nice
    stat.write_text("cpu  10 0 5 900 1 0 2 250 0 0\ncpu0 5 0 2 450 0 0 1 125 0 0\n")
    assert steal_s(stat) == pytest.approx(250 / os.sysconf("SC_CLK_TCK"))


def test_an_unreadable_or_short_line_says_nothing(tmp_path: Path) -> None:
    assert steal_s(tmp_path / "missing") is None
    short = tmp_path / "stat"
    short.write_text("cpu  10 0 5 900\n")  # an old kernel's line, with no steal
    assert steal_s(short) is None


def test_threads_cpu_is_read_by_python_thread_name(tmp_path: Path) -> None:
    """Each thread's utime + stime from its /proc stat line, under its Python name (a pool's
    numbered workers together), and the kernel's name for threads Python did not start."""
    ticks = os.sysconf("SC_CLK_TCK")
    main = threading.main_thread().native_id
    line = "{} (ceremony thread) S 1 1 1 0 -1 0 0 0 0 0 {} {} 0 0 20 0 1 0\n"
    for tid, user, system in ((main, 30, 10), (999_001, 5, 0), (999_002, 7, 1)):
        (tmp_path / str(tid)).mkdir()
        (tmp_path / str(tid) / "stat").write_text(line.format(tid, user, system))
    (tmp_path / "999003").mkdir()  # ended before its stat was read: left out
    got = threads_cpu_s(tmp_path)
    assert got == {
        "MainThread": pytest.approx(40 / ticks),
        "native ceremony thread": pytest.approx(13 / ticks),
    }
    assert threads_cpu_s(tmp_path / "missing") == {}
