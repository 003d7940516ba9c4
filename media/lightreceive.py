"""Count-only video reception, for benchmark venues that must not load the machine they share.

The fan-out benchmark measures the studio; eleven venue processes fully decoding a 720p30
program would take the two cores it runs on. With this switched on (process-wide, only by the
benchmark harness), aiortc's receiver hands over each *complete encoded frame* reassembled from
RTP instead of decoding it: the venue still counts delivered frames, it just does not look at
them. Audio is decoded as usual.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from typing import Any

from media import aiortc_compat


def _count_only_worker(
    loop: asyncio.AbstractEventLoop,
    input_q: queue.Queue[Any],
    output_q: asyncio.Queue[Any],
    decode_error: threading.Event,
) -> None:
    audio_q: queue.Queue[Any] = queue.Queue()
    audio_thread: threading.Thread | None = None
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
                target=aiortc_compat.ORIGINAL_DECODER_WORKER,
                args=(loop, audio_q, output_q, decode_error),
                daemon=True,
            )
            audio_thread.start()
        audio_q.put(task)


def count_only_video(enabled: bool = True) -> None:
    aiortc_compat.use_decoder_worker(_count_only_worker if enabled else None)
