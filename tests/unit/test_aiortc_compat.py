"""The contract between this build and the installed aiortc/aioice: each private hook the
product relies on is checked against the real libraries and real objects, so an upgrade that
breaks one fails here instead of silently losing keyframe requests, ISO recordings or pinning."""

from __future__ import annotations

import asyncio
import queue
import socket
import sys
from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace
from typing import Any

import aioice
import aioice.ice
import aioice.stun
import aiortc.rtcdtlstransport
import aiortc.rtcrtpreceiver
import aiortc.rtcsctptransport
import pytest
from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCRtpSender
from aiortc.codecs.opus import OpusDecoder
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcrtpparameters import RTCRtpCodecParameters, RTCRtpReceiveParameters
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTCP_PSFB_PLI,
    RtcpPsfbPacket,
    RtcpReceiverInfo,
    RtcpRrPacket,
    pack_remb_fci,
)
from OpenSSL import SSL

from media import aiortc_compat


@pytest.fixture
async def transceiver() -> AsyncIterator[tuple[RTCRtpSender, RTCRtpReceiver]]:
    pc = RTCPeerConnection()
    t = pc.addTransceiver("video")
    yield t.sender, t.receiver
    await pc.close()


def test_every_assumption_holds_for_the_installed_versions() -> None:
    assert aiortc_compat.problems() == []
    assert aiortc_compat.verify() == []


def test_a_broken_assumption_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(RTCRtpSender, "_send_keyframe")
    found = aiortc_compat.problems()
    assert len(found) == 1 and "keyframe" in found[0]


async def test_a_keyframe_request_from_the_network_reaches_our_callback(
    transceiver: tuple[RTCRtpSender, RTCRtpReceiver],
) -> None:
    sender, _ = transceiver
    asked: list[str] = []
    aiortc_compat.on_keyframe_request(sender, lambda: asked.append("pli"))
    pli = RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=1234, media_ssrc=sender._ssrc)
    await sender._handle_rtcp_packet(pli)  # aiortc's own RTCP path, as a venue's PLI takes
    assert asked == ["pli"]


async def test_a_bandwidth_estimate_from_the_wire_reaches_our_callback(
    transceiver: tuple[RTCRtpSender, RTCRtpReceiver],
) -> None:
    """A REMB as aiortc's receiver packs it, parsed and routed by aiortc's own DTLS transport
    (by the SSRCs in its FCI: its media SSRC is 0) to our sender; one for another stream is
    not ours; a failing callback costs nothing else on that path (keyframe requests)."""
    sender, _ = transceiver
    dtls = sender.transport
    dtls._rtp_router.register_sender(sender, sender._ssrc)  # as sender.send() registers it
    heard: list[int] = []
    aiortc_compat.on_bitrate_estimate(sender, heard.append)
    asked: list[str] = []
    aiortc_compat.on_keyframe_request(sender, lambda: asked.append("pli"))

    def remb(bitrate: int, ssrcs: list[int]) -> bytes:
        return bytes(
            RtcpPsfbPacket(
                fmt=RTCP_PSFB_APP, ssrc=1234, media_ssrc=0, fci=pack_remb_fci(bitrate, ssrcs)
            )
        )

    await dtls._handle_rtcp_data(remb(1_200_000, [sender._ssrc]))
    await dtls._handle_rtcp_data(remb(9_000_000, [sender._ssrc ^ 1]))
    assert heard == [1_200_000]

    def fail(bitrate: int) -> None:
        raise RuntimeError("a broken policy")

    aiortc_compat.on_bitrate_estimate(sender, fail)
    pli = RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=1234, media_ssrc=sender._ssrc)
    await dtls._handle_rtcp_data(remb(800_000, [sender._ssrc]) + bytes(pli))
    assert heard == [1_200_000, 800_000] and asked == ["pli"]


def test_a_moved_bandwidth_estimate_path_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def route_rtcp(self: object, packet: object) -> set[object]:
        return set()

    monkeypatch.setattr(aiortc.rtcdtlstransport.RtpRouter, "route_rtcp", route_rtcp)
    found = aiortc_compat.problems()
    assert len(found) == 1 and "REMB" in found[0]


async def test_the_tee_copies_frames_survives_a_failing_copy_and_detaches(
    transceiver: tuple[RTCRtpSender, RTCRtpReceiver],
) -> None:
    _, receiver = transceiver
    decoder_queue = getattr(receiver, "_RTCRtpReceiver__decoder_queue")  # noqa: B009
    assert isinstance(decoder_queue, queue.Queue)
    copied: list[tuple[bytes, int]] = []

    def copy(data: bytes, timestamp: int) -> None:
        if timestamp == 2:
            raise OSError("disk full")
        copied.append((data, timestamp))

    detach = aiortc_compat.tee_encoded_frames(receiver, copy)
    assert detach is not None
    codec = SimpleNamespace(mimeType="video/VP8", name="VP8")
    for ts in (1, 2, 3):
        decoder_queue.put((codec, SimpleNamespace(data=b"frame%d" % ts, timestamp=ts)))
    decoder_queue.put(None)  # the end-of-stream sentinel passes through untouched
    assert copied == [(b"frame1", 1), (b"frame3", 3)]
    assert decoder_queue.qsize() == 4  # the decoder still got every item, the failed one too
    detach()
    decoder_queue.put((codec, SimpleNamespace(data=b"late", timestamp=4)))
    assert len(copied) == 2


def test_no_tee_on_an_object_without_the_queue() -> None:
    assert aiortc_compat.tee_encoded_frames(object(), lambda d, t: None) is None  # type: ignore[arg-type]


async def test_pinned_host_addresses_are_what_ice_gathers() -> None:
    aiortc_compat.pin_host_addresses(["127.0.0.1"])
    try:
        conn = aioice.Connection(ice_controlling=True)
        await conn.gather_candidates()
        assert {c.host for c in conn.local_candidates} == {"127.0.0.1"}
        await conn.close()
    finally:
        aiortc_compat.pin_host_addresses(None)
    assert aioice.ice.get_host_addresses is aiortc_compat._ORIGINAL_HOST_ADDRESSES


def test_the_decoder_worker_is_swapped_and_restored() -> None:
    def worker(*args: object) -> None:
        return None

    aiortc_compat.use_decoder_worker(worker)
    assert aiortc.rtcrtpreceiver.decoder_worker is worker
    aiortc_compat.use_decoder_worker(None)
    assert aiortc.rtcrtpreceiver.decoder_worker is aiortc_compat.ORIGINAL_DECODER_WORKER


