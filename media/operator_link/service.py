"""The operator link of one engine, started and stopped with it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from media.operator_link.backend import EngineBackend
from media.operator_link.framing import socket_path
from media.operator_link.server import LinkServer
from media.remote.endpoint import load_token
from media.studio import StudioEngine


async def start_link(engine: StudioEngine, folder: Path, stop: Callable[[], None]) -> LinkServer:
    """The engine's operator link in `folder` (the private control folder, with the 0600 token).
    `stop` ends the engine (a console's "end the run"). LinkBusyError: another engine of the
    same ceremony already listens."""
    server = LinkServer(
        EngineBackend(engine),
        socket_path(folder, engine.sheet.ceremony.id),
        load_token(folder),
        stop=stop,
    )
    await server.start()
    return server
