"""Statuses set by hand from dated evidence (qualitative entries), as known on a date: an as-of answer shows the
status the evidence dated by then supported, "not yet assessed" before the first, and never evidence dated after
the date (a month or a year counts from its last day)."""
from __future__ import annotations

import calendar
import re
import tomllib
from datetime import date, timedelta

import pytest

from tests.test_claim_checks import derive, one  # noqa: F401  (derive is a fixture)
from warehouse.register import REGISTER_FILE, RegisterError, load_register

HAND = """
[[entry]]
id = "command"
type = "pledge"
statement = "A"
said_by = "Minister"
said_on = 2023-09-14
quote = "a new command"
kind = "qualitative"
status = "kept"
status_on = 2026-12-03
status_since = 2026-01-05
earlier_statuses = [
  { status = "in progress", since = 2024-08-21, why = "Set up, not yet in law." },
]
method = "Kept when in law and in force."
evidence = [
  { publisher = "Gazette", date = "2024-08-21", summary = "Set up in summer." },
  { publisher = "Briefing", date = "2025-03", summary = "A briefing in March." },
  { publisher = "Regulations", date = "2026-01-05", summary = "In force." },
]

[[entry]]
id = "cost"
type = "claim"
statement = "A"
said_by = "Minister"
said_on = 2025-02-14
quote = "700m for four volunteers"
kind = "qualitative"
status = "consistent"
status_on = 2026-12-03
status_since = 2024-07-22
method = "Checked against the department's figures."
evidence = [
  { publisher = "Commons", date = "2024-07-22", summary = "Cost 700m, four volunteers." },
]
"""


def status_on(con, pledge_id: str, day: date) -> dict:
    return one(con, "SELECT * FROM marts.pledge_status_as_of(?) WHERE pledge_id = ?", [day, pledge_id])


def test_an_as_of_answer_shows_the_status_and_evidence_of_its_date(derive):
    con = derive(HAND, [])
    before = status_on(con, "command", date(2024, 1, 1))
    assert (before["status"], before["status_since"], before["evidence"]) == ("not yet assessed", None, [])
    assert before["explanation"].startswith('Not yet assessed on 1 Jan 2024: the evidence dated by then supports no '
                                            'status yet. ')
    # nothing from after the date: not the first status the evidence later supports, nor its day
    assert "in progress" not in before["explanation"] and "2024" not in before["explanation"].split(":", 1)[1]

    earlier = status_on(con, "command", date(2025, 3, 30))      # the March briefing counts from 31 March
    assert (earlier["status"], earlier["status_since"]) == ("in progress", date(2024, 8, 21))
    assert [e["summary"] for e in earlier["evidence"]] == ["Set up in summer."]
    assert "Set up, not yet in law." in earlier["explanation"]
    assert "Evidence dated by 30 Mar 2025: Set up in summer." in earlier["explanation"]
    assert "March" not in earlier["explanation"] and "In force" not in earlier["explanation"]
    assert [e["summary"] for e in status_on(con, "command", date(2025, 3, 31))["evidence"]] == [
        "Set up in summer.", "A briefing in March."]

    today = one(con, "SELECT * FROM marts.pledge_status WHERE pledge_id = 'command'")
    assert (today["status"], today["status_since"], len(today["evidence"])) == ("kept", date(2026, 1, 5), 3)
    assert today["explanation"].startswith('Status "kept" since 5 Jan 2026, set on 3 Dec 2026 from the evidence. ')
    assert status_on(con, "command", date(2026, 1, 4))["status"] == "in progress"
    assert status_on(con, "command", date(2026, 1, 5))["status"] == "kept"


