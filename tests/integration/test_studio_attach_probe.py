"""Is an engine there? A slow engine is (a loaded machine must not make a console start a
second engine); a socket file nobody listens on is not."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path

import pytest

from launcher.studio_attach import engine_answers

pytestmark = pytest.mark.integration


def test_a_listener_that_does_not_answer_in_time_is_an_engine_there() -> None:
    folder = Path(tempfile.mkdtemp(prefix="pr", dir="/tmp"))
    path = folder / "e.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(path))
        listener.listen(4)  # the kernel accepts; nobody answers the Hello
        assert engine_answers(path, "t" * 43, timeout=0.3)
    finally:
        listener.close()
        path.unlink(missing_ok=True)
        folder.rmdir()


def test_a_socket_file_left_by_a_killed_engine_is_no_engine() -> None:
    folder = Path(tempfile.mkdtemp(prefix="pr", dir="/tmp"))
    path = folder / "e.sock"
    left = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    left.bind(str(path))
    left.close()  # the file stays, nobody listens
    try:
        assert path.exists()
        assert not engine_answers(path, "t" * 43, timeout=0.3)
    finally:
        path.unlink(missing_ok=True)
        folder.rmdir()