async def test_loss_reported_by_the_remote_reads_as_a_share(
    transceiver: tuple[RTCRtpSender, RTCRtpReceiver],
) -> None:
    """A receiver report saying 64/256 lost (RFC 3550 fixed point), through aiortc's own RTCP
    handling and getStats(), is 25 %."""
    sender, _ = transceiver
    report = RtcpReceiverInfo(
        ssrc=sender._ssrc,
        fraction_lost=64,
        packets_lost=10,
        highest_sequence=100,
        jitter=0,
        lsr=0,
        dlsr=0,
    )
    await sender._handle_rtcp_packet(RtcpRrPacket(ssrc=1, reports=[report]))
    stats = [s for s in (await sender.getStats()).values() if s.type == "remote-inbound-rtp"]
    assert len(stats) == 1 and aiortc_compat.fraction_lost(stats[0]) == 0.25


async def _offer_answer(a: RTCPeerConnection, b: RTCPeerConnection) -> None:
    """`a` offers, `b` answers (the peers connect in the background)."""
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)


async def test_the_selected_pair_of_a_real_connection_is_read() -> None:
    from media.ice import describe_path

    aiortc_compat.pin_host_addresses(["127.0.0.1"])
    a, b = RTCPeerConnection(), RTCPeerConnection()
    try:
        assert aiortc_compat.selected_candidates(a) is None
        opened = asyncio.Event()
        a.createDataChannel("x").on("open", opened.set)
        await _offer_answer(a, b)
        await asyncio.wait_for(opened.wait(), 10)
        pair = aiortc_compat.selected_candidates(a)
        assert pair is not None
        local, remote = pair
        assert (local.host, remote.host) == ("127.0.0.1", "127.0.0.1")
        assert describe_path(a) == "host/udp"
    finally:
        aiortc_compat.pin_host_addresses(None)
        await a.close()
        await b.close()


def test_a_moved_selected_pair_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(aioice.ice.CandidatePair, "local_candidate")
    found = aiortc_compat.problems()
    assert len(found) == 1 and "path" in found[0]


async def test_the_count_only_worker_hands_over_encoded_video_and_decodes_sound() -> None:
    """The worker speaks aiortc's decoder-thread protocol: (codec, frame) tasks, None to end."""
    import queue
    import threading
    from types import SimpleNamespace

    loop = asyncio.get_running_loop()
    inbox: queue.Queue[object] = queue.Queue()
    out: asyncio.Queue[object] = asyncio.Queue()
    video = SimpleNamespace(mimeType="video/VP8", name="VP8")
    frame = SimpleNamespace(data=b"vp8", timestamp=1)
    inbox.put((video, frame))
    inbox.put(None)
    worker = threading.Thread(
        target=aiortc_compat._count_only_worker, args=(loop, inbox, out, threading.Event())
    )
    worker.start()
    assert await asyncio.wait_for(out.get(), 5) is frame  # not decoded: the frame itself
    assert await asyncio.wait_for(out.get(), 5) is None  # the end, passed on
    worker.join(timeout=5)
    aiortc_compat.count_only_video()
    assert aiortc.rtcrtpreceiver.decoder_worker is aiortc_compat._count_only_worker
    aiortc_compat.count_only_video(False)
    assert aiortc.rtcrtpreceiver.decoder_worker is aiortc_compat.ORIGINAL_DECODER_WORKER


async def test_once_running_the_count_only_worker_takes_video_on_the_loop_thread() -> None:
    """aiortc puts frames from the loop's thread: video then reaches the track's queue at once
    (no hand-off through the thread); sound and the end still go through the worker."""
    import threading

    loop = asyncio.get_running_loop()
    inbox: queue.Queue[object] = queue.Queue()
    out: asyncio.Queue[object] = asyncio.Queue()
    video = SimpleNamespace(mimeType="video/VP8", name="VP8")
    first, second = SimpleNamespace(data=b"1", timestamp=1), SimpleNamespace(data=b"2", timestamp=2)
    inbox.put((video, first))  # before the worker runs: through the thread
    worker = threading.Thread(
        target=aiortc_compat._count_only_worker, args=(loop, inbox, out, threading.Event())
    )
    worker.start()
    assert await asyncio.wait_for(out.get(), 5) is first
    inbox.put((video, second))
    assert out.get_nowait() is second  # already there: handed over on this thread
    inbox.put(None)
    assert await asyncio.wait_for(out.get(), 5) is None
    worker.join(timeout=5)
    assert not worker.is_alive()


async def test_count_only_video_receivers_keep_no_bitrate_estimator() -> None:
    estimator = "_RTCRtpReceiver__remote_bitrate_estimator"
    pc = RTCPeerConnection()
    try:
        aiortc_compat.count_only_video()
        assert getattr(pc.addTransceiver("video").receiver, estimator) is None
        aiortc_compat.count_only_video(False)
        assert getattr(pc.addTransceiver("video").receiver, estimator) is not None
    finally:
        aiortc_compat.count_only_video(False)
        await pc.close()


async def test_every_sctp_packet_of_one_transport_is_heard() -> None:
    """A message, and the SACKs for ours: each packet the peer's SCTP stack sends is heard."""
    aiortc_compat.pin_host_addresses(["127.0.0.1"])
    a, b = RTCPeerConnection(), RTCPeerConnection()
    heard: list[str] = []
    try:
        got = asyncio.Event()
        channel = a.createDataChannel("x")
        opened = asyncio.Event()
        channel.on("open", opened.set)
        b.on("datachannel", lambda ch: ch.on("message", lambda _m: got.set()))
        await a.setLocalDescription(await a.createOffer())
        await b.setRemoteDescription(a.localDescription)
        assert b.sctp is not None and a.sctp is not None
        assert aiortc_compat.on_sctp_packet(b.sctp, lambda: heard.append("b"))
        await b.setLocalDescription(await b.createAnswer())
        await a.setRemoteDescription(b.localDescription)
        await asyncio.wait_for(opened.wait(), 10)
        before = len(heard)
        channel.send("hello")
        await asyncio.wait_for(got.wait(), 10)
        assert len(heard) > before
    finally:
        aiortc_compat.pin_host_addresses(None)
        await a.close()
        await b.close()


def test_a_moved_sctp_receive_path_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(aiortc.rtcsctptransport.RTCSctpTransport, "_handle_data")
    found = aiortc_compat.problems()  # hearing the venue, and bundling acknowledgements
    assert len(found) == 2 and "hear a venue's transport" in found[0]
    assert "acknowledgement" in found[1]


def test_a_moved_bitrate_estimator_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aiortc.rtcrtpreceiver.RTCRtpReceiver, "_handle_rtp_packet", lambda: None)
    found = aiortc_compat.problems()
    assert any("REMB" in f for f in found)


