"""The remote-control surfaces of one engine, started and stopped together with it."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from media.remote.desk import OperatorDesk
from media.remote.endpoint import Endpoint, load_token, remove_endpoint, write_endpoint
from media.remote.http import HttpControl
from media.remote.osc import Address, OscControl
from media.studio import StudioEngine

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


class ControlAddressError(ValueError):
    pass


def parse_address(text: str, default_host: str = LOOPBACK) -> Address:
    """`HOST:PORT` or `PORT` (loopback): another interface only when it is named."""
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = default_host, text
    host = host.strip("[]") or default_host
    try:
        port = int(port_text)
    except ValueError:
        raise ControlAddressError(f"{text!r}: give HOST:PORT, e.g. 127.0.0.1:8088") from None
    if not 0 <= port <= 65535:
        raise ControlAddressError(f"{text!r}: the port must be 0–65535")
    return host, port


@dataclass(frozen=True)
class RemoteConfig:
    http: Address | None = None
    osc: Address | None = None
    osc_feedback: tuple[Address, ...] = ()
    folder: Path | None = None  # where the token and the endpoint file live
    rehearsal: bool = False

    @property
    def enabled(self) -> bool:
        return self.http is not None or self.osc is not None


@dataclass
class RemoteControl:
    engine: StudioEngine
    config: RemoteConfig
    desk: OperatorDesk = field(init=False)
    http: HttpControl | None = None
    osc: OscControl | None = None
    token: str = ""

    def __post_init__(self) -> None:
        self.desk = OperatorDesk(self.engine, rehearsal=self.config.rehearsal)

    async def start(self) -> None:
        cfg = self.config
        if cfg.folder is None:
            raise ValueError("the control API needs a folder for its token")
        self.token = load_token(cfg.folder)
        if cfg.http is not None:
            self.http = HttpControl(self.desk, self.token)
            await self.http.start(*cfg.http)
        if cfg.osc is not None:
            self.osc = OscControl(self.desk, cfg.osc_feedback)
            await self.osc.start(*cfg.osc)
        write_endpoint(
            cfg.folder,
            Endpoint(
                ceremony_id=self.engine.sheet.ceremony.id,
                http=f"{cfg.http[0]}:{self.http.port}" if cfg.http and self.http else "",
                osc=f"{cfg.osc[0]}:{self.osc.port}" if cfg.osc and self.osc else None,
                pid=os.getpid(),
            ),
        )

    async def stop(self) -> None:
        if self.config.folder is not None:
            remove_endpoint(self.config.folder, self.engine.sheet.ceremony.id)
        if self.http is not None:
            await self.http.stop()
        if self.osc is not None:
            await self.osc.stop()
        self.desk.close()
