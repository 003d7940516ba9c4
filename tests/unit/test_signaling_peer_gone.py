"""A venue (or anyone) that leaves during its WebSocket upgrade: the studio's answer ends as
aiohttp ends any answer to a client that went away, without a traceback in the log."""

from __future__ import annotations

from unittest import mock

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from media.studio.signaling import PEER_GONE_STATUS, peer_gone

UPGRADE = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
}


class GoneWriter:
    """What aiohttp's payload writer does on a transport the peer closed."""

    buffer_size = 0
    output_size = 0

    async def write_headers(self, *_args: object) -> None:
        raise ConnectionResetError("Cannot write to closing transport")

    async def write(self, *_args: object, **_kw: object) -> None:
        raise ConnectionResetError("Cannot write to closing transport")

    async def write_eof(self, *_args: object) -> None:
        raise ConnectionResetError("Cannot write to closing transport")

    async def drain(self) -> None:
        raise ConnectionResetError("Cannot write to closing transport")

    def enable_chunking(self) -> None:
        pass

    def enable_compression(self, *_args: object, **_kw: object) -> None:
        pass

    def send_headers(self) -> None:
        pass


async def finish(resp: web.StreamResponse, request: web.BaseRequest) -> str:
    """What aiohttp does with a handler's answer (web_protocol's finish_response): prepare it
    and end it; a ConnectionError there is a client that went away (said nowhere), anything
    else escapes and is logged with its traceback."""
    try:
        await resp.prepare(request)
        await resp.write_eof()
    except ConnectionError:
        return "peer gone"
    return "answered"


def _request() -> tuple[web.Request, mock.Mock]:
    transport = mock.Mock()
    transport.is_closing.return_value = True
    request = make_mocked_request(
        "GET", "/signal", headers=UPGRADE, transport=transport, writer=GoneWriter()
    )
    return request, transport


async def test_the_half_prepared_websocket_is_what_made_aiohttp_log_a_traceback() -> None:
    request, _ = _request()
    ws = web.WebSocketResponse()
    with pytest.raises(ConnectionError):
        await ws.prepare(request)
    with pytest.raises(RuntimeError, match="prepare"):  # (why it must not be handed back)
        await finish(ws, request)


async def test_the_answer_for_a_peer_gone_ends_quietly_and_closes_its_transport() -> None:
    request, transport = _request()
    ws = web.WebSocketResponse()
    with pytest.raises(ConnectionError):
        await ws.prepare(request)
    answer = peer_gone(request)
    assert answer.status == PEER_GONE_STATUS
    assert await finish(answer, request) == "peer gone"
    transport.close.assert_called_once()
