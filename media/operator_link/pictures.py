"""Tile pictures on the operator link: I420 at the tile's size, made by the engine, drawn by
the console.

The engine scales the frame it already holds (yuv420p, as decoded or composed) plane by plane,
then sends the three small planes: 1.5 bytes a pixel instead of BGRA's 4, and no colour
conversion on the engine at all. The console turns them into B, G, R, 255 (what a Qt RGB32 image
holds) on its link thread, so its GUI thread still only draws.

I420 needs even sides: an odd tile is sent one pixel wider or taller and the console crops it.
"""

from __future__ import annotations

import av
import cv2
import numpy as np


def padded(width: int, height: int) -> tuple[int, int]:
    """The sides of the I420 picture sent for a tile of `width`×`height` (even, ≥ 2)."""
    return max(2, width + width % 2), max(2, height + height % 2)


def fitted(frame_w: int, frame_h: int, box_w: int, box_h: int) -> tuple[int, int]:
    """The largest picture of the frame's shape inside a tile's box (the console centres it).

    A box of another shape than the frame asked for a stretched picture before: the
    multiviewer's venue tiles (241×230 for a 16∶9 camera) showed the venues 1.7 times too tall,
    and the engine scaled, sent and the console converted 1.7 times the pixels."""
    if frame_w <= 0 or frame_h <= 0 or box_w <= 0 or box_h <= 0:
        return box_w, box_h
    if box_w * frame_h <= box_h * frame_w:  # the box is narrower than the frame: full width
        return box_w, max(1, round(box_w * frame_h / frame_w))
    return max(1, round(box_h * frame_w / frame_h)), box_h


def i420_size(width: int, height: int) -> int:
    w, h = padded(width, height)
    return w * h * 3 // 2


def i420_picture(frame: av.VideoFrame, width: int, height: int) -> bytes:
    """The frame's Y, U and V planes scaled to the tile (padded to even sides), back to back.

    Never `frame.reformat()` here: the same frame may be being composed or encoded on another
    thread, and PyAV keeps one reformatter per frame (DESIGN.md: a crash when two threads used
    it). The planes are only read, in place (no copy of the whole frame first), and OpenCV
    scales each straight into the picture with the GIL released, so this may run on a thread
    of its own without holding up the engine's loop.
    """
    w, h = padded(width, height)
    if frame.format.name != "yuv420p" or frame.width % 2 or frame.height % 2:
        return black_i420(w, h)
    fw, fh = frame.width, frame.height
    out = np.empty(w * h * 3 // 2, dtype=np.uint8)
    quarter = (w // 2) * (h // 2)
    targets = (
        (out[: w * h].reshape(h, w), fw, fh),
        (out[w * h : w * h + quarter].reshape(h // 2, w // 2), fw // 2, fh // 2),
        (out[w * h + quarter :].reshape(h // 2, w // 2), fw // 2, fh // 2),
    )
    for plane, (dst, pw, ph) in zip(frame.planes, targets, strict=True):
        # Rows of `line_size` bytes (FFmpeg pads them), of which the first `pw` are pixels.
        rows = np.frombuffer(memoryview(plane), dtype=np.uint8, count=plane.line_size * ph)
        _scaled_into(rows.reshape(ph, plane.line_size)[:, :pw], dst)
    return out.tobytes()


def _scaled_into(plane: np.ndarray, dst: np.ndarray) -> None:
    """`plane` scaled to `dst`'s size, written into it. Shrinking halves it by area averaging
    while it is at least twice the size (exact halves are cheap), then interpolates linearly
    the rest of the way: as smooth as area averaging all the way (no aliasing: the linear step
    shrinks by less than 2), at a tenth of its cost when the ratio is not a whole number (0.06
    against 0.6 ms for 640×360 to 301×169 here). Enlarging is linear (area averaging enlarges
    blockily)."""
    height, width = dst.shape
    if plane.shape == dst.shape:
        dst[:] = plane
        return
    plane = _halved(plane, width, height)
    if plane.shape == dst.shape:
        dst[:] = plane
    else:
        cv2.resize(plane, (width, height), dst=dst, interpolation=cv2.INTER_LINEAR)


def _halved(plane: np.ndarray, width: int, height: int) -> np.ndarray:
    """Halved by area averaging while it is at least twice `width`×`height`."""
    while (
        plane.shape[1] >= 2 * width
        and plane.shape[0] >= 2 * height
        and plane.shape[1] % 2 == 0
        and plane.shape[0] % 2 == 0
    ):
        half = (plane.shape[1] // 2, plane.shape[0] // 2)
        plane = cv2.resize(plane, half, interpolation=cv2.INTER_AREA)
    return plane


def black_i420(width: int, height: int) -> bytes:
    """A black picture (for a frame in a format the engine does not scale)."""
    w, h = padded(width, height)
    return bytes(w * h) + bytes([128]) * (w * h // 2)


def bgra_into(data: bytes, width: int, height: int, out: np.ndarray) -> None:
    """B, G, R, 255 per pixel from a tile's I420 picture, written into `out` (`height` rows of
    at least `width` × 4 bytes, e.g. a Qt image's own pixels): the console's one copy of a
    picture. A picture of the wrong length (a broken engine) gives black."""
    w, h = padded(width, height)
    rows = out[:height, : width * 4].reshape(height, width, 4)
    if len(data) != w * h * 3 // 2:
        rows[:] = 0
        return
    yuv = np.frombuffer(data, dtype=np.uint8).reshape(h * 3 // 2, w)
    if (w, h) == (width, height) and out.shape[1] == width * 4:
        cv2.cvtColor(yuv, cv2.COLOR_YUV2BGRA_I420, dst=rows)
    else:  # an odd side: converted at the padded size, the crop copied once
        rows[:] = cv2.cvtColor(yuv, cv2.COLOR_YUV2BGRA_I420)[:height, :width]


def bgra_from_i420(data: bytes, width: int, height: int) -> bytes:
    """B, G, R, 255 per pixel at exactly `width`×`height` from a tile's I420 picture; a picture
    of the wrong length (a broken engine) gives black rather than an exception."""
    w, h = padded(width, height)
    if len(data) != w * h * 3 // 2:
        return bytes(width * height * 4)
    yuv = np.frombuffer(data, dtype=np.uint8).reshape(h * 3 // 2, w)
    bgra = cv2.cvtColor(yuv, cv2.COLOR_YUV2BGRA_I420)
    if (w, h) != (width, height):
        bgra = bgra[:height, :width]  # (tobytes copies the crop contiguously: one copy)
    return bgra.tobytes()
