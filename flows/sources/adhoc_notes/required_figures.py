"""The figures the claims need from a note (options `required_measures`, `required_together`): a note that
leaves one out is rejected, naming the table that gives the measure's group or, in a prose note, the measure."""
from __future__ import annotations

from flows.errors import FailureCase
from flows.sources.adhoc_notes.measures import DESCRIBE
from flows.sources.adhoc_notes.figure import Figure


def required_groups(options: dict) -> list[list[str]]:
    """The measures always needed first, then each group needed whole once any measure of it is given."""
    return [list(options.get("required_measures", []))] + [list(g) for g in options.get("required_together", [])]


def _missing_from_groups(groups: list[list[str]], given: dict[str, str],
                         given_prose: dict[str, Figure]) -> list[FailureCase]:
    cases = []
    for n, group in enumerate(groups):
        if n == 0 or any(m in given or m in given_prose for m in group):
            missing = [m for m in group if m not in given and m not in given_prose]
            if given:           # a note with figure tables: the table that gives the group's other measures
                where = next((given[m] for m in group if m in given), None)
                cases += [FailureCase(where, None, None, f"no row gives {m!r}, a figure the claims need")
                          for m in missing]
            else:
                cases += [FailureCase(None, None, None, f"no sentence gives {m!r} ({DESCRIBE.get(m, m)} from 5 July "
                                      "2024 to the note's cut-off), a figure the claims need") for m in missing]
    return cases


def _missing_periods_in_prose(needed: set[str], given: dict[str, str], given_prose: dict[str, Figure],
                              figures: list[Figure]) -> list[FailureCase]:
    """A needed measure given in sentences only must be given for the note's period and the year before it."""
    cases = []
    for measure, figure in sorted(given_prose.items()):
        if measure not in needed or measure in given:
            continue
        said = [f for f in figures if f.measure == measure]
        comparisons = {f.comparison for f in said} | {f.prior_comparison for f in said if f.prior is not None}
        if "current" not in comparisons:
            cases.append(FailureCase(figure.where, figure.sentence, None, f"{measure!r} is given, but not for the note's "
                                     "period (5 July 2024 to its cut-off), a figure the claims need", figure.text))
        elif "year_before" not in comparisons:
            cases.append(FailureCase(figure.where, figure.sentence, "same period 12 months prior",
                                     f"no figure for {measure!r} for the same period 12 months prior, a figure the "
                                     "claims need", figure.text))
    return cases


def missing_figures(groups: list[list[str]], given: dict[str, str], given_prose: dict[str, Figure],
                    figures: list[Figure]) -> list[FailureCase]:
    """Failures for the needed figures the note does not give. `given`: measure -> the first table giving it;
    `given_prose`: measure -> the first sentence giving it; `figures`: every figure of the note's sentences."""
    needed = {m for group in groups for m in group}
    return (_missing_from_groups(groups, given, given_prose)
            + _missing_periods_in_prose(needed, given, given_prose, figures))
