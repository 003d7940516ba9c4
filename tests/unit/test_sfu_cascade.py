"""The cascade's configuration and how venues are split across the Janus instances."""

from __future__ import annotations

import pytest

from launcher.cli import build_parser
from media.program import ProgramBus, VideoFormat
from media.sfu.program import SfuAddressError, SfuConfig, SfuProgram, _Cascaded


def test_cascade_addresses_take_the_first_instances_room() -> None:
    config = SfuConfig.parse("janus://10.0.0.5:8088/77", cascade=["janus://10.0.0.6:8089/5"])
    assert config.url == "http://10.0.0.5:8088/janus" and config.room == 77
    assert [(c.url, c.room) for c in config.cascade] == [("http://10.0.0.6:8089/janus", 77)]
    assert config.cascade[0].host == "10.0.0.6"
    with pytest.raises(SfuAddressError):
        SfuConfig.parse("janus://10.0.0.5:8088", cascade=["http://10.0.0.6"])


def test_the_studio_command_line_builds_the_same_cascade() -> None:
    further = ["--sfu-cascade", "janus://10.0.0.6:8088", "--sfu-cascade", "janus://10.0.0.7:8088"]
    args = build_parser().parse_args(
        ["studio", "--headless", "--sfu", "janus://10.0.0.5:8088/77", *further]
    )
    config = args.sfu.with_cascade(args.sfu_cascade)
    assert config == SfuConfig.parse(
        "janus://10.0.0.5:8088/77", cascade=["janus://10.0.0.6:8088", "janus://10.0.0.7:8088"]
    )


def test_venues_go_to_the_least_loaded_instance_and_stay_there() -> None:
    config = SfuConfig.parse("janus://10.0.0.5:8088", cascade=["janus://10.0.0.6:8088"])
    program = SfuProgram(config, ProgramBus(VideoFormat(64, 48, 10), 100_000))
    program.feed = 11  # as once published; the cascaded room's remote publisher is feed 22
    program._cascade.append(_Cascaded(config.cascade[0], None, None, "cascade-1", feed=22))  # type: ignore[arg-type]
    routes = {v: program.route(v) for v in ("a", "b", "c", "d")}
    assert [(r.url, r.feed) for r in routes.values() if r] == [
        ("http://10.0.0.5:8088/janus", 11),
        ("http://10.0.0.6:8088/janus", 22),
    ] * 2
    assert program.route("b") == routes["b"]  # a rejoin keeps its instance
    assert {r.pin for r in routes.values() if r} == {program.pin}
    assert program.instance_of("c") == "http://10.0.0.5:8088/janus"
