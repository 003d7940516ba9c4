"""The scale benchmark's studio CPU ratios: the last step over the first, and over the bracket
of the first step's two windows (measured again at the end)."""

from __future__ import annotations

from typing import Any

import pytest

from launcher.bench_scale import cpu_ratios


def step(venues: int, cores: float, fixed_ms: float) -> dict[str, Any]:
    return {"venues": venues, "studio_cpu_cores": cores, "fixed_work_ms": fixed_ms}


def test_without_the_first_step_again_only_the_plain_ratios() -> None:
    out = cpu_ratios(step(11, 0.100, 0.5), step(100, 0.125, 0.6), None)
    assert out == {
        "studio_cpu_ratio_last_over_first": 1.25,
        "fixed_work_ratio_last_over_first": 1.2,
        "studio_cpu_ratio_at_equal_cost": 1.04,
        "studio_cpu_per_added_venue": pytest.approx(0.00028),
    }


def test_a_machine_that_slowed_during_the_run_weighs_half_on_the_bracket() -> None:
    """The first window on a fast machine, the last two on a slower one: the plain ratio takes
    the whole slow-down as the studio's, the bracket half of it."""
    first, last, again = step(11, 0.100, 0.5), step(100, 0.125, 0.6), step(11, 0.120, 0.6)
    out = cpu_ratios(first, last, again)
    assert out["studio_cpu_ratio_last_over_first"] == 1.25
    assert out["studio_cpu_ratio_first_again_over_first"] == 1.2
    assert out["studio_cpu_ratio_last_over_first_both"] == 1.14  # 0.125 / 0.110
    assert out["fixed_work_ratio_last_over_first_both"] == 1.09  # 0.6 / 0.55


def test_a_studio_whose_cost_grew_shows_it_in_both() -> None:
    """The same machine throughout, a studio twice as dear at the last step: both ratios 2."""
    out = cpu_ratios(step(11, 0.1, 0.5), step(100, 0.2, 0.5), step(11, 0.1, 0.5))
    assert out["studio_cpu_ratio_last_over_first"] == 2.0
    assert out["studio_cpu_ratio_last_over_first_both"] == 2.0


def test_no_first_figure_no_ratios() -> None:
    assert cpu_ratios({}, step(100, 0.2, 0.5), None) == {}
    assert cpu_ratios(step(11, 0.0, 0.5), step(100, 0.2, 0.5), None) == {}
