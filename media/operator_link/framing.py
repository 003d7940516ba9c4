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


class LinkBusyError(OSError):
    """Another server (an engine, a venue link) already listens on the same socket."""


async def claim_socket(path: Path) -> None:
    """Make `path` free for a new server: its folder private, a socket left there by a killed
    server removed; LinkBusyError when a live one still answers there."""
    private_socket_folder(path)
    if path.exists() or path.is_symlink():
        try:
            _, writer = await asyncio.open_unix_connection(str(path))
        except (ConnectionRefusedError, FileNotFoundError):
            path.unlink(missing_ok=True)  # left by a server that was killed
        else:
            writer.close()
            raise LinkBusyError(f"a server already listens on {path}")


async def open_link(
    path: Path, hello: bytes, limit: int, timeout: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes]:
    """Connect to a local link, send the `hello` frame's payload, and read the first answer's
    payload; FileNotFoundError / ConnectionRefusedError when nothing listens there,
    TimeoutError when it does not answer in time, IncompleteReadError when it hangs up (the
    writer is closed on any of these)."""
    reader, writer = await asyncio.wait_for(
        asyncio.open_unix_connection(str(path), limit=limit + 16), timeout
    )
    try:
        writer.write(frame(hello))
        return reader, writer, await asyncio.wait_for(read_frame(reader, limit), timeout)
    except BaseException:
        writer.close()
        raise


def private_socket_folder(path: Path) -> None:
    """Make sure the socket's folder exists and is this user's alone (0700)."""
    make_private_dir(path.parent)
    info = path.parent.stat()
    if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
        raise SocketPlaceError(f"{path.parent} is not this user's private folder")
