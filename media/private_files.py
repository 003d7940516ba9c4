"""Files that hold secrets or the official record: readable by their owner alone.

Invites carry tokens, the studio key and secret sign them, the journal and the logs name venues
and contacts. They are created 0600, in folders created 0700; a file that already exists with
wider permissions is narrowed when it is opened again. (On Windows, where POSIX modes do not
apply, the user's profile folders already keep them private.)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o600
DIR_MODE = 0o700


def make_private_dir(path: Path) -> None:
    """Create `path` and any missing parents as 0700; existing folders are left as they are."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue  # made meanwhile by someone else
        os.chmod(folder, DIR_MODE)  # mkdir's mode is filtered by the umask


def open_private(path: Path, *, append: bool = True) -> BinaryIO:
    """Open `path` for writing (appending, or truncating), created 0600 in a private folder."""
    make_private_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0), FILE_MODE)
    if hasattr(os, "fchmod"):
        os.fchmod(fd, FILE_MODE)  # an older file made world-readable before this rule
    return os.fdopen(fd, "ab" if append else "wb")


def write_private(path: Path, data: bytes) -> None:
    with open_private(path, append=False) as f:
        f.write(data)
