"""The figures' common style: the theme, the panel grid and its legibility rule, the PNG a figure is shown as,
and the pieces several figures draw (a run's time axis, its phases, G, the losses by type, bands over seeds).

Legibility: the book shows a figure as a PNG of :data:`FIGURE_DPI` pixels per inch (:func:`png_bytes`), scaled
down by the browser when it is wider than the content column (688 px in a 1300-px window). Text of ``f`` points
in a figure ``w`` inches wide is then shown at ``f * FIGURE_DPI / 96 * min(1, 688 / (w * FIGURE_DPI))`` CSS
points. So multi-panel figures wrap at :data:`MAX_COLUMNS` panels of :data:`PANEL_SIZE` (:func:`panels`), and
no text is smaller than seaborn's "small" (10 pt): about 8 pt or more on the page. Each PNG carries, as text
chunks, its smallest font size in points and its dpi, so the browser test computes the size of the smallest text
of every figure on the page and fails under 8 pt.

Layout: no two texts of a figure may run into each other, and no legend may sit on the data
(:func:`collisions` finds both; the book's build fails on them, see :func:`cooccur.report.glue_figure`). Every
figure function ends with :func:`tidy`, which thins crowded ticks and moves each legend to a free spot, or under
its panel, for whatever data a run gives.

Colour: each sample type has one colour in every figure (:data:`TYPE_COLOURS`, colour-blind safe); the atlas
maps use :data:`HOLDS_CMAP` (not red-green) and a hatching that shows on any cell (:data:`HATCH`).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import matplotlib.colors
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.collections import LineCollection, PathCollection, QuadMesh
from matplotlib.contour import ContourSet
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.legend import Legend
from matplotlib.path import Path
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from cooccur.claims import SCORE_SIGNS
from cooccur.readings import count
from cooccur.trajectory import Trajectory

sns.set_theme(context="notebook", style="whitegrid", palette="deep")


#: The four score correlations of Figure 1(a) and Theorem 3.2, as (key word, query word) indices into A.
FIGURE1_PAIRS = tuple(SCORE_SIGNS)


#: Pixels per inch of the book's figures.
FIGURE_DPI = 100


#: PNG text keys of the legibility metadata (see the module docstring).
MIN_FONT_KEY, DPI_KEY = "cooccur-min-font-pt", "cooccur-dpi"


#: Width and height (inches) of one panel, and the most panels side by side: two panels and their labels make a
#: figure of about 8.6 in, shown at about 0.8 of its size in the book's content column.
PANEL_SIZE = (4.3, 3.5)


MAX_COLUMNS = 2


def panels(n: int, height: float = PANEL_SIZE[1], sharey: bool = False,
           columns: int = MAX_COLUMNS) -> tuple[Figure, list[Axes]]:
    """A figure of ``n`` panels in reading order, ``columns`` to a row (more columns make narrower panels, never
    a wider figure than :data:`MAX_COLUMNS` panels of :data:`PANEL_SIZE`), each ``height`` inches high; the
    panels of a last, incomplete row are centred. ``sharey`` shares every panel's y axis."""
    ncols = min(n, columns)
    nrows = -(-n // ncols)
    width = PANEL_SIZE[0] * min(ncols, MAX_COLUMNS)
    fig = plt.figure(figsize=(width, height * nrows), constrained_layout=True)
    grid = fig.add_gridspec(nrows, 2 * ncols)  # half-width slots, so a lone last panel can sit in the middle
    axes: list[Axes] = []
    for i in range(n):
        row, col = divmod(i, ncols)
        if row == nrows - 1 and n % ncols:
            col += (ncols - n % ncols) / 2
        left = round(2 * col)
        axes.append(fig.add_subplot(grid[row, left:left + 2], sharey=axes[0] if sharey and axes else None))
    return fig, axes


def smallest_font_pt(fig: Figure) -> float:
    """The smallest font size (points) of any visible, non-empty text of ``fig``: labels, ticks, legends,
    titles, annotations."""
    fig.canvas.draw()  # tick labels exist only once drawn

    def shown(text) -> bool:
        return text.get_visible() and bool(text.get_text().strip()) and (text.axes is None or text.axes.get_visible())

    sizes = [t.get_fontsize() for t in fig.findobj(plt.Text) if shown(t)]
    return float(min(sizes)) if sizes else float(plt.rcParams["font.size"])


def png_bytes(fig: Figure) -> bytes:
    """The figure as the book shows it: PNG at :data:`FIGURE_DPI`, white background (legible in the dark theme
    too), tight bounding box, with its smallest font size and dpi as text chunks."""
    buffer = io.BytesIO()
    metadata = {MIN_FONT_KEY: f"{smallest_font_pt(fig):.2f}", DPI_KEY: str(FIGURE_DPI)}
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI, bbox_inches="tight", facecolor="white", metadata=metadata)
    return buffer.getvalue()


