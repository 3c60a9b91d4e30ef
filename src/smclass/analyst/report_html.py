"""One self-contained HTML page from the report's numbers: charts drawn by matplotlib as inline SVG.

No script, font or image is fetched: the page opens from a file on a machine with no network.
"""

from __future__ import annotations

import html
import io
import re
import warnings
from datetime import datetime
from typing import Any

from smclass.labels import DEFINITIONS, LABELS

COLOURS = {"Media": "#4C72B0", "Customer": "#DD8452", "Enterprise": "#55A868", "Personal": "#C44E52", "Emergent": "#8172B3"}


def _svg(figure: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    # matplotlib warns once a character for each one its font lacks (11 lines for five Chinese account
    # names), though the page's browser draws the SVG text with its own fonts: said once, here.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # No date in the SVG's metadata: the same input makes the same page on any day.
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    missing = sorted({match.group(1) for w in caught if (match := _MISSING_GLYPH.search(str(w.message)))})
    for w in caught:
        if not _MISSING_GLYPH.search(str(w.message)):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if missing:
        shown = ", ".join(chr(int(code)) for code in missing[:5]) + (", ..." if len(missing) > 5 else "")
        warnings.warn(
            f"the charts' font lacks {len(missing)} character{'s' * (len(missing) > 1)} of the names drawn ({shown}): "
            "a browser draws them with its own fonts, but the charts leave room for them by a guess",
            stacklevel=2,
        )
    text = buffer.getvalue()
    return text[text.index("<svg") :]


# matplotlib's warning for a character its font has no glyph for: "Glyph 38472 (\N{CJK ...}) missing from font(s) ...".
_MISSING_GLYPH = re.compile(r"^Glyph (\d+) .*missing from font")


def _figure(width: float, height: float) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # svg.hashsalt makes the ids in the SVG the same on every run: the same input, the same page.
    # Account names and --by values are drawn as written: '$' is not the start of maths, which
    # would set "$ave $mart" in italics and stop at "deals$^$" with a parse error.
    plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "smclass", "font.size": 10, "text.parse_math": False})
    return plt.subplots(figsize=(width, height))


def label_chart(numbers: dict[str, Any]) -> str:
    figure, axes = _figure(6, 2.6)
    counts = [numbers["labels"][label]["count"] for label in LABELS]
    axes.barh(LABELS[::-1], counts[::-1], color=[COLOURS[label] for label in LABELS[::-1]])
    for y, count in enumerate(counts[::-1]):
        axes.text(count, y, f" {count:,}", va="center")
    axes.set_xlabel("posts")
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


_UNIT_HOURS = {"hour": 1, "day": 24, "week": 24 * 7}


