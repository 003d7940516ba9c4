"""When the kernel received the datagram a UDP socket last handed over.

A clock sample's arrival is stamped when the program reads the datagram. On a busy event loop
that is a millisecond or more after the datagram arrived (measured at 100 light venues on two
cores: most of a young link's round trip), and the round trip, inflated by that wait, is what
the clock's error bound grows with. Linux stamps every received packet as it enters the stack
(for loopback, as the sender sends it) once any socket asks; `SIOCGSTAMPNS` reads the stamp of
the last datagram read from a socket, one system call of about 2 µs. chrony does the same with
SO_TIMESTAMPNS; the ioctl needs no `recvmsg`, which asyncio's datagram transports do not use.

The stamp is on the wall clock (CLOCK_REALTIME), so it is handed over as an age — how long ago,
on the wall clock, the datagram arrived — which any other clock can subtract from its own
reading (`ReceiveAges`, which also refuses an age across a step of the wall clock). Where this
cannot be asked (another OS, a socket that refuses), `enable` says so and the caller stamps on
reading, as before.
"""

from __future__ import annotations

import errno
import logging
import socket
import struct
import sys
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

# linux/sockios.h: the timespec (seconds, nanoseconds; 64-bit each on 64-bit Linux) of the
# last packet read from the socket.
SIOCGSTAMPNS = 0x8907
_TIMESPEC = struct.Struct("=qq")
_EMPTY = bytes(_TIMESPEC.size)

# An age beyond this is not taken: the caller stamps on reading instead (a loop that slow has
# worse trouble; a datagram read that late is no clock sample worth having).
AGE_PLAUSIBLE_NS = 1_000_000_000
# A change of (wall - monotonic) beyond this is a step of the wall clock; readings of the two
# clocks further apart than this cannot tell. A step below it moves a stamp by as little.
STEP_NS = 100_000

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


class Socket(Protocol):
    """A socket, or asyncio's view of one (its transports' `get_extra_info("socket")`)."""

    @property
    def type(self) -> socket.SocketKind: ...

    def fileno(self) -> int: ...


def enable(sock: Socket) -> bool:
    """Ask the kernel to stamp what `sock` receives; False where it cannot be asked.

    The first ask turns stamping on; it finds no stamp yet (ENOENT), which is expected."""
    if fcntl is None or not sys.platform.startswith("linux") or sock.type != socket.SOCK_DGRAM:
        return False
    try:
        fcntl.ioctl(sock.fileno(), SIOCGSTAMPNS, _EMPTY)
    except OSError as exc:
        if exc.errno != errno.ENOENT:  # ENOENT: stamping is on, nothing received since
            log.debug("no kernel receive stamps on %s: %s", sock, exc)
            return False
    return True


def last_stamp_ns(fd: int) -> int | None:
    """The wall-clock time (ns) the kernel received the datagram last read from `fd` (an
    `enable`d socket); None if there is none."""
    try:
        seconds, nanoseconds = _TIMESPEC.unpack(fcntl.ioctl(fd, SIOCGSTAMPNS, _EMPTY))
    except (OSError, AttributeError):
        return None
    return int(seconds) * 1_000_000_000 + int(nanoseconds)


class ReceiveAges:
    """How long ago the datagrams just read arrived, guarded against wall-clock steps.

    The kernel's stamp is on the wall clock, which NTP may step; a step forward between a
    datagram's arrival and its reading would make it look older than it is — earlier than it
    was even sent, a round trip too short and a clock bound that does not hold. Linux slews
    the monotonic clock with the wall clock but steps only the wall clock, so their difference
    moves only at a step: it is read at every look, and a datagram that may have arrived before
    a step seen since is given no age (the caller stamps it on reading)."""

    def __init__(
        self,
        stamp_of: Callable[[int], int | None] = last_stamp_ns,
        wall_ns: Callable[[], int] = time.time_ns,
        mono_ns: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        self._stamp_of = stamp_of
        self._wall_ns = wall_ns
        self._mono_ns = mono_ns
        self._offset_ns: int | None = None  # wall - monotonic at the last good look
        self._stepped_at_ns: int | None = None  # monotonic: when a step was last seen
        self._look()

    def age(self, fd: int) -> float | None:
        """Seconds since the datagram last read from `fd` reached the kernel; None if there
        is no stamp, it is implausible, or the wall clock stepped since it may have arrived."""
        stamp = self._stamp_of(fd)
        now = self._look()
        if stamp is None or now is None:
            return None
        wall, mono = now
        elapsed = wall - stamp
        if not 0 <= elapsed <= AGE_PLAUSIBLE_NS:
            return None
        if self._stepped_at_ns is not None and self._stepped_at_ns >= mono - elapsed - STEP_NS:
            return None
        return elapsed / 1e9

    def _look(self) -> tuple[int, int] | None:
        """(wall, monotonic) now, noting a step; None if the two readings were too far apart
        to compare (the thread was interrupted between them)."""
        before = self._mono_ns()
        wall = self._wall_ns()
        after = self._mono_ns()
        if after - before > STEP_NS:
            return None
        mono = (before + after) // 2
        offset = wall - mono
        if self._offset_ns is not None and abs(offset - self._offset_ns) > STEP_NS:
            self._stepped_at_ns = mono
        self._offset_ns = offset
        return wall, mono