# --- collisions: text on text, and legends on data ----------------------------------------------------------------

#: A legend covers data when they share more than this many pixels both ways (at the figure's dpi).
OVERLAP_PX = 1.0

#: Two texts collide when they come closer than this many pixels both ways: when they overlap, touch, or run
#: together as tick labels do when the locator puts too many on an axis ("5000 1000015000", 0.7 px apart).
MIN_GAP_PX = 2.0


@dataclass(frozen=True)
class _Element:
    """A text of a figure, or a legend's box as one element: its box in display pixels and how to name it."""

    box: Bbox
    place: str  # "panel '(b) training loss'", "figure"
    kind: str  # "tick label", "title", "legend", ...
    text: str = ""  # the quoted text, empty for a legend

    def name(self, with_place: bool = True) -> str:
        own = f"{self.kind} {self.text}".strip()
        return f"{self.place} {own}" if with_place else own


def _quote(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _panel_names(fig: Figure) -> dict[Axes, str]:
    """Each axes of ``fig`` named by its title, else by its number in reading order; a colour bar by its panel."""
    names: dict[Axes, str] = {}
    count = 0
    for ax in fig.axes:
        if ax.get_label() != "<colorbar>":
            count += 1
            title = ax.get_title() or ax.get_title("left") or ax.get_title("right")
            names[ax] = f"panel {_quote(title)}" if title.strip() else f"panel {count}"
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            host = getattr(getattr(getattr(ax, "_colorbar", None), "mappable", None), "axes", None)
            names[ax] = f"colour bar of {names[host]}" if host in names else "colour bar"
    return names


def _drawn_ticks(axis: Axis) -> Iterator:
    """The major and minor ticks of ``axis`` that Matplotlib draws: those inside its view interval."""
    scale = axis.get_transform()
    with np.errstate(all="ignore"):
        low, high = sorted(np.asarray(scale.transform(list(axis.get_view_interval())), dtype=float))
        slack = 1e-10 * abs(high - low)
        for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
            loc = tick.get_loc()
            if loc is None:
                continue
            at = float(np.asarray(scale.transform(loc), dtype=float).ravel()[0])
            if low - slack <= at <= high + slack:
                yield tick


def _text_elements(fig: Figure, renderer, names: dict[Axes, str]) -> list[_Element]:
    """Every visible, non-empty text of ``fig`` (drawn tick labels, axis labels and offsets, titles, texts and
    annotations, the figure's texts and titles) and every visible legend's box."""
    out: list[_Element] = []

    def add(text: Text | None, place: str, kind: str) -> None:
        if text is not None and text.get_visible() and text.get_text().strip():
            out.append(_Element(text.get_window_extent(renderer), place, kind, _quote(text.get_text())))

    def add_legend(legend: Legend | None, place: str) -> None:
        if legend is not None and legend.get_visible():
            out.append(_Element(legend.get_window_extent(renderer), place, "legend"))

    for ax in fig.axes:
        if not ax.get_visible():
            continue
        place = names[ax]
        for title in (ax.title, getattr(ax, "_left_title", None), getattr(ax, "_right_title", None)):
            add(title, place, "title")
        for letter, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            if not axis.get_visible():
                continue
            add(axis.label, place, f"{letter} label")
            add(axis.get_offset_text(), place, f"{letter} offset")
            for tick in _drawn_ticks(axis):
                add(tick.label1, place, "tick label")
                add(tick.label2, place, "tick label")
        for text in ax.texts:
            add(text, place, "text")
        add_legend(ax.get_legend(), place)
    for text in fig.texts:
        add(text, "figure", "text")
    for attribute, kind in (("_suptitle", "title"), ("_supxlabel", "x label"), ("_supylabel", "y label")):
        add(getattr(fig, attribute, None), "figure", kind)
    for legend in fig.legends:
        add_legend(legend, "figure")
    return out


def _overlap(a: Bbox, b: Bbox, by: float = OVERLAP_PX) -> bool:
    """Whether ``a`` and ``b`` share more than ``by`` pixels both ways (a negative ``by``: come closer than it)."""
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > by) and (min(a.y1, b.y1) - max(a.y0, b.y0) > by)


