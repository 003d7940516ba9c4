"""Tile pictures on the operator link: the engine's I420 at the tile's size, the console's BGRA."""

from __future__ import annotations

import av
import numpy as np
import pytest

from media.operator_link.pictures import (
    bgra_from_i420,
    fitted,
    i420_picture,
    i420_size,
    padded,
)


def solid(width: int, height: int, bgr: tuple[int, int, int]) -> av.VideoFrame:
    picture = np.zeros((height, width, 3), dtype=np.uint8)
    picture[:, :] = bgr
    return av.VideoFrame.from_ndarray(picture, format="bgr24").reformat(format="yuv420p")


def halves(width: int, height: int) -> av.VideoFrame:
    """Left half blue, right half red: scaling must keep where things are."""
    picture = np.zeros((height, width, 3), dtype=np.uint8)
    picture[:, : width // 2] = (255, 0, 0)
    picture[:, width // 2 :] = (0, 0, 255)
    return av.VideoFrame.from_ndarray(picture, format="bgr24").reformat(format="yuv420p")


@pytest.mark.parametrize("size", [(192, 108), (191, 107), (640, 360), (1, 1), (900, 500)])
def test_a_frame_comes_back_at_the_tile_size_in_its_colour(size: tuple[int, int]) -> None:
    width, height = size
    data = i420_picture(solid(640, 360, (30, 140, 220)), width, height)
    assert len(data) == i420_size(width, height)  # 1.5 bytes a pixel at even sides
    bgra = np.frombuffer(bgra_from_i420(data, width, height), dtype=np.uint8)
    pixels = bgra.reshape(height, width, 4)
    assert (pixels[..., 3] == 255).all()
    assert np.abs(pixels[..., :3].astype(int) - (30, 140, 220)).max() <= 6  # YUV rounding


@pytest.mark.parametrize("source", [(160, 90), (320, 180), (96, 54)])
def test_a_frame_whose_chroma_rows_are_odd_is_scaled_too(source: tuple[int, int]) -> None:
    """160×90 (a small camera) has chroma planes 45 rows high: not whole rows of the frame's
    width in the planes' layout (the tiles of such venues were black, 'cannot reshape')."""
    data = i420_picture(halves(*source), 48, 28)
    pixels = np.frombuffer(bgra_from_i420(data, 48, 28), dtype=np.uint8).reshape(28, 48, 4)
    assert pixels[14, 5, 0] > 200 and pixels[14, 5, 2] < 50  # blue on the left
    assert pixels[14, 42, 2] > 200 and pixels[14, 42, 0] < 50  # red on the right


def test_scaling_keeps_the_picture_in_place() -> None:
    data = i420_picture(halves(320, 180), 96, 54)
    pixels = np.frombuffer(bgra_from_i420(data, 96, 54), dtype=np.uint8).reshape(54, 96, 4)
    assert pixels[27, 10, 0] > 200 and pixels[27, 10, 2] < 50  # blue on the left
    assert pixels[27, 85, 2] > 200 and pixels[27, 85, 0] < 50  # red on the right


def test_odd_sides_are_padded_and_cropped() -> None:
    assert padded(191, 107) == (192, 108)
    assert padded(192, 108) == (192, 108)
    assert len(bgra_from_i420(i420_picture(solid(320, 180, (0, 0, 0)), 191, 107), 191, 107)) == (
        191 * 107 * 4
    )


def test_a_frame_in_another_format_gives_black_not_a_crash() -> None:
    frame = av.VideoFrame(64, 36, "rgb24")
    data = i420_picture(frame, 32, 18)
    pixels = np.frombuffer(bgra_from_i420(data, 32, 18), dtype=np.uint8).reshape(18, 32, 4)
    assert pixels[..., :3].max() <= 2


def test_a_picture_of_the_wrong_length_is_drawn_black() -> None:
    assert bgra_from_i420(b"\x80" * 10, 4, 2) == bytes(4 * 2 * 4)


def test_shrinking_averages_fine_detail_instead_of_aliasing_it() -> None:
    # A one-pixel checkerboard (the stripes of a shirt, a plaque's lettering) shrunk to a
    # third: area averaging gives even grey; sampling would give a moire of black and white.
    grid = np.indices((360, 640)).sum(axis=0) % 2 * 255
    frame = av.VideoFrame.from_ndarray(
        np.repeat(grid[:, :, None], 3, axis=2).astype(np.uint8), format="bgr24"
    ).reformat(format="yuv420p")
    data = i420_picture(frame, 213, 120)
    luma = np.frombuffer(data, dtype=np.uint8)[: 214 * 120].reshape(120, 214)[:, :213]
    assert int(luma.max()) - int(luma.min()) <= 12


@pytest.mark.parametrize(
    ("frame", "box", "picture"),
    [
        ((320, 180), (241, 230), (241, 136)),  # a tall tile: the full width, bars above/below
        ((320, 180), (400, 100), (178, 100)),  # a wide one: the full height
        ((640, 360), (282, 160), (282, 159)),  # a monitor of (almost) the frame's shape
        ((640, 480), (192, 108), (144, 108)),  # a 4∶3 camera in a 16∶9 tile
        ((320, 180), (1, 1), (1, 1)),
    ],
)
def test_the_picture_keeps_the_frames_shape_inside_the_tile(
    frame: tuple[int, int], box: tuple[int, int], picture: tuple[int, int]
) -> None:
    assert fitted(*frame, *box) == picture