def test_a_claim_set_by_hand_is_judged_as_known_on_the_date_and_when_it_was_made(derive):
    con = derive(HAND, [])                   # the claim is made on 14 Feb 2025, the evidence is from 22 Jul 2024
    today = one(con, "SELECT * FROM marts.claim_checks WHERE claim_id = 'cost'")
    assert (today["verdict"], today["when_made_verdict"]) == ("consistent", "consistent")
    # the claim checks say what the evidence shows, as pledge_status does (not the method alone); a verdict holds
    # from the day the claim was made at the earliest, with the evidence's own date beside it (audit 15)
    assert today["explanation"] == ('Verdict "consistent" since 14 Feb 2025, when it was made, on evidence dated '
                                    '22 Jul 2024, set on 3 Dec 2026 from the evidence. '
                                    "Checked against the department's figures. Evidence: Cost 700m, four volunteers. "
                                    "(Commons, 22 Jul 2024).")
    status = status_on(con, "cost", date(2026, 12, 3))
    assert (status["status_since"], status["status_since_label"]) == (
        date(2025, 2, 14), "14 Feb 2025, when it was made, on evidence dated 22 Jul 2024")
    assert today["explanation"] == status_on(con, "cost", date(2026, 12, 3))["explanation"]
    # and the when-made verdict is explained as the evidence stood the day the claim was made
    assert today["when_made_explanation"] == status_on(con, "cost", date(2025, 2, 14))["explanation"]
    con = derive(HAND.replace("said_on = 2025-02-14", "said_on = 2024-07-01"), [])    # made before the evidence
    then = one(con, "SELECT * FROM marts.claim_checks_as_of(DATE '2024-07-21') WHERE claim_id = 'cost'")
    assert (then["verdict"], then["official_verdict"]) == ("not yet assessed", "not yet assessed")
    assert then["explanation"].startswith('Not yet assessed on 21 Jul 2024: the evidence dated by then supports no '
                                          'verdict yet. ')
    assert "consistent" not in then["explanation"] and "22 Jul" not in then["explanation"]
    assert status_on(con, "cost", date(2024, 7, 21))["status"] == "not yet assessed"
    today = one(con, "SELECT * FROM marts.claim_checks WHERE claim_id = 'cost'")
    assert (today["verdict"], today["when_made_verdict"]) == ("consistent", "not yet assessed")
    assert today["when_made_explanation"].startswith('Not yet assessed on 1 Jul 2024: the evidence dated by then supports '
                                                     'no verdict yet.')


def test_before_an_entry_was_said_it_is_not_yet_said(derive):
    """Asked about a day before the pledge or claim was made, the as-of answers say so, naming who said it and
    when, rather than a status or verdict for something nobody had yet said (figures or evidence of that day
    notwithstanding)."""
    con = derive(HAND, [("small_boat_arrivals", "day", date(2024, 7, 10), date(2024, 7, 10), 500, "q/2024-11-28")])
    for day in (date(2024, 7, 21), date(2024, 12, 1), date(2025, 2, 13)):
        claim = one(con, "SELECT * FROM marts.claim_checks_as_of(?) WHERE claim_id = 'cost'", [day])
        words = f"Not yet said on {day.day} {day:%b %Y}: Minister said it on 14 Feb 2025 (statement A)."
        assert (claim["verdict"], claim["official_verdict"], claim["explanation"]) == ("not yet said", "not yet said", words)
        # nor a verdict as made (audit 17: "consistent" as made, from evidence of a day after the one asked about)
        assert (claim["when_made_verdict"], claim["when_made_explanation"]) == (None, None), day
        status = status_on(con, "cost", day)
        assert (status["status"], status["explanation"]) == ("not yet said", words)
    # and no "since" later than the day asked about (audit 17: "not yet said" beside "since 14 Feb 2025")
    for day in (date(2024, 7, 21), date(2024, 12, 1), date(2025, 2, 13)):
        status = status_on(con, "cost", day)
        assert (status["status_since"], status["status_since_label"]) == (None, None), day
    said = status_on(con, "cost", date(2025, 2, 14))
    assert said["status"] == "consistent" and said["explanation"].startswith('Verdict "consistent" since 14 Feb 2025, '
                                                                             'when it was made, on evidence dated 22 Jul 2024')
    assert status_on(con, "command", date(2023, 9, 13))["status"] == "not yet said"
    assert status_on(con, "command", date(2023, 9, 14))["status"] == "not yet assessed"


QUALITATIVE = """
[[entry]]
id = "q"
type = "pledge"
statement = "A"
said_by = "Minister"
said_on = 2025-02-01
quote = "q"
kind = "qualitative"
status = "kept"
status_on = 2026-12-03
status_since = 2025-12-02
method = "m"
evidence = [
  { publisher = "Act", date = "2025-12-02", summary = "Law." },
  { publisher = "Briefing", date = "2025", summary = "A briefing." },
]
"""