def _inside(points: np.ndarray, box: Bbox) -> bool:
    points = points[np.isfinite(points).all(axis=1)]
    return bool(np.any((points[:, 0] >= box.x0) & (points[:, 0] <= box.x1)
                       & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1)))


def _crosses(points: np.ndarray, box: Bbox) -> bool:
    """Whether the polyline through ``points`` (display pixels; a non-finite point breaks it) crosses or enters
    ``box``."""
    finite = np.isfinite(points).all(axis=1)
    for run in np.split(points, np.flatnonzero(~finite)):
        run = run[np.isfinite(run).all(axis=1)]
        if len(run) == 1 and _inside(run, box):
            return True
        if len(run) > 1 and Path(run).intersects_bbox(box, filled=False):
            return True
    return False


def _data_under(ax: Axes, region: Bbox, renderer) -> list[str]:
    """The data of ``ax`` drawn inside ``region`` (display pixels): lines, scatter points, error bars and other
    line collections, images and meshes."""
    hits: list[str] = []
    containers = {id(part): str(c.get_label()) for c in ax.containers for part in c.get_children()}  # error bars

    def called(artist, default: str) -> str:
        label = str(artist.get_label())
        label = containers.get(id(artist), label) if label.startswith("_") else label
        return f"{default} {_quote(label)}" if label and not label.startswith("_") else default

    for line in ax.lines:
        if not line.get_visible():
            continue
        points = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
        drawn = line.get_linestyle() not in ("None", "none", "", " ")
        marked = line.get_marker() not in (None, "None", "none", "", " ")
        if (drawn and _crosses(points, region)) or (marked and _inside(points, region)):
            hits.append(called(line, "line"))
    for collection in ax.collections:
        if not collection.get_visible():
            continue
        if isinstance(collection, PathCollection):
            offsets = np.ma.filled(np.ma.asarray(collection.get_offsets(), dtype=float), np.nan)
            if len(offsets) and _inside(collection.get_offset_transform().transform(offsets), region):
                hits.append(called(collection, "scatter points"))
        elif isinstance(collection, LineCollection):
            transform = collection.get_transform()
            if any(len(segment) and _crosses(transform.transform(np.asarray(segment, dtype=float)), region)
                   for segment in collection.get_segments()):
                hits.append(called(collection, "error bars or line segments"))
        elif isinstance(collection, QuadMesh) and _overlap(collection.get_window_extent(renderer), region):
            hits.append("the colour mesh")
        elif isinstance(collection, ContourSet) and collection.filled:
            if _overlap(collection.get_window_extent(renderer), region):
                hits.append("the filled contours")
    for image in ax.images:
        if isinstance(image, AxesImage) and image.get_visible() and _overlap(image.get_window_extent(renderer), region):
            hits.append("the image")
    return hits


def _figure_renderer(fig: Figure):
    """Draw ``fig`` (which runs its layout engine and places every tick label) and return the renderer."""
    if hasattr(fig.canvas, "get_renderer"):
        fig.canvas.draw()
        return fig.canvas.get_renderer()
    fig.draw_without_rendering()
    return fig._get_renderer()


