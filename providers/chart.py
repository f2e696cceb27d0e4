"""A bar chart of one measure over periods, drawn as SVG on the server: no script, nothing the CSP forbids, and a
title and description a screen reader announces. The same figures are printed in a table beside it."""

from dataclasses import dataclass
from decimal import Decimal

from core.charts import nice_maximum  # one axis rule for every chart

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 48


@dataclass
class Bar:
    label: str
    value: Decimal | None  # None: nothing to combine in the period (no bar is drawn)
    x: float
    y: float
    width: float
    height: float
    label_x: float


@dataclass
class Tick:
    value: Decimal
    y: float


def bar_chart(points: list[tuple[str, Decimal | None]], *, percentage: bool = False) -> dict:
    """`percentage`: the axis runs to 100%, unless a figure is above it (a percentage of a different whole)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    largest = max((v for _, v in points if v is not None), default=Decimal(0))
    top = Decimal(100) if percentage and largest <= 100 else nice_maximum(largest)
    slot = plot_w / max(len(points), 1)
    bars = []
    for i, (label, value) in enumerate(points):
        height = float(value / top) * plot_h if value is not None else 0.0
        x = LEFT + i * slot + slot * 0.15
        bars.append(
            Bar(
                label,
                value,
                round(x, 1),
                round(TOP + plot_h - height, 1),
                round(slot * 0.7, 1),
                round(height, 1),
                round(LEFT + i * slot + slot / 2, 1),
            )
        )
    ticks = [Tick(top * Decimal(n) / 4, round(TOP + plot_h - plot_h * n / 4, 1)) for n in range(5)]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "ticks": ticks,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": TOP + plot_h,
        "label_y": TOP + plot_h + 20,
    }
