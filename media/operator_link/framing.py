"""Frames on the operator link: a 4-byte big-endian length, then one msgpack message."""

from __future__ import annotations

import asyncio
import hashlib
import struct
from pathlib import Path

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


def socket_path(folder: Path, ceremony_id: str) -> Path:
    """Where the engine of `ceremony_id` listens: in the private control folder, named after the
    ceremony (or after its hash, when the name would not fit in a Unix socket address)."""
    path = folder / f"{ceremony_id}.sock"
    if len(str(path).encode()) > UNIX_PATH_MAX:
        digest = hashlib.sha256(ceremony_id.encode()).hexdigest()[:16]
        path = folder / f"{digest}.sock"
    return path
