"""`ceremony studio` with a display: find the ceremony's engine process, or start it, then attach.

The engine is `ceremony studio --headless` in a session of its own (it survives the console,
a closed terminal and a crashed window); the console is only a client of its operator link.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from media.operator_link.client import LinkClient, LinkError, LinkSlowError

log = logging.getLogger(__name__)

ENGINE_START_TIMEOUT_S = 60.0
# Console-only options: the engine process does not take them.
_CONSOLE_ONLY = {
    "--screenshot": 1,
    "--after": 1,
    "--watch": 0,
    "--runsheet": 1,
    "--rehearsal": 0,
    "--console-nice": 1,
}


class _Attached(Protocol):
    async def close(self) -> None: ...


def answers(path: Path, attach: Callable[[], Awaitable[_Attached]]) -> bool:
    """A server listens on `path` and accepts `attach` (attached, then gone), or listens there
    but does not answer in time."""

    async def probe() -> bool:
        try:
            client = await attach()
        except (LinkSlowError, TimeoutError):
            # Something listens but answers slowly (a loaded machine): a server is there.
            # Saying "none" would start a second one (which refuses: the socket is taken)
            # and ask the operator about a rehearsal meanwhile; the client's link retries.
            return True
        except (OSError, LinkError):
            return False
        await client.close()
        return True

    if not path.exists():
        return False
    return asyncio.run(probe())


def engine_answers(path: Path, token: str, timeout: float = 2.0) -> bool:
    """An engine listens on `path` and accepts the token (attached as a watcher), or is slow."""
    return answers(
        path,
        lambda: LinkClient.connect(path, token, "probe", want_control=False, timeout=timeout),
    )


def engine_pid(path: Path, token: str, timeout: float = 2.0) -> int | None:
    """The process id the engine on `path` gives in its welcome; None if it does not answer
    (the console then lowers only its own threads: see launcher/studio_priority.py)."""

    async def probe() -> int | None:
        try:
            client = await LinkClient.connect(
                path, token, "probe", want_control=False, timeout=timeout
            )
        except (OSError, LinkError, TimeoutError):
            return None
        await client.close()
        return client.welcome.engine_pid

    return asyncio.run(probe()) if path.exists() else None


def engine_argv(argv: list[str], sheet_path: Path, *, rehearsal: bool) -> list[str]:
    """The command line of the headless engine for the console's command line `argv` (the part
    after the program's name)."""
    out: list[str] = []
    skip = 0
    for arg in argv:
        if skip:
            skip -= 1
            continue
        name = arg.split("=", 1)[0]
        if name in _CONSOLE_ONLY or arg == "--headless":
            skip = _CONSOLE_ONLY.get(name, 0) if "=" not in arg else 0
            continue
        out.append(arg)
    out += ["--headless", "--runsheet", str(sheet_path.resolve())]
    if rehearsal:
        out.append("--rehearsal")
    return [sys.executable, "-m", "launcher.cli", *out]


def spawn_engine(command: list[str], output: Path) -> subprocess.Popen[bytes]:
    """The engine, detached: a session of its own, no terminal, its output in `output`."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("wb") as out:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )


def wait_for_engine(
    path: Path,
    token: str,
    process: subprocess.Popen[bytes],
    output: Path,
    timeout: float = ENGINE_START_TIMEOUT_S,
) -> str | None:
    """None once the engine answers; else why it did not (its last words, if it ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if engine_answers(path, token):
            return None
        if process.poll() is not None:
            return tail(output) or f"the studio engine ended (exit status {process.returncode})"
        time.sleep(0.2)  # a person waits for a window here; nothing is synchronised by it
    return f"the studio engine did not answer within {timeout:.0f} s (see {output})"


def tail(path: Path, lines: int = 8) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])
