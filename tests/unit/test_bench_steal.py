"""The scale benchmark's reading of the hypervisor's steal time (a whole machine held up)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from launcher.bench_scale import steal_s


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
