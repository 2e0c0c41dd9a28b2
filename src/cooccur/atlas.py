"""What the chapter "Atlas" reads off its two sweep tables: map (i), initial scale x width, and map (ii), samples x
length (:mod:`cooccur.sweep`, ``premise_summary``). Each function returns what the chapter quotes, by glue name
(:class:`~cooccur.readings.Readings`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cooccur.claims import CLAIMS
from cooccur.measures import loglog_slope
from cooccur.readings import Readings
from cooccur.sweep import Sweep, finished, premise_summary

#: Each map's axes (columns of its table) and their labels, for the figures.
AXES = {"width": (("axis.init_scale", "axis.model.m"), ("initial scale s", "width m (= m1)")),
        "length": (("axis.data.n", "axis.data.L"), ("samples n", "sequence length L"))}
#: The statements whose reasons the chapter discusses, by the short key of their glue names.
STANDOUTS = {"thm3.1": "thm31", "thm3.2.margins": "margins", "thm3.3.population": "population"}


def summaries(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Per map, :func:`cooccur.sweep.premise_summary` of every statement of :data:`cooccur.claims.CLAIMS`, in order."""
    return {name: premise_summary(table, list(CLAIMS)) for name, table in tables.items()}


def summary_readings(summaries: dict[str, pd.DataFrame], claims: list[str] | None = None) -> Readings:
    """Per map, the statements that fail somewhere inside their premises (``<map>_fails_inside``, and how many) and
    those that hold on every run outside them, and the statements that fail inside their premises on both maps;
    for each statement of :data:`STANDOUTS`, the share holding inside its premises and every cause the verdicts give
    where it fails (``claims``: default every statement). Recorded: per statement, the runs inside its premises and
    the shares that hold inside and outside them, as ``<map>.<claim>.<field>``, so a rebuild checks every cell of
    the summary tables."""
    out, failing, claims = Readings(), [], list(CLAIMS) if claims is None else claims
    for name, summary in summaries.items():
        fails_inside = list(summary[summary["holds_inside"] < 1]["claim"])
        holds_outside = list(summary[(summary["runs_outside"] > 0) & (summary["holds_outside"] == 1)]["claim"])
        out.texts[f"{name}_fails_inside"] = ", ".join(fails_inside) or "none"
        out.texts[f"{name}_holds_outside"] = ", ".join(holds_outside) or "none"
        out.numbers[f"{name}_n_fails_inside"] = len(fails_inside)
        failing.append(set(fails_inside))
        table = summary.set_index("claim")
        for claim, key in STANDOUTS.items():
            row = table.loc[claim]
            out.texts[f"{key}_reason_{name}"] = row["causes"] or "(none: it holds on every run inside its premises)"
            out.numbers[f"{key}_share_{name}"] = float(row["holds_inside"])
        out.recorded.update({f"{name}.{row.claim}.{key}": getattr(row, key) for row in summary.itertuples()
                             for key in ("runs_inside", "holds_inside", "holds_outside")})
    out.texts["both_fails_inside"] = ", ".join(c for c in claims if all(c in f for f in failing)) or "none"
    return out


def by_construction(tables: dict[str, pd.DataFrame], summaries: dict[str, pd.DataFrame]) -> set[str]:
    """The statements that hold by construction on every finished run of some map (not mapped)."""
    return {c for name, table in tables.items()
            for c in summaries[name].loc[summaries[name]["by_construction"] == len(finished(table)), "claim"]}


def mapped_claims(tables: dict[str, pd.DataFrame], summaries: dict[str, pd.DataFrame]) -> tuple[list[str], Readings]:
    """The statements the maps show (every statement of :data:`cooccur.claims.CLAIMS`, in order, but those of
    :func:`by_construction`, which test nothing there) and the text ``by_construction`` naming those left out."""
    built = by_construction(tables, summaries)
    named = ", ".join(sorted(built)) or "none"
    return [c for c in CLAIMS if c not in built], Readings(texts={"by_construction": named})


