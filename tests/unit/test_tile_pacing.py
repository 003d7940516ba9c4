"""The operator link's tile pacing: every tick while the engine's loop wakes on time, fewer
while it runs late, back once it is calm."""

from __future__ import annotations

from media.operator_link.pacing import TilePacer


def made(pacer: TilePacer, lateness_s: float, ticks: int) -> int:
    return sum(pacer.tick(lateness_s) for _ in range(ticks))


def test_an_engine_on_time_gets_every_tick() -> None:
    pacer = TilePacer()
    assert made(pacer, 0.0005, 30) == 30
    assert pacer.every == 1


def test_a_late_loop_halves_then_thirds_the_pictures() -> None:
    pacer = TilePacer()
    made(pacer, 0.006, 20)  # several milliseconds late on average: busy
    assert pacer.every == 2
    assert made(pacer, 0.006, 30) == 15
    made(pacer, 0.030, 20)  # tens of milliseconds: very busy
    assert pacer.every == 3
    assert made(pacer, 0.030, 30) == 10


def test_it_comes_back_only_once_calm_without_flapping_at_the_edge() -> None:
    pacer = TilePacer()
    made(pacer, 0.006, 20)
    assert pacer.every == 2
    made(pacer, 0.003, 40)  # between calm and busy: stays where it was
    assert pacer.every == 2
    made(pacer, 0.0, 40)
    assert pacer.every == 1


def test_one_late_wake_up_is_not_a_busy_engine() -> None:
    pacer = TilePacer()
    made(pacer, 0.0, 10)
    pacer.tick(0.015)  # one hiccup (a garbage collection): smoothed to 3 ms
    assert pacer.every == 1
    assert made(pacer, 0.0, 10) == 10
