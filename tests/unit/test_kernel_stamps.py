"""media/kernel_stamps.py: on real sockets, the stamp is when the kernel took the datagram in,
however long the reader waited before reading it; with fake clocks, no age is given across a
step of the wall clock (the kernel's stamps are on it)."""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator

import pytest

from media import kernel_stamps
from media.kernel_stamps import ReceiveAges

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux ioctl")
MS = 1_000_000


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    yield receiver, sender
    receiver.close()
    sender.close()


@linux
def test_the_age_is_counted_from_the_kernels_arrival_not_the_read(
    pair: tuple[socket.socket, socket.socket], kernel_stamping: None
) -> None:
    receiver, sender = pair
    assert kernel_stamps.enable(receiver)
    ages = ReceiveAges()
    sent = time.monotonic()
    sender.sendto(b"probe", receiver.getsockname())
    time.sleep(0.05)  # the reader is busy: the datagram waits in the socket
    assert receiver.recvfrom(64)[0] == b"probe"
    read = time.monotonic()
    age = ages.age(receiver.fileno())
    assert age is not None
    arrived = read - age
    assert sent - 0.002 <= arrived <= sent + 0.01  # near the send, not the read
    assert age >= 0.045


@linux
def test_a_socket_that_has_read_nothing_has_no_age(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    receiver, _ = pair
    assert kernel_stamps.enable(receiver)
    assert ReceiveAges().age(receiver.fileno()) is None


@linux
def test_a_stream_socket_is_not_stamped() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as stream:
        assert not kernel_stamps.enable(stream)


@linux
def test_a_closed_descriptor_has_no_age(pair: tuple[socket.socket, socket.socket]) -> None:
    receiver, _ = pair
    fd = receiver.fileno()
    receiver.close()
    assert ReceiveAges().age(fd) is None


class FakeClocks:
    """A wall clock the test can step, and a monotonic one; a datagram's kernel stamp."""

    def __init__(self) -> None:
        self.mono = 1_000 * MS
        self.wall_minus_mono = 5_000_000 * MS
        self.stamp: int | None = None

    def arrive(self) -> None:
        self.stamp = self.mono + self.wall_minus_mono

    def ages(self) -> ReceiveAges:
        return ReceiveAges(
            stamp_of=lambda _fd: self.stamp,
            wall_ns=lambda: self.mono + self.wall_minus_mono,
            mono_ns=lambda: self.mono,
        )


def test_an_age_is_given_when_the_wall_clock_keeps_step() -> None:
    clocks = FakeClocks()
    ages = clocks.ages()
    clocks.arrive()
    clocks.mono += 3 * MS
    assert ages.age(0) == pytest.approx(0.003)


@pytest.mark.parametrize("step_ms", [50, -50])
def test_no_age_is_given_across_a_step_of_the_wall_clock(step_ms: int) -> None:
    """Forward, the datagram would look older than it is (earlier than sent: a round trip too
    short, a bound that does not hold); backward, younger. Either way: read-time stamps."""
    clocks = FakeClocks()
    ages = clocks.ages()
    clocks.arrive()
    clocks.mono += 1 * MS
    clocks.wall_minus_mono += step_ms * MS  # NTP steps the wall clock
    clocks.mono += 1 * MS
    assert ages.age(0) is None


def test_datagrams_that_arrive_after_a_step_have_ages_again() -> None:
    clocks = FakeClocks()
    ages = clocks.ages()
    clocks.wall_minus_mono += 50 * MS
    clocks.mono += 1 * MS
    clocks.arrive()
    clocks.mono += 1 * MS
    assert ages.age(0) is None  # the step is seen now: this one may be older than it
    clocks.mono += 1 * MS
    clocks.arrive()
    clocks.mono += 2 * MS
    assert ages.age(0) == pytest.approx(0.002)


def test_a_datagram_queued_before_a_step_seen_at_an_earlier_read_has_no_age() -> None:
    """Two datagrams wait in the socket; the wall clock steps between their arrival and the
    first read: the first read sees the step, and the second, which arrived before it, too."""
    clocks = FakeClocks()
    ages = clocks.ages()
    clocks.arrive()
    second = clocks.stamp
    clocks.mono += 1 * MS
    clocks.wall_minus_mono += 50 * MS
    clocks.mono += 1 * MS
    assert ages.age(0) is None
    clocks.stamp = second
    clocks.mono += 1 * MS
    assert ages.age(0) is None