def collisions(fig: Figure) -> list[str]:
    """Draw ``fig`` and return one line per problem of its layout, empty if there is none:

    * two visible, non-empty texts whose boxes come closer than :data:`MIN_GAP_PX` pixels both ways (they overlap,
      touch or run together): drawn tick labels (those inside the axis' view interval), axis labels and offsets,
      titles, texts and annotations, colour bar labels, the figure's texts and titles; a legend's box counts as one
      element (its own texts are not compared with each other);
    * a legend whose box covers plotted data of an axes it overlaps (its own, or any other): a line crossing it,
      scatter points or error bars inside it, or an image or mesh under it (a legend outside every axes covers no
      data). Shaded spans and bands do not count.

    Each line names the panel (by its title, else its number) and the texts involved, e.g. ``panel '(b) loss':
    tick labels '5000' and '10000' overlap``."""
    renderer = _figure_renderer(fig)
    names = _panel_names(fig)
    elements = _text_elements(fig, renderer, names)
    problems: list[str] = []
    for i, a in enumerate(elements):
        for b in elements[i + 1:]:
            if not _overlap(a.box, b.box, -MIN_GAP_PX):
                continue
            if a.place != b.place:
                problems.append(f"{a.name()} and {b.name()} overlap")
            elif a.kind == b.kind and a.text:
                problems.append(f"{a.place}: {a.kind}s {a.text} and {b.text} overlap")
            else:
                problems.append(f"{a.place}: {a.name(False)} and {b.name(False)} overlap")
    for legend in (e for e in elements if e.kind == "legend"):
        for ax in fig.axes:
            region = Bbox.intersection(legend.box, ax.bbox)
            if not ax.get_visible() or region is None or min(region.width, region.height) <= 2 * OVERLAP_PX:
                continue
            inner = Bbox.from_extents(region.x0 + OVERLAP_PX, region.y0 + OVERLAP_PX, region.x1 - OVERLAP_PX,
                                      region.y1 - OVERLAP_PX)
            hits = _data_under(ax, inner, renderer)
            if hits:
                shown = ", ".join(hits[:4]) + (f" and {len(hits) - 4} more" if len(hits) > 4 else "")
                whose = "" if names.get(ax) == legend.place else f" of {names[ax]}"
                problems.append(f"{legend.place}: legend covers {shown}{whose}")
    return problems


# --- tidying a figure: legends off the data, fewer ticks where their labels run together ------------------------

#: Where :func:`tidy` tries an axes' legend, in this order, before it puts the legend under the axes: the corners
#: and the middles of the sides, then its top edge at every twentieth of the height, at the left, the right and the
#: middle: (loc, anchor point in axes fraction, or None for the axes' box).
LEGEND_SPOTS: tuple[tuple[str, tuple[float, float] | None], ...] = (
    *((loc, None) for loc in ("upper right", "upper left", "lower left", "lower right", "center right",
                              "center left", "upper center", "lower center")),
    *((f"upper {side}", (x, 1 - k / 20)) for k in range(1, 20)
      for side, x in (("right", 1.0), ("left", 0.0), ("center", 0.5))),
)


def _legend_free(fig: Figure, legend: Legend, others: list[_Element], renderer) -> bool:
    """Whether ``legend``, where it is now, covers no data of any axes and comes near no other text or legend."""
    box = legend.get_window_extent(renderer)
    if any(_overlap(box, other.box, -MIN_GAP_PX) for other in others):
        return False
    for ax in fig.axes:
        region = Bbox.intersection(box, ax.bbox)
        if ax.get_visible() and region is not None and min(region.width, region.height) > 2 * OVERLAP_PX:
            inner = Bbox.from_extents(region.x0 + OVERLAP_PX, region.y0 + OVERLAP_PX, region.x1 - OVERLAP_PX,
                                      region.y1 - OVERLAP_PX)
            if _data_under(ax, inner, renderer):
                return False
    return True


