"""The venue app's link process: the command line the window starts it with, its files."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from ceremony.invite import parse_invite
from launcher import venue_attach
from tests.unit.conftest import INVITE


def test_the_link_command_keeps_the_invite_off_the_command_line(tmp_path: Path) -> None:
    choice = venue_attach.LinkChoice(
        video="320x180@15",
        camera="/dev/video2",
        microphone=None,
        speaker="USB Audio",
        hall_latency_ms=42.0,
        ice_addresses=("127.0.0.1",),
    )
    place = venue_attach.link_command(tmp_path / "control", INVITE, choice)
    command = place.command()
    assert command is not None
    assert command[:3] == [sys.executable, "-m", "launcher.cli"]
    args = command[3:]
    assert args[:3] == ["venue", "--headless", "--window-link"]
    assert INVITE.token not in " ".join(command)  # `ps` shows command lines
    invite_file = Path(args[args.index("--invite") + 1])
    assert parse_invite(invite_file.read_text(encoding="utf-8")).venue_id == "kota-cirebon"
    assert stat.S_IMODE(invite_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(place.command_file.stat().st_mode) == 0o600
    for flag, value in (
        ("--camera", "/dev/video2"),
        ("--speaker", "USB Audio"),
        ("--hall-latency-ms", "42"),
        ("--ice-address", "127.0.0.1"),
        ("--video", "320x180@15"),
    ):
        assert args[args.index(flag) + 1] == value
    assert "--microphone" not in args  # not chosen: the link's default
    assert place.socket.name == "c--kota-cirebon.sock"


def test_the_frozen_app_starts_the_whole_command_line_beside_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "ceremony-venue"))
    assert venue_attach.ceremony_program() == [str(tmp_path / "ceremony")]


def test_no_running_link_in_an_empty_folder(tmp_path: Path) -> None:
    assert venue_attach.running_link(tmp_path, "t" * 43) is None
    (tmp_path / "c--kota-cirebon.sock").write_text("")  # left behind, nothing listens
    assert venue_attach.running_link(tmp_path, "t" * 43) is None
