"""Where a running engine's control API is, and the token it wants: files only the machine's
owner can read.

The token is made once per data folder (`control/token`, 0600) and kept, so a panel set up at
rehearsal still works on the day and after a restart. Each running engine writes
`control/<ceremony-id>.json` (address, port, pid) when it starts and removes it when it stops;
`ceremony ctl` finds the engine through it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from media.private_files import make_private_dir, write_private


class EndpointError(RuntimeError):
    """No running engine to talk to; the message says what to do."""


@dataclass(frozen=True)
class Endpoint:
    ceremony_id: str
    http: str  # "host:port"
    osc: str | None
    pid: int

    @property
    def base_url(self) -> str:
        return f"http://{self.http}"


def _private_folder(folder: Path) -> Path:
    make_private_dir(folder)
    return folder


def _write_private(path: Path, text: str) -> None:
    write_private(path, text.encode("utf-8"))


def load_token(folder: Path) -> str:
    """The operator token of this data folder, made on first use."""
    path = _private_folder(folder) / "token"
    if path.exists():
        token = path.read_text(encoding="utf-8").strip()
        if len(token) >= 32:
            return token
    token = secrets.token_urlsafe(32)
    _write_private(path, token + "\n")
    return token


def write_endpoint(folder: Path, endpoint: Endpoint) -> Path:
    path = _private_folder(folder) / f"{endpoint.ceremony_id}.json"
    data = {"ceremony": endpoint.ceremony_id, "http": endpoint.http, "osc": endpoint.osc}
    _write_private(path, json.dumps({**data, "pid": endpoint.pid}) + "\n")
    return path


def remove_endpoint(folder: Path, ceremony_id: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        (folder / f"{ceremony_id}.json").unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def find_endpoint(folder: Path, ceremony_id: str | None = None) -> Endpoint:
    """The running engine's endpoint: the one for `ceremony_id`, or the only one running."""
    found: list[Endpoint] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            endpoint = Endpoint(
                str(data["ceremony"]), str(data["http"]), data.get("osc"), int(data["pid"])
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if _alive(endpoint.pid) and ceremony_id in (None, endpoint.ceremony_id):
            found.append(endpoint)
    if not found:
        which = f"for ceremony {ceremony_id!r} " if ceremony_id else ""
        raise EndpointError(
            f"no studio engine {which}with a control API is running on this machine "
            "(start it with `ceremony studio --headless --control-http 127.0.0.1:8088`)"
        )
    if len(found) > 1:
        names = ", ".join(e.ceremony_id for e in found)
        raise EndpointError(f"several engines are running ({names}): name one with --ceremony")
    return found[0]
