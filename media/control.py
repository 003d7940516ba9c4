"""A data channel that speaks the wire protocol: typed messages out, validated messages in.

Whatever the peer sends, the session survives it: a bad message is answered with an Error
message and logged; a handler that fails is logged, not propagated into aiortc.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiortc import RTCDataChannel

from ceremony import wire
from media.netsim import NetShim

log = logging.getLogger(__name__)

Handler = Callable[[wire.Message], None]


class WireChannel:
    def __init__(
        self,
        channel: RTCDataChannel,
        allowed: frozenset[type[wire._Msg]],
        on_message: Handler,
        peer: str,
        shim: NetShim | None = None,
    ) -> None:
        self.channel = channel
        self.peer = peer
        self._shim = shim if shim is not None and shim.active else None
        self.errors_received = 0  # bad messages from the peer, answered with Error
        self._allowed = allowed
        self._on_message = on_message
        channel.on("message", self._on_raw)

    @property
    def is_open(self) -> bool:
        return self.channel.readyState == "open"

    def send(self, message: wire._Msg) -> bool:
        if not self.is_open:
            return False
        data = wire.encode(message).decode()
        if self._shim is not None:
            self._shim.pass_on(True, lambda: self._send_now(data))
            return True
        return self._send_now(data)

    def _send_now(self, data: str) -> bool:
        if not self.is_open:
            return False
        try:
            self.channel.send(data)
        except Exception:  # a closing transport must not take the session down
            log.debug("%s: send failed on %s", self.peer, self.channel.label, exc_info=True)
            return False
        return True

    def _on_raw(self, data: str | bytes) -> None:
        if self._shim is not None:
            self._shim.pass_on(False, lambda: self._handle(data))
        else:
            self._handle(data)

    def _handle(self, data: str | bytes) -> None:
        try:
            message = wire.decode(data, self._allowed)
        except wire.WireError as exc:
            self.errors_received += 1
            log.warning("%s sent a bad message on %s: %s", self.peer, self.channel.label, exc)
            if not isinstance(data, str) or '"type":"error"' not in data.replace(" ", ""):
                self.send(exc.reply())  # never answer an error with an error: no ping-pong
            return
        try:
            self._on_message(message)
        except Exception:
            log.exception("%s: handling %s failed", self.peer, type(message).__name__)
