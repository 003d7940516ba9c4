"""The guard around aiortc's data-channel receive path: its contract with the installed aiortc,
and what it does with bytes aiortc itself would choke on."""

from __future__ import annotations

import inspect

from aiortc.rtcsctptransport import RTCSctpTransport

from media.peer_guard import guard_data_channels


def test_the_wrapped_aiortc_method_still_exists_with_its_arguments() -> None:
    method = RTCSctpTransport._data_channel_receive
    assert inspect.iscoroutinefunction(method)
    assert list(inspect.signature(method).parameters) == ["self", "stream_id", "pp_id", "data"]


class FakeSctp:
    def __init__(self) -> None:
        self.got: list[tuple[int, int, bytes]] = []

    async def _data_channel_receive(self, stream_id: int, pp_id: int, data: bytes) -> None:
        if data == b"crash":
            raise AssertionError("aiortc's own assert on a peer's bad stream id")
        self.got.append((stream_id, pp_id, data))


async def test_bad_text_becomes_bytes_and_failures_stay_inside() -> None:
    sctp = FakeSctp()
    assert guard_data_channels(sctp, "v1")  # type: ignore[arg-type]
    await sctp._data_channel_receive(1, 51, b"\xff\xfe")  # text, not UTF-8
    await sctp._data_channel_receive(1, 51, b'{"type":"heartbeat","seq":1}')
    await sctp._data_channel_receive(1, 50, b"crash")  # dropped, counted, not raised
    assert sctp.got == [(1, 53, b"\xff\xfe"), (1, 51, b'{"type":"heartbeat","seq":1}')]
