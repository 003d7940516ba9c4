"""Frames on the operator link: a 4-byte big-endian length, then one msgpack message."""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
import struct
import tempfile
from pathlib import Path

from media.private_files import make_private_dir

HEADER = struct.Struct(">I")
UNIX_PATH_MAX = 100  # sockaddr_un holds 108 bytes on Linux; keep a margin


class FrameError(ValueError):
    pass


def frame(payload: bytes) -> bytes:
    return HEADER.pack(len(payload)) + payload


async def read_frame(reader: asyncio.StreamReader, limit: int) -> bytes:
    """The next frame's payload; IncompleteReadError at the end of the stream."""
    (size,) = HEADER.unpack(await reader.readexactly(HEADER.size))
    if size > limit:
        raise FrameError(f"a frame of {size} bytes (at most {limit})")
    return await reader.readexactly(size)


class SocketPlaceError(OSError):
    """No private place for the socket (a stranger owns the fallback folder)."""


def socket_path(folder: Path, ceremony_id: str) -> Path:
    """Where the engine of `ceremony_id` listens: in the private control folder, named after the
    ceremony, or after its hash when the name would not fit in a Unix socket address (108 bytes).
    When even that does not fit (a deep data folder), in a private folder of this user under the
    temporary folder, named after the hash of both (the engine and its consoles agree on it)."""
    path = folder / f"{ceremony_id}.sock"
    if len(str(path).encode()) <= UNIX_PATH_MAX:
        return path
    digest = hashlib.sha256(ceremony_id.encode()).hexdigest()[:16]
    path = folder / f"{digest}.sock"
    if len(str(path).encode()) <= UNIX_PATH_MAX:
        return path
    both = hashlib.sha256(f"{folder.resolve()}\0{ceremony_id}".encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"ceremony-{os.getuid()}" / f"{both}.sock"


def private_socket_folder(path: Path) -> None:
    """Make sure the socket's folder exists and is this user's alone (0700)."""
    make_private_dir(path.parent)
    info = path.parent.stat()
    if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
        raise SocketPlaceError(f"{path.parent} is not this user's private folder")