def test_a_stun_binding_request_is_a_stun_message() -> None:
    data = aiortc_compat.stun_binding_request()
    assert data[:2] == b"\x00\x01" and data[4:8] == b"\x21\x12\xa4\x42"  # Binding, magic cookie


def _fec_opus_payloads(count: int) -> list[bytes]:
    """The program as a lossy venue gets it: 60 ms Opus packets with in-band FEC."""
    import numpy as np

    from media.opus import OpusPacketizer
    from media.sources import voice_like

    tone = voice_like(seconds=count * 0.06 + 0.2)
    tone = (np.ones_like(tone) * 0.5 * tone.max() + tone * 0.5).astype(np.int16)  # never quiet
    return OpusPacketizer(fec=True).push(tone)[:count]


async def test_program_audio_goes_through_the_fec_decoder_in_arrival_order() -> None:
    """A real audio receiver, started as aiortc starts it, given our buffer and decoder: one
    lost packet comes out rebuilt from the next one's FEC, nothing is held back, every 60 ms
    of the timeline has its frame, and the counts say so."""
    from aiortc.codecs import get_capabilities
    from aiortc.rtcrtpparameters import RTCRtpCodecParameters, RTCRtpReceiveParameters
    from aiortc.rtp import RtpPacket

    from media.opus_receive import OpusReceiveStats

    stats = OpusReceiveStats()
    aiortc_compat.use_fec_opus_decoder(stats)
    pc = RTCPeerConnection()
    try:
        receiver = pc.addTransceiver("audio").receiver
        assert aiortc_compat.receive_audio_with_fec(receiver)
        opus = next(c for c in get_capabilities("audio").codecs if c.mimeType == "audio/opus")
        codec = RTCRtpCodecParameters(
            mimeType=opus.mimeType, clockRate=opus.clockRate, channels=2, payloadType=111
        )
        receiver._track = aiortc.rtcrtpreceiver.RemoteStreamTrack(kind="audio")  # as SDP does
        await receiver.receive(RTCRtpReceiveParameters(codecs=[codec]))
        payloads = _fec_opus_payloads(8)
        for seq, payload in enumerate(payloads):
            if seq == 4:
                continue  # lost on the way
            packet = RtpPacket(payload_type=111, sequence_number=seq, timestamp=seq * 2880)
            packet.payload = payload
            await receiver._handle_rtp_packet(packet, arrival_time_ms=seq * 60)
        frames = [await asyncio.wait_for(receiver._track.recv(), 5) for _ in range(8)]
        assert [f.pts for f in frames] == [n * 2880 for n in range(8)]
        assert all(getattr(f, "samples", 0) == 2880 for f in frames)
        assert (stats.received, stats.recovered, stats.concealed) == (7, 1, 0)
    finally:
        aiortc_compat.use_fec_opus_decoder(None)
        await pc.close()
    get_decoder = getattr(aiortc.rtcrtpreceiver, "get_decoder")  # noqa: B009
    assert isinstance(get_decoder(_opus_codec()), OpusDecoder)  # aiortc's own again


def _opus_codec() -> RTCRtpCodecParameters:
    from aiortc.codecs import get_capabilities

    opus = next(c for c in get_capabilities("audio").codecs if c.mimeType == "audio/opus")
    return RTCRtpCodecParameters(
        mimeType=opus.mimeType, clockRate=opus.clockRate, channels=2, payloadType=111
    )


async def _started_audio_receiver(pc: RTCPeerConnection) -> RTCRtpReceiver:
    receiver = pc.addTransceiver("audio").receiver
    receiver._track = aiortc.rtcrtpreceiver.RemoteStreamTrack(kind="audio")  # as SDP does
    return receiver


async def _send(receiver: RTCRtpReceiver, payloads: list[bytes], lost: set[int]) -> None:
    from aiortc.rtp import RtpPacket

    for seq, payload in enumerate(payloads):
        if seq in lost:
            continue
        packet = RtpPacket(payload_type=111, sequence_number=seq, timestamp=seq * 2880)
        packet.payload = payload
        await receiver._handle_rtp_packet(packet, arrival_time_ms=seq * 60)


async def test_each_venue_microphone_counts_into_its_own_stats() -> None:
    """Two real audio receivers in one process (the studio hearing two venues), each with its
    own counts, next to the process-wide counts a venue's program uses: a fake lossy sequence
    on each comes out counted where it belongs, and recovered by FEC."""
    from media.opus_receive import OpusReceiveStats

    program, hall_a, hall_b = OpusReceiveStats(), OpusReceiveStats(), OpusReceiveStats()
    aiortc_compat.use_fec_opus_decoder(program)
    pc = RTCPeerConnection()
    try:
        a, b = await _started_audio_receiver(pc), await _started_audio_receiver(pc)
        assert aiortc_compat.receive_audio_with_fec(a, hall_a)
        assert aiortc_compat.receive_audio_with_fec(b, hall_b)
        for receiver in (a, b):
            await receiver.receive(RTCRtpReceiveParameters(codecs=[_opus_codec()]))
        payloads = _fec_opus_payloads(12)
        await _send(a, payloads, lost={2})
        await _send(b, payloads, lost={2, 6, 7, 8})  # 2 and 8 rebuilt; 6, 7 concealed
        for receiver, count in ((a, 12), (b, 12)):
            assert receiver._track is not None
            frames = [await asyncio.wait_for(receiver._track.recv(), 5) for _ in range(count)]
            assert [f.pts for f in frames] == [n * 2880 for n in range(count)]
        assert (hall_a.received, hall_a.recovered, hall_a.concealed) == (11, 1, 0)
        assert (hall_b.received, hall_b.recovered, hall_b.concealed) == (8, 2, 2)
        assert hall_b.concealed_pct() == 16.67
        assert program.expected == 0  # nothing of the halls' sound counted as program
    finally:
        aiortc_compat.use_fec_opus_decoder(None)
        await pc.close()


def test_a_receiver_without_a_decoder_queue_gets_no_own_counts() -> None:
    from media.opus_receive import OpusReceiveStats

    assert not aiortc_compat.receive_audio_with_fec(SimpleNamespace(), OpusReceiveStats())


async def test_impaired_rtp_never_reaches_the_receiver() -> None:
    pc = RTCPeerConnection()
    try:
        receiver = await _started_audio_receiver(pc)
        seen: list[int] = []

        async def handle(packet: object, arrival_time_ms: int) -> None:
            seen.append(packet.sequence_number)  # type: ignore[attr-defined]

        receiver._handle_rtp_packet = handle  # type: ignore[method-assign]
        restore = aiortc_compat.impair_rtp(receiver, lambda p: p.sequence_number % 2 == 1)
        await _send(receiver, [b"x"] * 4, lost=set())
        restore()
        await _send(receiver, [b"x"] * 2, lost=set())
        assert seen == [0, 2, 0, 1]
    finally:
        await pc.close()