@pytest.mark.parametrize("change, message", [
    (("status_since = 2025-12-02\n", ""), "a qualitative status needs status_since"),
    (("status_since = 2025-12-02", "status_since = 2025-12-01"),
     "status 'kept' since 2025-12-01: not the date an evidence item is known from"),
    (("status_since = 2025-12-02", "status_since = 2025-06-30"), "not the date an evidence item is known from"),
    (('date = "2025-12-02"', 'date = "2027-01-01"'), "evidence dated 2027-01-01 is after status_on 2026-12-03"),
    (("status_since = 2025-12-02", 'status_since = 2025-12-02\nearlier_statuses = [{ status = "in progress", '
                                   'since = 2025-12-31, why = "w" }]'), "must be in date order"),
    (("status_since = 2025-12-02", 'status_since = 2025-12-02\nearlier_statuses = [{ status = "on fire", '
                                   'since = 2025-12-31, why = "w" }]'), "earlier status 'on fire' is not one of"),
    (('status = "kept"', 'status = "not yet assessed"'), "holds at every date: no status_since"),
])
def test_dated_statuses_are_grounded_in_the_evidence(tmp_path, change, message):
    good = tmp_path / "good.toml"
    good.write_text(QUALITATIVE)
    assert [e.status_since for e in load_register(good)] == [date(2025, 12, 2)]
    bad = tmp_path / "pledges.toml"
    bad.write_text(QUALITATIVE.replace(*change))
    with pytest.raises(RegisterError, match="entry 'q'") as err:
        load_register(bad)
    assert message in str(err.value)


@pytest.mark.parametrize("item, message", [
    ('read_at = "https://copy.example/act"', "needs url: the publisher's own address"),
    ('url = "https://law.example/act", read_at = "https://law.example/act"', "read_at is the url itself"),
    ('url = "law.example/act"', "evidence url 'law.example/act' is not a web address"),
    ('url = "https://law.example/act", read_at = "a copy somewhere"', "evidence read_at 'a copy somewhere' is not a web address"),
])
def test_evidence_cites_the_publishers_address_and_names_a_copy_apart(tmp_path, item, message):
    """url is the address a reader cites; a copy on another site the text was read at goes in read_at."""
    good = tmp_path / "good.toml"
    good.write_text(QUALITATIVE.replace('{ publisher = "Act",', '{ url = "https://law.example/act", '
                                        'read_at = "https://copy.example/act", publisher = "Act",'))
    assert [(e.url, e.read_at) for e in load_register(good)[0].evidence][0] == (
        "https://law.example/act", "https://copy.example/act")
    bad = tmp_path / "pledges.toml"
    bad.write_text(QUALITATIVE.replace('{ publisher = "Act",', '{ ' + item + ', publisher = "Act",'))
    with pytest.raises(RegisterError, match="entry 'q'") as err:
        load_register(bad)
    assert message in str(err.value)


# --- the real register, read here with tomllib ---------------------------------------------------------------

def known_from(text: str) -> date:
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        return date(*parts)
    if len(parts) == 2:
        return date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
    return date(parts[0], 12, 31)


def real_hand_entries() -> list[dict]:
    register = tomllib.loads(REGISTER_FILE.read_text())
    return [{"said_on": register["statements"][e["statement"]]["said_on"], **e}
            for e in register["entry"] if e["kind"] == "qualitative"]


def since_words(entry: dict, since: date, words: str) -> str:
    """How a status's start reads: `words` (the evidence's date as precisely as it is given), or, for evidence
    dated before the entry was said, the day it was said first: nothing holds before it was said (audit 15)."""
    if since >= entry["said_on"]:
        return words
    said = entry["said_on"]
    return (f"{said.day} {said:%b %Y}, when it was {'made' if entry['type'] == 'claim' else 'said'}, "
            f"on evidence dated {words}")


def expected_status(entry: dict, day: date) -> str:
    if day < entry["said_on"]:
        return "not yet said"
    if "status_since" not in entry:
        return entry["status"]
    steps = [(s["since"], s["status"]) for s in entry.get("earlier_statuses", [])] + [(entry["status_since"], entry["status"])]
    holding = [status for since, status in steps if since <= day]
    return holding[-1] if holding else "not yet assessed"


