"""`pledges docs`: the public tables and views with their columns and descriptions, as Markdown."""
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
    lines = ["# Data dictionary", "",
             f"Warehouse: `{warehouse}`. Public tables are in `marts`; `raw`, `staging` and `meta` are internal.", ""]
    for name, kind, comment in relations:
        lines += [f"## marts.{name} ({kind})", "", comment or "(no description)", "",
                  "| column | type | description |", "|---|---|---|"]
        lines += [f"| {c} | {t} | {(d or '').replace('|', '/')} |" for table, c, t, d in columns if table == name]
        lines.append("")
    if functions:
        lines += ["## Table functions", ""]
        lines += [f"- `marts.{name}({', '.join(params)})`: {comment or '(no description)'}" for name, params, comment in functions]
        lines.append("")
    return "\n".join(lines)