def test_the_audio_buffer_passes_packets_on_arrival_and_drops_late_ones() -> None:
    from aiortc.rtp import RtpPacket

    buffer = aiortc_compat.ArrivalOrderAudioBuffer()
    out = []
    for seq in (65534, 65535, 1, 0, 1, 2):  # wraps; 0 arrives after 1; 1 twice
        packet = RtpPacket(sequence_number=seq, timestamp=seq)
        packet._data = b"x"  # type: ignore[attr-defined]
        pli, frame = buffer.add(packet)
        assert pli is False
        out.append(None if frame is None else frame.timestamp)
    assert out == [65534, 65535, 1, None, None, 2]


def test_a_moved_audio_receive_path_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(aiortc.rtcrtpreceiver, "get_decoder")
    found = aiortc_compat.problems()
    assert len(found) == 1 and "FEC" in found[0]


async def test_sctp_starts_from_the_initial_rto_we_set() -> None:
    original = aiortc.rtcsctptransport.SCTP_RTO_INITIAL
    pc = RTCPeerConnection()
    try:
        aiortc_compat.set_sctp_initial_rto(1.0)
        pc.createDataChannel("control")
        assert pc.sctp is not None and pc.sctp._rto == 1.0
    finally:
        aiortc.rtcsctptransport.SCTP_RTO_INITIAL = original
        await pc.close()


def test_the_quick_source_reader_reads_what_inspect_reads() -> None:
    """The start-up checks cut functions by indentation (cheap); it must agree with inspect."""
    import inspect

    import aiortc.rtcsctptransport

    functions: list[Callable[..., object]] = [
        RTCRtpReceiver._handle_rtp_packet,
        RTCRtpReceiver.__init__,
        RTCRtpSender._handle_rtcp_packet,
        aiortc.rtcrtpreceiver.decoder_worker,
        aiortc.rtcsctptransport.RTCSctpTransport.__init__,
        aioice.ice.Connection.gather_candidates,
        aioice.ice.Connection.__init__,
    ]
    for function in functions:
        assert aiortc_compat._source(function) == inspect.getsource(function), function


async def test_consent_checks_stop_on_a_connected_link_and_the_link_lives_on() -> None:
    aiortc_compat.pin_host_addresses(["127.0.0.1"])
    a, b = RTCPeerConnection(), RTCPeerConnection()
    try:
        assert not aiortc_compat.stop_consent_checks(a)  # no transport yet
        channel = a.createDataChannel("x")
        opened, got = asyncio.Event(), asyncio.Event()
        channel.on("open", opened.set)
        b.on("datachannel", lambda ch: ch.on("message", lambda _m: got.set()))
        await _offer_answer(a, b)
        await asyncio.wait_for(opened.wait(), 10)
        assert a.sctp is not None
        connection = a.sctp.transport.transport.iceGatherer._connection
        task = connection._query_consent_task
        assert task is not None and not task.done()
        assert aiortc_compat.stop_consent_checks(a)
        await asyncio.gather(task, return_exceptions=True)
        assert task.cancelled()
        assert not aiortc_compat.stop_consent_checks(a)  # nothing left to stop
        channel.send("still here")
        await asyncio.wait_for(got.wait(), 10)
    finally:
        aiortc_compat.pin_host_addresses(None)
        await a.close()
        await b.close()


def test_moved_consent_checks_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aioice.ice.Connection, "close", lambda self: None)
    found = aiortc_compat.problems()
    assert len(found) == 1 and "consent" in found[0]


async def test_a_message_is_stamped_when_its_datagram_reached_ice() -> None:
    """Stamping starts on a connection already receiving (as the studio's does, once the
    channel opens); each message is handled with its own datagram's stamp, taken between its
    sending and its handling."""
    import time

    aiortc_compat.pin_host_addresses(["127.0.0.1"])
    a, b = RTCPeerConnection(), RTCPeerConnection()
    got: asyncio.Queue[tuple[str, float | None, float]] = asyncio.Queue()
    holder: list[aiortc_compat.ArrivalStamps] = []

    @b.on("datachannel")
    def on_channel(ch: Any) -> None:
        ch.on("message", lambda m: got.put_nowait((m, holder[0].current, time.monotonic())))

    try:
        opened = asyncio.Event()
        channel = a.createDataChannel("clock", ordered=False, maxRetransmits=0)
        channel.on("open", opened.set)
        await _offer_answer(a, b)
        await asyncio.wait_for(opened.wait(), 10)
        stamps = aiortc_compat.stamp_datagram_arrivals(b, time.monotonic)
        assert stamps is not None
        assert aiortc_compat.stamp_datagram_arrivals(b, time.monotonic) is stamps  # once
        holder.append(stamps)
        sent_at: dict[str, float] = {}
        for n in range(5):
            sent_at[f"m{n}"] = time.monotonic()
            channel.send(f"m{n}")
            await asyncio.sleep(0.005)
        seen: list[float] = []
        for _ in range(5):
            text, stamp, handled = await asyncio.wait_for(got.get(), 10)
            assert stamp is not None and sent_at[text] < stamp <= handled
            seen.append(stamp)
        assert seen == sorted(seen) and len(set(seen)) == 5
    finally:
        aiortc_compat.pin_host_addresses(None)
        await a.close()
        await b.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kernel stamps are Linux's")