def test_the_real_register_never_shows_a_status_or_evidence_from_after_the_date(derive):
    con = derive(REGISTER_FILE.read_text(), [])
    entries = real_hand_entries()
    days = {date(2023, 9, 14), date(2024, 1, 1), date(2025, 2, 14), date(2025, 12, 1), date.today()}
    for entry in entries:
        for item in entry.get("evidence", []):
            days |= {known_from(item["date"]) - timedelta(days=1), known_from(item["date"])}
    for day in sorted(days):
        got = {r[0]: r[1:] for r in con.execute(
            "SELECT pledge_id, status, evidence, explanation FROM marts.pledge_status_as_of(?) WHERE kind = 'qualitative'",
            [day]).fetchall()}
        for entry in entries:
            status, evidence, explanation = got[entry["id"]]
            assert status == expected_status(entry, day), (entry["id"], day)
            dated = [item for item in entry.get("evidence", []) if known_from(item["date"]) <= day]
            assert [e["summary"] for e in evidence or []] == [item["summary"] for item in dated], (entry["id"], day)
            later = [item for item in entry.get("evidence", []) if known_from(item["date"]) > day]
            assert not any(item["summary"] in explanation for item in later), (entry["id"], day)
            if status == "not yet assessed":     # nor the status the evidence later supports, nor its day
                word = "verdict" if entry.get("type") == "claim" else "status"
                if "status_since" not in entry and day >= entry["status_on"]:   # the register's own, once assessed
                    done = entry["status_on"]
                    assert explanation.startswith(f"Looked into on {done.day} {done:%b %Y}: not yet assessed as kept or "
                                                  f"not kept, as the evidence found by then settles no {word} yet. "), (entry["id"], day)
                else:
                    assert explanation.startswith(f"Not yet assessed on {day.day} {day:%b %Y}: the evidence dated by "
                                                  f"then supports no {word} yet. "), (entry["id"], day, explanation)
    # the faults this replaced: "kept" before the evidence existed, and Royal Assent and commencement cited in
    # an answer for 1 Dec 2025
    assert one(con, "SELECT status FROM marts.pledge_status_as_of(DATE '2024-01-01') "
                    "WHERE pledge_id = 'europol_officers'")["status"] == "not yet assessed"
    command = one(con, "SELECT * FROM marts.pledge_status_as_of(DATE '2025-12-01') WHERE pledge_id = 'border_security_command'")
    assert command["status"] == "in progress"
    assert "2025-12-02" not in command["explanation"] and "2026-01-05" not in command["explanation"]
    kept_today = one(con, "SELECT status, status_since FROM marts.pledge_status WHERE pledge_id = 'border_security_command'")
    assert kept_today == {"status": "kept", "status_since": date(2026, 1, 5)}


def test_a_move_between_statuses_set_by_hand_is_a_change_on_the_day_of_its_evidence(derive):
    con = derive(HAND, [])
    rows = con.execute("SELECT changed_on, kind, subject, old_value, new_value, release_id, summary FROM marts.changes "
                       "WHERE kind IN ('status', 'verdict') ORDER BY changed_on").fetchall()
    # each move on the day the evidence for it is dated; the first assessment is one too (as a pledge's first
    # status from figures is), told when it falls after the entry was said; the claim's, 22 Jul 2024, is before it
    # was made (14 Feb 2025): the verdict holding then is told on that day, from "not yet said" (audit 7: never told)
    assert rows == [(date(2024, 8, 21), "status", "command", "not yet assessed", "in progress", None,
                     "Command: not yet assessed → in progress. Set by hand from the evidence of 21 Aug 2024: "
                     "Set up in summer — Gazette."),
                    (date(2025, 2, 14), "verdict", "cost", "not yet said", "consistent", None,
                     "Cost: not yet said → consistent (made on 14 Feb 2025). Set by hand from the evidence of 22 Jul 2024: "
                     "Cost 700m, four volunteers — Commons."),
                    (date(2026, 1, 5), "status", "command", "in progress", "kept", None,
                     "Command: in progress → kept. Set by hand from the evidence of 5 Jan 2026: In force — Regulations.")]
    # no parentheses within parentheses in any change line of the real register (audit 9: "(… (Free Movement))")
    real = derive(REGISTER_FILE.read_text(), [])
    for (summary,) in real.execute("SELECT summary FROM marts.changes WHERE release_id IS NULL").fetchall():
        depth = 0
        for ch in summary:
            depth += (ch == "(") - (ch == ")")
            assert depth <= 1, summary


