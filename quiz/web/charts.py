"""Charts drawn on the server as SVG: no JavaScript, no library, no CDN.

Colours come from CSS classes (light and dark mode follow the stylesheet);
each shape carries a <title> for screen readers and hover, and every page that
shows a chart also offers the same numbers as a table.
"""

from datetime import date, timedelta

from markupsafe import Markup, escape

CELL, GAP = 11, 2


def _level(count: int, top: int) -> int:
    """Map a count to one of five shades (0 = none)."""
    if count <= 0 or top <= 0:
        return 0
    return min(4, 1 + (4 * count - 1) // top)


def calendar_heatmap(days: list[tuple[date, int]], label: str) -> Markup:
    """Draw a year of daily counts as weeks (columns) of days (rows, Monday first).

    Args:
        days: (day, count) pairs, consecutive, oldest first.
        label: the chart's accessible name.
    """
    if not days:
        return Markup("")
    top = max(count for _, count in days)
    start = days[0][0] - timedelta(days=days[0][0].weekday())
    step = CELL + GAP
    weeks = (days[-1][0] - start).days // 7 + 1
    width, height = weeks * step + 24, 7 * step + 18
    parts = [
        f'<svg class="chart heatmap" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" preserveAspectRatio="xMinYMin meet">'
    ]
    last_month = None
    for day, count in days:
        week = (day - start).days // 7
        x, y = 24 + week * step, 16 + day.weekday() * step
        if day.month != last_month and day.day <= 7:
            parts.append(f'<text class="chart-label" x="{x}" y="10">{day:%b}</text>')
            last_month = day.month
        noun = "review" if count == 1 else "reviews"
        parts.append(
            f'<rect class="heat-{_level(count, top)}" x="{x}" y="{y}" width="{CELL}" '
            f'height="{CELL}" rx="2"><title>{count} {noun} on {day:%a %d %b %Y}</title></rect>'
        )
    for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri")):
        parts.append(f'<text class="chart-label" x="0" y="{16 + row * step + 9}">{name}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    values: list[tuple[str, float, str]], label: str, maximum: float | None = None
) -> Markup:
    """Draw vertical bars with a label under some of them.

    Args:
        values: (short label under the bar, value, full text for its title).
        label: the chart's accessible name.
        maximum: the top of the scale (default: the largest value).
    """
    if not values:
        return Markup("")
    top = maximum or max(v for _, v, _ in values) or 1
    bar, gap, chart_h = 16, 6, 100
    # A few bars keep the width of twelve, so that one month is not drawn a page wide.
    width = max(len(values), 12) * (bar + gap) + gap
    every = max(1, len(values) // 10)  # keep labels from overlapping
    parts = [
        f'<svg class="chart bars" viewBox="0 0 {width} {chart_h + 22}" role="img" '
        f'aria-label="{escape(label)}" preserveAspectRatio="xMinYMin meet">',
        f'<line class="chart-axis" x1="0" y1="{chart_h}" x2="{width}" y2="{chart_h}"/>',
    ]
    for i, (short, value, title) in enumerate(values):
        h = round(chart_h * value / top, 1) if value else 0
        x = gap + i * (bar + gap)
        parts.append(
            f'<rect class="bar" x="{x}" y="{chart_h - h}" width="{bar}" height="{h}">'
            f"<title>{escape(title)}</title></rect>"
        )
        if i % every == 0:
            parts.append(
                f'<text class="chart-label" x="{x + bar / 2}" y="{chart_h + 14}" '
                f'text-anchor="middle">{escape(short)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