@pytest.mark.parametrize("asked", ["before gathering", "before a media section", "once open"])
async def test_a_message_that_waited_in_the_socket_is_stamped_when_the_kernel_took_it(
    kernel_stamping: None, asked: str
) -> None:
    """The loop is busy (40 ms) while the datagram sits in the receiver's socket: the stamp is
    still the moment it arrived, not the moment the loop read it — whether stamping was asked
    before the sockets existed (a venue opens its channels first), before a media section that
    BUNDLE then moves the channels onto (a venue adds its tracks after its channels), or once
    the channel was open (the studio)."""
    import os
    import select
    import time

    aiortc_compat.pin_host_addresses(["127.0.0.1"])
    a, b = RTCPeerConnection(), RTCPeerConnection()
    got: asyncio.Queue[tuple[float | None, float]] = asyncio.Queue()
    peek: socket.socket | None = None
    stamps: aiortc_compat.ArrivalStamps | None = None
    remote: list[Any] = []
    offered = asyncio.Event()

    @b.on("datachannel")
    def on_channel(ch: Any) -> None:
        remote.append(ch)
        offered.set()

    try:
        channel = a.createDataChannel("clock", ordered=False, maxRetransmits=0)
        channel.on(
            "message",
            lambda m: got.put_nowait((stamps.current if stamps else None, time.monotonic())),
        )
        if asked.startswith("before"):
            stamps = aiortc_compat.stamp_datagram_arrivals(a, time.monotonic)
            assert stamps is not None and stamps.kernel_stamped_sockets == 0
        if asked == "before a media section":
            a.addTransceiver("video", direction="recvonly")
        opened = asyncio.Event()
        channel.on("open", opened.set)
        await _offer_answer(a, b)
        await asyncio.wait_for(opened.wait(), 10)
        if asked == "once open":
            stamps = aiortc_compat.stamp_datagram_arrivals(a, time.monotonic)
        assert stamps is not None and stamps.kernel_stamped_sockets >= 1
        assert a.sctp is not None
        transport = a.sctp.transport.transport.iceGatherer._connection._protocols[0].transport
        peek = socket.socket(fileno=os.dup(transport.get_extra_info("socket").fileno()))
        await asyncio.wait_for(offered.wait(), 10)
        for _ in range(3):
            sent = time.monotonic()
            remote[0].send("probe")
            # Our step runs before the loop's read of a socket it has just found readable;
            # wait until the datagram next in line is DTLS (not a consent check).
            while not (
                select.select([peek], [], [], 0)[0] and 20 <= peek.recv(1, socket.MSG_PEEK)[0] <= 63
            ):
                await asyncio.sleep(0)
            time.sleep(0.04)  # the loop busy elsewhere while the datagram waits
            stamp, handled = await asyncio.wait_for(got.get(), 10)
            assert stamp is not None and sent <= stamp <= sent + 0.02
            assert handled - stamp >= 0.035
    finally:
        if peek is not None:
            peek.close()
        aiortc_compat.pin_host_addresses(None)
        await a.close()
        await b.close()


async def test_a_departing_message_is_stamped_as_aiortcs_send_task_takes_it() -> None:
    """`send` only queues: the stamp comes when the SCTP task sends it (after `send` has
    returned), the peer gets the restamped bytes, and a stamp that fails still lets the
    message go with the bytes it was sent with."""
    aiortc_compat.pin_host_addresses(["127.0.0.1"])
    a, b = RTCPeerConnection(), RTCPeerConnection()
    got: asyncio.Queue[bytes] = asyncio.Queue()

    @b.on("datachannel")
    def on_channel(ch: Any) -> None:
        ch.on("message", got.put_nowait)

    try:
        opened = asyncio.Event()
        channel = a.createDataChannel("clock", ordered=False, maxRetransmits=0)
        channel.on("open", opened.set)
        assert aiortc_compat.stamp_departures(a)
        assert aiortc_compat.stamp_departures(a)  # once: asking again changes nothing
        await _offer_answer(a, b)
        await asyncio.wait_for(opened.wait(), 10)
        calls: list[str] = []

        def restamp() -> bytes:
            calls.append("stamped")
            return b"stamped on departure"

        channel.send(aiortc_compat.Departing(b"stamped when queued", restamp))
        calls.append("send returned")
        assert await asyncio.wait_for(got.get(), 10) == b"stamped on departure"
        assert calls == ["send returned", "stamped"]

        def broken() -> bytes:
            raise RuntimeError("a stamp that fails")

        channel.send(aiortc_compat.Departing(b"stamped when queued", broken))
        assert await asyncio.wait_for(got.get(), 10) == b"stamped when queued"
    finally:
        aiortc_compat.pin_host_addresses(None)
        await a.close()
        await b.close()


def test_a_moved_sctp_send_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        aiortc.rtcsctptransport.RTCSctpTransport, "_send", lambda self, *args, **kwargs: None
    )
    found = aiortc_compat.problems()
    assert len(found) == 1 and "_send" in found[0]
    assert not aiortc_compat.stamp_departures(RTCPeerConnection())  # and nothing to wrap yet


def test_a_moved_receive_queue_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aioice.ice.Connection, "data_received", lambda self, data, component: None)
    found = aiortc_compat.problems()
    assert len(found) == 1 and "_queue" in found[0]


def test_no_stamps_without_a_data_channel_transport() -> None:
    assert aiortc_compat.stamp_datagram_arrivals(RTCPeerConnection(), lambda: 0.0) is None


async def test_stun_transactions_start_from_the_rto_we_set() -> None:
    original = aioice.stun.RETRY_RTO
    try:
        aiortc_compat.set_stun_initial_rto(0.25)
        request = aioice.stun.Message(
            message_method=aioice.stun.Method.BINDING, message_class=aioice.stun.Class.REQUEST
        )
        transaction = aioice.stun.Transaction(request, ("127.0.0.1", 1), SimpleNamespace())
        assert transaction._Transaction__timeout_delay == 0.25  # type: ignore[attr-defined]
    finally:
        aioice.stun.RETRY_RTO = original


def test_moved_stun_or_dtls_timers_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(aioice.stun, "RETRY_RTO")
    found = aiortc_compat.problems()
    assert len(found) == 1 and "RETRY_RTO" in found[0]
    monkeypatch.undo()
    monkeypatch.setattr(RTCDtlsTransport, "_write_ssl", lambda self: None)
    found = aiortc_compat.problems()
    assert len(found) == 1 and "DTLS" in found[0]


def _drop_first(
    io: Callable[..., Any], dropped: list[bytes], which: Callable[[bytes], bool]
) -> Callable[..., Any]:
    """`io` (an ICE transport's _send or _recv) losing the first datagram `which` picks."""

    async def send(data: bytes) -> None:
        if not dropped and which(data):
            dropped.append(data)
            return
        await io(data)

    async def recv() -> bytes:
        while True:
            data: bytes = await io()
            if dropped or not which(data):
                return data
            dropped.append(data)

    return send if getattr(io, "__name__", "") == "send" else recv


async def _handshake_losing(direction: str, which: Callable[[bytes], bool]) -> tuple[int, int]:
    """Connect two peer connections on loopback while the offerer (aiortc makes it the DTLS
    server) loses one handshake datagram; (OpenSSL's timer firings, datagrams we resent)."""
    aiortc_compat.pin_host_addresses(["127.0.0.1"])
    a, b = RTCPeerConnection(), RTCPeerConnection()
    timeouts = 0
    original = SSL.Connection.DTLSv1_handle_timeout

    def counted(self: SSL.Connection) -> bool:
        nonlocal timeouts
        timeouts += 1
        return original(self)

    SSL.Connection.DTLSv1_handle_timeout = counted  # type: ignore[method-assign]
    try:
        opened = asyncio.Event()
        a.createDataChannel("x").on("open", opened.set)
        assert a.sctp is not None
        dtls, dropped = a.sctp.transport, list[bytes]()
        ice = dtls.transport
        name = "_send" if direction == "send" else "_recv"
        setattr(ice, name, _drop_first(getattr(ice, name), dropped, which))
        await _offer_answer(a, b)
        await asyncio.wait_for(opened.wait(), 10)
        assert dropped, "the loss never happened"
        assert b.sctp is not None
        resent = aiortc_compat.dtls_flights_resent(dtls)
        return timeouts, resent + aiortc_compat.dtls_flights_resent(b.sctp.transport)
    finally:
        SSL.Connection.DTLSv1_handle_timeout = original  # type: ignore[method-assign]
        aiortc_compat.pin_host_addresses(None)
        await a.close()
        await b.close()


