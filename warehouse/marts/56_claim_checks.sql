-- Answers: for each claim in the register, what do the official figures say over the period it refers to,
-- is the claim borne out, and on which release does that rest? One row per claim (marts.claim_checks), and
-- the same at every vintage (staging.claim_check_vintages, marts.claim_checks_as_of).
--
-- Method (also in warehouse/pledges.toml):
-- * A claim is checked on one measure, or on several (`parts`: visits and arrests; net migration and
--   immigration), each part with its own verdict; `combine` says how they add up: all (consistent only
--   if every part is) or any (partly consistent when some parts are and others are not).
-- * Each part is checked three ways: on the latest official statistics, on the official statistics
--   published when the claim was made, and on the Home Office's ad-hoc note for exactly the claimed days.
--   The headline verdict rests on the note where one is loaded (it covers exactly the claimed days),
--   the official statistics corroborating; otherwise on the latest official statistics.
-- * Official periods count when at least half their days fall in the claimed period (year-ending and
--   note periods must match exactly); under 75% of the claimed days covered, the figures are not in yet.
--   A total whose official periods do not match the claimed days is compared as a daily rate.
-- The steps are 50_claim_scope.sql to 55_claim_verdicts.sql; this file reads temp.claim_register,
-- temp.claim_vintages and temp.claim_verdicts (one row per claim, vintage and basis).
--
-- staging.claim_check_vintages works every check out at each publication date (vintage) of a claim's
-- metrics; marts.claim_checks_as_of(D) picks each claim's latest vintage on or before D and says
-- "not loaded here" where figures missing on D must already have been published (catalog lag).

-- Figures that were due by `as_of_date` and are not in the warehouse, in a reader's words (the report, feed and
-- export carry them). Where a release that may hold them (published after `awaited_end`, the end of the figures
-- awaited, and after the source's newest loaded release) was refused here (rejected as invalid, or held by the
-- release gate), it is named with why it is not used, in plain words (the checks' own findings are the operator's:
-- `pledges status`); else the reader is sent to the publisher's page. `consequence` follows "not loaded here"
-- (', so this status may be out of date', or ''); `awaited` is what is missing, as a pronoun ('them': figures;
-- 'it': a Home Office ad-hoc note). `published_by`: for an ad-hoc note, the day the note awaited was out by; each
-- note covers its own days, so a release that may hold it is one published by then, whatever loaded since (a later
-- note is not it; audit 26 F3); NULL for a series.
CREATE OR REPLACE MACRO staging.not_loaded_words(source, as_of_date, awaited_end, published_by, page_url, consequence,
                                                 awaited) AS coalesce((
    SELECT 'not loaded here' || consequence || ': a release that may hold ' || awaited || ', '
           || staging.release_words(r.file_name, r.published_on, r.date_basis) || ', '
           || CASE WHEN r.status = 'held' THEN 'is held back for review: its figures failed this tracker''s plausibility checks'
                   -- a parse process out of time or memory (flows/parse_workers.py): the file may well be sound
                   WHEN r.error LIKE '%exceeded parser limits%'
                   THEN 'could not be read within this tracker''s time and memory limits, so it is not used yet'
                   ELSE 'was refused: the file failed this tracker''s checks of its layout and values' END
           || '; the publisher''s figures are at ' || page_url || '.'
    FROM meta.releases r
    WHERE r.source_id = source AND r.status IN ('rejected', 'held') AND r.published_on <= as_of_date
      AND r.published_on > awaited_end
      AND CASE WHEN published_by IS NOT NULL THEN r.published_on <= published_by
               ELSE r.published_on > coalesce((SELECT max(l.published_on) FROM meta.releases l WHERE l.source_id = source
                                               AND l.status = 'loaded' AND l.published_on <= as_of_date), DATE '0001-01-01') END
    ORDER BY r.published_on DESC, r.fetched_at DESC LIMIT 1),
    'published, but not loaded here' || consequence || '; get ' || awaited || ' from ' || page_url || '.');

-- A verdict as known on a day: figures still missing then that must already have been published by it
-- (catalog lag) are "not loaded here", not "not yet published". Used for the when-made verdict (the day the claim
-- was made), the as-of answers and the change feed (70_changes.sql: the day of each change).
CREATE OR REPLACE MACRO staging.verdict_known_on(verdict, due_on, on_day) AS
    CASE WHEN verdict = 'not yet published' AND due_on <= on_day THEN 'not loaded here' ELSE verdict END;

