from __future__ import annotations

import io
import re
from typing import Any

import pytest
from PIL import Image, ImageDraw

from chalicelib.core.models import Severity
from chalicelib.notify.rollups.chart import (
    AXIS_COLOR,
    BACKGROUND,
    GRID_COLOR,
    HEIGHT,
    WIDTH,
    nice_scale,
    trend_png,
    week_label,
)
from chalicelib.notify.rollups.colors import SEVERITY_COLORS
from chalicelib.notify.rollups.models import TrendPoint
from tests.notify.rollups.sample import sample_rollup

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def weeks(*totals: tuple[int, int, int]) -> tuple[TrendPoint, ...]:
    return tuple(
        TrendPoint(
            period=f"2026-W{36 + i:02d}", open_by_severity={"high": h, "medium": m, "low": lo}
        )
        for i, (h, m, lo) in enumerate(totals)
    )


def colors(image: Image.Image) -> set[str]:
    """Every color in the image as `#rrggbb`."""
    found = set()
    for _, rgb in image.convert("RGB").getcolors(maxcolors=WIDTH * HEIGHT) or []:
        assert isinstance(rgb, tuple)
        found.add("#" + "".join(f"{channel:02x}" for channel in rgb))
    return found


def test_sample_trend_decodes_as_png_of_the_expected_size() -> None:
    png = trend_png(sample_rollup().trend)

    assert png.startswith(PNG_SIGNATURE)
    image = decode(png)
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEIGHT) == (640, 280)


def test_draws_every_severity_in_its_own_color() -> None:
    image = decode(trend_png(weeks((1, 2, 3), (2, 2, 2))))

    assert set(SEVERITY_COLORS.values()) <= colors(image)
    assert len(set(SEVERITY_COLORS.values())) == 3


def test_leaves_out_the_color_of_a_severity_that_never_occurs() -> None:
    image = decode(trend_png(weeks((0, 4, 0), (0, 5, 0))))

    assert colors(image) & set(SEVERITY_COLORS.values()) == {SEVERITY_COLORS[Severity.MEDIUM]}


def test_same_trend_gives_the_same_bytes() -> None:
    assert trend_png(sample_rollup().trend) == trend_png(sample_rollup().trend)


def test_different_trends_give_different_images() -> None:
    before = weeks((1, 2, 3), (2, 2, 2), (3, 1, 0))
    after = weeks((1, 2, 3), (2, 2, 2), (3, 1, 1))

    assert trend_png(before) != trend_png(after)
    assert decode(trend_png(before)).tobytes() != decode(trend_png(after)).tobytes()


@pytest.mark.parametrize(
    "trend",
    [(), weeks(*[(0, 0, 0)] * 12), (TrendPoint(period="2026-W47", open_by_severity={}),)],
    ids=["empty", "all-zero", "no-severities"],
)
def test_empty_and_all_zero_trends_still_draw_an_axis_without_bars(
    trend: tuple[TrendPoint, ...],
) -> None:
    image = decode(trend_png(trend))

    assert image.size == (WIDTH, HEIGHT)
    assert not colors(image) & set(SEVERITY_COLORS.values())


def test_an_empty_trend_is_the_bare_grid_without_a_word() -> None:
    image = decode(trend_png(()))

    assert colors(image) == {BACKGROUND, GRID_COLOR, AXIS_COLOR}


def test_writes_only_week_labels_and_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN every text Pillow draws recorded
    written: list[str] = []
    draw_text = ImageDraw.ImageDraw.text

    def record(self: ImageDraw.ImageDraw, xy: Any, text: Any, *args: Any, **kwargs: Any) -> None:
        written.append(str(text))
        draw_text(self, xy, text, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", record)

    # WHEN the sample trend and an empty one are drawn
    trend_png(sample_rollup().trend)
    drawn = len(written)
    trend_png(())

    # THEN the first has week labels and counts, no words; the empty one has no text at all
    assert {"W36", "W47", "0", "14"} <= set(written)
    assert all(re.fullmatch(r"W\d+|\d+", text) for text in written)
    assert len(written) == drawn


def test_a_large_count_keeps_to_a_few_gridlines() -> None:
    image = decode(trend_png(weeks((900, 450, 1234))))

    assert image.size == (WIDTH, HEIGHT)


@pytest.mark.parametrize(
    ("peak", "expected"),
    [(0, (4, 1)), (1, (1, 1)), (5, (5, 1)), (7, (8, 2)), (23, (25, 5)), (2584, (3000, 1000))],
)
def test_scale_rounds_the_peak_up_to_at_most_five_steps(
    peak: int, expected: tuple[int, int]
) -> None:
    top, step = nice_scale(peak)

    assert (top, step) == expected
    assert top >= peak and top // step <= 5


@pytest.mark.parametrize(
    ("period", "label"), [("2026-W47", "W47"), ("2026-W01", "W01"), ("2026-11", "2026-11")]
)
def test_week_labels_are_short_and_ascii(period: str, label: str) -> None:
    assert week_label(period) == label