def _legend_below(ax: Axes, legend: Legend, renderer) -> Legend:
    """Draw ``ax``'s legend again under the axes, below its tick labels and x label, centred, without a frame, in
    two columns if they fit the axes' width; return it."""
    from matplotlib.transforms import ScaledTranslation

    fig = ax.figure
    under = ax.xaxis.get_tightbbox(renderer)  # tick labels and x label
    drop = (ax.bbox.y0 - (ax.bbox.y0 if under is None else under.y0)) / fig.dpi + 4 / 72  # inches, kept by layout
    anchor = ax.transAxes + ScaledTranslation(0, -drop, fig.dpi_scale_trans)
    title = legend.get_title()
    options = {"handles": legend.legend_handles, "labels": [t.get_text() for t in legend.texts],
               "loc": "upper center", "bbox_to_anchor": (0.5, 0.0), "bbox_transform": anchor, "frameon": False,
               "fontsize": legend.texts[0].get_fontsize() if legend.texts else None,
               "title": title.get_text() or None, "title_fontsize": title.get_fontsize()}
    wide = ax.legend(ncols=2, **options) if len(options["labels"]) > 1 else None
    if wide is None or wide.get_window_extent(renderer).width > ax.bbox.width:
        return ax.legend(ncols=1, **options)
    return wide


def _panel_heights(fig: Figure) -> tuple[float, int]:
    """The smallest height (inches) of the panels of ``fig`` (colour bars left out) and their number of rows."""
    axes = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
    rows = {ax.get_subplotspec().rowspan.start if ax.get_subplotspec() else 0 for ax in axes}
    return min((ax.bbox.height for ax in axes), default=0.0) / fig.dpi, max(len(rows), 1)


def _thin_ticks(axis: Axis, renderer) -> bool:
    """If the drawn tick labels of ``axis`` run together, make room: rotate the labels of fixed ticks (a heat
    map's cells) by 45 degrees, then label every other one; label automatic ticks of ten thousand and more
    compactly (20k, :func:`compact_number`), then put fewer of them. Returns whether anything changed."""
    ticks = [t for t in _drawn_ticks(axis) if t.label1.get_visible() and t.label1.get_text().strip()]
    boxes = [t.label1.get_window_extent(renderer) for t in ticks]
    if not any(_overlap(a, b, -MIN_GAP_PX) for i, a in enumerate(boxes) for b in boxes[i + 1:]):
        return False
    locator = axis.get_major_locator()
    if isinstance(locator, matplotlib.ticker.FixedLocator):
        labels = [t.get_text() for t in axis.get_majorticklabels()]
        if axis.axis_name == "x" and not any(t.label1.get_rotation() for t in ticks):
            axis.set_tick_params(labelrotation=45)
            for label in axis.get_majorticklabels():
                label.set(ha="right", rotation_mode="anchor")
        else:
            locs = list(locator.locs)[::2]
            axis.set_ticks(locs, labels[::2] if len(labels) == len(locator.locs) else None)
        return True
    if axis.get_scale() == "log":
        axis.set_major_locator(matplotlib.ticker.LogLocator(numticks=max(2, len(ticks) // 2)))
        axis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    elif max(np.abs(axis.get_view_interval())) >= 1e4 and \
            not isinstance(axis.get_major_formatter(), matplotlib.ticker.FuncFormatter):
        axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: compact_number(v, 3)))
    else:
        axis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=max(2, len(ticks) - 2),
                                                              steps=[1, 2, 2.5, 5, 10]))
    return True


