-- A metric's title as words within an explanation sentence: without its period suffix, and its first letter in lower
-- case unless the first two words are capitalised or the first is an acronym ("Net migration to the UK, year ending
-- each quarter" -> "net migration to the UK"; "UK visas" and "Home Office figures" stay as they are). A sentence that
-- starts with them is capitalised where it is put together (56_claim_checks.sql).
CREATE OR REPLACE MACRO staging.metric_words(title) AS
    CASE WHEN regexp_matches(title, '^[A-Z][a-z]*(-[a-z]+)*([ ,(]+[^A-Z]|$)') THEN lower(left(title, 1)) ELSE left(title, 1) END
    || regexp_replace(title, '(, (per|at the end of each|year ending each) [a-z ]+( \(.*\))?| since 5 July 2024 \(ad-hoc notes\))$', '')[2:];

-- Words that start a sentence, with a capital (a measure's words, staging.metric_words, are in lower case).
CREATE OR REPLACE MACRO staging.capitalised(words) AS upper(left(words, 1)) || words[2:];

-- Answers: what was promised or claimed, by whom and when, in whose exact words, and how is each
-- checked? One row per entry of warehouse/pledges.toml (the register), none left out.
-- Built with the register (a full build: warehouse/build.py drops it when the register or catalog changed).
CREATE TABLE IF NOT EXISTS marts.pledges AS
SELECT r.id AS pledge_id, r.title, r.type, r.statement, s.title AS statement_title, s.cited_as AS statement_cited_as,
       r.quote,
       -- each other extract with who said it and when (its statement's), for a reader to tell the two voices apart
       coalesce((SELECT list({'statement': a.q.statement, 'quote': a.q.quote, 'said_by': st.said_by, 'said_on': st.said_on,
                              'statement_title': st.title, 'cited_as': st.cited_as, 'said_on_basis': st.date_basis} ORDER BY a.n)
                 FROM (SELECT unnest(r.also_quoted) AS q, generate_subscripts(r.also_quoted, 1) AS n) a
                 LEFT JOIN staging.statements st ON st.statement = a.q.statement), []) AS also_quoted,
       s.verbatim AS quote_verbatim, r.said_by, r.said_on, s.date_basis AS said_on_basis, r.kind, r.method,
       r.metric AS metric_id, m.title AS metric_title, m.unit, r.related_metrics, r.note_metric, r.provisional_metric,
       r.direction, r.direction_from, r.target, r.target_date, r.progress_period, r.baseline, r.baseline_start, r.baseline_end, r.track_from,
       r.views, r.status_view,
       CASE WHEN r.type = 'pledge' AND r.kind = 'quantitative'
            THEN staging.first_compared_end(r.status_view, r.views, r.progress_period, r.track_from, r.baseline,
                                            coalesce(m.measure, 'flow'), r.baseline_end) END AS first_compared_end,
       r."check" AS check_type, r.claimed_value, r.claimed_direction, r.claim_start, r.claim_end,
       r.base_start, r.base_end, r.since, r.tolerance, r.combine,
       r.status AS manual_status, r.status_on AS manual_status_on, r.status_since, r.earlier_statuses, r.evidence, r.note,
       CASE WHEN r.kind = 'qualitative' THEN 'not measurable from official statistics'
            WHEN m.metric_id IS NULL THEN 'source not yet in the catalog'
            ELSE 'measured by ' || r.metric END AS measurability,
       m.source_id, m.source_title, m.publisher, m.page_url AS source_page_url, m.publication_lag_months
FROM staging.register r
LEFT JOIN staging.statements s ON s.statement = r.statement
LEFT JOIN marts.metrics m ON m.metric_id = r.metric;

COMMENT ON TABLE marts.pledges IS 'The pledge register: every pledge and claim of the source statements, in their exact words, with how each is checked.';
COMMENT ON COLUMN marts.pledges.title IS 'A human title (e.g. Returns: 19,000 in seven months).';
COMMENT ON COLUMN marts.pledges.statement IS 'Which statement: A (Home Secretary''s column, week of 10 Feb 2025), B (Labour''s plan against smuggling gangs, Sep 2023), or a commitment outside them.';
COMMENT ON COLUMN marts.pledges.statement_title IS 'What the statement is.';
COMMENT ON COLUMN marts.pledges.statement_cited_as IS 'How readers see the statement cited after its title: statement A, statement A, introduction (its unsigned opening paragraphs), statement B; NULL for words as reported outside the two statements.';
COMMENT ON COLUMN marts.pledges.quote IS 'The exact words (an extract of the statement; ... joins extracts of one sentence), unless quote_verbatim is false.';
COMMENT ON COLUMN marts.pledges.also_quoted IS 'Other extracts the entry covers: statement, quote, and who said it and when (said_by, said_on, statement_title, cited_as: as the statement is cited; said_on_basis: how its date is known).';
COMMENT ON COLUMN marts.pledges.quote_verbatim IS 'True where the quote is an exact extract of source statement A or B (checked against their text); false for words as reported by the press (said_on_basis names the report).';
COMMENT ON COLUMN marts.pledges.said_on IS 'Date of the statement (inferred where the statement carries none: see said_on_basis).';
COMMENT ON COLUMN marts.pledges.said_on_basis IS 'How the date is known.';
COMMENT ON COLUMN marts.pledges.type IS 'pledge (tracked in marts.pledge_progress) or claim (checked in marts.claim_checks).';
COMMENT ON COLUMN marts.pledges.kind IS 'quantitative (read from metrics) or qualitative (manual_status and evidence set by hand).';
COMMENT ON COLUMN marts.pledges.method IS 'How it is checked, in one sentence (from the register).';
COMMENT ON COLUMN marts.pledges.baseline IS 'same_period_year_before, fixed (baseline_start to baseline_end), or trajectory (straight line from the level at baseline_end to target at target_date).';
COMMENT ON COLUMN marts.pledges.target_date IS 'The date the target is due (trajectory baselines).';
COMMENT ON COLUMN marts.pledges.provisional_metric IS 'Pledges: a provisional series whose periods after the main series'' last one are shown beside the status, never counted in it (the small-boats "last 7 days" page''s days; DfE''s part-year academic year).';
COMMENT ON COLUMN marts.pledges.views IS 'Extra comparisons kept in marts.pledge_progress: rolling_12_months, calendar_year_to_date, since_track_from.';
COMMENT ON COLUMN marts.pledges.first_compared_end IS 'Quantitative pledges: the end of the first period the status can rest on (its figures are due a publication lag later): the progress period holding track_from; for a rolling 12 months status, the day the days since track_from hold four weeks (until a 12-month window starts in the month of track_from, the status rests on them); for a flow against a fixed baseline, the first period with no day in the baseline (net migration: the year ending June 2025, against the year ending June 2024).';
COMMENT ON COLUMN marts.pledges.status_view IS 'Which view sets the status: period (the latest complete period) or one of views.';
COMMENT ON COLUMN marts.pledges.check_type IS 'How a claim is checked: total, pct_change, highest_since, ratio, direction, fall, record_high or at_least.';
COMMENT ON COLUMN marts.pledges.tolerance IS 'Agreement margin: relative for totals (0.05 = 5%), percentage points for pct_change.';
COMMENT ON COLUMN marts.pledges.combine IS 'Claims checked on several measures: all (consistent only if every one is) or any (partly consistent when some are).';
COMMENT ON COLUMN marts.pledges.note_metric IS 'For claims quoting a Home Office ad-hoc note: the note''s metric, checked beside the official statistics.';
COMMENT ON COLUMN marts.pledges.manual_status IS 'Qualitative entries: status set by hand from dated evidence (pledges: kept, partly kept, in progress, not kept, not yet assessed; claims: consistent, overstated, understated, not borne out, not measurable).';
COMMENT ON COLUMN marts.pledges.status_since IS 'Qualitative entries: the day from which the evidence supports manual_status (an evidence item''s date, or manual_status_on for "none found by then").';
COMMENT ON COLUMN marts.pledges.earlier_statuses IS 'Qualitative entries: the statuses the evidence supported before status_since (status, since, why).';
COMMENT ON COLUMN marts.pledges.evidence IS 'Qualitative entries: the evidence behind the status (url: the publisher''s own address; read_at: a copy on another site the text was read at, if any; publisher, date, summary, and known_on: the day it counts from in as-of answers, a month or year counting from its last day).';
COMMENT ON COLUMN marts.pledges.measurability IS 'Which metric measures it, or why none does.';
COMMENT ON COLUMN marts.pledges.source_page_url IS 'The publisher''s page for the metric''s source.';
COMMENT ON COLUMN marts.pledges.publication_lag_months IS 'Months after a period ends by which the source publishes it (from the catalog); 0: one release interval after the period ends (7 days for the weekly small-boats series).';

-- Answers: for the entries whose status is set by hand (qualitative), which status held when? One row per
-- status with the days it held (since, until: NULL = open) and the status after it: the register's
-- earlier_statuses, then its current status from status_since, and "not yet assessed" before the first.
-- "not measurable" holds at every date. held_since: when the status began to hold, over consecutive steps with the
-- same status (in progress from the second reading, still in progress at Royal Assent: in progress since the vote).
CREATE OR REPLACE VIEW staging.hand_status_steps AS
WITH set_by_hand AS (
    SELECT pledge_id, manual_status AS status, status_since AS since, NULL::VARCHAR AS why, true AS is_current
    FROM marts.pledges WHERE kind = 'qualitative'
    UNION ALL
    SELECT pledge_id, s.status, s.since, s.why, false
    FROM (SELECT pledge_id, unnest(earlier_statuses) AS s FROM marts.pledges WHERE kind = 'qualitative')
),
steps AS (
    SELECT * FROM set_by_hand
    UNION ALL
    SELECT pledge_id, 'not yet assessed', NULL, NULL, false FROM set_by_hand GROUP BY pledge_id HAVING min(since) IS NOT NULL
)
SELECT * EXCLUDE (run, starts_run), min(since) OVER (PARTITION BY pledge_id, run) AS held_since
FROM (SELECT *, count(*) FILTER (WHERE starts_run) OVER (PARTITION BY pledge_id ORDER BY since NULLS FIRST) AS run
      FROM (SELECT pledge_id, status, since, lead(since) OVER w AS until, lead(status) OVER w AS next_status, why, is_current,
                   lag(status) OVER w IS DISTINCT FROM status AS starts_run
            FROM steps
            WINDOW w AS (PARTITION BY pledge_id ORDER BY since NULLS FIRST)));

-- A day a status holds from, as precisely as the evidence dated to it: 5 Jan 2026; Dec 2024 for an item dated only
-- to the month (it counts from the month's last day, never shown as that day); 2025 for one dated to the year.
CREATE OR REPLACE MACRO staging.evidence_day(day, evidence) AS
    CASE coalesce(list_max(list_transform(list_filter(evidence, lambda e: e.known_on = day), lambda e: length(e.date))), 10)
        WHEN 7 THEN strftime(day, '%b %Y') WHEN 4 THEN strftime(day, '%Y') ELSE strftime(day, '%-d %b %Y') END;

-- An evidence item's date as the register gives it (2025-12-02, 2025-12 or 2025), as people write it: 2 Dec 2025,
-- Dec 2025, 2025 (flows.formatting.fmt_evidence_date for the CLI and the report).
CREATE OR REPLACE MACRO staging.evidence_date_words(text) AS
    CASE length(text) WHEN 10 THEN strftime(text::DATE, '%-d %b %Y') WHEN 7 THEN strftime((text || '-01')::DATE, '%b %Y')
         ELSE text END;

-- Since when a status set from evidence holds, in words: as precisely as the evidence dates it, and never before
-- the entry was said (a claim made on 14 Feb 2025 on evidence of 2 Dec 2024 is consistent "since 14 Feb 2025, when
-- it was made, on evidence dated 2 Dec 2024": nothing is consistent or in progress before it was said).
CREATE OR REPLACE MACRO staging.status_since_words(held_since, said_on, entry_type, evidence) AS
    CASE WHEN held_since < said_on
         THEN strftime(said_on, '%-d %b %Y') || ', when it was ' || CASE entry_type WHEN 'claim' THEN 'made' ELSE 'said' END
              || ', on evidence dated ' || staging.evidence_day(held_since, evidence)
         ELSE staging.evidence_day(held_since, evidence) END;

-- What the evidence supported on a date (a filter on the steps): the status holding then, only the evidence dated
-- by then (its known_on: a month or a year counts from its last day), before the first status a sentence
-- saying none is supported yet, and the explanation a reader gets (marts.pledge_status_as_of, marts.claim_checks_as_of):
-- the status and since when, the method, and the evidence dated by then.
CREATE OR REPLACE MACRO staging.hand_status_as_of(as_of_date) AS TABLE
SELECT * EXCLUDE (type, method, manual_status_on, evidence_count, held_since, said_on),
       -- the day from which it holds, the day it was said at the earliest; none on a day before it was said (its
       -- status then is "not yet said": pledge_status_as_of)
       CASE WHEN as_of_date < said_on THEN NULL WHEN held_since < said_on THEN said_on ELSE held_since END AS status_since,
       CASE WHEN held_since IS NOT NULL AND as_of_date >= said_on
            THEN staging.status_since_words(held_since, said_on, type, evidence) END AS status_since_label,
       CASE WHEN status = 'not measurable' THEN 'Not measurable from official statistics. '
            WHEN not_yet_assessed IS NOT NULL THEN not_yet_assessed || ' '
            ELSE CASE type WHEN 'claim' THEN 'Verdict "' ELSE 'Status "' END || status || '"'
                 || coalesce(' since ' || staging.status_since_words(held_since, said_on, type, evidence), '')
                 || ', set on ' || strftime(manual_status_on, '%-d %b %Y') || ' from the evidence'
                 || CASE WHEN is_current THEN '. ' ELSE ' dated by then: ' || why || ' ' END END
       || method
       || CASE WHEN len(evidence) > 0
               THEN ' Evidence' || CASE WHEN len(evidence) < evidence_count THEN ' dated by ' || strftime(as_of_date, '%-d %b %Y') ELSE '' END
                    || ': ' || array_to_string(list_transform(evidence, lambda e: e.summary || ' (' || e.publisher || ', ' || staging.evidence_date_words(e.date) || ')'), '; ')
                    || '.'
               ELSE '' END AS explanation
FROM (
    SELECT h.pledge_id, h.status, h.held_since, p.said_on, h.why, h.is_current,
           list_filter(p.evidence, lambda e: e.known_on <= as_of_date) AS evidence,
           -- nothing from after the date: not the status the evidence later supports, nor when (an as-of answer says
           -- what could be known then)
           -- before the first status, or as the register's own status (nothing found yet: said on the day of the
           -- assessment at the latest, never a status to come)
           CASE WHEN h.status = 'not yet assessed' AND h.is_current AND as_of_date >= p.manual_status_on
                THEN 'Looked into on ' || strftime(p.manual_status_on, '%-d %b %Y') || ': not yet assessed as '
                     || CASE p.type WHEN 'claim' THEN 'consistent or not' ELSE 'kept or not kept' END
                     || ', as the evidence found by then settles no '
                     || CASE p.type WHEN 'claim' THEN 'verdict' ELSE 'status' END || ' yet.'
                WHEN h.status = 'not yet assessed' AND (h.until IS NOT NULL OR h.is_current)
                THEN 'Not yet assessed on ' || strftime(as_of_date, '%-d %b %Y')
                     || ': the evidence dated by then supports no '
                     || CASE p.type WHEN 'claim' THEN 'verdict' ELSE 'status' END || ' yet.'
           END AS not_yet_assessed,
           p.type, p.method, p.manual_status_on, len(p.evidence) AS evidence_count
    FROM staging.hand_status_steps h
    JOIN marts.pledges p USING (pledge_id)
    WHERE (h.since IS NULL OR h.since <= as_of_date) AND (h.until IS NULL OR h.until > as_of_date)
);

-- An entry asked about on a day before it was said (pledge_status_as_of, claim_checks_as_of): its status or
-- verdict that day is "not yet said", and this sentence says who said it and when; NULL on or after that day.
-- `cited`: the statement as readers know it (statement A, introduction; a statement outside the two by its title).
CREATE OR REPLACE MACRO staging.not_yet_said(as_of_date, said_on, said_by, cited, date_basis) AS
    CASE WHEN as_of_date < said_on
         THEN 'Not yet said on ' || strftime(as_of_date, '%-d %b %Y') || ': ' || said_by || ' said it on '
              || strftime(said_on, '%-d %b %Y') || ' (' || cited
              || CASE WHEN date_basis LIKE 'inferred%' THEN '; the date is inferred' ELSE '' END || ').' END;