def test_the_real_registers_moves_are_in_the_change_feed(derive):
    con = derive(REGISTER_FILE.read_text(), [])
    expected = set()
    for entry in real_hand_entries():
        steps = [("not yet assessed", None)] if "status_since" in entry else []   # the first assessment is a move too
        steps += [(s["status"], s["since"]) for s in entry.get("earlier_statuses", [])]
        steps += [(entry["status"], entry["status_since"])] if "status_since" in entry else []
        # told after the day the entry was said, as every change (the as-of answers say "not yet said" before); what
        # held on that day is told then, from "not yet said"
        expected |= {(entry["id"], a[0], b[0], b[1]) for a, b in zip(steps, steps[1:])
                     if a[0] != b[0] and b[1] > entry["said_on"]}
        held = [status for status, since in steps if since is not None and since <= entry["said_on"]]
        if held:
            expected.add((entry["id"], "not yet said", held[-1], entry["said_on"]))
    # the real register's first assessments after the statements: e.g. soc_strategy, set by hand today
    assert ("scpo_powers", "not yet assessed", "in progress", date(2025, 2, 10)) in expected   # the Bill's second reading
    got = set(con.execute("SELECT subject, old_value, new_value, changed_on FROM marts.changes "
                          "WHERE kind IN ('status', 'verdict') AND release_id IS NULL").fetchall())
    assert got == expected and ("border_security_command", "in progress", "kept", date(2026, 1, 5)) in got
    # the verdict and statuses the evidence supported before statement A (14 Feb 2025) are told that day
    assert {("rwanda_cost", "not yet said", "consistent", date(2025, 2, 14)),
            ("body_cameras_biometrics", "not yet said", "in progress", date(2025, 2, 14)),
            ("france_germany", "not yet said", "in progress", date(2025, 2, 14))} <= got


def test_legislative_pledges_are_kept_by_one_standard():
    """Every legislative powers pledge is kept when its powers are law and in force (the register's method). The
    serious crime prevention order reforms were law from 2 Dec 2025 but not among the sections the first
    commencement brought into force on 5 Jan 2026 (../shared/EVIDENCE.md): scpo_powers used to be "kept" from
    Royal Assent while the three other powers pledges waited for commencement."""
    legislative = {e["id"]: e for e in real_hand_entries() if e.get("method", "").startswith("Legislative pledge")}
    assert {"scpo_powers", "counter_terror_powers", "phone_seizure_powers", "boats_engines_routes_powers"} <= set(legislative)
    for entry in legislative.values():
        assert "law and in force" in entry["method"], entry["id"]
        if entry["status"] == "kept":     # grounded in evidence that the powers are in force
            assert any("in force" in item["summary"] and "not among them" not in item["summary"]
                       for item in entry["evidence"]), entry["id"]
    assert legislative["scpo_powers"]["status"] == "in progress"


def test_a_status_is_dated_as_precisely_as_its_evidence(derive):
    """Evidence dated only to a month counts from the month's last day (so an as-of answer never shows what may have
    come later in it), but the status is not said to hold "since 31 Dec 2024" on that account: "since Dec 2024"."""
    con = derive(REGISTER_FILE.read_text(), [])
    got = dict(con.execute("SELECT pledge_id, explanation FROM marts.pledge_status WHERE kind = 'qualitative'").fetchall())
    checked = 0
    for entry in real_hand_entries():
        since = entry.get("status_since")
        dated = [item["date"] for item in entry.get("evidence", []) if known_from(item["date"]) == since]
        if not since or not dated:
            continue
        precision = max(len(d) for d in dated)
        words = {10: f"{since.day} {since:%b %Y}", 7: f"{since:%b %Y}", 4: f"{since.year}"}[precision]
        assert f" since {since_words(entry, since, words)}, set on " in got[entry["id"]], (entry["id"], got[entry["id"]][:160])
        checked += precision < 10
    assert checked >= 2      # france_germany and body_cameras_biometrics (evidence of "2024-12")


def test_evidence_dates_read_as_people_write_them_as_precisely_as_the_register_gives_them(derive):
    """Each evidence item's date is told in words ("2 Dec 2025", "Dec 2024" for one dated to the month), never as
    ISO text ("(legislation.gov.uk, 2025-12-02)") in an explanation, `status --explain` or the report."""
    con = derive(REGISTER_FILE.read_text(), [])
    got = dict(con.execute("SELECT pledge_id, explanation FROM marts.pledge_status WHERE kind = 'qualitative'").fetchall())
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    checked = set()
    for entry in real_hand_entries():
        for item in entry.get("evidence", []):
            year, *rest = item["date"].split("-")
            words = " ".join(([str(int(rest[1]))] if len(rest) == 2 else []) + ([months[int(rest[0]) - 1]] if rest else [])
                             + [year])
            assert f"({item['publisher']}, {words})" in got[entry["id"]], (entry["id"], item["date"], words)
            checked.add(len(item["date"]))
        assert not re.search(r"\b20\d\d-[01]\d\b", got[entry["id"]]), entry["id"]
    assert checked >= {10, 7}      # days, and months (france_germany's "2024-12")


