"""Every place the product reaches into aiortc's or aioice's internals, in one module.

aiortc has no public API for the things the product needs here: choosing the interfaces ICE
gathers on (tests and the demo pin loopback, which aioice leaves out), the size of the ICE
sockets' receive buffers, hearing a venue's keyframe request for a track we encode ourselves
and its receiver's bandwidth estimate (REMB), seeing each complete encoded frame a receiver
reassembles (ISO recording, and the benchmarks' count-only venues, whose decoder worker is here
too), guarding the data-channel receive path, stamping clock messages where they meet the
wire (the kernel's receive stamp of their datagram, the moment SCTP sends them),
reading the candidate pair ICE chose, aioice's STUN codec for a UDP probe, and the program
audio's receive path (arrival order, FEC decoding: see `receive_audio_with_fec`). Each hook below
names the private thing it touches, and `problems()` checks every assumption against the
*installed* libraries: a test runs it (tests/unit/test_aiortc_compat.py) and every process runs
it at start-up (`verify()`), so an upgrade that renames one of them fails loudly instead of
silently dropping keyframe requests or ISO recordings. pyproject.toml pins the versions these
checks were written against.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import inspect
import logging
import queue
import struct
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

import aioice.ice
import aioice.stun
import aioice.turn
import aiortc
import aiortc.rtcdtlstransport
import aiortc.rtcicetransport
import aiortc.rtcrtpreceiver
import aiortc.rtcsctptransport
from aioice import Candidate
from aiortc import RTCIceCandidate, RTCPeerConnection, RTCRtpReceiver, RTCRtpSender
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtcsctptransport import RTCSctpTransport
from aiortc.rtp import RTCP_PSFB_APP, RtcpPsfbPacket, unpack_remb_fci
from aiortc.utils import uint16_add

from media import kernel_stamps
from media.opus_receive import FecOpusDecoder, OpusReceiveStats
from media.video_receive import (
    CAPACITY,
    Frame,
    Piece,
    VideoReceiveBuffer,
    VideoReceiveStats,
    vp8_frame_start,
)

log = logging.getLogger(__name__)

# The original module functions, kept to restore them (tests, `None` arguments).
_ORIGINAL_HOST_ADDRESSES: Callable[..., list[str]] = aioice.ice.get_host_addresses
ORIGINAL_DECODER_WORKER: Callable[..., None] = aiortc.rtcrtpreceiver.decoder_worker
ORIGINAL_GET_DECODER: Callable[..., Any] = getattr(aiortc.rtcrtpreceiver, "get_decoder")  # noqa: B009 - not re-exported

ORIGINAL_BITRATE_ESTIMATOR: Callable[[], Any] = getattr(  # noqa: B009 - not re-exported
    aiortc.rtcrtpreceiver, "RemoteBitrateEstimator"
)

_DECODER_QUEUE = "_RTCRtpReceiver__decoder_queue"  # name-mangled `self.__decoder_queue`
_JITTER_BUFFER = "_RTCRtpReceiver__jitter_buffer"  # name-mangled `self.__jitter_buffer`
_CODECS = "_RTCRtpReceiver__codecs"  # name-mangled `self.__codecs`: payload type -> codec
_TIMESTAMP_MAPPER = "_RTCRtpReceiver__timestamp_mapper"  # `self.__timestamp_mapper`

DecoderWorker = Callable[..., None]
DataChannelReceive = Callable[[int, int, bytes], Awaitable[None]]
FrameCopy = Callable[[bytes, int], None]  # (encoded frame, RTP timestamp)


def _source(obj: object) -> str | None:
    """The library's source, or None where it is not shipped (a frozen build has only
    bytecode): then the checks that read it are skipped, not failed.

    A function's body is cut by indentation rather than with `inspect.getsource`, which
    tokenizes it: every process runs these checks at start-up, and tokenizing cost ~0.1 s of
    CPU each, eleven venue processes starting together on a shared machine included."""
    try:
        if inspect.isfunction(obj):
            lines, start = inspect.findsource(obj)
            indent = len(lines[start]) - len(lines[start].lstrip())
            end = start + 1
            while end < len(lines):
                line = lines[end]
                dedented = line.strip() and len(line) - len(line.lstrip()) <= indent
                if dedented and not line.lstrip().startswith((")", "]", "}")):  # signature's end
                    break
                end += 1
            while end > start + 1 and not lines[end - 1].strip():
                end -= 1
            return "".join(lines[start:end])
        return inspect.getsource(obj)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return None


def _mentions(obj: object, text: str) -> bool:
    source = _source(obj)
    return source is None or text in source


def _check(condition: bool, problem: str) -> list[str]:
    return [] if condition else [problem]


def problems() -> list[str]:
    """Every assumption about aiortc/aioice internals that the installed versions break."""
    found: list[str] = []
    found += _check(
        callable(getattr(aioice.ice, "get_host_addresses", None))
        and _mentions(aioice.ice.Connection.gather_candidates, "get_host_addresses("),
        "aioice no longer gathers through aioice.ice.get_host_addresses: "
        "--ice-address and loopback pinning would be ignored",
    )
    found += _check(
        callable(getattr(aiortc.RTCIceGatherer, "getLocalCandidates", None))
        and isinstance(getattr(aiortc.RTCIceTransport, "iceGatherer", None), property),
        "aiortc's RTCIceTransport.iceGatherer.getLocalCandidates() is gone: venues could not "
        "tell that their address changed",
    )
    params = list(inspect.signature(_ORIGINAL_HOST_ADDRESSES).parameters)
    found += _check(
        params == ["use_ipv4", "use_ipv6"],
        f"aioice.ice.get_host_addresses takes {params}, not (use_ipv4, use_ipv6)",
    )
    found += _check(
        isinstance(getattr(aioice.turn, "UDP_SOCKET_BUFFER_SIZE", None), int)
        and _mentions(aioice.ice, "UDP_SOCKET_BUFFER_SIZE"),
        "aioice no longer reads aioice.turn.UDP_SOCKET_BUFFER_SIZE: ICE sockets keep small "
        "receive buffers (drops under load)",
    )
    found += _check(
        callable(getattr(RTCRtpSender, "_send_keyframe", None))
        and _mentions(RTCRtpSender._handle_rtcp_packet, "self._send_keyframe()"),
        "aiortc's RTCRtpSender no longer handles PLI/FIR through _send_keyframe: venues' "
        "keyframe requests would be lost",
    )
    found += _check(
        _mentions(RTCRtpSender.__init__, "self._ssrc = ")
        and _mentions(
            RTCRtpSender._handle_rtcp_packet, "bitrate, ssrcs = unpack_remb_fci(packet.fci)"
        )
        and _mentions(aiortc.rtcdtlstransport.RtpRouter.route_rtcp, "unpack_remb_fci(packet.fci)")
        and _mentions(
            RTCDtlsTransport._handle_rtcp_data, "await recipient._handle_rtcp_packet(packet)"
        ),
        "aiortc no longer hands a venue's REMB to its RTCRtpSender's _handle_rtcp_packet (routed "
        "by the SSRCs in its FCI): the rung policy would probe links it knows too narrow",
    )
    found += _check(
        _mentions(RTCRtpReceiver.__init__, "self.__decoder_queue")
        and _mentions(
            RTCRtpReceiver._handle_rtp_packet, "self.__decoder_queue.put((codec, encoded_frame))"
        ),
        "aiortc's RTCRtpReceiver no longer queues (codec, encoded_frame) for its decoder: "
        "ISO recording and count-only reception cannot see incoming frames",
    )
    worker = list(inspect.signature(ORIGINAL_DECODER_WORKER).parameters)
    found += _check(
        worker == ["loop", "input_q", "output_q", "decode_error"]
        and _mentions(RTCRtpReceiver.receive, "target=decoder_worker"),
        f"aiortc's decoder_worker takes {worker}; the count-only worker expects "
        "(loop, input_q, output_q, decode_error)",
    )
    receive = getattr(RTCSctpTransport, "_data_channel_receive", None)
    found += _check(
        inspect.iscoroutinefunction(receive)
        and list(inspect.signature(receive).parameters) == ["self", "stream_id", "pp_id", "data"],
        "aiortc's RTCSctpTransport no longer receives data-channel messages through "
        "_data_channel_receive(stream_id, pp_id, data): malformed input is not guarded",
    )
    found += _check(
        _mentions(RTCRtpReceiver.__init__, "self.__jitter_buffer = JitterBuffer(")
        and _mentions(
            RTCRtpReceiver._handle_rtp_packet,
            "pli_flag, encoded_frame = self.__jitter_buffer.add(packet)",
        )
        and _mentions(aiortc.rtcrtpreceiver.decoder_worker, "decoder = get_decoder(codec)")
        and callable(getattr(aiortc.rtcrtpreceiver, "get_decoder", None)),
        "aiortc's RTCRtpReceiver no longer takes audio through __jitter_buffer.add(packet) and "
        "rtcrtpreceiver.get_decoder: the program audio's FEC cannot be decoded",
    )
    found += _check(
        _mentions(aiortc.rtcrtpreceiver.decoder_worker, "codec, encoded_frame = task")
        and dataclasses.is_dataclass(RTCRtpCodecParameters),
        "aiortc's decoder thread no longer takes the codec from each (codec, frame) task, or "
        "its codec is no dataclass: a venue's microphone cannot have its own FEC counts",
    )
    found += _check(
        _mentions(
            RTCDtlsTransport._handle_rtp_data,
            "await receiver._handle_rtp_packet(packet, arrival_time_ms=arrival_time_ms)",
        ),
        "aiortc no longer hands RTP to receiver._handle_rtp_packet: tests cannot impair RTP",
    )
    found += _check(
        isinstance(getattr(aiortc.rtcsctptransport, "SCTP_RTO_INITIAL", None), float | int)
        and _mentions(RTCSctpTransport.__init__, "self._rto = SCTP_RTO_INITIAL"),
        "aiortc's SCTP no longer starts from rtcsctptransport.SCTP_RTO_INITIAL: a lost "
        "handshake packet costs the join 3 s again",
    )
    found += _check(
        _mentions(aiortc.rtcicetransport.RTCIceGatherer.__init__, "self._connection = Connection(")
        and _mentions(aioice.ice.Connection.__init__, "self._nominated: dict[int, CandidatePair]")
        and isinstance(getattr(aioice.ice.CandidatePair, "local_candidate", None), property),
        "aiortc's RTCIceGatherer._connection or aioice's Connection._nominated changed: the "
        "path each venue uses (host/srflx/relay) cannot be shown",
    )
    found += _check(
        _mentions(aioice.ice.Connection.connect, "self._query_consent_task = asyncio.create_task(")
        and _mentions(aioice.ice.Connection.close, "self._query_consent_task.cancel()"),
        "aioice's Connection no longer runs its consent checks as _query_consent_task: the "
        "studio–venue link keeps ICE's checks beside the session's heartbeats",
    )
    found += _check(
        _mentions(RTCDtlsTransport._recv_next, "await self._data_receiver._handle_data(data)")
        and inspect.iscoroutinefunction(getattr(RTCSctpTransport, "_handle_data", None)),
        "aiortc's DTLS transport no longer hands SCTP packets to _data_receiver._handle_data: "
        "the studio cannot hear a venue's transport, and asks for every heartbeat's answer",
    )
    found += _check(
        _mentions(RTCRtpReceiver.__init__, "= RemoteBitrateEstimator()")
        and _mentions(
            RTCRtpReceiver._handle_rtp_packet, "if self.__remote_bitrate_estimator is not None:"
        ),
        "aiortc's RTCRtpReceiver no longer makes its REMB estimator from "
        "rtcrtpreceiver.RemoteBitrateEstimator: count-only venues would estimate bitrate",
    )
    found += _check(
        _mentions(aioice.ice.Connection.__init__, "self._queue: asyncio.Queue")
        and _mentions(aioice.ice.Connection.data_received, "self._queue.put_nowait(")
        and _mentions(aioice.ice.Connection.recvfrom, "await self._queue.get()")
        and callable(getattr(asyncio.Queue, "_put", None))
        and callable(getattr(asyncio.Queue, "_get", None)),
        "aioice's Connection no longer queues received datagrams in _queue (or asyncio.Queue "
        "lost _put/_get): clock samples are stamped when handled, not when they arrived",
    )
    found += _check(
        _mentions(aioice.ice.StunProtocol.datagram_received, "self.receiver.data_received(data")
        and _mentions(aioice.ice.Connection.__init__, "self._protocols: list[StunProtocol]")
        and _mentions(RTCPeerConnection.setRemoteDescription, "self.__sctp.setTransport(")
        and callable(getattr(RTCSctpTransport, "setTransport", None))
        and not inspect.iscoroutinefunction(aioice.ice.Connection.data_received),
        "aioice's StunProtocol no longer hands datagrams straight to its Connection's queue, or "
        "the Connection keeps no _protocols, or BUNDLE no longer moves data channels through "
        "RTCSctpTransport.setTransport: clock samples are stamped when read or handled, not when "
        "the kernel received them",
    )
    found += _check(
        _mentions(aiortc.RTCDataChannel.send, "self.transport._data_channel_send(self, data)")
        and _mentions(RTCSctpTransport._data_channel_flush, "await self._send(")
        and _mentions(RTCSctpTransport._data_channel_send, "pp_id, user_data = WEBRTC_BINARY, data")
        and inspect.iscoroutinefunction(getattr(RTCSctpTransport, "_send", None)),
        "aiortc's SCTP no longer sends data-channel messages through _send, or copies binary "
        "messages before queueing them: clock probes are stamped when queued, not as they leave",
    )
    sctp_steps = [
        (getattr(RTCSctpTransport, "_handle_data", None), "await self._send_sack()"),
        (getattr(RTCSctpTransport, "_send_sack", None), "await self._send_chunk(sack)"),
        (getattr(RTCSctpTransport, "_send_chunk", None), "await self.__transport._send_data("),
        (RTCSctpTransport._data_channel_send, "self._data_channel_queue.append("),
        (
            RTCSctpTransport._data_channel_flush,
            "while self._data_channel_queue and not self._outbound_queue:",
        ),
    ]
    found += _check(
        all(step is not None and _mentions(step, text) for step, text in sctp_steps)
        and _mentions(aiortc.rtcsctptransport.serialize_packet, 'pack("<L", checksum)')
        and callable(getattr(aiortc.rtcsctptransport, "crc32c", None))
        and isinstance(getattr(RTCSctpTransport, "transport", None), property)
        and callable(getattr(RTCDtlsTransport, "_send_data", None)),
        "aiortc's SCTP no longer acknowledges through _send_sack and _send_chunk, or queues "
        "data-channel messages elsewhere: every acknowledgement goes in a packet of its own",
    )
    found += _video_receive_problems()
    found += _handshake_problems()
    return found


def verify() -> list[str]:
    """Log each broken assumption as an error (once per process start) and return them."""
    found = problems()
    for problem in found:
        log.error("installed aiortc/aioice do not match this build: %s", problem)
    return found


def pin_host_addresses(addresses: Sequence[str] | None) -> None:
    """Gather host candidates only on `addresses` (None: every interface, aioice's default).

    aioice reads them through a module function, so the pin is process-wide.
    """
    if addresses is None:
        aioice.ice.get_host_addresses = _ORIGINAL_HOST_ADDRESSES
        return
    pinned = list(addresses)

    def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [a for a in pinned if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]

    aioice.ice.get_host_addresses = get_host_addresses
    log.info("ICE host candidates pinned to %s", ", ".join(pinned))


def interface_addresses() -> frozenset[str]:
    """Every non-loopback address of this machine's interfaces, whatever ICE is pinned to
    (aioice's own listing, unpatched)."""
    return frozenset(_ORIGINAL_HOST_ADDRESSES(True, True))


def set_udp_receive_buffer(size: int) -> None:
    """The SO_RCVBUF aioice gives each ICE/TURN UDP socket made from now on."""
    aioice.turn.UDP_SOCKET_BUFFER_SIZE = size


def on_keyframe_request(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call `callback` when the remote asks `sender` for a keyframe (PLI/FIR).

    aiortc ignores these for tracks that hand it ready-encoded packets; our own encoders must
    hear them. The hook is on this one sender (an instance attribute), not process-wide.
    """
    sender._send_keyframe = callback  # type: ignore[method-assign]


def on_bitrate_estimate(sender: RTCRtpSender, callback: Callable[[int], None]) -> None:
    """Call `callback(bits_per_second)` with each bandwidth estimate (REMB) the remote's
    receiver sends for `sender`'s stream, before aiortc handles the packet as usual.

    aiortc's sender only hands REMB to an encoder of its own (and logs it); our program is
    encoded before it reaches the sender. The remote's receiver estimates from the arrival of
    our packets (their abs-send-time), sends nothing for its first ~3 s unless it sees
    congestion, and caps what it sends at about 1.5× the rate it receives. The hook is on this
    one sender (an instance attribute in front of the method aiortc's DTLS transport calls for
    every RTCP packet routed to it); a failing `callback` is logged once and never reaches
    aiortc's RTCP handling (the keyframe requests and loss reports in the same path).
    """
    handle = sender._handle_rtcp_packet
    failed = False

    async def hear_estimate(packet: Any) -> None:
        nonlocal failed
        if isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
            try:
                bitrate, ssrcs = unpack_remb_fci(packet.fci)
            except ValueError:
                pass
            else:
                if sender._ssrc in ssrcs:
                    try:
                        callback(bitrate)
                    except Exception:
                        if not failed:
                            log.exception("hearing a bandwidth estimate failed; RTCP goes on")
                        failed = True
        await handle(packet)

    sender._handle_rtcp_packet = hear_estimate  # type: ignore[method-assign]


def tee_encoded_frames(receiver: RTCRtpReceiver, copy: FrameCopy) -> Callable[[], None] | None:
    """Hand every complete encoded frame `receiver` reassembles to `copy`, as it goes to the
    decoder. Returns the function that removes the tee, or None if it cannot be placed.

    A failing `copy` is logged once and never reaches aiortc's receive path: a recording
    problem must not cost the venue's live video.
    """
    decoder_queue = getattr(receiver, _DECODER_QUEUE, None)
    if not isinstance(decoder_queue, queue.Queue):
        return None
    put = decoder_queue.put
    failed = False

    def tee(task: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal failed
        if task is not None:
            try:
                _codec, frame = task
                copy(bytes(frame.data), int(frame.timestamp))
            except Exception:
                if not failed:
                    log.exception("copying an incoming frame failed; the live video goes on")
                failed = True
        put(task, *args, **kwargs)

    decoder_queue.put = tee  # type: ignore[method-assign,assignment]
    return lambda: setattr(decoder_queue, "put", put)


def fraction_lost(stat: Any) -> float:
    """The share (0–1) of packets the remote lost, from a `remote-inbound-rtp` stat.

    The W3C field is a fraction, but aiortc puts RFC 3550's 8-bit fixed-point value there
    (0–255): read as a fraction, 10 % loss showed as 2,500 %. Values above 1 are that.
    """
    value = float(stat.fractionLost)
    return value / 256.0 if value > 1.0 else value


def wrap_data_channel_receive(
    sctp: RTCSctpTransport, wrap: Callable[[DataChannelReceive], DataChannelReceive]
) -> bool:
    """Put `wrap(original)` in front of this one SCTP transport's data-channel receive path
    (where aiortc decodes text and handles channel control); False if there is none."""
    original: DataChannelReceive | None = getattr(sctp, "_data_channel_receive", None)
    if original is None:
        return False
    setattr(sctp, "_data_channel_receive", wrap(original))  # noqa: B010 - an instance attribute
    return True


def on_sctp_packet(sctp: RTCSctpTransport, heard: Callable[[], None]) -> bool:
    """Call `heard()` for every SCTP packet this one transport receives (a SACK too: it proves
    the peer's stack, and so its event loop, is alive), before aiortc handles it. False if
    aiortc has no such path."""
    original: Callable[[bytes], Awaitable[None]] | None = getattr(sctp, "_handle_data", None)
    if original is None:
        return False

    async def handle_data(data: bytes) -> None:
        heard()
        await original(data)

    setattr(sctp, "_handle_data", handle_data)  # noqa: B010 - an instance attribute
    return True


def _count_only_worker(
    loop: asyncio.AbstractEventLoop,
    input_q: queue.Queue[Any],
    output_q: asyncio.Queue[Any],
    decode_error: threading.Event,
) -> None:
    audio_q: queue.Queue[Any] = queue.Queue()
    audio_thread: threading.Thread | None = None
    queued = input_q.put

    def hand_over(task: Any, *args: Any, **kwargs: Any) -> None:
        # aiortc puts from the loop's own thread: a video frame goes straight to the track's
        # queue, without two thread hand-offs per frame (a tenth of a light venue process).
        # Frames queued before this was set still come through the loop below.
        if task is not None and task[0].mimeType.startswith("video/"):
            output_q.put_nowait(task[1])
        else:
            queued(task, *args, **kwargs)

    input_q.put = hand_over  # type: ignore[method-assign,assignment]
    while True:
        task = input_q.get()
        if task is None:
            if audio_thread is not None:
                audio_q.put(None)
                audio_thread.join()
            else:
                asyncio.run_coroutine_threadsafe(output_q.put(None), loop)
            return
        codec, encoded_frame = task
        if codec.mimeType.startswith("video/"):
            asyncio.run_coroutine_threadsafe(output_q.put(encoded_frame), loop)
            continue
        if audio_thread is None:
            audio_thread = threading.Thread(
                target=ORIGINAL_DECODER_WORKER,
                args=(loop, audio_q, output_q, decode_error),
                daemon=True,
            )
            audio_thread.start()
        audio_q.put(task)


def count_only_video(enabled: bool = True) -> None:
    """Benchmark venues only (process-wide): every receiver hands over each *complete encoded
    frame* reassembled from RTP instead of decoding it, so eleven venue processes can count a
    720p30 program without taking the two cores the studio they measure runs on. Audio is
    decoded as usual.

    Their video receivers also keep no REMB estimator (receiver reports, NACKs and PLIs go on
    as usual): the studio's encoder follows loss reports, not REMB, and on a starved bench
    machine the estimator took the venue's own late reads for congestion and sent a REMB with
    nearly every packet (a fifth of a light venue process in a profile)."""
    use_decoder_worker(_count_only_worker if enabled else None)
    setattr(  # noqa: B010 - see problems()
        aiortc.rtcrtpreceiver,
        "RemoteBitrateEstimator",
        _no_estimator if enabled else ORIGINAL_BITRATE_ESTIMATOR,
    )


def _no_estimator() -> None:
    return None


def stun_binding_request() -> bytes:
    """A STUN Binding request (aioice's codec), for probing whether UDP reaches a server."""
    return bytes(aioice.stun.Message(aioice.stun.Method.BINDING, aioice.stun.Class.REQUEST))


def use_decoder_worker(worker: DecoderWorker | None) -> None:
    """Replace the thread function every receiver started from now on decodes with (None:
    aiortc's own). Process-wide; only the benchmarks' count-only venues use it."""
    aiortc.rtcrtpreceiver.decoder_worker = worker or ORIGINAL_DECODER_WORKER


class ArrivalOrderAudioBuffer:
    """In place of aiortc's audio JitterBuffer(capacity=16, prefetch=4) for one receiver: each
    RTP packet of an audio stream is a whole frame, so it goes to the decoder as it arrives;
    one older than the newest already passed on is dropped (the decoder has filled its place).

    Why: aiortc's buffer waits for a missing packet until 16 later ones have arrived, then
    throws away the 4 good packets queued before the hole, and keeps ~1 s of audio queued from
    then on. Measured with its own class and 5 % random loss: 26.5 % of the packets never
    reached the decoder. The decoder (FecOpusDecoder) sees the gap in the timestamps instead
    and rebuilds the lost packet from the next one's FEC.
    """

    capacity = 16

    def __init__(self) -> None:
        self._newest: int | None = None

    def add(self, packet: Any) -> tuple[bool, JitterFrame | None]:
        seq = packet.sequence_number
        if self._newest is not None:
            ahead = uint16_add(seq, -self._newest)
            if ahead == 0 or ahead >= 0x8000:  # a duplicate, or behind: its place is passed
                return False, None
        self._newest = seq
        return False, JitterFrame(data=packet._data, timestamp=packet.timestamp)


def receive_audio_with_fec(receiver: object, stats: OpusReceiveStats | None = None) -> bool:
    """Give this audio RTCRtpReceiver the arrival-order buffer (False if aiortc's is not there,
    or `receiver` is none).

    With `stats`, this receiver's Opus decodes with FecOpusDecoder counting into `stats` (its
    own, e.g. one venue's microphone at the studio); without, the decoder is the process-wide
    one `use_fec_opus_decoder` chose. How: aiortc's decoder thread asks the module function
    `get_decoder(codec)` for a decoder, once per codec, with the codec it finds in each
    `(codec, frame)` task on the receiver's decoder queue; this receiver's tasks carry a copy of
    the codec that names `stats`, and the get_decoder installed here reads it.
    """
    decoder_queue = getattr(receiver, _DECODER_QUEUE, None)
    if not hasattr(receiver, _JITTER_BUFFER) or (
        stats is not None and not isinstance(decoder_queue, queue.Queue)
    ):
        return False
    setattr(receiver, _JITTER_BUFFER, ArrivalOrderAudioBuffer())
    if stats is None:
        return True
    assert isinstance(decoder_queue, queue.Queue)
    _install_get_decoder()
    put = decoder_queue.put
    tagged: dict[int, Any] = {}  # id(codec) -> its copy naming `stats`

    def put_tagged(task: Any, *args: Any, **kwargs: Any) -> None:
        if task is not None:
            codec, frame = task
            copy = tagged.get(id(codec))
            if copy is None or copy[0] is not codec:
                copy = tagged[id(codec)] = (codec, dataclasses.replace(codec))
                setattr(copy[1], _RECEIVE_STATS, stats)
            task = (copy[1], frame)
        put(task, *args, **kwargs)

    decoder_queue.put = put_tagged  # type: ignore[method-assign,assignment]
    return True


_RECEIVE_STATS = "ceremony_opus_receive_stats"  # on a receiver's codec copy: whose counts
# The counts of every Opus receiver whose codec names none (a venue's program audio), or None.
_process_stats: list[OpusReceiveStats | None] = [None]


def _fec_get_decoder(codec: Any) -> Any:
    if codec.mimeType.lower() == "audio/opus":
        stats = getattr(codec, _RECEIVE_STATS, None) or _process_stats[0]
        if stats is not None:
            return FecOpusDecoder(stats)
    return ORIGINAL_GET_DECODER(codec)


def _install_get_decoder() -> None:
    setattr(aiortc.rtcrtpreceiver, "get_decoder", _fec_get_decoder)  # noqa: B010 - see problems()


def use_fec_opus_decoder(stats: OpusReceiveStats | None) -> None:
    """Every Opus receiver started from now on decodes with FecOpusDecoder counting into
    `stats` (None: aiortc's own decoder), unless `receive_audio_with_fec` gave it its own
    counts. Process-wide: aiortc's decoder thread looks the decoder up by codec through
    `rtcrtpreceiver.get_decoder`; venues use it for the program."""
    _process_stats[0] = stats
    _install_get_decoder()  # with no counts anywhere it is aiortc's get_decoder


def impair_rtp(receiver: RTCRtpReceiver, drop: Callable[[Any], bool]) -> Callable[[], None]:
    """Tests and benchmarks: every RTP packet reaching `receiver` for which `drop(packet)` is
    true is lost on the way (before aiortc counts it). Returns the function that removes it."""
    handle = receiver._handle_rtp_packet

    async def handle_or_drop(packet: Any, arrival_time_ms: int) -> None:
        if not drop(packet):
            await handle(packet, arrival_time_ms)

    receiver._handle_rtp_packet = handle_or_drop  # type: ignore[method-assign]
    return lambda: setattr(receiver, "_handle_rtp_packet", handle)


SCTP_RTO_INITIAL_S = 0.5


def set_sctp_initial_rto(seconds: float = SCTP_RTO_INITIAL_S) -> None:
    """The retransmission timeout SCTP associations made from now on start with (process-wide).

    aiortc keeps RFC 4960's 3 s: one lost INIT or COOKIE-ECHO on a lossy venue's link held its
    join 3 s. Browsers' SCTP stacks start lower (usrsctp 1 s, Chrome's dcsctp 0.5 s). With 1 s
    the 5 %-loss venue's control channel still took 1.0 s longer in 4 of 30 joins; 0.5 s (as
    dcsctp) is still far above any round trip a venue has, so nothing is retransmitted
    needlessly.
    """
    aiortc.rtcsctptransport.SCTP_RTO_INITIAL = seconds


def local_candidates(pc: RTCPeerConnection) -> list[RTCIceCandidate]:
    """The candidates ICE gathered for `pc` (through its data channel's transport chain)."""
    sctp = pc.sctp
    if sctp is None:
        return []
    return sctp.transport.transport.iceGatherer.getLocalCandidates()


def selected_candidates(pc: RTCPeerConnection) -> tuple[Candidate, Candidate] | None:
    """(local, remote) candidate of the pair ICE nominated for `pc`, or None before that.

    aiortc 1.16 has no candidate-pair statistics; the pair lives in aioice's Connection, which
    the public `RTCIceTransport.iceGatherer` holds as `_connection`.
    """
    sctp = pc.sctp
    transports = [sctp.transport] if sctp is not None else []
    transports += [t.sender.transport for t in pc.getTransceivers() if t.sender.transport]
    for dtls in transports:
        connection = getattr(dtls.transport.iceGatherer, "_connection", None)
        nominated = getattr(connection, "_nominated", None)
        if not isinstance(nominated, dict) or not nominated:
            continue
        pair = nominated.get(1) or next(iter(nominated.values()))
        return pair.local_candidate, pair.remote_candidate
    return None


def stop_consent_checks(pc: RTCPeerConnection) -> bool:
    """Stop ICE's consent checks (RFC 7675: a STUN request every ~5 s each way, expiry after
    30 s) on `pc`'s data-channel transport, once connected. Only for the studio–venue link,
    where both ends are ours and the session's heartbeats notice a dead peer in 2.8 s: a
    hundred venues' checks are 80 STUN packets a second through the studio's Python. False if
    there is no running check to stop (not connected yet, or aioice changed)."""
    sctp = pc.sctp
    if sctp is None:
        return False
    connection = getattr(sctp.transport.transport.iceGatherer, "_connection", None)
    task = getattr(connection, "_query_consent_task", None)
    if not isinstance(task, asyncio.Task) or task.done():
        return False
    task.cancel()
    return True


@dataclasses.dataclass(frozen=True)
class _Arrived:
    at: float
    item: object


# On an ICE connection's receive queue, and on the SCTP transport whose data channels it feeds:
# their ArrivalStamps.
_ARRIVALS = "ceremony_arrivals"


class ArrivalStamps:
    """When the datagram the data channels are handling now reached the ICE connection.

    A message is handled after a queue, a task switch, DTLS and SCTP: on a busy loop that is
    often a millisecond or more after the datagram came in. aioice queues each datagram as it
    arrives; each is stamped there, and the stamp of the one being handled is `current` while
    its messages are handled (one task takes them from the queue, one at a time, and handles
    each completely before the next). Where the socket allows, the stamp is the kernel's (when
    the datagram reached the host, not when the loop got round to reading it): see
    media/kernel_stamps.py.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.current: float | None = None
        # While a DTLS datagram read from a kernel-stamping socket is being queued: when the
        # kernel received it, on `clock` (media/kernel_stamps.py).
        self.received: float | None = None
        self.kernel_stamped_sockets = 0
        self.ages = kernel_stamps.ReceiveAges()


def stamp_datagram_arrivals(
    pc: RTCPeerConnection, clock: Callable[[], float]
) -> ArrivalStamps | None:
    """Stamp every datagram `pc`'s data channels receive with `clock` as it arrives (None if
    this aioice has no receive queue to stamp, or the data channels have no transport yet).
    Safe while a receive is pending, and before negotiating: when BUNDLE moves the data
    channels onto the first media section's transport (a venue opens its channels before it
    adds its tracks, and aiortc puts the data section last), the stamps follow them there.
    Asking again returns the same stamps."""
    sctp = pc.sctp
    if sctp is None:
        return None
    existing = getattr(sctp, _ARRIVALS, None)
    if isinstance(existing, ArrivalStamps):
        return existing
    stamps = ArrivalStamps(clock)
    if not _stamp_queue(sctp.transport, stamps):
        return None
    set_transport = sctp.setTransport

    def follow(transport: RTCDtlsTransport) -> None:
        set_transport(transport)
        _stamp_queue(transport, stamps)

    setattr(sctp, "setTransport", follow)  # noqa: B010 - an instance attribute
    setattr(sctp, _ARRIVALS, stamps)
    return stamps


def _stamp_queue(dtls: RTCDtlsTransport, stamps: ArrivalStamps) -> bool:
    """Stamp what the ICE connection under `dtls` queues; False if it has no queue."""
    connection = getattr(dtls.transport.iceGatherer, "_connection", None)
    received = getattr(connection, "_queue", None)
    if not isinstance(received, asyncio.Queue):
        return False
    if getattr(received, _ARRIVALS, None) is not None:
        return True
    put, get = received._put, received._get
    found = getattr(connection, "_protocols", None)
    sockets: list[Any] = found if isinstance(found, list) else []
    seen = 0

    def new_sockets() -> None:
        # Kernel stamps for the sockets not looked at yet. A venue asks before it gathers:
        # its sockets are taken as their first datagrams arrive (only that one is stamped as
        # read).
        nonlocal seen
        for protocol in sockets[seen:]:
            stamps.kernel_stamped_sockets += _stamp_by_kernel(protocol, stamps)
        seen = len(sockets)

    def stamped_put(item: object) -> None:
        at = stamps.received
        put(_Arrived(stamps.clock() if at is None else at, item))
        if len(sockets) > seen:
            new_sockets()

    def unstamped_get() -> object:
        item = get()
        if isinstance(item, _Arrived):
            stamps.current = item.at
            return item.item
        stamps.current = None  # queued before the stamping began
        return item

    # Instance attributes in front of asyncio.Queue's own storage hooks (the ones its
    # subclasses override), so a receive already waiting on this queue keeps working.
    setattr(received, "_put", stamped_put)  # noqa: B010
    setattr(received, "_get", unstamped_get)  # noqa: B010
    setattr(received, _ARRIVALS, stamps)
    new_sockets()
    return True


def _stamp_by_kernel(protocol: object, stamps: ArrivalStamps) -> bool:
    """Have the DTLS datagrams `protocol` (an aioice StunProtocol) reads stamped with the time
    the kernel received them; False where its socket cannot be (a TURN relay, another OS)."""
    transport = getattr(protocol, "transport", None)
    sock = (
        transport.get_extra_info("socket") if isinstance(transport, asyncio.BaseTransport) else None
    )
    handle = getattr(protocol, "datagram_received", None)
    if sock is None or handle is None or not kernel_stamps.enable(sock):
        return False
    fd, clock = sock.fileno(), stamps.clock

    def kernel_stamped(data: bytes, addr: tuple[Any, ...]) -> None:
        if not _is_dtls(data):  # RTP/RTCP carry no clock messages: no ioctl for them
            handle(data, addr)
            return
        age = stamps.ages.age(fd)
        stamps.received = None if age is None else clock() - age
        try:
            handle(data, addr)
        finally:
            stamps.received = None

    # asyncio's transport calls its protocol's datagram_received as an attribute: an instance
    # attribute in front of the class's method.
    setattr(protocol, "datagram_received", kernel_stamped)  # noqa: B010
    return True


class Departing(bytes):
    """A data-channel message whose time stamp is taken again as it leaves (see
    `stamp_departures`): `restamp()` gives the bytes to send then."""

    restamp: Callable[[], bytes]

    def __new__(cls, data: bytes, restamp: Callable[[], bytes]) -> Departing:
        self = super().__new__(cls, data)
        self.restamp = restamp
        return self


_DEPARTURES = "ceremony_departures"  # on an SCTP transport: its `_send` stamps Departing data


def stamp_departures(pc: RTCPeerConnection) -> bool:
    """Let `pc`'s data channels send `Departing` messages, stamped as they leave.

    `RTCDataChannel.send` only queues a message: aiortc's SCTP sends it from a task of its
    own, after the rest of the loop's ready work and after any unacknowledged data is
    acknowledged. A time stamp taken at `send` counts that wait into the path (at 100 light
    venues, clock samples' one-way legs of 20-40 ms at the median, with a floor near 1 ms).
    aiortc hands each message to `RTCSctpTransport._send` as it goes, which is wrapped here:
    a `Departing` message is replaced by its `restamp()` there, and nothing else changes.
    The DATA chunk then goes out in the same step unless the congestion window is full.
    False if this aiortc has no such step (or no data-channel transport yet): messages then
    keep the stamp they were sent with. Asking again changes nothing."""
    sctp = pc.sctp
    send = getattr(sctp, "_send", None)
    if sctp is None or not inspect.iscoroutinefunction(send):
        return False
    if getattr(sctp, _DEPARTURES, False):
        return True

    async def send_stamped(
        stream_id: int, pp_id: int, user_data: bytes, *args: Any, **kwargs: Any
    ) -> None:
        if isinstance(user_data, Departing):
            try:
                user_data = user_data.restamp()
            except Exception:  # the stamp taken at send stands; the message must still go
                log.exception("stamping a message as it leaves failed")
                user_data = bytes(user_data)
        await send(stream_id, pp_id, user_data, *args, **kwargs)

    setattr(sctp, "_send", send_stamped)  # noqa: B010
    setattr(sctp, _DEPARTURES, True)
    return True


# A SACK owed while a reply waits to be sent rides in the reply's packet; it waits this long
# at most (RFC 4960 allows 200 ms) when the reply cannot go at once (a full congestion window).
SACK_BUNDLE_WAIT_S = 0.02
# The largest SCTP packet aiortc sends on its own: a full DATA chunk (1200 bytes of user data
# and its 16-byte header) with the 12-byte common header. A bundle is never larger.
_SCTP_PACKET_MAX = 1228
_SCTP_COMMON_HEADER = 12
_SACK_BUNDLE = "ceremony_sack_bundle"  # on an SCTP transport: its _SackBundle
_CRC32C: Callable[[bytes], int] = getattr(aiortc.rtcsctptransport, "crc32c")  # noqa: B009


@dataclasses.dataclass
class _SackBundle:
    """One SCTP transport's SACK waiting for a reply to ride with (see `bundle_sacks`)."""

    pending: bool = False
    timer: asyncio.TimerHandle | None = None
    captured: list[Any] | None = None  # while aiortc builds a SACK for a bundle: its chunk
    alone: asyncio.Task[None] | None = None  # the wait ran out: the SACK goes by itself
    bundled: int = 0  # SACKs sent inside a reply's packet (tests, logs)


def bundle_sacks(pc: RTCPeerConnection) -> bool:
    """Send the SACK a received message calls for in the same packet as the reply it
    triggered, instead of a packet of its own before it.

    aiortc acknowledges every packet with DATA at once, in a packet of its own, and only then
    sends what the data channel's handler queued in answer (a clock reply, a heartbeat's
    answer). Each packet costs both ends a DTLS record and a pass through aiortc's Python
    (~0.1 ms here); between events a studio's traffic with each venue is mostly such
    exchanges. RFC 4960 (sections 6.2, 6.10) lets a SACK be delayed up to 200 ms and bundled
    ahead of DATA; here it waits only while a reply is queued, and at most
    SACK_BUNDLE_WAIT_S. Wraps this connection's `RTCSctpTransport._send_sack` and
    `_send_chunk`. False if there is no data-channel transport yet or aiortc has no such
    steps; asking again changes nothing."""
    sctp = pc.sctp
    send_sack = getattr(sctp, "_send_sack", None)
    send_chunk = getattr(sctp, "_send_chunk", None)
    if sctp is None or send_sack is None or send_chunk is None:
        return False
    if not callable(getattr(sctp.transport, "_send_data", None)):
        return False
    if getattr(sctp, _SACK_BUNDLE, None) is not None:
        return True
    state = _SackBundle()
    loop = asyncio.get_running_loop()

    async def sack_alone() -> None:
        if state.pending:
            state.pending = False
            with contextlib.suppress(ConnectionError, OSError):  # closed meanwhile
                await send_sack()

    def stop_waiting() -> None:
        state.pending = False
        if state.timer is not None:
            state.timer.cancel()
            state.timer = None

    def wait_over() -> None:
        state.timer = None
        if state.pending:
            state.alone = loop.create_task(sack_alone())

    async def sending_sack() -> None:
        # A reply queued that aiortc's flush will send at once (nothing of ours waiting for
        # the congestion window before it): ride with it. A reply held behind our own unsent
        # data waits for the peer's SACK of what is in flight; were our SACK to wait for the
        # reply, two full windows crossing would each hold their sender for the whole wait.
        if getattr(sctp, "_data_channel_queue", None) and not getattr(
            sctp, "_outbound_queue", None
        ):
            if not state.pending:
                state.pending = True
                state.timer = loop.call_later(SACK_BUNDLE_WAIT_S, wait_over)
            return
        stop_waiting()
        await send_sack()

    async def sending_chunk(chunk: Any) -> None:
        if state.captured is not None:
            state.captured.append(chunk)
            return
        if not (state.pending and isinstance(chunk, aiortc.rtcsctptransport.DataChunk)):
            await send_chunk(chunk)
            return
        stop_waiting()
        state.captured = []
        try:
            await send_sack()  # aiortc builds the SACK and hands it to `sending_chunk`
            chunks = [bytes(c) for c in state.captured] + [bytes(chunk)]
        finally:
            state.captured = None
        # The DTLS transport as it is now: with BUNDLE, aiortc moves SCTP onto the first
        # media section's transport after negotiating.
        dtls = sctp.transport
        if sum(map(len, chunks)) + _SCTP_COMMON_HEADER > _SCTP_PACKET_MAX:
            for data in chunks:
                await dtls._send_data(_sctp_packet(sctp, data))
            return
        state.bundled += 1
        await dtls._send_data(_sctp_packet(sctp, b"".join(chunks)))

    setattr(sctp, "_send_sack", sending_sack)  # noqa: B010 - instance attributes
    setattr(sctp, "_send_chunk", sending_chunk)  # noqa: B010
    setattr(sctp, _SACK_BUNDLE, state)
    return True


def sacks_bundled(pc: RTCPeerConnection) -> int:
    """How many SACKs `bundle_sacks` sent inside a reply's packet on `pc` (0: none, or not
    installed)."""
    state = getattr(pc.sctp, _SACK_BUNDLE, None)
    return state.bundled if isinstance(state, _SackBundle) else 0


def _sctp_packet(sctp: RTCSctpTransport, chunks: bytes) -> bytes:
    """An SCTP packet of already serialized (padded) chunks, as aiortc's serialize_packet
    makes one of a single chunk."""
    header = struct.pack("!HHL", sctp._local_port, sctp._remote_port, sctp._remote_verification_tag)
    checksum = _CRC32C(header + b"\x00\x00\x00\x00" + chunks)
    return header + struct.pack("<L", checksum) + chunks


STUN_RTO_INITIAL_S = 0.25


def set_stun_initial_rto(seconds: float = STUN_RTO_INITIAL_S) -> None:
    """The first retransmission timeout of every STUN transaction started from now on
    (process-wide; it doubles on each retry, as before): ICE checks, the server-reflexive
    query, the TURN allocation.

    aioice waits 0.5 s: on the 5 %-loss venue one lost binding request or answer held its
    gathering 0.5 s, two 1.5 s (1.58 s of a 4.93 s join). Browsers start at 250 ms (WebRTC's
    STUN_INITIAL_RTO); a venue's round trip to the studio and its TURN server is far shorter,
    and a needless retransmission is one more small datagram that both ends answer alike.
    """
    aioice.stun.RETRY_RTO = seconds


DTLS_RESEND_FIRST_S = 0.2  # OpenSSL's own first retransmission comes after 1 s
DTLS_RESENDS = 3  # 0.2 + 0.4 + 0.8 s: by then OpenSSL's timer (1 s, 2 s …) has taken over
DTLS_REPEAT_WINDOW_S = 5.0  # after connecting, answer the peer's repeated flight this long
_FLIGHTS = "ceremony_dtls_flights"  # on an ICE transport: its _Flights


def _is_dtls(data: bytes) -> bool:
    return bool(data) and 19 < data[0] < 64  # RFC 7983's DTLS range


@dataclasses.dataclass
class _Flights:
    """One DTLS transport's handshake flights as they went on the wire (see
    `resend_dtls_flights`)."""

    sent: list[bytes] = dataclasses.field(default_factory=list)  # our last flight
    heard: set[bytes] = dataclasses.field(default_factory=set)  # handshake datagrams received
    fresh: bool = True  # something new was heard: our next datagram starts a new flight
    wait: float = DTLS_RESEND_FIRST_S
    resends: int = 0  # of the current flight, on the timer
    answered_repeat: bool = False  # the current flight was resent for a repeat already
    repeats_until: float | None = None  # connected: repeats answered until then
    resent: int = 0  # datagrams resent in all (tests, logs)


def dtls_flights_resent(dtls: RTCDtlsTransport) -> int:
    """How many handshake datagrams `resend_dtls_flights` resent for `dtls` (0: none, or not
    installed)."""
    flights = getattr(dtls.transport, _FLIGHTS, None)
    return flights.resent if isinstance(flights, _Flights) else 0


_ORIGINAL_DTLS_START = RTCDtlsTransport.start


def _install_flights(dtls: RTCDtlsTransport, first_wait: float) -> None:
    ice = dtls.transport
    if isinstance(getattr(ice, _FLIGHTS, None), _Flights):
        return
    flights = _Flights(wait=first_wait)
    send: Callable[[bytes], Awaitable[None]] = ice._send
    recv: Callable[[], Awaitable[bytes]] = ice._recv
    loop = asyncio.get_running_loop()

    def handshaking() -> bool:
        return dtls._state == aiortc.rtcdtlstransport.State.CONNECTING

    async def resend() -> None:
        for data in flights.sent:
            flights.resent += 1
            await send(data)

    async def sending(data: bytes) -> None:
        if handshaking() and _is_dtls(data):
            if flights.fresh:
                flights.sent, flights.fresh = [], False
                flights.wait, flights.resends, flights.answered_repeat = first_wait, 0, False
            flights.sent.append(data)
        await send(data)

    async def receiving() -> bytes:
        while True:
            waiting = handshaking() and flights.sent and flights.resends < DTLS_RESENDS
            if not waiting:
                data = await recv()
                break
            try:
                data = await asyncio.wait_for(recv(), flights.wait)
                break
            except TimeoutError:
                flights.wait *= 2
                flights.resends += 1
                log.debug("DTLS: no answer in time, our last flight again")
                await resend()
        if not _is_dtls(data) or not flights.heard:
            if _is_dtls(data) and handshaking():
                flights.heard.add(data)
                flights.fresh = True
            return data
        if not handshaking():
            if flights.repeats_until is None:
                flights.repeats_until = loop.time() + DTLS_REPEAT_WINDOW_S
            if loop.time() > flights.repeats_until:
                flights.heard.clear()  # done: nothing more is looked at
                return data
        if data in flights.heard:
            # The peer sent the same datagram again: it never heard our answer (OpenSSL
            # drops the copy as a replay and would wait for its own timer). Once per flight,
            # so two ends doing this cannot bounce copies back and forth.
            if not flights.answered_repeat and flights.sent:
                flights.answered_repeat = True
                await resend()
        elif handshaking():
            flights.heard.add(data)
            flights.fresh = True
        return data

    setattr(ice, _FLIGHTS, flights)
    ice._send = sending
    ice._recv = receiving


def resend_dtls_flights(enabled: bool = True, first_wait: float = DTLS_RESEND_FIRST_S) -> None:
    """DTLS transports started from now on (process-wide) resend their last handshake flight,
    byte for byte, when nothing came back within `first_wait` (doubling, `DTLS_RESENDS`
    times), and answer a peer's byte-identical repeat with their own last flight (once).

    aiortc leaves retransmission to OpenSSL, whose DTLS timer starts at 1 s and doubles;
    pyOpenSSL cannot set it (no DTLS_set_timer_cb). On the 5 %-loss venue a handshake of four
    flights lost one datagram in about a quarter of joins, each a second. An exact copy is
    safe: a receiver that already has a record drops the copy as a replay, and one that lost
    it takes the copy; OpenSSL's own retransmissions carry on unchanged beside these.
    Wraps the ICE transport's `_send`/`_recv` (aiortc's DTLS writes and reads only through
    them) when each DTLS transport starts."""
    if not enabled:
        RTCDtlsTransport.start = _ORIGINAL_DTLS_START  # type: ignore[method-assign]
        return

    async def start(self: RTCDtlsTransport, remoteParameters: Any) -> None:  # noqa: N803
        _install_flights(self, first_wait)
        await _ORIGINAL_DTLS_START(self, remoteParameters)

    RTCDtlsTransport.start = start  # type: ignore[method-assign]


def quicken_handshakes() -> None:
    """The join's retransmission timers as a lossy venue needs them (process-wide): STUN's
    first at 0.25 s and the DTLS flights resent after 0.2 s (SCTP's: `set_sctp_initial_rto`)."""
    set_stun_initial_rto()
    resend_dtls_flights()


def _handshake_problems() -> list[str]:
    """`quicken_handshakes`' assumptions (with `problems()`)."""
    found = _check(
        isinstance(getattr(aioice.stun, "RETRY_RTO", None), float | int)
        and _mentions(aioice.stun.Transaction.__init__, "self.__timeout_delay = RETRY_RTO"),
        "aioice's STUN transactions no longer start from stun.RETRY_RTO: a lost ICE check or "
        "binding request costs the join 0.5 s again",
    )
    state = getattr(aiortc.rtcdtlstransport, "State", None)
    found += _check(
        state is not None
        and hasattr(state, "CONNECTING")
        and _mentions(_ORIGINAL_DTLS_START, "self._set_state(State.CONNECTING)")
        and _mentions(RTCDtlsTransport._write_ssl, "await self.transport._send(data)")
        and _mentions(RTCDtlsTransport._recv_next, "self.transport._recv()")
        and _mentions(aiortc.RTCIceTransport.__init__, "self._recv = self._connection.recv")
        and _mentions(aiortc.RTCIceTransport.__init__, "self._send = self._connection.send"),
        "aiortc's DTLS no longer writes and reads its handshake through the ICE transport's "
        "_send/_recv: a lost handshake datagram costs the join OpenSSL's 1 s timer again",
    )
    return found


# ---- the program picture's receive path (media/video_receive.py) -----------------------------

# A frame waiting this long for the decoder: it is behind. Not a count of frames: a lost
# packet's retransmission releases up to 0.5 s of frames at once, which a decoder that keeps
# up takes in a few tens of milliseconds.
DECODER_LAG_MAX_S = 0.5
DISPLAY_QUEUE_MAX = 2  # decoded frames waiting for the display; more: it jumps to the newest


class BoundedVideoReceive:
    """In place of aiortc's video JitterBuffer(capacity=512) for one receiver: VP8 frames
    reassembled by `VideoReceiveBuffer` (a lost packet waited for at most 0.5 s, then on from
    the newest keyframe), every frame complete now handed over at once (aiortc's buffer hands
    over one per arriving packet), and a decoder whose oldest queued frame has waited
    DECODER_LAG_MAX_S drops to the next keyframe instead of drifting seconds behind.

    aiortc calls `add(packet)` and queues the one frame it returns for the decoder (mapping its
    timestamp); when more are complete, the earlier ones are queued here first, in order,
    through the same queue and timestamp mapper. Packets still missing while the picture waits
    are asked for again (the receiver's own `_send_rtcp_nack`). Packets of another codec go
    through aiortc's own buffer.

    Whether the decoder is behind: the frames still in its queue are the last `qsize()` handed
    over, so the oldest of them waited since its own hand-over time (kept here)."""

    capacity = CAPACITY

    def __init__(
        self, receiver: RTCRtpReceiver, stats: VideoReceiveStats, clock: Callable[[], float]
    ) -> None:
        self.buffer = VideoReceiveBuffer(stats)
        self.stats = stats
        self._clock = clock
        self._fallback = getattr(receiver, _JITTER_BUFFER)
        self._decoder_queue: queue.Queue[Any] = getattr(receiver, _DECODER_QUEUE)
        self._codecs: dict[int, RTCRtpCodecParameters] = getattr(receiver, _CODECS)
        self._mapper = getattr(receiver, _TIMESTAMP_MAPPER)
        self._handed_at: collections.deque[float] = collections.deque(maxlen=256)
        self._send_nack: Callable[[int, list[int]], Coroutine[Any, Any, None]] = (
            receiver._send_rtcp_nack
        )
        self._nacks: set[asyncio.Task[None]] = set()

    def add(self, packet: Any) -> tuple[bool, JitterFrame | None]:
        codec = self._codecs.get(packet.payload_type)
        if codec is None or codec.mimeType.lower() != "video/vp8":
            result: tuple[bool, JitterFrame | None] = self._fallback.add(packet)
            return result
        start, keyframe = vp8_frame_start(packet.payload)
        piece = Piece(
            packet.sequence_number,
            packet.timestamp,
            bool(packet.marker),
            packet._data,
            start,
            keyframe,
        )
        now = self._clock()
        ask, frames = self.buffer.add(piece, now)
        missing = self.buffer.missing(now)
        if missing:
            task = asyncio.get_running_loop().create_task(self._send_nack(packet.ssrc, missing))
            self._nacks.add(task)
            task.add_done_callback(self._nacks.discard)
        if frames and self._decoder_lag(now) > DECODER_LAG_MAX_S:
            frames, resync = self._decoder_behind(frames, now)
            ask = ask or resync
        if not frames:
            return ask, None
        for frame in frames[:-1]:
            mapped = JitterFrame(data=frame.data, timestamp=self._mapper.map(frame.timestamp))
            self._decoder_queue.put((codec, mapped))
        self._handed_at.extend([now] * len(frames))  # the last one aiortc queues on return
        return ask, JitterFrame(data=frames[-1].data, timestamp=frames[-1].timestamp)

    def _decoder_lag(self, now: float) -> float:
        """How long the oldest frame still waiting for the decoder has waited."""
        waiting = min(self._decoder_queue.qsize(), len(self._handed_at))
        return now - self._handed_at[-waiting] if waiting else 0.0

    def _decoder_behind(self, frames: list[Frame], now: float) -> tuple[list[Frame], bool]:
        """The decoder has more queued than it can show in time: start again at the newest
        keyframe among `frames` (the queue emptied), or drop them all and wait for one."""
        keys = [i for i, frame in enumerate(frames) if frame.keyframe]
        if keys:
            self.stats.decoder_resyncs += 1
            self.stats.frames_dropped += self._empty_decoder_queue() + keys[-1]
            return frames[keys[-1] :], False
        self.stats.frames_dropped += len(frames)
        return [], self.buffer.resync(now)

    def _empty_decoder_queue(self) -> int:
        dropped = 0
        while True:
            try:
                task = self._decoder_queue.get_nowait()
            except queue.Empty:
                return dropped
            if task is None:  # the receiver is stopping: its decoder must still see this
                self._decoder_queue.put(None)
                return dropped
            dropped += 1


def receive_video_bounded(
    receiver: object,
    stats: VideoReceiveStats,
    clock: Callable[[], float] = time.monotonic,
) -> BoundedVideoReceive | None:
    """Give this video RTCRtpReceiver the bounded buffer (None if aiortc's parts are not
    there). Per receiver: the venue's program picture."""
    if not (
        isinstance(receiver, RTCRtpReceiver)
        and hasattr(receiver, _JITTER_BUFFER)
        and isinstance(getattr(receiver, _DECODER_QUEUE, None), queue.Queue)
        and isinstance(getattr(receiver, _CODECS, None), dict)
        and callable(getattr(getattr(receiver, _TIMESTAMP_MAPPER, None), "map", None))
    ):
        return None
    bounded = BoundedVideoReceive(receiver, stats, clock)
    setattr(receiver, _JITTER_BUFFER, bounded)
    return bounded


def newest_decoded(track: MediaStreamTrack, frame: Any) -> tuple[Any, int]:
    """`frame` (just received from `track`), or a newer one if more than DISPLAY_QUEUE_MAX
    decoded frames wait behind it (the display fell behind: it jumps to the newest). Returns
    the frame to show and how many were skipped. aiortc's RemoteStreamTrack keeps decoded
    frames in an unbounded asyncio.Queue, `_queue`."""
    waiting = getattr(track, "_queue", None)
    if not isinstance(waiting, asyncio.Queue) or waiting.qsize() <= DISPLAY_QUEUE_MAX:
        return frame, 0
    skipped = 0
    while not waiting.empty():
        item = waiting.get_nowait()
        if item is None:  # the track ends after this frame
            waiting.put_nowait(None)
            break
        frame, skipped = item, skipped + 1
    return frame, skipped


def _video_receive_problems() -> list[str]:
    """`receive_video_bounded`'s and `newest_decoded`'s assumptions (with `problems()`)."""
    remote_track = aiortc.rtcrtpreceiver.RemoteStreamTrack
    mapper = getattr(aiortc.rtcrtpreceiver, "TimestampMapper", None)
    found = _check(
        _mentions(RTCRtpReceiver.__init__, "self.__codecs: dict[int, RTCRtpCodecParameters]")
        and _mentions(RTCRtpReceiver.__init__, "self.__timestamp_mapper = TimestampMapper()")
        and callable(getattr(mapper, "map", None))
        and _mentions(RTCRtpReceiver._handle_rtp_packet, "codec = self.__codecs.get(")
        and _mentions(RTCRtpReceiver._handle_rtp_packet, "packet._data = depayload(codec,")
        and _mentions(
            RTCRtpReceiver._handle_rtp_packet,
            "encoded_frame.timestamp = self.__timestamp_mapper.map(",
        )
        and _mentions(RTCRtpReceiver._handle_rtp_packet, "self.__decoder_queue.put((codec,")
        and list(inspect.signature(JitterFrame).parameters) == ["data", "timestamp"]
        and inspect.iscoroutinefunction(getattr(RTCRtpReceiver, "_send_rtcp_nack", None))
        and list(inspect.signature(RTCRtpReceiver._send_rtcp_nack).parameters)
        == ["self", "media_ssrc", "lost"],
        "aiortc's RTCRtpReceiver no longer reassembles video through __jitter_buffer.add() "
        "with __codecs and __timestamp_mapper, or sends NACKs through _send_rtcp_nack: a "
        "venue's program picture would queue behind every lost packet again",
    )
    found += _check(
        _mentions(remote_track.__init__, "self._queue: asyncio.Queue = asyncio.Queue()")
        and _mentions(remote_track.recv, "frame = await self._queue.get()"),
        "aiortc's RemoteStreamTrack no longer queues decoded frames in _queue: a venue whose "
        "display falls behind could not jump to the newest picture",
    )
    return found
