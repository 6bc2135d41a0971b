"""The drift report as one self-contained HTML page: a summary worst first, then each feature's two distributions.

Charts are drawn by matplotlib as inline SVG: no script, no network, a few tens of kB per
feature, and text that stays sharp when zoomed. The training pipeline stores the same page
as an artifact (`write_html_report`).
"""

from __future__ import annotations

import html
import io
import math
import re
from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure

from estaleiro.drift.columns import ValueCounts
from estaleiro.drift.compare import DriftReport, FeatureDrift
from estaleiro.drift.histogram import Histogram
from estaleiro.drift.render import INFERRED_NOTE, headline, kind, verdict
from estaleiro.output import write_atomic

REFERENCE_COLOUR, CURRENT_COLOUR = "#4C72B0", "#DD8452"
METHOD = (
    "Scores as Vertex AI Model Monitoring computes them: Jensen-Shannon divergence of TFDV's standard"
    " histograms for numerical features, L-infinity distance (or Jensen-Shannon divergence) of value"
    " frequencies for categorical ones."
)
TOP_VALUES = 15  # categorical values drawn; the rest are summed in the caption
STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:0}
.inputs{color:#596173;margin:0 0 16px;word-break:break-all}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;font-size:13px}
.drift{background:#fde2e1;color:#a4161a} .ok{background:#dcf2e3;color:#1b6b3a}
table{border-collapse:collapse;width:100%;background:#fff;border-radius:8px;overflow:hidden;
box-shadow:0 1px 2px rgba(0,0,0,.08)}
th,td{padding:8px 12px;text-align:left;border-bottom:1px solid #eceef2} th{background:#eef0f4;font-size:13px}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.gauge{position:relative;height:10px;width:160px;background:#eceef2;border-radius:5px}
.gauge .fill{position:absolute;left:0;top:0;bottom:0;border-radius:5px}
.gauge .mark{position:absolute;top:-3px;bottom:-3px;width:2px;background:#1d2330}
section.feature{background:#fff;border-radius:8px;margin:20px 0;padding:16px 20px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
section.feature header{display:flex;gap:12px;align-items:center;flex-wrap:wrap}
.meta{color:#596173} .caption{color:#596173;font-size:13px;margin:4px 0 0}
svg{width:100%;height:auto;display:block}
a{color:inherit}
"""


def write_html_report(report: DriftReport, path: Path, *, reference: str, current: str) -> None:
    """Write the page to `path` whole or not at all."""
    write_atomic(path, render_html(report, reference=reference, current=current))


def render_html(report: DriftReport, *, reference: str, current: str) -> str:
    over = bool(report.drifted)
    rows = "\n".join(_summary_row(report, f) for f in report.features)
    sections = "\n".join(_section(report, f) for f in report.features)
    note = f'<p class="caption">{html.escape(INFERRED_NOTE)}</p>' if report.inferred else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Drift report: {html.escape(headline(report))}</title>
<style>{STYLE}</style></head>
<body><main>
<h1>Drift report <span class="badge {"drift" if over else "ok"}">{html.escape(headline(report))}</span></h1>
<p class="inputs">reference <code>{html.escape(reference)}</code><br>current <code>{html.escape(current)}</code></p>
<p class="meta">{html.escape(METHOD)} A feature drifts when its score is above its threshold.</p>
<table><thead><tr><th>feature</th><th>type</th><th>metric</th><th>score</th><th>threshold</th>
<th>score against threshold</th><th>verdict</th></tr></thead>
<tbody>
{rows}
</tbody></table>
{note}
{sections}
</main></body></html>
"""


def _summary_row(report: DriftReport, feature: FeatureDrift) -> str:
    colour = "#d1495b" if feature.drifted else "#2f9e64"
    badge = "drift" if feature.drifted else "ok"
    return (
        f'<tr><td><a href="#{_anchor(feature.feature)}">{html.escape(feature.feature)}</a></td>'
        f"<td>{html.escape(kind(report, feature))}</td><td>{feature.metric}</td>"
        f'<td class="num">{feature.score:.4f}</td><td class="num">{feature.threshold:.4f}</td>'
        f'<td><div class="gauge" title="score {feature.score:.4f}, threshold {feature.threshold:.4f}">'
        f'<div class="fill" style="width:{min(feature.score, 1) * 100:.1f}%;background:{colour}"></div>'
        f'<div class="mark" style="left:{min(feature.threshold, 1) * 100:.1f}%"></div></div></td>'
        f'<td><span class="badge {badge}">{verdict(feature)}</span></td></tr>'
    )


def _section(report: DriftReport, feature: FeatureDrift) -> str:
    badge = "drift" if feature.drifted else "ok"
    if isinstance(feature.reference, Histogram) and isinstance(feature.current, Histogram):
        figure, caption = _histograms(feature.reference, feature.current)
    else:
        assert isinstance(feature.reference, ValueCounts) and isinstance(feature.current, ValueCounts)
        figure, caption = _bars(feature.reference, feature.current)
    return f"""<section class="feature" id="{_anchor(feature.feature)}">
<header><h2>{html.escape(feature.feature)}</h2><span class="badge {badge}">{verdict(feature)}</span>
<span class="meta">{html.escape(kind(report, feature))} &middot; {feature.metric} {feature.score:.4f}
against threshold {feature.threshold:.4f}</span></header>
{_svg(figure, feature.feature)}
<p class="caption">{html.escape(caption)}</p>
</section>"""


def _histograms(reference: Histogram, current: Histogram) -> tuple[Figure, str]:
    """Each side's standard histogram as shares of its values; point masses as thin bars."""
    figure, axes = _figure()
    finite = [x for h in (reference, current) for x in (*h.lows, *h.highs) if math.isfinite(x)]
    span = (max(finite) - min(finite)) if finite else 1.0
    notes = []
    for histogram, label, colour in ((reference, "reference", REFERENCE_COLOUR), (current, "current", CURRENT_COLOUR)):
        total = histogram.total or 1.0
        ranged = [
            (lo, hi, c / total)
            for lo, hi, c in zip(histogram.lows, histogram.highs, histogram.counts, strict=True)
            if math.isfinite(lo) and math.isfinite(hi) and lo < hi
        ]
        if ranged:
            edges = [ranged[0][0], *(hi for _, hi, _ in ranged)]
            axes.stairs([share for *_, share in ranged], edges, fill=True, alpha=0.45, color=colour, label=label)
            axes.stairs([share for *_, share in ranged], edges, color=colour, linewidth=1.2)
        points = [
            (lo, c / total)
            for lo, hi, c in zip(histogram.lows, histogram.highs, histogram.counts, strict=True)
            if math.isfinite(lo) and lo == hi
        ]
        for value, share in points:
            axes.bar(
                value,
                share,
                width=(span or abs(value) or 1.0) * 0.02,
                color=colour,
                alpha=0.7,
                label=None if ranged else label,
            )
        extra = _outside(histogram, total)
        if extra:
            notes.append(f"{label}: {extra}")
    axes.set_ylabel("share of values")
    axes.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0, decimals=0))
    _legend(axes)
    caption = "Shares of each side's values in TFDV's 10 equal-width buckets over that side's finite range."
    return figure, " ".join([caption, _sizes(reference.total, current.total), *notes])


def _outside(histogram: Histogram, total: float) -> str:
    """Infinities and NaN: mass the chart's x axis cannot show."""
    mass: dict[str, float] = {}
    for low, high, count in zip(histogram.lows, histogram.highs, histogram.counts, strict=True):
        if not (math.isfinite(low) and math.isfinite(high)):
            name = {-math.inf: "-inf", math.inf: "+inf"}[low] if low == high else "infinite"
            mass[name] = mass.get(name, 0.0) + count
    if histogram.num_nan:
        mass["NaN"] = histogram.num_nan
    return ", ".join(f"{count:,.0f} {name} ({count / total:.2%})" for name, count in mass.items() if count)


def _bars(reference: ValueCounts, current: ValueCounts) -> tuple[Figure, str]:
    """Frequencies side by side for the values most frequent on either side."""
    shares = [counts.as_mapping() for counts in (reference, current)]
    totals = [counts.total or 1.0 for counts in (reference, current)]
    union = {v for s in shares for v in s}
    ranked = sorted(union, key=lambda v: (-max(s.get(v, 0.0) / t for s, t in zip(shares, totals, strict=True)), v))
    shown = ranked[:TOP_VALUES][::-1]
    figure, axes = _figure(height=max(2.4, 0.32 * len(shown) + 1.0))
    positions = range(len(shown))
    for offset, s, t, label, colour in (
        (0.2, shares[0], totals[0], "reference", REFERENCE_COLOUR),
        (-0.2, shares[1], totals[1], "current", CURRENT_COLOUR),
    ):
        axes.barh(
            [p + offset for p in positions], [s.get(v, 0.0) / t for v in shown], height=0.4, color=colour, label=label
        )
    axes.set_yticks(list(positions), [_short(v) for v in shown])
    axes.set_xlabel("share of values")
    axes.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0, decimals=0))
    _legend(axes)
    caption = "Share of each value among the side's present values. " + _sizes(reference.total, current.total)
    hidden = len(ranked) - len(shown)
    if hidden:
        caption += f" {hidden} less frequent value(s) not drawn."
    return figure, caption


def _legend(axes: mpl.axes.Axes) -> None:
    """Above the plot, reference first, where it never hides a bar."""
    handles, labels = axes.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: labels[i] != "reference")
    axes.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        frameon=False,
        ncols=2,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
    )


def _sizes(reference: float, current: float) -> str:
    return f"Reference: {reference:,.0f} values; current: {current:,.0f}."


def _short(value: str) -> str:
    return value if len(value) <= 24 else value[:23] + "…"


def _figure(height: float = 2.8) -> tuple[Figure, mpl.axes.Axes]:
    figure = Figure(figsize=(9, height), layout="constrained")
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="both", color="#eceef2", linewidth=0.8)
    axes.set_axisbelow(True)
    return figure, axes


def _svg(figure: Figure, salt: str) -> str:
    """Inline SVG, text as text, ids salted per feature so several charts share one page."""
    buffer = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt, "font.size": 10}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    return re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r"<svg\1", svg, count=1)


def _anchor(name: str) -> str:
    return "feature-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)
