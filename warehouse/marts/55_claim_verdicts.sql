-- Answers: for each claim, vintage and basis, what is the verdict once the claim's parts are added up, and how
-- is it explained in plain words?
--
-- explained: one sentence per part and basis (the periods, the figures, the release). verdicts: the parts
-- added up as the claim's `combine` says: all (consistent only if every part is) or any (partly consistent
-- when some parts are and others are not); part_verdicts lists each part's verdict.

-- The figures a missing claim waits for end on `last_end`, the end of the last whole period within the claim: how
-- much of the claimed days they cover (the verdict needs 75%), so "to 31 Dec 2024" never reads as covering a claim
-- that runs to 31 Jan 2025.
CREATE OR REPLACE MACRO staging.covering_words(claim_start, claim_end, last_end, check_type) AS
    -- a claim set against base periods: its days are the period compared (whether the series gives each base, its
    -- measures' verdicts say: MoJ calendar years cannot give the year ending June 2019)
    CASE WHEN last_end >= claim_end AND check_type IN ('ratio', 'direction', 'fall') THEN ', covering the period compared'
         WHEN last_end >= claim_end THEN ', covering the claim'
         WHEN last_end < claim_start THEN ', covering none of the claimed days'
         ELSE ', covering ' || format('{:,d}', staging.days_in(claim_start, last_end)) || ' of the claim''s '
              || format('{:,d}', staging.days_in(claim_start, claim_end)) || ' days (' || staging.period_label('range', claim_start, last_end) || ')' END;

CREATE OR REPLACE TEMP TABLE claim_explained AS
SELECT *, CASE WHEN part_count > 1 THEN staging.capitalised(part_label) || ': ' ELSE '' END || body AS explanation
FROM (
SELECT j.*,
       -- a base the series cannot give (the year ending June 2019 from calendar years): why that measure is not measurable
       CASE WHEN j.base_off_grid
            THEN j.publisher || ' publishes ' || replace(j.metric_period_type, 'year', 'calendar year')
                 || 's, which cannot give the base period (' || strftime(j.base_start, '%-d %b %Y') || ' to '
                 || strftime(j.base_end, '%-d %b %Y') || ')' END AS off_grid_words,
       CASE
           WHEN j.official_value IS NULL THEN
               CASE j.basis WHEN 'note' THEN 'no Home Office ad-hoc note loaded gives ' || j.metric_words
                            -- the note the claim quotes was published by the day it was made (54_claim_judged.sql)
                            WHEN 'note_when_made' THEN CASE WHEN j.due_on <= j.said_on
                                 THEN 'no Home Office ad-hoc note loaded here that was published by ' || strftime(j.said_on, '%-d %b %Y') || ' gives ' || j.metric_words
                                 ELSE 'no Home Office ad-hoc note giving ' || j.metric_words || ' had been published' END
                            -- figures due by the day the claim was made were published: only not loaded here
                            WHEN 'when_made' THEN CASE WHEN j.due_on <= j.said_on
                                 THEN CASE WHEN j.metric_period_type = 'range' THEN 'no Home Office ad-hoc note' ELSE 'no release' END
                                      || ' loaded here that was published by ' || strftime(j.said_on, '%-d %b %Y') || ' gives ' || j.metric_words
                                 WHEN j.metric_period_type = 'range' THEN 'no Home Office ad-hoc note giving ' || j.metric_words || ' had been published'
                                 -- not "no figures had been published": earlier periods may have been, covering too
                                 -- few of the claimed days for a check (the returns quarter to 30 Sep 2024: 88 of 211)
                                 ELSE 'not enough official figures for ' || j.metric_words || ' had been published by '
                                      || strftime(j.said_on, '%-d %b %Y') || ' to check ' || strftime(j.claim_start, '%-d %b %Y')
                                      || ' to ' || strftime(j.claim_end, '%-d %b %Y') || ':'
                                      || ' figures to ' || strftime(staging.last_period_end(j.metric_period_type, j.claim_end), '%-d %b %Y')
                                      || staging.covering_words(j.claim_start, j.claim_end, staging.last_period_end(j.metric_period_type, j.claim_end), j.check_type)
                                      || ', were not due until ' || strftime(j.due_on, '%-d %b %Y') END
                            -- a figure only a Home Office ad-hoc note gives (charter flights) is not called official statistics
                            ELSE CASE WHEN j.metric_period_type = 'range' THEN 'no Home Office ad-hoc note loaded gives ' || j.metric_words
                                      ELSE 'no official figures for ' || j.metric_words || ' are loaded' END END
               || CASE WHEN j.check_type = 'record_high' THEN ''
                       WHEN j.basis = 'when_made' AND j.due_on > j.said_on AND j.metric_period_type <> 'range' THEN ''  -- named above
                       ELSE ' for ' || strftime(j.claim_start, '%-d %b %Y') || ' to ' || strftime(j.claim_end, '%-d %b %Y') END
               || coalesce(' (latest loaded: to ' || strftime(j.data_to, '%-d %b %Y') || ')', '')
               || CASE WHEN j.basis = 'when_made' AND j.due_on <= j.said_on
                       -- a figure only a Home Office ad-hoc note gives (charter flights): the note, not "official figures"
                       THEN CASE WHEN j.metric_period_type = 'range' THEN ', though the Home Office''s ad-hoc note with these figures was published by '
                                 ELSE ', though the official figures were due by ' END
                            || strftime(j.due_on, '%-d %b %Y') ELSE '' END || '.'
           ELSE
               CASE WHEN j.basis LIKE 'note%' THEN 'the Home Office''s ad-hoc note gives ' ELSE '' END
               || j.metric_words
               || CASE j.check_type
                    WHEN 'record_high' THEN
                         CASE WHEN j.comparison_value IS NULL THEN ' peaked at ' || format('{:,.0f}', j.official_value) || ' in '
                                   || j.official_periods || ', but the edition has no earlier period to compare'
                              ELSE CASE WHEN j.verdict = 'consistent' THEN ' peaked at ' ELSE ' reached at most ' END
                                   || format('{:,.0f}', j.official_value) || ' in ' || j.official_periods
                                   || CASE WHEN j.verdict = 'consistent' THEN ', higher than any earlier period since '
                                           ELSE ', not above the earlier high since ' END || j.first_label
                                   || ' (highest before: ' || format('{:,.0f}', j.comparison_value) || ' in ' || j.comparison_periods || ')' END
                    ELSE ' for ' || j.official_periods
                         || CASE WHEN j.exact THEN '' ELSE ' (' || j.covered_days || ' of the ' || j.claimed_days || ' claimed days'
                                 || CASE WHEN j.extra_days > 0 THEN ', plus ' || j.extra_days || ' days outside the claim' ELSE '' END || ')' END
                         || ': ' || format('{:,.0f}', j.official_value)
                 END
               || CASE j.check_type
                    WHEN 'total' THEN CASE WHEN j.exact
                         THEN ' against ' || format('{:,.0f}', j.claimed_value) || ' claimed'
                              || CASE WHEN j.verdict IN ('overstated', 'understated')
                                      THEN ' (the claim is ' || format('{:+.1f}', 100 * (j.claimed_value - j.official_value) / j.official_value) || '% off)'
                                      ELSE '' END
                         ELSE ', ' || format('{:,.1f}', j.official_rate) || ' a day over ' || j.official_days || ' days, against '
                              || format('{:,.0f}', j.claimed_value) || ' over the ' || j.claimed_days || ' claimed days, '
                              || format('{:,.1f}', j.claimed_rate) || ' a day'
                              || ' (the claimed rate is ' || format('{:+.1f}', 100 * (j.claimed_rate - j.official_rate) / j.official_rate)
                              || '% off; compared as daily rates because the official periods are not the claimed days)' END
                    WHEN 'pct_change' THEN ' against ' || coalesce(format('{:,.0f}', j.comparison_value) || ' for ' || j.comparison_periods,
                                                                 'no figure for the year before')
                         || ': ' || CASE WHEN j.comparison_value = 0 THEN 'no percentage change can be computed from zero'
                                         ELSE coalesce(format('{:+.{}f}', j.official_measure, j.measure_digits) || '%', 'no change computable') END
                         || ' against ' || format('{:+.0f}', j.claimed_value) || '% claimed'
                    WHEN 'ratio' THEN ' against ' || coalesce(format('{:,.0f}', j.comparison_value) || ' for ' || j.comparison_periods
                                                              || CASE WHEN j.comparison_fallback THEN ' (the edition''s earliest comparable period: it has no figure for the base year)' ELSE '' END,
                                                              'no base figure')
                         || ': ' || CASE WHEN j.comparison_value = 0 THEN 'no ratio can be computed against zero'
                                         ELSE coalesce(format('{:.{}f}', j.official_measure, j.measure_digits) || ' times', 'no ratio computable') END
                         || ' against more than ' || format('{:g}', j.claimed_value) || ' times claimed'
                    WHEN 'direction' THEN ' against ' || coalesce(format('{:,.0f}', j.comparison_value) || ' for ' || j.comparison_periods
                                                                  || coalesce(' (' || format('{:+.1f}', j.official_measure) || '%)', ''), 'no base figure')
                         || '; claimed: ' || CASE j.claimed_direction WHEN 'down' THEN 'a fall' WHEN 'up' THEN 'a rise' ELSE j.claimed_direction END
                    WHEN 'fall' THEN ' against ' || coalesce(format('{:,.0f}', j.comparison_value) || ' for ' || j.comparison_periods
                                                             || ': ' || CASE WHEN j.comparison_value = 0 THEN 'no fall can be measured from zero'
                                                                             ELSE format('{:+.{}f}', j.official_measure, j.measure_digits) || '%' END,
                                                             'no base figure')
                         || ' (a plummet needs a fall of at least ' || format('{:g}', j.claimed_value) || '%)'
                    WHEN 'at_least' THEN coalesce(' (' || format('{:,.0f}', j.comparison_value) || ' for the same days a year before)', '')
                         || ', against at least ' || format('{:g}', j.claimed_value) || ' needed'
                    WHEN 'highest_since' THEN CASE
                         -- runs since `since` can only all be compared when the loaded figures reach back to it
                         WHEN j.data_from > j.since
                         THEN '; the loaded figures start on ' || strftime(j.data_from, '%-d %b %Y') || ', so the runs since '
                              || strftime(j.since, '%b %Y') || ' cannot all be compared'
                         ELSE coalesce(CASE WHEN j.verdict = 'consistent'
                              -- earlier runs only (53_claim_runs.sql): a later run in the same release may be higher
                              THEN ', higher than any earlier run of as many periods since ' || strftime(j.since, '%b %Y')
                                   || ' (the highest before it: ' || j.best_other_periods || ', ' || format('{:,.0f}', j.best_other_value) || ')'
                              ELSE '; higher in ' || j.best_other_periods || ' (' || format('{:,.0f}', j.best_other_value) || ')' END, '') END
                    ELSE '' END
               || CASE WHEN j.base_off_grid
                       THEN '; ' || off_grid_words
                       WHEN j.verdict <> 'not yet published' OR j.check_type IN ('record_high', 'highest_since') THEN ''
                       WHEN j.covered_days < 0.75 * j.claimed_days THEN '; too little of the claimed period is covered yet'
                       ELSE '; the published periods do not cover the ' || CASE WHEN j.check_type IN ('pct_change', 'at_least')
                            THEN 'same days a year before' ELSE 'base period' END
                            || ' (' || strftime(coalesce(j.base_start, staging.year_before(j.claim_start)), '%-d %b %Y') || ' to '
                            || strftime(coalesce(j.base_end, staging.year_before(j.claim_end)), '%-d %b %Y') || ')' END
               || ' (' || coalesce(staging.release_words(r.file_name, r.published_on, r.date_basis), 'release ' || j.release_id) || ').'
       END AS body
FROM temp.claim_judged j
LEFT JOIN meta.releases r ON r.release_id = j.release_id);

-- The parts of a claim added up, per vintage and basis.
CREATE OR REPLACE TEMP TABLE claim_verdicts AS
WITH combined AS (
    SELECT pledge_id, vintage, basis, any_value(combine) AS combine, count(*) AS parts,
           count(*) FILTER (WHERE verdict = 'consistent') AS consistent_parts,
           count(*) FILTER (WHERE verdict IN ('overstated', 'understated', 'not borne out')) AS failing_parts,
           count(*) FILTER (WHERE verdict = 'not measurable') AS unmeasurable_parts,   -- from a base of zero
           arg_min(verdict, part_no) FILTER (WHERE verdict IN ('overstated', 'understated', 'not borne out')) AS first_failing,
           -- for "borne out for arrests, not for visits"; a label that is already a phrase ("against 2018/19") as it is
           string_agg(part_phrase, ' and ' ORDER BY part_no) FILTER (WHERE verdict = 'consistent') AS consistent_labels,
           string_agg(part_phrase, ' and ' ORDER BY part_no) FILTER (WHERE verdict IN ('overstated', 'understated', 'not borne out')) AS failing_labels,
           -- parts with no figures for the same reason (one metric, nothing loaded) are explained once, and a
           -- measure whose base the series cannot give is said to be not measurable, whatever is loaded (audit 24 F2:
           -- a reader took loading the MoJ file to settle both bases of the convictions claim)
           CASE WHEN count(DISTINCT body) = 1 AND bool_and(official_value IS NULL)
                THEN any_value(body) || coalesce(' ' || string_agg(
                         CASE WHEN part_count > 1 THEN staging.capitalised(part_label) || ': not measurable: '
                              ELSE 'Not measurable: ' END || off_grid_words || '.', ' ' ORDER BY part_no), '')
                ELSE string_agg(explanation, ' ' ORDER BY part_no) END AS explanation,
           arg_min(official_value, part_no) AS official_value, arg_min(official_measure, part_no) AS official_measure,
           arg_min(comparison_value, part_no) AS comparison_value, arg_min(official_periods, part_no) AS official_periods,
           arg_min(comparison_periods, part_no) AS comparison_periods,
           arg_min(period_start, part_no) AS period_start, arg_min(period_end, part_no) AS period_end,
           arg_min(covered_days, part_no) AS covered_days, arg_min(claimed_days, part_no) AS claimed_days,
           arg_min(extra_days, part_no) AS extra_days, arg_min(official_rate, part_no) AS official_rate,
           arg_min(claimed_rate, part_no) AS claimed_rate, bool_and(coalesce(exact, FALSE)) AS exact,
           min(due_on) FILTER (WHERE verdict = 'not yet published') AS due_on,
           arg_min(page_url, part_no) AS page_url, arg_min(publisher, part_no) AS publisher,
           arg_max(release_id, release_rank) AS release_id, max(published_on) AS published_on,
           -- a lone measure has no part label (its label is the metric's id); due_on: when a part's missing
           -- figures must be out (claim_checks_as_of tells "not loaded here" from "not yet published" by it)
           list({'part': CASE WHEN part_count > 1 THEN part_label END, 'metric_id': metric_id, 'verdict': verdict,
                 'official_measure': official_measure, 'official_periods': official_periods,
                 'due_on': CASE WHEN verdict = 'not yet published' THEN due_on END} ORDER BY part_no) AS part_verdicts
    FROM (SELECT *, CASE WHEN regexp_matches(part_label, '^(over|against|by|for|in|on|since|from|to) ') THEN part_label
                         ELSE 'for ' || part_label END AS part_phrase FROM temp.claim_explained)
    GROUP BY pledge_id, vintage, basis
)
SELECT * EXCLUDE (consistent_labels, failing_labels, unmeasurable_parts) REPLACE (
           -- a split verdict says in words which measures bear the claim out and which do not
           explanation || CASE WHEN combine = 'any' AND consistent_parts > 0 AND failing_parts > 0
                               THEN ' Partly consistent: borne out ' || consistent_labels || ', not ' || failing_labels || '.'
                               ELSE '' END AS explanation),
       CASE WHEN combine = 'all' THEN CASE
                WHEN failing_parts > 0 THEN first_failing
                WHEN consistent_parts = parts THEN 'consistent'
                WHEN unmeasurable_parts > 0 THEN 'not measurable'
                ELSE 'not yet published' END
            ELSE CASE
                WHEN consistent_parts = parts THEN 'consistent'
                WHEN consistent_parts > 0 AND failing_parts > 0 THEN 'partly consistent'
                WHEN consistent_parts > 0 THEN 'consistent'
                WHEN failing_parts > 0 THEN first_failing
                -- a measure still to come may yet bear it out: only when none can is it not measurable
                WHEN unmeasurable_parts = parts THEN 'not measurable'
                ELSE 'not yet published' END
       END AS verdict
FROM combined;