def lazy_rows(width: pd.DataFrame) -> tuple[list[dict[str, Any]], Readings]:
    """Map (i) by initial scale: the runs, the share with a lazy Phase 1 and the median growths of ||W^T a||^2 and
    W_V^T W_V by T1; and the shares as ``width.lazy_share.s<scale>``, recorded for the manifest."""
    rows, shares = [], {}
    for scale, group in finished(width).groupby("axis.init_scale"):
        share = float(group["premise.lazy_phase1"].astype(bool).mean())
        shares[f"width.lazy_share.s{scale:g}"] = share
        rows.append({"initial scale s": f"{scale:g}", "runs": len(group), "lazy Phase 1": f"{share:.0%}",
                     "median growth of ‖Wᵀa‖² by T1": f"x{group['thm3.1.wa_sq_growth'].median():.3g}",
                     "median growth of W_VᵀW_V": f"x{group['thm3.1.VV_growth'].median():.3g}"})
    return rows, Readings(recorded=shares)


def rate_readings(width: pd.DataFrame, length: pd.DataFrame) -> Readings:
    """T1 and T1 x rate across the maps: the log-log slopes of the median T1 against s (at the middle width) and
    against m (at the middle scale), T1 x rate at the middle width for the smallest, the theory's (nearest 1) and
    the largest s, its range over map (i), T1 m at s = 1 over the widths, and T1 x rate's range over map (ii)."""
    ok = finished(width)
    medians = ok.groupby(["axis.init_scale", "axis.model.m"])["T1"].median().unstack()
    mid_m, mid_s = medians.columns[len(medians.columns) // 2], medians.index[len(medians.index) // 2]
    product = ok.groupby(["axis.init_scale", "axis.model.m"])["T1_x_rate"].median()
    at_mid = product.xs(mid_m, level="axis.model.m")
    theory_scale = min(medians.index, key=lambda v: abs(v - 1.0))  # s = 1 in the full grid
    t1m = medians.loc[theory_scale] * medians.columns.to_numpy(float)
    length_product = finished(length).groupby(["axis.data.n", "axis.data.L"])["T1_x_rate"].median()
    return Readings({"rate_mid_m": mid_m, "rate_mid_s": mid_s,
            "t1_slope_scale": loglog_slope(medians.index.to_numpy(float), medians[mid_m].to_numpy(float)),
            "t1_slope_width": loglog_slope(medians.columns.to_numpy(float), medians.loc[mid_s].to_numpy(float)),
            "product_small_s": at_mid.iloc[0], "product_small_s_value": at_mid.index[0],
            "product_theory_s": at_mid.loc[min(at_mid.index, key=lambda v: abs(v - 1.0))],
            "product_large_s": at_mid.iloc[-1], "product_large_s_value": at_mid.index[-1],
            "product_min": product.min(), "product_max": product.max(), "theory_scale": theory_scale,
            "t1m_min": t1m.min(), "t1m_max": t1m.max(), "t1m_rate_factor": rate_over_m(width, theory_scale),
            "length_product_min": length_product.min(),
            "length_product_max": length_product.max()})


def rate_over_m(width: pd.DataFrame, scale: float = 1.0) -> float:
    """The Phase-1 rate over m at initial scale s = ``scale`` (sigma0^2 = s^2/(L m), sigma1^2 = s^2/m1), one value over
    the map: s^2 (1 + m1 / (L m)), the factor between T1 x rate and T1 m. Raises if the map's runs give more than
    one."""
    m1, m, L = (width[c].to_numpy(float) for c in ("model.m1", "axis.model.m", "data.L"))
    factors = scale**2 * (1 + m1 / (L * m))
    if not np.allclose(factors, factors[0]):
        raise ValueError(f"rate / m differs over the map: {sorted(set(factors))}")
    return float(factors[0])


def fine_cost(fine: dict[str, Sweep], tables: dict[str, pd.DataFrame]) -> Readings:
    """What the finer maps would take: per map, the runs of its fine sweep file (``fine_<map>_runs``) and the
    core-minutes at this build's mean seconds per run of the map (``fine_<map>_core_minutes``, a fact about this
    machine, kept out of the manifest)."""
    out = Readings()
    for name, s in fine.items():
        per_run = float(finished(tables[name])["wall_time"].mean())
        out.numbers[f"fine_{name}_runs"] = len(s.runs)
        out.unrecorded[f"fine_{name}_core_minutes"] = len(s.runs) * per_run / 60
    return out