def _clear_title(ax: Axes, renderer, step: float = 4.0, most: float = 40.0) -> bool:
    """Raise ``ax``'s title (its pad, in points) until it clears the axes' own drawn tick labels (a y tick label
    at the top edge reaches half its height above the axes). Returns whether it moved."""
    title = ax.title
    if not (title.get_visible() and title.get_text()):
        return False
    labels = [tick.label1 for axis in (ax.xaxis, ax.yaxis) for tick in _drawn_ticks(axis)
              if tick.label1.get_visible() and tick.label1.get_text()]
    moved, pad = False, float(plt.rcParams["axes.titlepad"])
    while pad < most and any(_overlap(title.get_window_extent(renderer), label.get_window_extent(renderer),
                                      -MIN_GAP_PX) for label in labels):
        pad += step
        ax.set_title(title.get_text(), pad=pad, fontsize=title.get_fontsize(), fontweight=title.get_fontweight(),
                     loc=title.get_horizontalalignment())
        renderer, moved = _figure_renderer(ax.figure), True
    return moved


def tidy(fig: Figure, rounds: int = 4) -> Figure:
    """Fix what :func:`collisions` finds in the ticks, titles and legends of ``fig``, and return it: show fewer
    ticks on an axis whose labels run together (:func:`_thin_ticks`), raise a title off its axes' tick labels
    (:func:`_clear_title`), and put each axes legend that covers data or text at
    the first free spot of :data:`LEGEND_SPOTS` inside its axes, else under the axes, the figure growing taller by
    what the legend takes (its panels keep their size; the page scales a figure by its width only). Every figure of
    the book is tidied last, so its legends sit where its data is not, whatever the data of a run. Up to ``rounds``
    passes: a legend moved under its axes changes the layout, so the others are checked again."""
    below: set[int] = set()  # the legends already put under their axes
    for _ in range(rounds):
        renderer = _figure_renderer(fig)
        changed = False
        for ax in fig.axes:
            if ax.get_visible() and ax.get_label() != "<colorbar>":
                changed |= _thin_ticks(ax.xaxis, renderer) | _thin_ticks(ax.yaxis, renderer)
                changed |= _clear_title(ax, renderer)
        if changed:
            renderer = _figure_renderer(fig)
        texts = [e for e in _text_elements(fig, renderer, _panel_names(fig)) if e.kind != "legend"]
        legends = [ax.get_legend() for ax in fig.axes if ax.get_visible() and ax.get_legend() is not None]
        height, moved = _panel_heights(fig)[0], False
        for ax in fig.axes:
            legend = ax.get_legend()
            if legend is None or not ax.get_visible() or not legend.get_visible() or id(legend) in below:
                continue
            others = texts + [_Element(other.get_window_extent(renderer), "", "legend")
                              for other in [*legends, *fig.legends] if other is not legend]
            if _legend_free(fig, legend, others, renderer):
                continue
            for loc, point in LEGEND_SPOTS:
                legend.set_loc(loc)
                legend.set_bbox_to_anchor(point, transform=None if point is None else ax.transAxes)
                if _legend_free(fig, legend, others, renderer):
                    break
            else:
                below.add(id(_legend_below(ax, legend, renderer)))
                moved = True
        if moved:  # grow the figure until its panels are as tall as before
            for _ in range(3):
                _figure_renderer(fig)
                now, rows = _panel_heights(fig)
                if now >= height - 0.01:
                    break
                fig.set_figheight(fig.get_figheight() + rows * (height - now))
        if not (changed or moved):
            break
    return fig


TYPE_LABELS = ("type 1 (µ1 and µ2, y=+1)", "type 2 (µ1 only, y=-1)", "type 3 (µ2 only, y=-1)", "type 4 (neither, y=-1)")

#: The colour of each sample type (1 to 4) in every figure: Okabe and Ito's colour-blind-safe palette (blue,
#: orange, bluish green, reddish purple), none of them the red of the T1 line or the black of the overall loss.
TYPE_COLOURS = {1: "#0072B2", 2: "#E69F00", 3: "#009E73", 4: "#CC79A7"}


#: The claims atlas's colour map for the share of seeds on which a statement holds: vermillion (0) through light
#: grey (1/2) to blue (1), Okabe and Ito's colour-blind-safe pair in place of red-green; its ends differ in
#: lightness too, so they stay apart in grey.
HOLDS_CMAP = matplotlib.colors.LinearSegmentedColormap.from_list(
    "cooccur-holds", ["#D55E00", "#F7F7F7", "#0072B2"]).with_extremes(bad="#7F7F7F")
