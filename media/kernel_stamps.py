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
reading. Where this cannot be asked (another OS, a socket that refuses), `enable` says so and
the caller stamps on reading, as before.
"""

from __future__ import annotations

import logging
import socket
import struct
import sys
import time
from typing import Protocol

log = logging.getLogger(__name__)

# linux/sockios.h: the timespec (seconds, nanoseconds; 64-bit each on 64-bit Linux) of the
# last packet read from the socket.
SIOCGSTAMPNS = 0x8907
_TIMESPEC = struct.Struct("=qq")
_EMPTY = bytes(_TIMESPEC.size)

# An age beyond this is not the datagram's (the wall clock was stepped between its arrival and
# now): the caller stamps on reading instead.
AGE_PLAUSIBLE_S = 1.0

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
        if exc.errno != 2:  # ENOENT: stamping is on, nothing received since
            log.debug("no kernel receive stamps on %s: %s", sock, exc)
            return False
    return True


def age(fd: int) -> float | None:
    """Seconds since the datagram last read from `fd` (an `enable`d socket) reached the kernel,
    on the wall clock; None if there is none or it is implausible."""
    try:
        seconds, nanoseconds = _TIMESPEC.unpack(fcntl.ioctl(fd, SIOCGSTAMPNS, _EMPTY))
    except (OSError, AttributeError):
        return None
    elapsed = (time.time_ns() - (seconds * 1_000_000_000 + nanoseconds)) / 1e9
    return elapsed if 0.0 <= elapsed <= AGE_PLAUSIBLE_S else None