def test_a_status_holds_since_it_began_not_since_its_latest_milestone(derive):
    """The register steps a powers pledge "in progress" from the second reading (10 Feb 2025) and again at Royal
    Assent (2 Dec 2025): between Royal Assent and commencement it has been in progress since 10 Feb 2025, as
    scpo_powers in the same position says, not "since 2 Dec 2025" (audit 7), and the milestone is the why."""
    con = derive(REGISTER_FILE.read_text(), [])
    checked = 0
    for entry in real_hand_entries():
        steps = sorted(entry.get("earlier_statuses", []), key=lambda s: s["since"])
        for before, after in zip(steps, steps[1:]):
            if before["status"] != after["status"]:
                continue
            first = before["since"]
            for earlier in reversed(steps[:steps.index(before)]):     # the run of equal statuses began at its first
                if earlier["status"] != before["status"]:
                    break
                first = earlier["since"]
            row = status_on(con, entry["id"], after["since"])
            if row["status"] == "not yet said":
                continue
            assert (row["status"], row["status_since"]) == (after["status"], max(first, entry["said_on"])), entry["id"]
            words = since_words(entry, first, f"{first.day} {first:%b %Y}")
            assert f'Status "{after["status"]}" since {words}, ' in row["explanation"], row["explanation"]
            assert after["why"] in row["explanation"]
            checked += 1
    assert checked >= 3      # counter_terror_powers, phone_seizure_powers, boats_engines_routes_powers


def test_between_royal_assent_and_commencement_the_command_is_not_said_to_lack_a_statutory_office(derive):
    """As of 5 Dec 2025 the Border Security Command was in progress since 21 Aug 2024, and the evidence dated by then
    says the Act of 2 Dec 2025 makes the Commander a statutory office: the why beside it says so, not "the Commander
    was not yet a statutory office" (audit 9: a step the three powers entries had, missing here)."""
    con = derive(REGISTER_FILE.read_text(), [])
    row = status_on(con, "border_security_command", date(2025, 12, 5))
    # in progress since the Command was set up (21 Aug 2024), told from the day it was pledged (statement A)
    assert (row["status"], row["status_since"]) == ("in progress", date(2025, 2, 14))
    assert row["explanation"].startswith('Status "in progress" since 14 Feb 2025, when it was said, on evidence dated '
                                         '21 Aug 2024, ')
    assert "not yet a statutory office" not in row["explanation"]
    assert "received Royal Assent on 2 December 2025; its sections 1-12 were not yet in force" in row["explanation"]
    assert "not yet a statutory office" in status_on(con, "border_security_command", date(2025, 12, 1))["explanation"]


def test_a_claim_set_by_hand_rests_on_independent_evidence_not_the_claimants_own_words():
    """rwanda_cost is "checked against the Home Office's own figures": its verdict holds from their publication
    (GOV.UK transparency data, 2 Dec 2024), not from the Home Secretary's own Commons statement (22 Jul 2024), the
    claim's source, which it used to hold from."""
    [rwanda] = [e for e in real_hand_entries() if e["id"] == "rwanda_cost"]
    grounds = [item for item in rwanda["evidence"] if known_from(item["date"]) == rwanda["status_since"]]
    assert any(item["url"].startswith("https://www.gov.uk/") and item["publisher"].startswith("Home Office")
               for item in grounds)
    assert rwanda["status_since"] == date(2024, 12, 2)


def test_a_search_that_found_nothing_is_dated_the_day_it_was_made():
    """europol_partnership's only evidence, "search of public sources (no agreement found)", was dated Sep 2025 (the
    month of the EU's provisional agreement it mentions), beside "Looked into on 3 Dec 2026": the search read as 15
    months stale (audit 24 F4). A search is dated the day the status was set from it, as soc_strategy's is."""
    searches = [(e["id"], item["date"], e["status_on"]) for e in real_hand_entries() for item in e.get("evidence", [])
                if item["publisher"].startswith("search of public sources")]
    assert {pledge for pledge, _d, _s in searches} >= {"europol_partnership", "soc_strategy"}
    for pledge, day, set_on in searches:
        assert str(day) == str(set_on), (pledge, day, set_on)


