"""The trend chart of a rollup: open findings over the last weeks as stacked columns by
severity, drawn with Pillow into a PNG that mail clients show inline (cid:trend-chart).

No words reach the image, only week labels and numbers, so Pillow's built-in font suffices;
the Chinese title and legend sit in the HTML beside it, in the same colors (`colors.py`).
With no weeks to show, the image is the empty grid alone: the HTML says 暂无数据."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

from chalicelib.notify.rollups.colors import SEVERITY_COLORS, STACK
from chalicelib.notify.rollups.models import TrendPoint

WIDTH, HEIGHT = 640, 280
# Stacked bottom-up in this order, so the most severe part sits on the axis.
BACKGROUND, AXIS_COLOR, GRID_COLOR, LABEL_COLOR = "#ffffff", "#606266", "#e4e7ed", "#303133"

_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 12, 16, 26  # plot margins in pixels
_MAX_GRIDLINES = 5

Font = ImageFont.ImageFont | ImageFont.FreeTypeFont


def trend_png(trend: Sequence[TrendPoint]) -> bytes:
    """A WIDTH × HEIGHT PNG; the same trend always gives the same bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font: Font = ImageFont.load_default(size=11)
    x0, x1, y0, y1 = _LEFT, WIDTH - _RIGHT, _TOP, HEIGHT - _BOTTOM  # y1 is the axis

    top, step = nice_scale(max((point.total for point in trend), default=0))
    for value in range(0, top + 1, step):
        y = _y(value, top, y0, y1)
        if value:
            draw.line([(x0, y), (x1, y)], fill=GRID_COLOR)
        if trend:  # an empty chart has no scale to read
            _text(draw, font, str(value), (x0 - 6, y), align="right")
    draw.line([(x0, y1), (x1, y1)], fill=AXIS_COLOR)
    if not trend:
        return _png(image)  # the empty grid, without a word: the HTML says 暂无数据

    slot = (x1 - x0) / len(trend)
    bar = max(2, min(36, int(slot * 0.6)))
    for index, point in enumerate(trend):
        middle = round(x0 + slot * (index + 0.5))
        left, right = middle - bar // 2, middle - bar // 2 + bar - 1
        stacked = 0
        for severity in STACK:
            count = point.open_by_severity.get(severity.label, 0)
            if count <= 0:
                continue
            lower, upper = _y(stacked, top, y0, y1), _y(stacked + count, top, y0, y1)
            draw.rectangle([(left, upper), (right, lower - 1)], fill=SEVERITY_COLORS[severity])
            stacked += count
        if point.total:
            _text(draw, font, str(point.total), (middle, _y(stacked, top, y0, y1) - 8), "center")
        _text(draw, font, week_label(point.period), (middle, y1 + 11), align="center")
    return _png(image)


def nice_scale(peak: int) -> tuple[int, int]:
    """(top, step): a step of 1, 2 or 5 × 10^k giving at most 5 gridlines above zero."""
    if peak <= 0:
        return 4, 1  # an empty chart still shows its gridlines
    magnitude = 1
    while True:
        for multiple in (1, 2, 5):
            step = multiple * magnitude
            top = -(-peak // step) * step  # peak rounded up to a multiple of step
            if top // step <= _MAX_GRIDLINES:
                return top, step
        magnitude *= 10


def week_label(period: str) -> str:
    """`2026-W47` -> `W47`; anything else as given, ASCII only and short."""
    _, sep, week = period.rpartition("-W")
    label = f"W{week}" if sep else period
    return label.encode("ascii", "replace").decode("ascii")[:8]


def _y(value: int, top: int, y0: int, y1: int) -> int:
    return round(y1 - (y1 - y0) * value / top)


def _text(
    draw: ImageDraw.ImageDraw, font: Font, text: str, at: tuple[int, int], align: str
) -> None:
    """Draw `text` centred vertically on at[1], right-aligned or centred on at[0]."""
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    width, height = right - left, bottom - top
    x = at[0] - width if align == "right" else at[0] - width // 2
    draw.text((x - left, at[1] - height // 2 - top), text, fill=LABEL_COLOR, font=font)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
