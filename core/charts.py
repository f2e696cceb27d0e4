"""Charts drawn as SVG on the server: no script, no inline style (the CSP forbids both), only SVG attributes.

Each series is told apart by a fill pattern as well as a colour (solid, stripes, dots), every bar carries its value as
text, and the template gives the chart a title and description and follows it with a table of the same figures.
"""

from dataclasses import dataclass
from decimal import Decimal

from core.money import format_pounds


def nice_maximum(largest: Decimal) -> Decimal:
    """The top of an axis: the first of 1, 2, 2.5, 5 or 10 times a power of ten that is at least `largest`."""
    if largest <= 0:
        return Decimal(1)
    step = Decimal(10) ** (len(str(int(largest))) - 1)
    for multiple in (1, 2, 2.5, 5, 10):
        top = step * Decimal(str(multiple))
        if top >= largest:
            return top
    return step * 10


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str
    pattern: str  # "solid", "stripes" or "dots"


# Allocated, committed and paid: dark blue solid, green stripes, purple dots. Each colour has at least 3:1 contrast
# with white, and the black outline on every bar keeps a bar's edge visible whatever its fill.
MONEY_SERIES = (
    Series("allocated", "Allocated to lines", "#1d70b8", "solid"),
    Series("committed", "Committed", "#00703c", "stripes"),
    Series("paid", "Paid", "#4c2c92", "dots"),
)

WIDTH = 720
LEFT, RIGHT, TOP, BOTTOM = 200, 100, 44, 36
BAR, GAP, GROUP_GAP = 16, 3, 20


@dataclass
class Bar:
    series: Series
    value: Decimal
    text: str
    x: float
    y: float
    width: float
    height: float
    text_x: float
    text_y: float
    fill: str


@dataclass
class Group:
    label: str
    label_y: float
    bars: list[Bar]


def grouped_bar_chart(groups: list[tuple[str, dict]], *, id_prefix: str, series=MONEY_SERIES) -> dict:
    """Horizontal bars, one group per label and one bar per series in each group. `groups` is [(label, {key: value})];
    `id_prefix` makes the pattern ids unique when several charts share a page."""
    plot_w = WIDTH - LEFT - RIGHT
    group_h = len(series) * BAR + (len(series) - 1) * GAP
    slot = group_h + GROUP_GAP
    height = TOP + max(len(groups), 1) * slot + BOTTOM
    top = nice_maximum(max((Decimal(v[s.key]) for _, v in groups for s in series), default=Decimal(0)))
    fills = {s.key: s.colour if s.pattern == "solid" else f"url(#{id_prefix}-{s.key})" for s in series}
    drawn = []
    for i, (label, values) in enumerate(groups):
        y0 = TOP + i * slot + GROUP_GAP / 2
        bars = []
        for j, s in enumerate(series):
            value = Decimal(values[s.key])
            width = round(float(value / top) * plot_w, 1)
            y = round(y0 + j * (BAR + GAP), 1)
            bars.append(
                Bar(
                    s,
                    value,
                    format_pounds(value),
                    LEFT,
                    y,
                    width,
                    BAR,
                    round(LEFT + width + 6, 1),
                    round(y + BAR / 2, 1),
                    fills[s.key],
                )
            )
        drawn.append(Group(label, round(y0 + group_h / 2, 1), bars))
    baseline = TOP + max(len(groups), 1) * slot
    ticks = [{"x": round(LEFT + plot_w * n / 4, 1), "text": format_pounds(top * n / 4)} for n in range(5)]
    legend = [
        {"series": s, "fill": fills[s.key], "x": LEFT + n * 150, "text_x": LEFT + n * 150 + 22}
        for n, s in enumerate(series)
    ]
    return {
        "width": WIDTH,
        "height": height,
        "left": LEFT,
        "top": TOP,
        "baseline": baseline,
        "tick_label_y": baseline + 20,
        "groups": drawn,
        "ticks": ticks,
        "legend": legend,
        "series": series,
        "id_prefix": id_prefix,
    }
