"""What is drawn onto the program before it is encoded: the lower third and the latency code.

The latency code is a row of black and white blocks in the bottom-right corner carrying the
studio's clock (milliseconds) when the frame was composed. Blocks are large and aligned to the
codec's 16-pixel macroblocks so they survive compression; every venue reads them from the
decoded picture and, with its clock offset, knows how late the picture is.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import av
import cv2
import numpy as np

CODE_TIME_BITS = 32
CODE_CHECK_BITS = 8
CODE_BITS = CODE_TIME_BITS + CODE_CHECK_BITS
CODE_ROWS = 2
CODE_COLS = CODE_BITS // CODE_ROWS


def code_block(width: int) -> int:
    """Block size in pixels for a picture this wide (16 at 640, 32 at 1280)."""
    return max(16, (width // 40) // 16 * 16)


def _checksum(value: int) -> int:
    """CRC-8 (polynomial 0x07) of the 32-bit value: any one, two or three misread blocks are
    caught. The byte-wise XOR it replaces let two misread blocks in the same bit column pass,
    and the lower rung's blurred corner did exactly that, steadily: latencies of 2^14 ms."""
    crc = 0xA5
    for byte in (value & 0xFFFFFFFF).to_bytes(4, "big"):
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def draw_code(y: np.ndarray, value_ms: int) -> None:
    """Write `value_ms` (mod 2^32) into the luma plane, in place."""
    h, w = y.shape
    b = code_block(w)
    value = value_ms & 0xFFFFFFFF
    word = (value << CODE_CHECK_BITS) | _checksum(value)
    x0, y0 = w - CODE_COLS * b, h - CODE_ROWS * b
    for i in range(CODE_BITS):
        bit = (word >> (CODE_BITS - 1 - i)) & 1
        r, c = divmod(i, CODE_COLS)
        y[y0 + r * b : y0 + (r + 1) * b, x0 + c * b : x0 + (c + 1) * b] = 235 if bit else 16


def read_code(y: np.ndarray) -> int | None:
    """The value written by `draw_code`, or None if the corner does not carry a valid code."""
    h, w = y.shape
    b = code_block(w)
    x0, y0 = w - CODE_COLS * b, h - CODE_ROWS * b
    if x0 < 0 or y0 < 0:
        return None
    m = b // 4  # read the middle of each block, away from edges blurred by the codec
    word = 0
    for i in range(CODE_BITS):
        r, c = divmod(i, CODE_COLS)
        cell = y[y0 + r * b + m : y0 + (r + 1) * b - m, x0 + c * b + m : x0 + (c + 1) * b - m]
        word = (word << 1) | (1 if float(cell.mean()) > 125 else 0)
    value = word >> CODE_CHECK_BITS
    if word & 0xFF != _checksum(value):
        return None
    return value


def luma(frame: av.VideoFrame) -> np.ndarray:
    """The Y plane of a yuv420p frame, without its line padding."""
    plane = frame.planes[0]
    data = np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)
    return data[:, : plane.width]


@dataclass(frozen=True)
class LowerThird:
    name: str
    role: str = ""


@functools.lru_cache(maxsize=32)
def _lower_third_patch(
    name: str, role: str, width: int, height: int
) -> tuple[int, int, np.ndarray]:
    """A pre-rendered luma patch (x, y, pixels) for one name and role at one picture size."""
    band_h = max(32, height // 7)
    band_w = int(width * 0.62)
    patch = np.full((band_h, band_w), 32, np.uint8)
    scale = band_h / 64
    cv2.putText(
        patch,
        name,
        (band_h // 4, int(band_h * 0.5)),
        cv2.FONT_HERSHEY_SIMPLEX,
        scale * 1.1,
        235,
        max(1, int(scale * 2.5)),
        cv2.LINE_AA,
    )
    if role:
        role_scale = scale * 0.6
        room = band_w - band_h // 2
        (text_w, _), _ = cv2.getTextSize(role, cv2.FONT_HERSHEY_SIMPLEX, role_scale, 1)
        if text_w > room:  # a long title shrinks to fit rather than being cut off
            role_scale *= room / text_w
        cv2.putText(
            patch,
            role,
            (band_h // 4, int(band_h * 0.85)),
            cv2.FONT_HERSHEY_SIMPLEX,
            role_scale,
            190,
            max(1, int(scale * 1.2)),
            cv2.LINE_AA,
        )
    x = width // 20
    y = height - band_h - height // 8
    return x, y, patch


def _neutral(u: np.ndarray, v: np.ndarray, rect: tuple[int, int, int, int]) -> None:
    """Grey chroma under a luma-only drawing (x, y, width, height in luma pixels)."""
    x, y, w, h = rect
    u[y // 2 : (y + h) // 2, x // 2 : (x + w) // 2] = 128
    v[y // 2 : (y + h) // 2, x // 2 : (x + w) // 2] = 128


class Compositor:
    """Scales any source to the program size and draws the overlays, in yuv420p."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.lower_third: LowerThird | None = None

    def compose(self, frame: av.VideoFrame, stamp_ms: int) -> av.VideoFrame:
        if (
            frame.width != self.width
            or frame.height != self.height
            or (frame.format.name != "yuv420p")
        ):
            frame = frame.reformat(self.width, self.height, "yuv420p")
        buf = frame.to_ndarray()  # a copy: the source frame may be shown elsewhere too
        h, w = self.height, self.width
        y = buf[:h]
        quarter = (h // 2) * (w // 2)
        chroma = buf[h:].reshape(-1)
        u = chroma[:quarter].reshape(h // 2, w // 2)
        v = chroma[quarter:].reshape(h // 2, w // 2)
        third = self.lower_third
        if third is not None:
            x0, y0, patch = _lower_third_patch(third.name, third.role, w, h)
            ph, pw = patch.shape
            y[y0 : y0 + ph, x0 : x0 + pw] = patch
            _neutral(u, v, (x0, y0, pw, ph))  # grey band, white text: no tint from the picture
        draw_code(y, stamp_ms)
        b = code_block(w)
        _neutral(u, v, (w - CODE_COLS * b, h - CODE_ROWS * b, CODE_COLS * b, CODE_ROWS * b))
        out = av.VideoFrame.from_ndarray(buf, format="yuv420p")
        return out


def bgra_picture(frame: av.VideoFrame, width: int, height: int) -> bytes:
    """B, G, R, 255 per pixel at exactly width×height: what a Qt RGB32 image holds, so a screen
    draws it without converting or scaling on the GUI thread.

    Never `frame.reformat()` here: the same frame may be being composed for the program on the
    encoder thread, and PyAV keeps one reformatter per frame; two threads using it corrupted
    memory (a crash at exit, as DESIGN.md warns for shared frames). `to_ndarray` only copies.
    """
    if frame.format.name != "yuv420p":
        return bytes(width * height * 4)
    out = cv2.cvtColor(frame.to_ndarray(), cv2.COLOR_YUV2BGRA_I420)
    if (width, height) != (frame.width, frame.height):
        # Area averaging to shrink (tiles); linear to enlarge (a venue's full screen), since
        # area averaging enlarges like nearest-neighbour: blocky.
        shrink = width * height < frame.width * frame.height
        interpolation = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
        out = cv2.resize(out, (width, height), interpolation=interpolation)
    return bytes(out.tobytes())
