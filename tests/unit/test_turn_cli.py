"""--turn-url/--turn-secret-file: the secret file must be private, and bad input is refused."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from ceremony.turn import TurnServer
from launcher.cli import EXIT_INVALID, _turn_config


def args(url: str | None, secret: Path | None) -> argparse.Namespace:
    return argparse.Namespace(turn_url=url, turn_secret_file=secret)


def secret_file(tmp_path: Path, mode: int, text: str = "s3cret\n") -> Path:
    path = tmp_path / "turn-secret"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_no_turn_url_means_no_relay() -> None:
    assert _turn_config(args(None, None)) == (None, b"")


def test_a_private_secret_file_is_read(tmp_path: Path) -> None:
    result = _turn_config(args("turn:t.example:3478", secret_file(tmp_path, 0o600)))
    assert not isinstance(result, int)
    server, secret = result
    assert server == TurnServer("turn", "t.example", 3478)
    assert secret == b"s3cret"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_secret_file_others_can_read_is_refused(
    tmp_path: Path, mode: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _turn_config(args("turn:t:3478", secret_file(tmp_path, mode))) == EXIT_INVALID
    assert "chmod 600" in capsys.readouterr().err


def test_missing_secret_bad_url_and_empty_file_are_refused(tmp_path: Path) -> None:
    assert _turn_config(args("turn:t:3478", None)) == EXIT_INVALID
    assert _turn_config(args("stun:t:3478", secret_file(tmp_path, 0o600))) == EXIT_INVALID
    assert _turn_config(args("turn:t:3478", secret_file(tmp_path, 0o600, " \n"))) == EXIT_INVALID
    assert _turn_config(args("turn:t:3478", tmp_path / "absent")) == EXIT_INVALID
