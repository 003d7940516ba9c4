"""media/kernel_stamps.py on real sockets: the stamp is when the kernel took the datagram in,
however long the reader waited before reading it."""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator

import pytest

from media import kernel_stamps

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux ioctl")


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    yield receiver, sender
    receiver.close()
    sender.close()


def test_the_age_is_counted_from_the_kernels_arrival_not_the_read(
    pair: tuple[socket.socket, socket.socket], kernel_stamping: None
) -> None:
    receiver, sender = pair
    assert kernel_stamps.enable(receiver)
    sent = time.monotonic()
    sender.sendto(b"probe", receiver.getsockname())
    time.sleep(0.05)  # the reader is busy: the datagram waits in the socket
    assert receiver.recvfrom(64)[0] == b"probe"
    read = time.monotonic()
    age = kernel_stamps.age(receiver.fileno())
    assert age is not None
    arrived = read - age
    assert sent - 0.002 <= arrived <= sent + 0.01  # near the send, not the read
    assert age >= 0.045


def test_a_socket_that_has_read_nothing_has_no_age(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    receiver, _ = pair
    assert kernel_stamps.enable(receiver)
    assert kernel_stamps.age(receiver.fileno()) is None


def test_a_stream_socket_is_not_stamped() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as stream:
        assert not kernel_stamps.enable(stream)


def test_a_closed_descriptor_has_no_age(pair: tuple[socket.socket, socket.socket]) -> None:
    receiver, _ = pair
    fd = receiver.fileno()
    receiver.close()
    assert kernel_stamps.age(fd) is None