def test_a_method_names_the_report_it_read_a_source_through():
    """rwanda_cost's method said it was "checked against the Home Office's own figures (its transparency data of 2
    December 2024)", while its evidence said the tracker did not read that breakdown: the £715m came from The Epoch
    Times' report of it (audit 24 F3). A method whose evidence was read through a report names the report."""
    unread = 0
    for entry in real_hand_entries():
        for item in entry.get("evidence", []):
            reporters = [o["publisher"].split(" (")[0] for o in entry["evidence"]
                         if "report of" in o["publisher"] and o is not item]
            if "did not read" in item["summary"] and reporters:      # read through a report beside it
                unread += 1
                assert any(f"as {r} reported" in entry["method"] for r in reporters), (entry["id"], entry["method"])
    assert unread >= 1      # the real register has such an item (rwanda_cost): the check is not vacuous


def test_a_method_is_timeless_so_an_as_of_answer_tells_nothing_later(derive):
    """The method is shown on every date. On 1 Dec 2025 (before Royal Assent) scpo_powers' method said "The Act is
    law; its first commencement regulations did not bring these provisions into force", and soc_strategy's "Not kept
    so far", beside a "not yet assessed" status; findings belong in dated evidence."""
    con = derive(REGISTER_FILE.read_text(), [])
    day = date(2025, 12, 1)
    got = dict(con.execute("SELECT pledge_id, explanation FROM marts.pledge_status_as_of(?) WHERE kind = 'qualitative'",
                           [day]).fetchall())
    for pledge_id, opening in (("scpo_powers", 'Status "in progress" since 10 Feb 2025'),   # the Bill's second reading
                               ("soc_strategy", "Not yet assessed on 1 Dec 2025")):
        text = got[pledge_id]
        assert text.startswith(opening), text
        told = text.replace(", set on 3 Dec 2026 from the evidence", "")   # the day of the judgment, not a fact
        for later in ("commencement", "is law", "Not kept so far", "none found", "was found", "2026"):
            assert later not in told, (pledge_id, later, text)
    # the findings are still said, from their date: in the evidence
    today = dict(con.execute("SELECT pledge_id, explanation FROM marts.pledge_status WHERE kind = 'qualitative'").fetchall())
    assert "No Serious and Organised Crime Strategy from the government elected in July 2024 was found" in today["soc_strategy"]
    assert "the serious crime prevention order reforms were not among them" in today["scpo_powers"]


def test_statuses_a_fact_checker_can_sign(derive):
    """A third reading of the register as a fact-checker would (rows 151-155):
    - counter_terror_powers' package includes the serious crime prevention order reforms, which the first commencement
      did not bring into force (scpo_powers says so too): "partly kept", not "kept";
    - europol_officers quotes two commitments and the evidence shows one (more officers at Europol): "partly kept";
    - europol_partnership's only evidence is that no agreement was found, and soc_strategy's that no strategy was:
      with no deadline, neither is "in progress" nor "not kept" but "not yet assessed", said as of the assessment,
      and neither makes a change in the feed;
    - the methods say what a figure is a proxy for (civil penalties: illegal working, not exploitation; "removals":
      returns, voluntary ones included) and why "taxpayer cash is seeping away" is not measurable."""
    con = derive(REGISTER_FILE.read_text(), [])
    status = {r[0]: r[1:] for r in con.execute("SELECT pledge_id, status, explanation FROM marts.pledge_status").fetchall()}
    assert status["counter_terror_powers"][0] == status["scpo_powers"][0].replace("in progress", "partly kept") == "partly kept"
    assert "the serious crime prevention order reforms were not among them" in status["counter_terror_powers"][1]
    assert status["europol_officers"][0] == "partly kept" and "Cross-Border Police" in status["europol_officers"][1]
    for pledge_id in ("europol_partnership", "soc_strategy"):
        state, explanation = status[pledge_id]
        # "looked into": a reader must not take "not yet assessed" for nobody having looked (audit 12)
        assert state == "not yet assessed" and explanation.startswith(
            "Looked into on 3 Dec 2026: not yet assessed as kept or not kept, as the evidence found by then "
            "settles no status yet. "), explanation
        assert "no deadline" in explanation
    # EVIDENCE.md suggests "in progress" for the Europol partnership; the register departs from it and says why
    assert "No negotiation or other UK step toward an agreement has been found, so it is not called in progress" \
        in status["europol_partnership"][1]
    moved = {r[0] for r in con.execute("SELECT subject FROM marts.changes WHERE kind = 'status'").fetchall()}
    assert not moved & {"europol_partnership", "soc_strategy"}
    method = dict(con.execute("SELECT pledge_id, method FROM marts.pledges").fetchall())
    assert "voluntary returns included" in method["fno_returns_up_21"]
    assert all("A proxy: the penalties are for employing people without the right to work" in method[p]
               for p in ("employer_penalties", "employer_penalty_value"))
    assert status["taxpayer_cash"][0] == "not measurable" and "names no amount, period or loss" in method["taxpayer_cash"]