def _is_dtls(data: bytes) -> bool:
    return 19 < data[0] < 64


@pytest.mark.parametrize("resend", [True, False])
async def test_a_lost_handshake_flight_is_resent_before_openssls_timer(resend: bool) -> None:
    aiortc_compat.resend_dtls_flights(resend)
    try:
        timeouts, resent = await _handshake_losing("recv", _is_dtls)  # the ClientHello
    finally:
        aiortc_compat.resend_dtls_flights(False)
    if resend:
        assert resent >= 1 and timeouts == 0
    else:  # the loss is real: without the copies OpenSSL's 1 s timer has to fire
        assert resent == 0 and timeouts >= 1


async def test_a_peer_repeating_its_flight_gets_our_lost_last_flight_again() -> None:
    # The server's last flight (ChangeCipherSpec, Finished: the only one starting with a
    # ChangeCipherSpec record, 20) is lost after the server is done: only the client's copy of
    # its own flight, answered with a copy of the lost one, saves OpenSSL's 1 s timer.
    aiortc_compat.resend_dtls_flights(True)
    try:
        timeouts, resent = await _handshake_losing("send", lambda data: data[0] == 20)
    finally:
        aiortc_compat.resend_dtls_flights(False)
    assert resent >= 2 and timeouts == 0


def _vp8_codec() -> RTCRtpCodecParameters:
    return RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=96)


def _vp8_packets(count: int, keyframes: set[int]) -> list[list[Any]]:
    """`count` frames of a noisy 320×240 picture, encoded and packetized as aiortc's sender
    does: each frame's RTP packets (marker on its last), sequence numbers running on."""
    import fractions

    import av
    import numpy as np
    from aiortc.codecs.vpx import Vp8Encoder
    from aiortc.rtp import RtpPacket

    encoder, rng, seq, frames = Vp8Encoder(), np.random.default_rng(7), 0, []
    for n in range(count):
        picture = rng.integers(0, 255, (240, 320, 3), dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format="yuv420p")
        frame.pts, frame.time_base = n, fractions.Fraction(1, 30)
        payloads, timestamp = encoder.encode(frame, force_keyframe=n in keyframes)
        packets = []
        for i, payload in enumerate(payloads):
            packet = RtpPacket(
                payload_type=96,
                sequence_number=seq,
                timestamp=timestamp,
                marker=int(i == len(payloads) - 1),
            )
            packet.payload = payload
            packets.append(packet)
            seq += 1
        frames.append(packets)
    return frames


async def _started_video_receiver(
    pc: RTCPeerConnection, clock: Callable[[], float]
) -> tuple[RTCRtpReceiver, Any]:
    from media.video_receive import VideoReceiveStats

    receiver = pc.addTransceiver("video").receiver
    stats = VideoReceiveStats()
    assert aiortc_compat.receive_video_bounded(receiver, stats, clock) is not None
    receiver._track = aiortc.rtcrtpreceiver.RemoteStreamTrack(kind="video")  # as SDP does
    await receiver.receive(RTCRtpReceiveParameters(codecs=[_vp8_codec()]))
    return receiver, stats


async def _decoded(receiver: RTCRtpReceiver, count: int) -> list[int]:
    assert receiver._track is not None
    frames = [await asyncio.wait_for(receiver._track.recv(), 5) for _ in range(count)]
    return [round((f.pts or 0) / 3000) for f in frames]  # 2999 is frame 1


def test_the_vp8_descriptor_reader_agrees_with_aiortcs_packetizer() -> None:
    from media.video_receive import vp8_frame_start

    frames = _vp8_packets(3, keyframes={0})
    assert len(frames[0]) > 1  # a keyframe of several packets
    starts = [[vp8_frame_start(p.payload) for p in packets] for packets in frames]
    assert starts[0][0] == (True, True) and all(s == (False, False) for s in starts[0][1:])
    assert starts[1][0] == (True, False) and starts[2][0] == (True, False)


async def test_the_program_picture_waits_for_a_lost_frame_half_a_second_then_takes_a_keyframe() -> (
    None
):
    """A real video receiver, started as aiortc starts it, with the bounded buffer: frame 3 is
    lost for good; frames behind it wait MAX_WAIT_S, then the picture goes on from keyframe 8,
    decoded by aiortc's own decoder thread, with timestamps mapped as aiortc maps them."""
    from media.video_receive import MAX_WAIT_S

    now = [0.0]
    pc = RTCPeerConnection()
    try:
        receiver, stats = await _started_video_receiver(pc, lambda: now[0])
        step = 0.11  # frame 4 is the first behind the hole: frame 9's arrival ends its wait
        assert 4 * step <= MAX_WAIT_S < 5 * step
        out = {0: [0], 1: [1], 2: [2], 9: [8, 9], 10: [10], 11: [11]}  # after each frame
        for n, packets in enumerate(_vp8_packets(12, keyframes={0, 8})):
            now[0] = n * step
            if n != 3:
                for packet in packets:
                    await receiver._handle_rtp_packet(packet, arrival_time_ms=n * 110)
            # Taken before the next frame: the decoder never falls behind (another test's).
            assert await _decoded(receiver, len(out.get(n, []))) == out.get(n, [])
        assert receiver._track is not None and receiver._track._queue.empty()
        assert (stats.holes_skipped, stats.frames_dropped, stats.frames) == (1, 4, 7)
    finally:
        await pc.close()


async def test_frames_complete_behind_a_late_frame_are_all_decoded_when_it_comes() -> None:
    """aiortc's buffer would hand frames 2 and 3 over only as later packets arrived; here all
    come out as soon as frame 1's retransmission fills the hole, with no packet after it."""
    pc = RTCPeerConnection()
    try:
        receiver, stats = await _started_video_receiver(pc, lambda: 0.0)
        frames = _vp8_packets(4, keyframes={0})
        for packet in frames[0] + frames[2] + frames[3] + frames[1]:
            await receiver._handle_rtp_packet(packet, arrival_time_ms=0)
        assert await _decoded(receiver, 4) == [0, 1, 2, 3]
        assert stats.frames == 4 and stats.frames_dropped == 0
    finally:
        await pc.close()