#: The colour of a cell no seed decided (undecided on every run: NaN), set apart from 1/2's near-white.
UNDECIDED_COLOUR = "#7F7F7F"

#: How the cells whose premises are broken are hatched in the atlas maps: dense black lines on a white halo, so
#: the hatching shows on dark and light cells alike.
HATCH = {"hatch": "///", "linewidth": 1.0, "halo": 2.6}


def compact_number(value: float, digits: int = 2) -> str:
    """A short label for a number: ``digits`` significant digits, thousands and millions as k and M (150, 2.2k,
    1M, 0.012), so that neighbouring cells and ticks keep apart."""
    size, suffix = next(((s, x) for s, x in ((1e6, "M"), (1e3, "k")) if abs(value) >= s), (1.0, ""))
    return f"{float(f'{value / size:.{digits}g}'):g}{suffix}"


def time_axis(traj: Trajectory) -> tuple[np.ndarray, str, float]:
    """x values, axis label and the factor that turns flow time into them."""
    sim = traj.meta.get("experiment", {}).get("sim", {})
    if sim.get("method") == "euler":
        step = float(sim["step"])
        return traj.t / step, f"iteration (gradient descent, lr {step:g})", 1 / step
    return traj.t, "gradient-flow time t", 1.0


def mark_phase_boundary(ax: Axes, traj: Trajectory) -> None:
    """Vertical red line at T1 (the end of Phase 1), with a legend entry."""
    if np.isfinite(traj.T1):
        _, _, factor = time_axis(traj)
        ax.axvline(
            traj.T1 * factor, color="red", lw=1.2, ls="--", label=f"end of Phase 1 ($T_1$ = {traj.T1 * factor:.3g})"
        )


def plot_score_correlations(ax: Axes, traj: Trajectory, pairs=FIGURE1_PAIRS) -> None:
    """Figure 1(a): attention score correlations mu_k^T W_K^T W_Q mu_q against training time."""
    x, label, _ = time_axis(traj)
    colors = sns.color_palette("deep", len(pairs))
    for (k, q), color in zip(pairs, colors):
        ax.plot(x, traj.A[:, k, q], color=color, label=rf"$\mu_{k + 1}^\top W_K^\top W_Q \mu_{q + 1}$")
    mark_phase_boundary(ax, traj)
    ax.set_xlabel(label)
    ax.set_ylabel("attention score correlation (dimensionless)")
    ax.set_title("(a) attention score correlation")
    ax.legend(fontsize="small")


def plot_losses_by_type(ax: Axes, traj: Trajectory, log: bool = False) -> None:
    """Figure 1(b): the training loss and the mean loss of each sample type."""
    x, label, _ = time_axis(traj)
    ax.plot(x, traj.loss, color="black", lw=2, label="loss (all samples)")
    for k in range(4):
        ax.plot(x, traj.loss_by_type[:, k], color=TYPE_COLOURS[k + 1], label=TYPE_LABELS[k])
    mark_phase_boundary(ax, traj)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(label)
    ax.set_ylabel("logistic loss (nats)")
    ax.set_title("(b) training loss")
    ax.legend(fontsize="small")


ROLE_COLORS = {"mu1": "#1f77b4", "mu2": "#ff7f0e", "mu3": "#2ca02c", "filler": "#d9d9d9"}


def plot_G(ax: Axes, traj: Trajectory) -> None:
    """The linear MLP function G(mu_1), G(mu_2), G(mu_3) and the mean over filler words."""
    x, label, _ = time_axis(traj)
    colors = sns.color_palette("deep", 4)
    for k, color in zip(range(3), colors):
        ax.plot(x, traj.G[:, k], color=color, label=rf"$G(\mu_{k + 1})$")
    ax.plot(x, traj.G[:, 3:].mean(axis=1), color=colors[3], ls=":", label="mean $G$ of filler words")
    ax.axhline(0, color="black", lw=0.6)
    mark_phase_boundary(ax, traj)
    ax.set_xlabel(label)
    ax.set_ylabel(r"$G(\mu) = a^\top W W_V \mu$ (output units)")
    ax.legend(fontsize="small")