CREATE OR REPLACE TEMP TABLE claim_vintages_new AS
WITH headline AS (   -- which basis each vintage's headline verdict rests on: hand-set evidence for a qualitative
                     -- claim, the Home Office's ad-hoc note where its verdict is in, else the latest official statistics
    SELECT c.pledge_id, v.vintage,
           CASE WHEN c.kind = 'qualitative' THEN 'hand'
                WHEN n.verdict IS NOT NULL AND n.verdict <> 'not yet published' THEN 'note'
                ELSE 'latest' END AS headline_basis
    FROM temp.claim_register c
    JOIN temp.claim_vintages v USING (pledge_id)
    LEFT JOIN temp.claim_verdicts n ON n.pledge_id = c.pledge_id AND n.vintage = v.vintage AND n.basis = 'note'
)
SELECT c.pledge_id AS claim_id, v.vintage, c.title, c.statement, c.quote, c.said_by, c.said_on,
       -- the metric of the figures beside the verdict: the note's where the verdict rests on the note
       CASE WHEN h.headline_basis = 'note' THEN coalesce(c.note_metric, pn.note_metric) ELSE c.metric_id END AS metric_id,
       c.check_type,
       c.claimed_value, c.claimed_direction, c.claim_start, c.claim_end, c.method,
       CASE h.headline_basis WHEN 'hand' THEN c.manual_status
                             WHEN 'note' THEN n.verdict
                             ELSE coalesce(l.verdict, 'not yet published') END AS verdict,
       CASE WHEN h.headline_basis = 'hand' THEN 'evidence set by hand (' || strftime(c.manual_status_on, '%-d %b %Y') || ')'
            WHEN h.headline_basis = 'note' THEN 'Home Office ad-hoc note, release ' || n.release_id
            -- the source by its title: a claim read from a Home Office ad-hoc note is not called official statistics
            WHEN l.release_id IS NOT NULL THEN coalesce(c.source_title, 'official statistics') || ', release ' || l.release_id
            ELSE 'none yet' END AS verdict_source,
       CASE h.headline_basis WHEN 'hand' THEN c.method
            WHEN 'note' THEN
                 'The claim is checked on the Home Office''s ad-hoc note (figures it publishes between its quarterly statistics), which covers exactly the claimed days: '
                 || n.explanation || ' Official statistics'
                 || CASE WHEN l.verdict IS NULL OR l.verdict = 'not yet published' THEN ' do not yet cover the claim: '
                         WHEN l.verdict = n.verdict THEN ' corroborate: ' ELSE ' differ (' || l.verdict || '): ' END
                 || l.explanation
            ELSE staging.capitalised(l.explanation)
                 || CASE WHEN pn.note_metric IS NOT NULL
                         THEN ' No Home Office ad-hoc note for exactly the claimed days is loaded.' ELSE '' END
       END AS explanation,
       -- the figures the verdict rests on, from the same basis as the verdict (hv: the Home Office's ad-hoc note where it is
       -- judged on the note: a card or dashboard showing the quarters' 16,800 beside a verdict read from the note's
       -- 18,987 contradicted it); the official statistics' own figures are in statistics_* beside them
       hv.official_value, hv.official_measure,
       CASE WHEN c.kind = 'quantitative' THEN CASE WHEN c.check_type IN ('pct_change', 'fall', 'direction') THEN '% change'
                                                   WHEN c.check_type = 'ratio' THEN 'times' ELSE c.unit END END AS measure_unit,
       hv.comparison_value, hv.comparison_periods, hv.official_periods, hv.period_start, hv.period_end,
       hv.covered_days, hv.claimed_days, hv.extra_days,
       -- daily rates only where a total is judged as one (4 flights / 211 days means nothing to a reader)
       CASE WHEN c.check_type = 'total' THEN hv.official_rate END AS official_rate,
       CASE WHEN c.check_type = 'total' THEN hv.claimed_rate END AS claimed_rate,
       CASE WHEN c.check_type = 'total' AND NOT hv.exact THEN 'daily rate' WHEN c.kind = 'quantitative' THEN 'as published' END AS compared_as,
       CASE WHEN c.kind = 'qualitative' THEN c.manual_status ELSE coalesce(l.verdict, 'not yet published') END AS official_verdict,
       l.official_value AS statistics_value, l.official_measure AS statistics_measure, l.official_periods AS statistics_periods,
       hv.part_verdicts, hv.release_id, hv.published_on,
       -- where the figures beside the verdict are published (the note's page for a verdict on the note); due_on stays
       -- the statistics' (what "not loaded here" rests on when the verdict is theirs)
       l.due_on, hv.page_url AS source_page_url, hv.publisher,
       -- when made: the note published by then where one covered the claimed days, else the official statistics
       coalesce(wn.official_value, w.official_value) AS when_made_official_value,
       coalesce(wn.official_measure, w.official_measure) AS when_made_official_measure,
       coalesce(wn.official_periods, w.official_periods) AS when_made_official_periods,
       CASE WHEN c.kind = 'qualitative' THEN hw.status   -- the verdict the evidence supported on the day
            -- due by the day the claim was made: published then, but no such release is loaded
            -- due by the day the claim was made: published then, but no such release is loaded (the official
            -- figures, or the Home Office's ad-hoc note the claim quotes)
            ELSE staging.verdict_known_on(staging.verdict_known_on(coalesce(wn.verdict, w.verdict, 'not yet published'),
                                                                   w.due_on, c.said_on), n.due_on, c.said_on)
       END AS when_made_verdict,
       CASE WHEN c.kind = 'qualitative' THEN hw.explanation
            -- a sentence, capitalised as the explanation is (its measure's words are in lower case)
            ELSE staging.capitalised(coalesce(wn.explanation, w.explanation || CASE WHEN n.due_on <= c.said_on
                 THEN ' The Home Office''s ad-hoc note the claim quotes was published by ' || strftime(n.due_on, '%-d %b %Y')
                      || ', but is not loaded here.' ELSE '' END)) END AS when_made_explanation,
       coalesce(wn.release_id, w.release_id) AS when_made_release_id,
       -- a claim checked on several measures names its first part's note metric (as metric_id its first measure)
       coalesce(c.note_metric, pn.note_metric) AS note_metric,
       n.official_value AS note_value, n.official_measure AS note_measure, n.comparison_value AS note_comparison_value,
       n.verdict AS note_verdict, staging.capitalised(n.explanation) AS note_explanation, n.release_id AS note_release_id,
       n.due_on AS note_due_on, n.page_url AS note_page_url, n.publisher AS note_publisher
FROM temp.claim_register c
JOIN temp.claim_vintages v USING (pledge_id)
JOIN headline h ON h.pledge_id = c.pledge_id AND h.vintage = v.vintage
LEFT JOIN temp.claim_verdicts l ON l.pledge_id = c.pledge_id AND l.vintage = v.vintage AND l.basis = 'latest'
LEFT JOIN temp.claim_verdicts hv ON hv.pledge_id = c.pledge_id AND hv.vintage = v.vintage   -- the headline's basis
     AND hv.basis = CASE h.headline_basis WHEN 'note' THEN 'note' ELSE 'latest' END
LEFT JOIN temp.claim_verdicts w ON w.pledge_id = c.pledge_id AND w.vintage = v.vintage AND w.basis = 'when_made'
LEFT JOIN temp.claim_verdicts n ON n.pledge_id = c.pledge_id AND n.vintage = v.vintage AND n.basis = 'note'
LEFT JOIN temp.claim_verdicts wn ON wn.pledge_id = c.pledge_id AND wn.vintage = v.vintage AND wn.basis = 'note_when_made'
     AND wn.verdict <> 'not yet published'
LEFT JOIN (SELECT pledge_id, arg_min(note_metric, part_no) AS note_metric   -- the first part's note metric, if any
           FROM staging.claim_parts WHERE note_metric IS NOT NULL GROUP BY pledge_id) pn ON pn.pledge_id = c.pledge_id
LEFT JOIN LATERAL staging.hand_status_as_of(c.said_on) hw ON hw.pledge_id = c.pledge_id   -- set by hand, as of the day said
ORDER BY c.pledge_id, v.vintage;

-- Stored in place: the scope's vintages replaced, earlier ones kept; next_vintage: the claim's vintage after each
-- (a vintage answers for the dates from its own to the next).
CREATE TABLE IF NOT EXISTS staging.claim_check_vintages AS
SELECT *, NULL::DATE AS next_vintage FROM temp.claim_vintages_new WITH NO DATA;
DELETE FROM staging.claim_check_vintages v USING temp.claim_scope s WHERE v.claim_id = s.pledge_id AND v.vintage >= s.from_date;
INSERT INTO staging.claim_check_vintages SELECT *, NULL::DATE AS next_vintage FROM temp.claim_vintages_new;
UPDATE staging.claim_check_vintages v SET next_vintage = n.next_vintage
FROM (SELECT claim_id, vintage, lead(vintage) OVER (PARTITION BY claim_id ORDER BY vintage) AS next_vintage
      FROM staging.claim_check_vintages WHERE claim_id IN (SELECT pledge_id FROM temp.claim_scope)) n
WHERE v.claim_id = n.claim_id AND v.vintage = n.vintage AND v.next_vintage IS DISTINCT FROM n.next_vintage;
DROP TABLE temp.claim_vintages_new;

-- What was known on a date: each claim's latest vintage on or before it (a filter on the vintages). Figures
-- still missing on that date (and today) that must already have been published are "not loaded here", with the
-- page to get them.
-- A Home Office ad-hoc note a claim rests on, out by `due` (at the latest the day the claim was made) and not loaded here,
-- in words: `what` says which note ("whose figures the claim repeats", "with figures for the claimed days"). A note
-- of `source` published after the claimed days that this tracker refused is named, as for figures (not_loaded_words).
CREATE OR REPLACE MACRO staging.note_out_words(publisher, what, due, said_on, page_url, source, as_of_date, claim_end) AS
    ' The ' || publisher || ' ad-hoc note ' || what || ' was out by ' || strftime(due, '%-d %b %Y')
    || CASE WHEN due = said_on THEN ', the day the claim was made' ELSE '' END
    || ': ' || staging.not_loaded_words(source, as_of_date, claim_end, due, page_url, '', 'it');

CREATE OR REPLACE MACRO marts.claim_checks_as_of(as_of_date) AS TABLE
SELECT v.* EXCLUDE (vintage, next_vintage, verdict, explanation, official_verdict, note_due_on, note_page_url,
                   note_publisher, metric_period_type, metric_source_id, note_source_id, figures_to, awaited_end)
           -- the note's own verdict as known on the date: a note overdue by then is not loaded here
           REPLACE (staging.verdict_known_on(note_verdict, note_due_on, least(as_of_date, current_date)) AS note_verdict,
                    -- a claim not made by the date has no verdict as made yet (nothing of that day is known then)
                    CASE WHEN ny.said IS NULL THEN when_made_official_value END AS when_made_official_value,
                    CASE WHEN ny.said IS NULL THEN when_made_official_measure END AS when_made_official_measure,
                    CASE WHEN ny.said IS NULL THEN when_made_official_periods END AS when_made_official_periods,
                    CASE WHEN ny.said IS NULL THEN when_made_verdict END AS when_made_verdict,
                    CASE WHEN ny.said IS NULL THEN when_made_explanation END AS when_made_explanation,
                    CASE WHEN ny.said IS NULL THEN when_made_release_id END AS when_made_release_id,
                    -- each measure's verdict as known on the date, as the claim's own
                    list_transform(part_verdicts, lambda p: struct_update(p, verdict := staging.verdict_known_on(
                        p.verdict, p.due_on, least(as_of_date, current_date)))) AS part_verdicts),
       CASE WHEN ny.said IS NOT NULL THEN 'not yet said'  -- asked about a day before the claim was made
            WHEN h.pledge_id IS NOT NULL THEN h.status   -- set by hand: the verdict the evidence supported on the date
            -- figures missing on the date that were published by then: the official ones, or the note the claim quotes
            ELSE staging.verdict_known_on(staging.verdict_known_on(verdict, due_on, least(as_of_date, current_date)),
                                          note_due_on, least(as_of_date, current_date)) END AS verdict,
       coalesce(ny.said, h.explanation, v.explanation || CASE
           WHEN verdict = 'not yet published' AND note_due_on <= least(as_of_date, current_date)
           THEN staging.note_out_words(note_publisher, 'whose figures the claim repeats', note_due_on, said_on, note_page_url,
                                     note_source_id, least(as_of_date, current_date), claim_end)
           ELSE '' END || CASE
           -- a claim read from a Home Office ad-hoc note alone (charter flights): the note, named as one, not statistics
           WHEN verdict = 'not yet published' AND due_on <= least(as_of_date, current_date) AND metric_period_type = 'range'
           THEN staging.note_out_words(publisher, 'with figures for the claimed days', due_on, said_on, source_page_url,
                                     metric_source_id, least(as_of_date, current_date), claim_end)
           WHEN verdict = 'not yet published' AND due_on <= least(as_of_date, current_date)
           THEN figures_to || ', were due by ' || strftime(due_on, '%-d %b %Y') || ' (' || publisher
                || '): ' || staging.not_loaded_words(metric_source_id, least(as_of_date, current_date), awaited_end,
                                                   NULL, source_page_url, '', 'them')
           WHEN verdict = 'not yet published' AND due_on IS NOT NULL AND metric_period_type = 'range'
           THEN ' The ' || publisher || ' ad-hoc note with figures for the claimed days is not due until ' || strftime(due_on, '%-d %b %Y') || '.'
           WHEN verdict = 'not yet published' AND due_on IS NOT NULL
           THEN figures_to || ', are not due until ' || strftime(due_on, '%-d %b %Y') || '.'
           ELSE '' END) AS explanation,
       CASE WHEN ny.said IS NOT NULL THEN 'not yet said'
            WHEN h.pledge_id IS NOT NULL THEN h.status
            ELSE staging.verdict_known_on(official_verdict, due_on, least(as_of_date, current_date)) END AS official_verdict
-- the figures a missing claim waits for, worked out once per row (the last whole period within the claim)
FROM (SELECT c.*, m.period_type AS metric_period_type, m.source_id AS metric_source_id, nm.source_id AS note_source_id,
             ' Figures to ' || strftime(l.last_end, '%-d %b %Y') || staging.covering_words(c.claim_start, c.claim_end, l.last_end, c.check_type)
                 AS figures_to, l.last_end AS awaited_end
      FROM staging.claim_check_vintages c
      LEFT JOIN marts.metrics m ON m.metric_id = c.metric_id
      LEFT JOIN marts.metrics nm ON nm.metric_id = c.note_metric,
      LATERAL (SELECT staging.last_period_end(m.period_type, c.claim_end) AS last_end) l) v
LEFT JOIN staging.hand_status_as_of(as_of_date) h ON h.pledge_id = v.claim_id
LEFT JOIN (SELECT p.pledge_id, staging.not_yet_said(as_of_date, p.said_on, p.said_by,
                                                      coalesce(st.cited_as, st.title, 'statement ' || p.statement), p.said_on_basis) AS said
           FROM marts.pledges p LEFT JOIN staging.statements st ON st.statement = p.statement) ny ON ny.pledge_id = v.claim_id
WHERE vintage <= as_of_date AND (next_vintage IS NULL OR next_vintage > as_of_date)
ORDER BY claim_id;

-- Today's checks: rewritten on every build (they depend on today's date: figures due by now are "not loaded here").
CREATE OR REPLACE TABLE marts.claim_checks AS SELECT * FROM marts.claim_checks_as_of(DATE '9999-12-31');

COMMENT ON TABLE marts.claim_checks IS 'One row per claim: the official figure over the claimed period (latest revision, and as published when the claim was made), the Home Office''s ad-hoc note where one covers the claimed days, the verdict and an explanation in plain words.';
COMMENT ON COLUMN marts.claim_checks.title IS 'A human title of the claim.';
COMMENT ON COLUMN marts.claim_checks.method IS 'How the claim is checked (from the register).';
COMMENT ON COLUMN marts.claim_checks.official_value IS 'The figure the verdict rests on, over official_periods: the Home Office''s ad-hoc note''s where verdict_source names the note, else the official statistics'' total (latest revision); record_high: the peak. Several measures: the first. With official_measure, comparison_value, official_periods, comparison_periods, the coverage columns, part_verdicts and release_id, from the same basis as the verdict.';
COMMENT ON COLUMN marts.claim_checks.metric_id IS 'The metric of official_value: the Home Office''s ad-hoc note''s metric (note_metric) where the verdict rests on the note, else the official statistics'' (several measures: the first).';
COMMENT ON COLUMN marts.claim_checks.statistics_value IS 'The latest official statistics'' total over statistics_periods, whatever the verdict rests on (where it rests on the Home Office''s ad-hoc note, the statistics that corroborate or differ: official_verdict).';
COMMENT ON COLUMN marts.claim_checks.statistics_measure IS 'The official statistics'' measure (a percentage change, a ratio or a total, in measure_unit), as official_measure is for the verdict''s basis.';
COMMENT ON COLUMN marts.claim_checks.statistics_periods IS 'The official statistics'' periods behind statistics_value.';
COMMENT ON COLUMN marts.claim_checks.official_measure IS 'What is compared with claimed_value: the total, the percentage change, the ratio or the peak. A percentage change has one decimal, a ratio two, or more where that rounding would hide the verdict (the verdict is judged on the unrounded figure: +20.96% is not within 3 points of +24%).';
COMMENT ON COLUMN marts.claim_checks.measure_unit IS 'The unit of official_measure and claimed_value: % change (pct_change, fall, direction; official_measure is signed, a fall negative, while a fall check''s claimed_value is the size of the fall, positive), times (ratio), else the metric''s unit.';
COMMENT ON COLUMN marts.claim_checks.comparison_periods IS 'The periods comparison_value covers, e.g. 2018/19.';
COMMENT ON COLUMN marts.claim_checks.comparison_value IS 'The same period a year before (pct_change, at_least), the base period (ratio, direction, fall), the highest earlier period (record_high), or the highest other run of as many consecutive periods (highest_since).';
COMMENT ON COLUMN marts.claim_checks.official_periods IS 'The official periods used, e.g. 2024 Q3–2024 Q4.';
COMMENT ON COLUMN marts.claim_checks.covered_days IS 'Claimed days inside the official periods used (of claimed_days); extra_days lie outside the claim.';
COMMENT ON COLUMN marts.claim_checks.official_rate IS 'Claims of a total: the official total per day over the official periods used (compared as daily rates when those periods are not the claimed days; see compared_as). NULL for other checks.';
COMMENT ON COLUMN marts.claim_checks.claimed_rate IS 'Claims of a total: the claimed value per claimed day. NULL for other checks.';
COMMENT ON COLUMN marts.claim_checks.compared_as IS 'daily rate where a total''s official periods are not the claimed days, else as published.';
COMMENT ON COLUMN marts.claim_checks.verdict IS 'consistent, partly consistent, overstated, understated, not borne out (a claimed direction the figures contradict), not yet published, not loaded here or not measurable: from the Home Office''s ad-hoc note where one covers the claimed days, else the latest official statistics (see verdict_source); qualitative claims: set by hand from evidence. claim_checks_as_of(D) for a D before the claim was made: not yet said.';
COMMENT ON COLUMN marts.claim_checks.verdict_source IS 'What the verdict rests on: the Home Office''s ad-hoc note, the source of the claim''s series by its title (with the release), or hand-set evidence.';
COMMENT ON COLUMN marts.claim_checks.official_verdict IS 'The verdict from the latest official statistics alone.';
COMMENT ON COLUMN marts.claim_checks.part_verdicts IS 'Each measure the claim is checked on: its label (part; NULL for a claim checked on one measure), metric, verdict as known on the date (not loaded here: its figures were due by due_on but are not loaded), official measure, the periods it is over (official_periods) and due_on.';
COMMENT ON COLUMN marts.claim_checks.due_on IS 'Where figures are missing: the date by which the official figures covering the claim must have been published (catalog publication lag).';
COMMENT ON COLUMN marts.claim_checks.source_page_url IS 'The publisher''s page for the figures the verdict rests on: the Home Office''s ad-hoc note''s where verdict_source names the note, else the official series''.';
COMMENT ON COLUMN marts.claim_checks.publisher IS 'Publisher of the figures the verdict rests on (the note''s, or the official series'').';
COMMENT ON COLUMN marts.claim_checks.note_metric IS 'Metric from the Home Office ad-hoc note the claim quotes (period_type range), if any; a claim checked on several measures: the first part''s.';
COMMENT ON COLUMN marts.claim_checks.note_value IS 'The ad-hoc note''s figure for exactly the claimed period.';
COMMENT ON COLUMN marts.claim_checks.note_measure IS 'As official_measure, from the ad-hoc note.';
COMMENT ON COLUMN marts.claim_checks.note_comparison_value IS 'The ad-hoc note''s figure for the same period 12 months prior.';
COMMENT ON COLUMN marts.claim_checks.note_verdict IS 'The claim checked against the ad-hoc note''s figures; not loaded here when no note for the claimed days is loaded though one was due by then (not yet published before).';
COMMENT ON COLUMN marts.claim_checks.note_explanation IS 'As explanation, for the ad-hoc note.';
COMMENT ON COLUMN marts.claim_checks.note_release_id IS 'The ad-hoc note release (marts.releases) used.';
COMMENT ON COLUMN marts.claim_checks.when_made_verdict IS 'The verdict from data published on or before said_on: the Home Office''s ad-hoc note published by then where one covered the claimed days, else the official statistics; not loaded here where the official figures were due by then but no release published by then is loaded.';
COMMENT ON COLUMN marts.claim_checks.release_id IS 'The newest release the latest official verdict rests on.';

COMMENT ON MACRO TABLE marts.claim_checks_as_of IS 'marts.claim_checks as known on date D: each claim''s verdict and explanation from releases published on or before D (figures overdue by then: not loaded here; a D before the claim was made: not yet said).';