async def test_a_decoder_that_fell_behind_goes_on_from_the_next_keyframe() -> None:
    """No decoder thread here: frames stay in the decoder's queue as aiortc queued them. Once
    the oldest has waited DECODER_LAG_MAX_S, a frame that is not a keyframe is dropped and a
    keyframe asked for; the next keyframe empties the queue and goes first."""
    from aiortc.codecs import depayload

    from media.video_receive import VideoReceiveStats

    now = [0.0]
    pc = RTCPeerConnection()
    try:
        receiver = pc.addTransceiver("video").receiver
        stats = VideoReceiveStats()
        bounded = aiortc_compat.receive_video_bounded(receiver, stats, lambda: now[0])
        assert bounded is not None
        getattr(receiver, "_RTCRtpReceiver__codecs")[96] = _vp8_codec()  # noqa: B009
        waiting: queue.Queue[Any] = getattr(receiver, "_RTCRtpReceiver__decoder_queue")  # noqa: B009
        lag = aiortc_compat.DECODER_LAG_MAX_S
        out = []
        frames = _vp8_packets(6, keyframes={0, 4})
        for n, at in enumerate((0.0, 0.1, lag + 0.2, lag + 0.3, lag + 0.4, lag + 0.5)):
            now[0] = at
            asked, handed = False, None
            for packet in frames[n]:
                packet._data = depayload(_vp8_codec(), packet.payload)
                ask, frame = bounded.add(packet)
                asked |= ask
                if frame is not None:
                    handed = frame
                    waiting.put((_vp8_codec(), frame))  # as aiortc does with what add returns
            out.append((n, asked, handed is not None, waiting.qsize()))
        assert out == [
            (0, False, True, 1),
            (1, False, True, 2),
            (2, True, False, 2),  # the oldest waited too long: dropped, a keyframe asked for
            (3, False, False, 2),  # waiting for it (asked a moment ago)
            (4, False, True, 1),  # the keyframe: the queue emptied before it
            (5, False, True, 2),  # caught up
        ]
        assert stats.decoder_resyncs == 2 and stats.frames_dropped == 1 + 1 + 2
    finally:
        await pc.close()


async def test_a_display_behind_jumps_to_the_newest_decoded_frame() -> None:
    track = aiortc.rtcrtpreceiver.RemoteStreamTrack(kind="video")
    assert aiortc_compat.newest_decoded(track, "now") == ("now", 0)
    item: str | None
    for item in ("a", "b"):
        track._queue.put_nowait(item)
    assert aiortc_compat.newest_decoded(track, "now") == ("now", 0)  # a moment's jitter
    for item in ("c", None):
        track._queue.put_nowait(item)
    assert aiortc_compat.newest_decoded(track, "now") == ("c", 3)
    assert track._queue.qsize() == 1  # the end still ends the track


def test_a_moved_video_receive_path_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(aiortc.rtcrtpreceiver.TimestampMapper, "map")
    found = aiortc_compat.problems()
    assert len(found) == 1 and "program picture" in found[0]


async def test_a_packet_still_missing_is_asked_for_again_through_aiortcs_nack() -> None:
    from aiortc.rtp import RTCP_RTPFB_NACK, RtcpRtpfbPacket

    from media.video_receive import RENACK_S

    now = [0.0]
    pc = RTCPeerConnection()
    try:
        receiver, stats = await _started_video_receiver(pc, lambda: now[0])
        receiver._set_rtcp_ssrc(4321)
        sent: list[Any] = []

        async def send_rtcp(packet: Any) -> None:
            sent.append(packet)

        receiver._send_rtcp = send_rtcp  # type: ignore[method-assign]
        frames = _vp8_packets(3, keyframes={0})
        lost = frames[1][2]
        for n, packets in enumerate(frames):
            now[0] = n * RENACK_S * 1.2  # frame 2 comes when frame 1 has waited long enough
            for packet in packets:
                if packet is not lost:
                    await receiver._handle_rtp_packet(packet, arrival_time_ms=0)
        await asyncio.sleep(0)  # the NACK's task
        nacks = [p for p in sent if isinstance(p, RtcpRtpfbPacket) and p.fmt == RTCP_RTPFB_NACK]
        # aiortc's own, when the gap was seen, and ours once the frame had waited RENACK_S.
        assert [n.lost for n in nacks] == [[lost.sequence_number]] * 2
        assert stats.renacks == 1
    finally:
        await pc.close()


async def _answering_pair(
    bundle: bool, answer: Callable[[Any, Any], None]
) -> tuple[RTCPeerConnection, RTCPeerConnection, Any, list[bytes]]:
    """a's channel to b, which calls `answer(channel, message)` on each message; the SCTP
    packets b sends are recorded as they go to DTLS."""
    a, b = RTCPeerConnection(), RTCPeerConnection()
    b.on("datachannel", lambda ch: ch.on("message", lambda m: answer(ch, m)))
    opened = asyncio.Event()
    channel = a.createDataChannel("control")
    channel.on("open", opened.set)
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    assert b.sctp is not None
    sent: list[bytes] = []
    dtls = b.sctp.transport
    send_data = dtls._send_data

    async def counted(data: bytes) -> None:
        sent.append(data)
        await send_data(data)

    dtls._send_data = counted  # type: ignore[method-assign]
    if bundle:
        assert aiortc_compat.bundle_sacks(b)
        assert aiortc_compat.bundle_sacks(b)  # once: asking again changes nothing
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)
    await asyncio.wait_for(opened.wait(), 10)
    return a, b, channel, sent


def _chunk_types(packet: bytes) -> list[str]:
    _, _, _, chunks = aiortc.rtcsctptransport.parse_packet(packet)
    return [type(c).__name__ for c in chunks]


@pytest.mark.parametrize("bundle", [True, False])
async def test_an_answer_carries_the_acknowledgement_of_the_message_it_answers(
    bundle: bool,
) -> None:
    """With bundling, each answer goes in one packet with the SACK of what it answers (SACK
    first, as RFC 4960 orders them); without, aiortc sends two. The asker's data is all
    acknowledged either way."""
    aiortc_compat.pin_host_addresses(["127.0.0.1"])
    a, b, channel, sent = await _answering_pair(bundle, lambda ch, m: ch.send(f"re: {m}"))
    answers: asyncio.Queue[str] = asyncio.Queue()
    channel.on("message", answers.put_nowait)
    try:
        sent.clear()
        for i in range(20):
            channel.send(f"ping {i}")
            assert await asyncio.wait_for(answers.get(), 10) == f"re: ping {i}"
        assert a.sctp is not None and not a.sctp._sent_queue  # every ping acknowledged
        if bundle:
            assert [_chunk_types(p) for p in sent] == [["SackChunk", "DataChunk"]] * 20
            assert aiortc_compat.sacks_bundled(b) == 20
        else:
            assert len(sent) == 40 and aiortc_compat.sacks_bundled(b) == 0
    finally:
        aiortc_compat.pin_host_addresses(None)
        await a.close()
        await b.close()


