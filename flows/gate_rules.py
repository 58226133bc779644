"""The release gate's settings in the catalog (`gate` tables), checked when the catalog loads.

Kept apart from flows/gate.py (which reads the data with pandas) so the catalog loads without pandas.
"""
from __future__ import annotations

# Used where a source declares a `[<source>.gate]` table without the key (see the catalog header).
# max_settled_revision_pct and _abs: one settled period revised by more than both (a percentage of its previous value,
# and an amount in the metric's unit) is held, whatever share of the history is revised
# max_newest_ratio: a period after the previous release's newest, more than this many times the period before it
# (either way, and by more than max_settled_revision_abs), is held: a unit slip (thousands, x1,000) in the figure
# statuses read; real series grow 16-fold in a quarter (small boats, 2018) and hotels empty 12-fold
# max_lost_category_share: a period after the previous release's newest without categories (labels of a text column)
# that each of the 4 periods before it had, and that made up more than this share of the period before, is held (a
# breakdown lost: a quarter of small boats only, published as all methods); real churn (a region or nationality
# absent one quarter, 'Not currently recorded' dropped) stays under 4% in the real Irr_D01; 1 turns the check off
DEFAULTS = {"revision_window_days": 90, "max_revised_share": 0.10, "max_dropped_share": 0.01,
            "max_settled_revision_pct": 50, "max_settled_revision_abs": 100, "max_newest_ratio": 100,
            "max_lost_category_share": 0.10}
# Every source without a `[<source>.gate]` table still gets these (ONS and the quarterly Home Office datasets revise
# years of history each edition, so revised and dropped shares are not checked), with the checks every release gets:
# no period after the publication date, no metric whose newest period moves back, no release whose newest figures are
# far older than its date. A settled period revised by more than 50% and 100 (377 penalties become 3,770) is held.
BASELINE = {**DEFAULTS, "max_revised_share": 1.0, "max_dropped_share": 1.0}
# may_be_absent: a release may hold the metric's table without any of its rows, by design (Asy_D03 counts people
# or claims: each release feeds one of the two metrics; DfE's November release has no provisional year), so
# metric_missing does not hold it
METRIC_KEYS = set(DEFAULTS) | {"bounds", "at_least", "at_most_per", "sum_of", "sum_tolerance", "may_be_absent"}


def config_problems(source) -> list[str]:
    """What is wrong with a source's gate settings in the catalog (unknown keys, bad numbers, unknown metrics)."""
    problems = []
    metric_ids = {m.id for m in source.metrics}

    def share(where: str, key: str, value) -> None:
        if key in ("max_revised_share", "max_dropped_share", "max_lost_category_share") and not (isinstance(value, (int, float)) and 0 <= value <= 1):
            problems.append(f"{where}: {key} must be a share between 0 and 1, not {value!r}")
        if key == "revision_window_days" and not (isinstance(value, int) and value >= 0):
            problems.append(f"{where}: revision_window_days must be a whole number of days >= 0, not {value!r}")
        if key == "max_newest_ratio" and not (isinstance(value, (int, float)) and not isinstance(value, bool) and value > 1):
            problems.append(f"{where}: max_newest_ratio must be a number > 1, not {value!r}")
        if key in ("max_settled_revision_pct", "max_settled_revision_abs") and not (
                isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0):
            problems.append(f"{where}: {key} must be a number >= 0, not {value!r}")

    for key, value in (source.gate or {}).items():
        if key not in DEFAULTS:
            problems.append(f"gate: unknown key {key!r} (known: {', '.join(sorted(DEFAULTS))})")
        share("gate", key, value)
    for metric in source.metrics:
        where = f"metric {metric.id} gate"
        for key, value in metric.gate.items():
            if key not in METRIC_KEYS:
                problems.append(f"{where}: unknown key {key!r} (known: {', '.join(sorted(METRIC_KEYS))})")
            share(where, key, value)
        bounds = metric.gate.get("bounds")
        if bounds is not None and not (isinstance(bounds, list) and len(bounds) == 2
                                       and all(isinstance(b, (int, float)) for b in bounds) and bounds[0] <= bounds[1]):
            problems.append(f"{where}: bounds must be [min, max] with min <= max, not {bounds!r}")
        per = metric.gate.get("at_most_per")
        if per is not None and not (isinstance(per, list) and len(per) == 2 and isinstance(per[0], str)
                                    and isinstance(per[1], (int, float)) and not isinstance(per[1], bool) and per[1] > 0):
            problems.append(f"{where}: at_most_per must be [\"<metric>\", a number > 0], not {per!r}")
        elif per is not None and per[0] not in metric_ids:
            problems.append(f"{where}: at_most_per names {per[0]!r}, not a metric of this source")
        for key in ("at_least", "sum_of"):
            other = metric.gate.get(key)
            if other is not None and other not in metric_ids:
                problems.append(f"{where}: {key} names {other!r}, not a metric of this source")
        if not isinstance(metric.gate.get("may_be_absent", False), bool):
            problems.append(f"{where}: may_be_absent must be true or false, not {metric.gate['may_be_absent']!r}")
        tolerance = metric.gate.get("sum_tolerance", 0)
        if not (isinstance(tolerance, (int, float)) and tolerance >= 0):
            problems.append(f"{where}: sum_tolerance must be a number >= 0, not {tolerance!r}")
    return problems
