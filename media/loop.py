"""Event-loop set-up shared by every process that runs aiortc."""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

log = logging.getLogger(__name__)

# aiortc's SCTP leaves fire-and-forget tasks that fail once the DTLS transport under them has
# closed; after a venue is dropped that is expected, not an error worth a traceback.
_TEARDOWN_NOISE = ("not connected", "protocol is shutdown")


def quiet_teardown_errors(loop: asyncio.AbstractEventLoop) -> None:
    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, ConnectionError | ssl.SSLError | OSError) or (
            exc is not None and any(s in str(exc) for s in _TEARDOWN_NOISE)
        ):
            log.debug("after teardown: %s", exc)
            return
        loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