def time_chart(numbers: dict[str, Any]) -> str:
    over = numbers["over_time"]
    figure, axes = _figure(8, 3)
    starts = [row["start"][:16].replace("T", " ") for row in over["buckets"]]
    # Each bar stands at its own time, so days with no posts show as gaps, not as nothing.
    seconds = [datetime.fromisoformat(row["start"].replace("Z", "+00:00")).timestamp() for row in over["buckets"]]
    at = [(t - seconds[0]) / (3600 * _UNIT_HOURS[over["unit"]]) for t in seconds]
    bottom = [0] * len(starts)
    for label in [*LABELS, "none"]:
        values = [row[label] for row in over["buckets"]]
        colour, name = (COLOURS[label], label) if label in COLOURS else ("#bbbbbb", "no label")
        axes.bar(at, values, bottom=bottom, color=colour, label=name, width=0.9)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_xticks(*zip(*_ticks(at, starts), strict=True), rotation=30, ha="right")
    axes.set_ylabel(f"posts per {over['unit']}")
    axes.legend(ncols=5, fontsize=8, loc="upper left", bbox_to_anchor=(0, 1.15), frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def _ticks(at: list[float], starts: list[str]) -> list[tuple[float, str]]:
    """About ten of the bars' starts to name, apart along the axis: taken every tenth bar, a few posts decades before the rest
    (a typo'd year) had put all but one name among the rest's bars, drawn over each other."""
    apart = max(len(starts) // 10, (at[-1] - at[0]) // 10, 1)
    ticks = [(at[0], starts[0])]
    for position, start in zip(at, starts, strict=True):
        if position - ticks[-1][0] >= apart:
            ticks.append((position, start))
    return ticks


def confidence_chart(numbers: dict[str, Any]) -> str:
    figure, axes = _figure(6, 2.4)
    edges, counts = numbers["confidence"]["edges"], numbers["confidence"]["counts"]
    axes.bar(edges[:-1], counts, width=edges[1] - edges[0], align="edge", color="#777777", edgecolor="white")
    axes.set_xlabel("confidence of the label")
    axes.set_ylabel("posts")
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def group_chart(numbers: dict[str, Any]) -> str:
    rows = numbers["groups"]["rows"]
    figure, axes = _figure(7, 0.3 * len(rows) + 1)
    names = _shortened([str(row["group"]) for row in rows])[::-1]
    # One position per row: on matplotlib's category axis two equal names were drawn as one bar.
    places = list(range(len(rows)))
    axes.set_yticks(places, names)
    left = [0] * len(rows)
    for label in [*LABELS, "none"]:
        values = [row[label] for row in rows][::-1]
        colour, name = (COLOURS[label], label) if label in COLOURS else ("#bbbbbb", "no label")
        if label == "none" and not any(values):
            continue  # no grey key for a collection whose every post has a label
        axes.barh(places, values, left=left, color=colour, label=name)
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.set_xlabel("posts")
    axes.legend(ncols=6, fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def _shortened(names: list[str], width: int = 40) -> list[str]:
    """Names cut to ``width`` with their beginning and end kept (``relief_volunteers…north``);
    names that would read alike are kept longer, so that no two rows share a label."""
    shown = [_cut(name, width) for name in names]
    while len(set(shown)) < len(shown):
        width *= 2
        alike = {label for label in shown if shown.count(label) > 1}
        shown = [_cut(name, width) if label in alike else label for name, label in zip(names, shown, strict=True)]
    return shown


def _cut(name: str, width: int) -> str:
    if len(name) <= width:
        return name
    head = (width - 1) // 2
    return name[:head] + "…" + name[-(width - 1 - head) :]


class _Listed(str):
    """A cell of several names, each already escaped in an element of its own (see :func:`_listed`)."""


def _listed(names: list[str]) -> _Listed:
    # Each name apart for the bidi algorithm: a right-to-left override (U+202E) in one account's
    # name had turned the names after it in the cell around, 'carol' drawn as 'lorac'.
    return _Listed(", ".join(f"<bdi>{html.escape(name)}</bdi>" for name in names))


def _cell(cell: Any) -> str:
    return cell if isinstance(cell, _Listed) else html.escape(str(cell))


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_cell(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}td,th{border-bottom:1px solid #eee;padding:.25em .6em;text-align:left}
.note{color:#8a5a00}.chart svg{max-width:100%;height:auto}
"""


def render(numbers: dict[str, Any], title: str = "smclass report") -> str:
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
    ]
    parts.append(f"<h1>{html.escape(title)}</h1>")
    span = f", {numbers['first']} to {numbers['last']}" if numbers["first"] else ""
    parts.append(f"<p>{numbers['posts']:,} posts, {numbers['labelled']:,} labelled{html.escape(span)}.</p>")
    parts += [f"<p class='note'>{html.escape(note)}</p>" for note in numbers["notes"]]
    parts.append("<h2>Labels</h2><div class='chart'>" + label_chart(numbers) + "</div>")
    # Shares from the counts, not from the JSON's rounded share, which would round twice.
    posts = max(numbers["posts"], 1)
    counts = {label: numbers["labels"][label]["count"] for label in LABELS}
    rows = [[label, counts[label], f"{counts[label] / posts:.1%}", DEFINITIONS[label]] for label in LABELS]
    rows += [[f"no label ({reason})", count, f"{count / posts:.1%}", ""] for reason, count in numbers["no_label"].items()]
    parts.append(_table(["label", "posts", "share", "what it means"], rows))
    if numbers["over_time"]:
        parts.append("<h2>Labels over time</h2><div class='chart'>" + time_chart(numbers) + "</div>")
    if numbers["groups"]["rows"]:
        parts.append(f"<h2>By {html.escape(numbers['groups']['by'])}</h2><div class='chart'>" + group_chart(numbers) + "</div>")
    parts.append("<h2>Confidence</h2><div class='chart'>" + confidence_chart(numbers) + "</div>")
    parts.append(f"<p>{numbers['confidence']['uncertain']:,} posts were left without a label as uncertain.</p>")
    typical = numbers["typical"]
    parts.append("<h2>Most typical words and hashtags</h2>")
    parts.append(
        _table(["label", "words", "hashtags"], [[lb, _listed(typical[lb]["words"]), _listed(typical[lb]["hashtags"])] for lb in LABELS])
    )
    parts.append("<h2>Emergent traces: hashtags and links taken up by many accounts</h2>")
    traces, rule = numbers["emergent_traces"], numbers["emergent_rule"]
    hours = rule["window_hours"]
    within = "in the whole collection (no post carries a time)" if hours is None else f"within {hours:g} hours"
    parts.append(f"<p>Each taken up by at least {rule['min_accounts']} distinct accounts {within}.</p>")
    if traces:
        header = ["hashtag or link", "accounts in window", "accounts", "posts", "first", "last", "labels", "accounts (most active)"]
        rows = [
            [t["item"], t["accounts_in_window"], t["accounts"], t["posts"], t["first"] or "", t["last"] or "",
             ", ".join(f"{k} {v}" for k, v in t["labels"].items()), _listed(t["top_accounts"])]
            for t in traces
        ]  # fmt: skip
        parts.append(_table(header, rows))
    else:
        parts.append("<p>None found.</p>")
    parts.append("</body></html>")
    return "\n".join(parts).translate(_CONTROLS)


# Control characters from the posts (an ESC in an account name), which HTML does not allow and which
# `report -o -` had sent to a terminal as they were: shown as \x1b, as notes on stderr show them.
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))}