async def test_an_acknowledgement_whose_answer_cannot_go_is_sent_alone() -> None:
    """An answer queued but held back (here its send task never runs): the SACK goes by
    itself after a short wait, so the asker is not left to retransmit; the answer follows
    once it can go."""
    aiortc_compat.pin_host_addresses(["127.0.0.1"])
    a, b, channel, sent = await _answering_pair(True, lambda ch, m: ch.send(f"re: {m}"))
    answers: asyncio.Queue[str] = asyncio.Queue()
    channel.on("message", answers.put_nowait)
    assert a.sctp is not None and b.sctp is not None
    flush = b.sctp._data_channel_flush

    async def held() -> None:
        pass

    b.sctp._data_channel_flush = held  # type: ignore[method-assign]
    a_handled = asyncio.Event()
    handle = a.sctp._handle_data

    async def handled(data: bytes) -> None:
        await handle(data)
        a_handled.set()

    a.sctp._handle_data = handled  # type: ignore[method-assign]
    try:
        sent.clear()
        channel.send("ping")
        await asyncio.wait_for(a_handled.wait(), 10)
        assert [_chunk_types(p) for p in sent] == [["SackChunk"]]
        assert not a.sctp._sent_queue and aiortc_compat.sacks_bundled(b) == 0
        await flush()  # the answer can go now
        assert await asyncio.wait_for(answers.get(), 10) == "re: ping"
        assert [_chunk_types(p) for p in sent[1:]] == [["DataChunk"]]
    finally:
        aiortc_compat.pin_host_addresses(None)
        await a.close()
        await b.close()


async def test_an_acknowledgement_does_not_wait_for_an_answer_the_window_holds() -> None:
    """b's own message fills its congestion window, unacknowledged, when a's ping arrives, so
    aiortc holds b's answer until a acknowledges what is in flight. b's SACK of the ping goes
    at once, alone: had it waited for the answer while a's SACK waited the same way, each
    side would hold the other for the whole wait."""
    aiortc_compat.pin_host_addresses(["127.0.0.1"])
    channels: list[Any] = []

    def answer(ch: Any, message: Any) -> None:
        channels.append(ch)
        ch.send(f"re: {message}")

    a, b, channel, sent = await _answering_pair(True, answer)
    answers: asyncio.Queue[str] = asyncio.Queue()
    channel.on("message", answers.put_nowait)
    assert a.sctp is not None and b.sctp is not None
    try:
        channel.send("hello")
        assert await asyncio.wait_for(answers.get(), 10) == "re: hello"
        handle_a, handle_b = a.sctp._handle_data, b.sctp._handle_data
        withheld: list[bytes] = []
        a_got = asyncio.Event()
        b_handled = asyncio.Event()

        async def deaf(data: bytes) -> None:  # a hears nothing for now: b's data stays unacked
            withheld.append(data)
            a_got.set()

        async def b_handling(data: bytes) -> None:
            await handle_b(data)
            b_handled.set()

        a.sctp._handle_data = deaf  # type: ignore[method-assign]
        b.sctp._handle_data = b_handling  # type: ignore[method-assign]
        big = "x" * 20_000  # more than SCTP's first congestion window (4,380 bytes)
        channels[0].send(big)
        await asyncio.wait_for(a_got.wait(), 10)
        assert b.sctp._outbound_queue  # the rest waits for a's acknowledgement
        sent.clear()
        channel.send("ping")
        await asyncio.wait_for(b_handled.wait(), 10)
        assert [_chunk_types(p) for p in sent] == [["SackChunk"]]  # at once, not after a wait
        a.sctp._handle_data = handle_a  # type: ignore[method-assign]
        for data in withheld:
            await handle_a(data)
        assert await asyncio.wait_for(answers.get(), 10) == big
        assert await asyncio.wait_for(answers.get(), 10) == "re: ping"
    finally:
        aiortc_compat.pin_host_addresses(None)
        await a.close()
        await b.close()


def test_a_moved_acknowledgement_path_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    async def send_sack(self: Any) -> None:
        pass

    monkeypatch.setattr(aiortc.rtcsctptransport.RTCSctpTransport, "_send_sack", send_sack)
    found = aiortc_compat.problems()
    assert len(found) == 1 and "acknowledg" in found[0]
    assert not aiortc_compat.bundle_sacks(RTCPeerConnection())  # and nothing to wrap yet


async def test_answers_carry_acknowledgements_once_bundle_moves_sctp_onto_the_video_transport() -> (
    None
):
    """As a venue does: data channels and a video track on one connection, bundling asked for
    before negotiating. aiortc then moves SCTP onto the video section's DTLS transport; the
    bundles must go out through that one, not the one SCTP was made with."""
    aiortc_compat.pin_host_addresses(["127.0.0.1"])
    venue, studio = RTCPeerConnection(), RTCPeerConnection()
    pings: asyncio.Queue[str] = asyncio.Queue()
    try:
        channel = venue.createDataChannel("control")
        channel.on("message", lambda m: channel.send(f"re: {m}"))
        venue.addTransceiver("video")
        assert aiortc_compat.bundle_sacks(venue)
        made_with = venue.sctp.transport if venue.sctp is not None else None
        studio_channel: list[Any] = []
        opened = asyncio.Event()

        @studio.on("datachannel")
        def on_channel(ch: Any) -> None:
            studio_channel.append(ch)
            ch.on("message", pings.put_nowait)
            opened.set()

        await venue.setLocalDescription(await venue.createOffer())
        await studio.setRemoteDescription(venue.localDescription)
        await studio.setLocalDescription(await studio.createAnswer())
        await venue.setRemoteDescription(studio.localDescription)
        await asyncio.wait_for(opened.wait(), 10)
        assert venue.sctp is not None and venue.sctp.transport is not made_with  # moved
        for i in range(10):
            studio_channel[0].send(f"ping {i}")
            assert await asyncio.wait_for(pings.get(), 10) == f"re: ping {i}"
        assert aiortc_compat.sacks_bundled(venue) == 10
    finally:
        aiortc_compat.pin_host_addresses(None)
        await venue.close()
        await studio.close()
