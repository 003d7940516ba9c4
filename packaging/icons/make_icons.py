"""Draw the app icon (the picture in ceremony.svg) at every size the installers need.

`python packaging/icons/make_icons.py OUT_DIR` writes ceremony-<N>.png for the hicolor sizes,
ceremony.ico (Windows) and ceremony.icns (macOS). Pillow only: no SVG renderer is needed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
RED, WHITE, DARK, GOLD = "#c62828", "#ffffff", "#263238", "#ffd54f"


def draw(size: int) -> Image.Image:
    """The 512-unit design, drawn 4x larger and scaled down for smooth edges."""
    k = size * 4 / 512
    big = Image.new("RGBA", (size * 4, size * 4), (0, 0, 0, 0))
    d = ImageDraw.Draw(big)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (x0 * k, y0 * k, x1 * k, y1 * k)

    d.rounded_rectangle(box(16, 16, 496, 496), radius=96 * k, fill=WHITE)
    d.rounded_rectangle(box(16, 16, 496, 300), radius=96 * k, fill=RED)
    d.rectangle(box(16, 200, 496, 256), fill=RED)
    d.rectangle(box(16, 256, 496, 300), fill=WHITE)
    ring = box(106, 106, 406, 406)
    d.ellipse(ring, outline=DARK, width=max(1, round(44 * k)))
    d.arc(ring, start=-90, end=180, fill=GOLD, width=max(1, round(44 * k)))
    d.ellipse(box(216, 216, 296, 296), fill=DARK)
    # The white half needs an edge on a white desktop.
    edge = max(1, round(12 * k))
    d.rounded_rectangle(box(16, 16, 496, 496), radius=96 * k, outline=DARK, width=edge)
    return big.resize((size, size), Image.Resampling.LANCZOS)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    images = {size: draw(size) for size in SIZES}
    for size, image in images.items():
        image.save(out / f"ceremony-{size}.png")
    images[256].save(out / "ceremony.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    images[512].save(out / "ceremony.icns")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