def test_powers_pledges_are_in_progress_from_the_bills_second_reading(derive):
    """The four powers pledges ride on one Bill, which the Commons passed at second reading on 10 Feb 2025 (statement A:
    "This week, we voted for ..."). On 1 Jun 2025 they were "not yet assessed" while the same answer dated the column
    by that vote, and the Border Security Command, at a comparable stage, was "in progress" (row 162). Their statuses
    since say so without naming what came later (Royal Assent, commencement); counter_terror_powers' method names
    every power the statement says the package includes (row 163), and a status dated by month-precise evidence
    reads "since Dec 2024" in every reader (row 164)."""
    con = derive(REGISTER_FILE.read_text(), [])
    powers = ("counter_terror_powers", "phone_seizure_powers", "boats_engines_routes_powers", "scpo_powers")
    before = dict(con.execute("SELECT pledge_id, status FROM marts.pledge_status_as_of(DATE '2025-02-09')").fetchall())
    assert before["scpo_powers"] == "not yet assessed"        # statement A's three: not yet said on 9 Feb 2025
    for day in (date(2025, 6, 1), date(2025, 12, 2)):
        got = dict(con.execute("SELECT pledge_id, status FROM marts.pledge_status_as_of(?)", [day]).fetchall())
        assert {got[p] for p in powers} == {"in progress"}, (day, got)
    text = dict(con.execute("SELECT pledge_id, explanation FROM marts.pledge_status_as_of(DATE '2025-06-01')").fetchall())
    for pledge_id in powers:
        # from the vote (10 Feb 2025); statement A's three told from the day it pledged them (14 Feb 2025)
        since = ("10 Feb 2025" if pledge_id == "scpo_powers"
                 else "14 Feb 2025, when it was said, on evidence dated 10 Feb 2025")
        assert text[pledge_id].startswith(f'Status "in progress" since {since}, '), text[pledge_id]
        assert "Royal Assent" not in text[pledge_id] and "in force from" not in text[pledge_id]
    method = dict(con.execute("SELECT pledge_id, method FROM marts.pledges").fetchall())
    assert all(words in method["counter_terror_powers"] for words in
               ("seize and search phones", "boats, engines and routes", "serious crime prevention orders"))
    labels = dict(con.execute("SELECT pledge_id, status_since_label FROM marts.pledge_status WHERE kind = 'qualitative'").fetchall())
    assert labels["france_germany"] == "14 Feb 2025, when it was said, on evidence dated Dec 2024"
    assert labels["border_security_command"] == "5 Jan 2026"


def test_an_as_of_answer_quotes_only_words_said_by_its_date(derive):
    """small_boats quotes statement B (2024) and also statement A (14 Feb 2025): asked about 1 Aug 2024, the answer
    showed "Also: gangs left in control along the Channel ... 14 Feb 2025", words nobody had written yet (audit 15)."""
    con = derive(REGISTER_FILE.read_text(), [])
    register = tomllib.loads(REGISTER_FILE.read_text())
    said_on = {key: statement["said_on"] for key, statement in register["statements"].items()}
    checked = 0
    for entry in register["entry"]:
        for also in entry.get("also_quoted", []):
            day = said_on[also["statement"]]
            for asked, shown in ((day - timedelta(days=1), False), (day, True)):
                row = status_on(con, entry["id"], asked)
                quotes = [q["quote"] for q in row["also_quoted"]]
                assert (also["quote"] in quotes) is shown, (entry["id"], asked, quotes)
                checked += not shown and row["status"] != "not yet said"
    assert checked >= 1       # small_boats on 13 Feb 2025: said (statement B), its statement A extract not yet
