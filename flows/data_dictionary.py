"""`pledges docs`: the public tables and views with their columns and descriptions, the metrics the catalog defines,
and the table functions, as Markdown."""
from __future__ import annotations

from pathlib import Path

from flows import readmodel


def data_dictionary(warehouse: Path) -> str:
    """Every marts table and view (description, columns with type and description) and the table functions."""
    with readmodel.published(warehouse) as con:
        if con is None:
            raise FileNotFoundError(f"{warehouse}: nothing published yet")
        relations = readmodel.marts_relations(con)
        columns = readmodel.marts_columns(con)
        functions = readmodel.marts_table_functions(con)
        # every metric the catalog defines, with its source: what `metric_id` in the tables can be
        metrics = con.execute("SELECT metric_id, title, unit, period_type, measure, source_id, layout_confirmed, "
                              "definition FROM marts.metrics ORDER BY source_id, metric_id").fetchall()
    lines = ["# Data dictionary", "",
             f"Warehouse: `{warehouse}`. Public tables are in `marts`; `raw`, `staging` and `meta` are internal.", ""]
    for name, kind, comment in relations:
        lines += [f"## marts.{name} ({kind})", "", comment or "(no description)", "",
                  "| column | type | description |", "|---|---|---|"]
        lines += [f"| {c} | {t} | {(d or '').replace('|', '/')} |" for table, c, t, d in columns if table == name]
        lines.append("")
    if metrics:
        lines += ["## Metrics (marts.metrics)", "",
                  "Every metric the source catalog (`flows/sources/*/source.toml`) defines: the `metric_id` values "
                  "of `marts.metric_observations` and the pledge register.", "",
                  "| metric_id | title | unit | period | measure | source | layout confirmed | definition |",
                  "|---|---|---|---|---|---|---|---|"]
        lines += ["| " + " | ".join(str("" if v is None else v).replace("|", "/") for v in row) + " |" for row in metrics]
        lines.append("")
    if functions:
        lines += ["## Table functions", ""]
        lines += [f"- `marts.{name}({', '.join(params)})`: {comment or '(no description)'}" for name, params, comment in functions]
        lines.append("")
    return "\n".join(lines)