def plot_band(ax: Axes, x: np.ndarray, runs: np.ndarray, color, label: str) -> None:
    """Median of ``runs`` (seeds, times) with a band from the minimum to the maximum over seeds."""
    ax.fill_between(x, runs.min(axis=0), runs.max(axis=0), color=color, alpha=0.25, lw=0)
    ax.plot(x, np.median(runs, axis=0), color=color, label=label)


def band_legend(ax: Axes, n_seeds: int, **kwargs) -> None:
    """The legend of :func:`plot_band` curves, its title saying what the line and the band are."""
    ax.legend(fontsize="small", title=f"median; band: min to max over {count(n_seeds, 'seed')}", title_fontsize="small",
              **kwargs)


def plot_sums_of_g(ax: Axes, traj: Trajectory) -> None:
    """S_k = sum of g_i over the samples of type k, k = 1..4 (log scale)."""
    x, label, _ = time_axis(traj)
    for k in range(4):
        ax.plot(x, traj.S_by_type[:, k], color=TYPE_COLOURS[k + 1],
                label=rf"$S_{k + 1}$ ({TYPE_LABELS[k].split(' (')[0]})")
    mark_phase_boundary(ax, traj)
    ax.set_yscale("log")
    ax.set_xlabel(label)
    ax.set_ylabel(r"$S_k = \sum_{i \in I_k} g_i$ (dimensionless)")
    ax.legend(fontsize="small")


def plot_matrix(ax: Axes, M: np.ndarray, words: int, title: str, cbar_label: str) -> None:
    """Heat map of the top-left ``words`` x ``words`` block of a [key, query] matrix, symmetric colour scale."""
    block = M[:words, :words]
    lim = np.nanmax(np.abs(block))
    im = ax.imshow(block, cmap="RdBu_r", vmin=-lim, vmax=lim)
    names = [f"µ{k + 1}" for k in range(words)]
    ax.set_xticks(range(words), names)
    ax.set_yticks(range(words), names)
    ax.set_xlabel("query word")
    ax.set_ylabel("key word")
    ax.set_title(title)
    ax.figure.colorbar(im, ax=ax, label=cbar_label)


def shade_phases(ax: Axes, traj: Trajectory) -> None:
    """Shade Phase 1 (before T1) and label both phases at the top of the axes."""
    if not np.isfinite(traj.T1):
        return
    x, _, factor = time_axis(traj)
    t1 = traj.T1 * factor
    ax.axvspan(x[x > 0].min() if ax.get_xscale() == "log" else x[0], t1, color="gold", alpha=0.15)
    for text, side in (("Phase 2 →", 1), ("← Phase 1", -1)):  # 4 points either side of T1
        ax.annotate(text, (t1, 1.0), xycoords=ax.get_xaxis_transform(), xytext=(4 * side, 2),
                    textcoords="offset points", fontsize="small", ha="left" if side > 0 else "right", va="bottom")


def score_label(k: int, q: int) -> str:
    return rf"$\mu_{k + 1}^\top W_K^\top W_Q \mu_{q + 1}$"


def value_label(k: int, q: int) -> str:
    if k == q:
        return rf"$\Vert W_V\mu_{k + 1}\Vert^2$"
    return rf"$\mu_{k + 1}^\top W_V^\top W_V \mu_{q + 1}$"


def plain_log_ticks(axis, ticks) -> None:
    """Label a log axis at ``ticks`` only, as plain numbers (no minor labels, which collide on short ranges), keeping
    the axis's data range."""
    low, high = axis.get_view_interval()
    axis.set_major_locator(matplotlib.ticker.FixedLocator([t for t in ticks if low <= t <= high] or ticks))
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(matplotlib.ticker.NullFormatter())
