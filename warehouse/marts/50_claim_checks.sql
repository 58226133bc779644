-- Answers: for each claim in the register, what do the official figures say over the period
-- it refers to, is the claim consistent, overstated or understated, and on which release does
-- that rest? Checked twice: against the data published when the claim was made, and against
-- the latest revision. One row per claim.
--
-- A claim's period rarely matches the official granularity: the check uses every official
-- period with at least half of its days inside the claimed period (year-ending series, whose
-- periods overlap, must match exactly) and reports how many claimed days those periods cover.
-- Under 75% coverage the verdict is 'not yet published'.
--
-- marts.claim_checks_as_of(D) answers the same question with only the releases published on
-- or before D; marts.claim_checks is that as of today. A claim's checks change only when a release
-- of its metric or note metric is published, so staging.claim_check_vintages works them out for
-- each such date (vintage) in one query, and the macro just picks each claim's latest vintage on or
-- before D: a macro holding this whole query would be compiled again at every call.
CREATE OR REPLACE TABLE staging.claim_check_vintages AS
WITH claims AS (
    SELECT * FROM marts.pledges WHERE type = 'claim'
),
vintages AS (   -- before any release, then each publication date of the claim's metric or note metric
    SELECT pledge_id, DATE '-infinity' AS vintage FROM claims
    UNION
    SELECT c.pledge_id, o.published_on FROM claims c JOIN marts.metric_observations o ON o.metric_id = c.metric_id
    UNION
    SELECT c.pledge_id, o.published_on FROM claims c JOIN marts.metric_observations o ON o.metric_id = c.note_metric
),
bases AS (   -- latest official statistics, official statistics when the claim was made, the ministers' ad-hoc note
    SELECT c.* EXCLUDE (metric_id), v.vintage, b.basis,
           CASE b.basis WHEN 'note' THEN c.note_metric ELSE c.metric_id END AS metric_id,
           CASE b.basis WHEN 'when_made' THEN least(c.said_on, v.vintage) ELSE v.vintage END AS cutoff
    FROM claims c
    JOIN vintages v USING (pledge_id)
    CROSS JOIN (VALUES ('latest'), ('when_made'), ('note')) AS b(basis)
    WHERE c.kind = 'quantitative' AND (b.basis <> 'note' OR c.note_metric IS NOT NULL)
),
known AS (
    SELECT b.pledge_id, b.vintage, b.basis, o.*
    FROM bases b JOIN marts.metric_observations o ON o.metric_id = b.metric_id AND o.published_on <= b.cutoff
    QUALIFY row_number() OVER (PARTITION BY b.pledge_id, b.vintage, b.basis, o.period_start, o.period_end
                               ORDER BY o.published_on DESC, o.release_id DESC) = 1
),
windows AS (   -- the claimed period, the same period a year before, and the base period of ratio/direction checks
    SELECT pledge_id, vintage, basis, 'claim' AS role, claim_start AS w_start, claim_end AS w_end FROM bases
    UNION ALL
    SELECT pledge_id, vintage, basis, 'year_before', staging.year_before(claim_start), staging.year_before(claim_end)
    FROM bases WHERE check_type = 'pct_change'
    UNION ALL
    SELECT pledge_id, vintage, basis, 'base', base_start, base_end FROM bases WHERE check_type IN ('ratio', 'direction')
),
chosen AS (
    SELECT w.pledge_id, w.vintage, w.basis, w.role, w.w_start, w.w_end, k.period_type, k.period_start, k.period_end, k.value,
           k.unit, k.release_id, k.published_on,
           staging.overlap_days(k.period_start, k.period_end, w.w_start, w.w_end) AS inside
    FROM windows w JOIN known k USING (pledge_id, vintage, basis)
    WHERE 2 * staging.overlap_days(k.period_start, k.period_end, w.w_start, w.w_end) >= staging.days_in(k.period_start, k.period_end)
      AND (k.period_type NOT IN ('year_ending', 'range') OR (k.period_start = w.w_start AND k.period_end = w.w_end))
),
sums AS (
    SELECT pledge_id, vintage, basis, role, any_value(w_start) AS w_start, any_value(w_end) AS w_end,
           sum(value) AS value, any_value(unit) AS unit, count(*) AS periods,
           min(period_start) AS period_start, max(period_end) AS period_end,
           CAST(sum(inside) AS BIGINT) AS covered_days,
           CAST(sum(staging.days_in(period_start, period_end)) - sum(inside) AS BIGINT) AS extra_days,
           CASE WHEN count(*) = 1 THEN staging.period_label(any_value(period_type), min(period_start), max(period_end))
                ELSE staging.period_label(any_value(period_type), min(period_start), min(period_end)) || '–'
                     || staging.period_label(any_value(period_type), max(period_start), max(period_end)) END AS label,
           arg_max(release_id, published_on) AS release_id, max(published_on) AS published_on
    FROM chosen GROUP BY pledge_id, vintage, basis, role
),
indexed AS (   -- for highest_since: every run of as many consecutive periods as the claim uses
    SELECT k.pledge_id, k.vintage, k.basis, k.period_start, k.period_end, k.period_type, k.value,
           row_number() OVER (PARTITION BY k.pledge_id, k.vintage, k.basis ORDER BY k.period_start) AS idx
    FROM known k JOIN bases b USING (pledge_id, vintage, basis)
    WHERE b.check_type = 'highest_since' AND k.period_start >= b.since
),
runs AS (
    SELECT e.pledge_id, e.vintage, e.basis, e.period_end AS run_end, min(s.period_start) AS run_start, sum(s.value) AS value,
           any_value(e.period_type) AS period_type, min(s.period_end) AS first_end, count(*) AS n
    FROM indexed e
    JOIN sums c ON c.pledge_id = e.pledge_id AND c.vintage = e.vintage AND c.basis = e.basis AND c.role = 'claim'
    JOIN indexed s ON s.pledge_id = e.pledge_id AND s.vintage = e.vintage AND s.basis = e.basis
         AND s.idx BETWEEN e.idx - c.periods + 1 AND e.idx
    WHERE e.period_end <= c.period_end
    GROUP BY e.pledge_id, e.vintage, e.basis, e.period_end, c.periods
    HAVING count(*) = c.periods
),
best_other AS (
    SELECT r.pledge_id, r.vintage, r.basis, max(r.value) AS value,
           arg_max(staging.period_label(r.period_type, r.run_start, r.first_end) || '–'
                   || staging.period_label(r.period_type, r.run_end - INTERVAL 1 DAY, r.run_end), r.value) AS label,
           count(*) AS runs
    FROM runs r JOIN sums c ON c.pledge_id = r.pledge_id AND c.vintage = r.vintage AND c.basis = r.basis AND c.role = 'claim'
    WHERE r.run_end <> c.period_end
    GROUP BY r.pledge_id, r.vintage, r.basis
),
measured AS (
    SELECT b.pledge_id, b.vintage, b.basis, b.check_type, b.claimed_value, b.claimed_direction, b.tolerance,
           b.claim_start, b.claim_end, b.metric_id,
           c.value AS official_value, c.label AS official_periods, c.period_start, c.period_end,
           c.covered_days, c.extra_days, staging.days_in(b.claim_start, b.claim_end) AS claimed_days,
           coalesce(c.unit, b.unit) AS unit,
           cmp.value AS comparison_value, cmp.label AS comparison_periods,
           cmp.covered_days AS comparison_covered_days, staging.days_in(cmp.w_start, cmp.w_end) AS comparison_days,
           bo.value AS best_other_value, bo.label AS best_other_periods,
           CASE b.check_type
               WHEN 'total' THEN c.value
               WHEN 'pct_change' THEN round(100 * (c.value - cmp.value) / nullif(cmp.value, 0), 1)
               WHEN 'ratio' THEN round(c.value / nullif(cmp.value, 0), 2)
               ELSE c.value END AS official_measure,
           (SELECT max(k.period_end) FROM known k
            WHERE k.pledge_id = b.pledge_id AND k.vintage = b.vintage AND k.basis = b.basis) AS data_to,
           greatest(c.release_id, cmp.release_id) AS release_id,
           greatest(c.published_on, cmp.published_on) AS published_on
    FROM bases b
    LEFT JOIN sums c ON c.pledge_id = b.pledge_id AND c.vintage = b.vintage AND c.basis = b.basis AND c.role = 'claim'
    LEFT JOIN sums cmp ON cmp.pledge_id = b.pledge_id AND cmp.vintage = b.vintage AND cmp.basis = b.basis
         AND cmp.role IN ('year_before', 'base')
    LEFT JOIN best_other bo ON bo.pledge_id = b.pledge_id AND bo.vintage = b.vintage AND bo.basis = b.basis
),
judged AS (
    SELECT m.*,
           CASE
               WHEN m.official_value IS NULL OR m.covered_days < 0.75 * m.claimed_days
                 OR (m.check_type IN ('pct_change', 'ratio', 'direction')
                     AND (m.comparison_value IS NULL OR m.comparison_covered_days < 0.75 * m.comparison_days))
                 OR (m.check_type = 'highest_since' AND m.best_other_value IS NULL) THEN 'not yet published'
               WHEN m.check_type = 'total' THEN CASE
                   WHEN abs(m.claimed_value - m.official_value) <= coalesce(m.tolerance, 0.05) * m.official_value THEN 'consistent'
                   WHEN m.claimed_value > m.official_value THEN 'overstated' ELSE 'understated' END
               WHEN m.check_type = 'pct_change' THEN CASE
                   WHEN m.official_measure IS NULL THEN 'not yet published'
                   WHEN abs(m.claimed_value - m.official_measure) <= coalesce(m.tolerance, 2) THEN 'consistent'
                   WHEN m.claimed_value > m.official_measure THEN 'overstated' ELSE 'understated' END
               WHEN m.check_type = 'ratio' THEN CASE
                   WHEN m.official_measure >= m.claimed_value THEN 'consistent' ELSE 'overstated' END
               WHEN m.check_type = 'direction' THEN CASE
                   WHEN (m.claimed_direction = 'down' AND m.official_value < m.comparison_value)
                     OR (m.claimed_direction = 'up' AND m.official_value > m.comparison_value) THEN 'consistent'
                   ELSE 'overstated' END
               WHEN m.check_type = 'highest_since' THEN CASE
                   WHEN m.official_value >= m.best_other_value THEN 'consistent' ELSE 'overstated' END
           END AS verdict
    FROM measured m
),
explained AS MATERIALIZED (   -- read three times below: computed once, not once per read
    SELECT j.*,
           CASE
               WHEN j.official_value IS NULL THEN
                   CASE j.basis WHEN 'note' THEN 'No ad-hoc note loaded gives ' || j.metric_id || ' figures'
                                WHEN 'when_made' THEN 'No official ' || j.metric_id || ' figures had been published'
                                ELSE 'No official ' || j.metric_id || ' figures are loaded' END
                   || ' for ' || strftime(j.claim_start, '%-d %b %Y') || ' to ' || strftime(j.claim_end, '%-d %b %Y')
                   || coalesce(' (latest loaded: to ' || strftime(j.data_to, '%-d %b %Y') || ')', '') || '.'
               ELSE
                   CASE j.basis WHEN 'note' THEN 'The note''s ' ELSE 'Official ' END || j.metric_id || ' for ' || j.official_periods
                   || ' (' || j.covered_days || ' of the ' || j.claimed_days || ' claimed days'
                   || CASE WHEN j.extra_days > 0 THEN ', plus ' || j.extra_days || ' days outside the claim' ELSE '' END || ')'
                   || CASE j.check_type
                        WHEN 'total' THEN ' is ' || format('{:,.0f}', j.official_value) || ' against '
                             || format('{:,.0f}', j.claimed_value) || ' claimed'
                             || CASE WHEN j.verdict IN ('overstated', 'understated')
                                     THEN ' (' || format('{:+.1f}', 100 * (j.claimed_value - j.official_value) / j.official_value) || '%)'
                                     ELSE '' END
                        WHEN 'pct_change' THEN ' is ' || format('{:,.0f}', j.official_value) || ' against '
                             || coalesce(format('{:,.0f}', j.comparison_value) || ' for ' || j.comparison_periods, 'no figure for the year before')
                             || ': ' || coalesce(format('{:+.1f}', j.official_measure) || '%', 'no change computable')
                             || ' against ' || format('{:+.0f}', j.claimed_value) || '% claimed'
                        WHEN 'ratio' THEN ' is ' || format('{:,.0f}', j.official_value) || ' against '
                             || coalesce(format('{:,.0f}', j.comparison_value) || ' for ' || j.comparison_periods, 'no base figure')
                             || ': ' || coalesce(format('{:.2f}', j.official_measure) || ' times', 'no ratio computable')
                             || ' against at least ' || format('{:g}', j.claimed_value) || ' claimed'
                        WHEN 'direction' THEN ' is ' || format('{:,.0f}', j.official_value) || ' against '
                             || coalesce(format('{:,.0f}', j.comparison_value) || ' for ' || j.comparison_periods, 'no base figure')
                             || ' (claimed: ' || j.claimed_direction || ')'
                        WHEN 'highest_since' THEN ' is ' || format('{:,.0f}', j.official_value)
                             || coalesce(CASE WHEN j.verdict = 'consistent' THEN ', the highest of any run of as many periods since the series began'
                                              ELSE '; higher in ' || j.best_other_periods || ' (' || format('{:,.0f}', j.best_other_value) || ')' END, '')
                      END
                   || CASE WHEN j.verdict = 'not yet published' THEN '; too little of the claimed period is published yet' ELSE '' END
                   || ' (release ' || j.release_id || ').'
           END AS explanation
    FROM judged j
)
SELECT c.pledge_id AS claim_id, v.vintage, c.statement, c.quote, c.said_by, c.said_on, c.metric_id, c.check_type,
       c.claimed_value, c.claimed_direction, c.claim_start, c.claim_end,
       -- the headline verdict rests on the latest official statistics, or on the ad-hoc note while
       -- the official statistics do not yet cover the claimed period
       CASE WHEN c.kind = 'qualitative' THEN 'not measurable'
            WHEN coalesce(l.verdict, 'not yet published') = 'not yet published' AND n.verdict IS NOT NULL
                 AND n.verdict <> 'not yet published' THEN n.verdict
            ELSE coalesce(l.verdict, 'not yet published') END AS verdict,
       CASE WHEN c.kind = 'qualitative' THEN 'none (qualitative)'
            WHEN coalesce(l.verdict, 'not yet published') = 'not yet published' AND n.verdict IS NOT NULL
                 AND n.verdict <> 'not yet published' THEN 'ad-hoc note, release ' || n.release_id
            WHEN l.release_id IS NOT NULL THEN 'official statistics, release ' || l.release_id
            ELSE 'none yet' END AS verdict_source,
       CASE WHEN c.kind = 'qualitative' THEN 'Not measurable from official statistics: ' || coalesce(c.note, c.manual_status)
            WHEN coalesce(l.verdict, 'not yet published') = 'not yet published' AND n.verdict IS NOT NULL
                 AND n.verdict <> 'not yet published' THEN n.explanation || ' Official statistics: ' || l.explanation
            ELSE l.explanation || coalesce(' Ad-hoc note: ' || n.explanation, '') END AS explanation,
       l.official_value, l.official_measure, l.comparison_value, l.official_periods, l.period_start, l.period_end,
       l.covered_days, l.claimed_days, l.extra_days,
       CASE WHEN c.kind = 'qualitative' THEN 'not measurable' ELSE coalesce(l.verdict, 'not yet published') END AS official_verdict,
       l.release_id, l.published_on,
       w.official_value AS when_made_official_value, w.official_measure AS when_made_official_measure,
       w.official_periods AS when_made_official_periods,
       CASE WHEN c.kind = 'qualitative' THEN 'not measurable' ELSE coalesce(w.verdict, 'not yet published') END AS when_made_verdict,
       w.explanation AS when_made_explanation, w.release_id AS when_made_release_id,
       c.note_metric, n.official_value AS note_value, n.official_measure AS note_measure, n.comparison_value AS note_comparison_value,
       n.verdict AS note_verdict, n.explanation AS note_explanation, n.release_id AS note_release_id
FROM claims c
JOIN vintages v USING (pledge_id)
LEFT JOIN explained l ON l.pledge_id = c.pledge_id AND l.vintage = v.vintage AND l.basis = 'latest'
LEFT JOIN explained w ON w.pledge_id = c.pledge_id AND w.vintage = v.vintage AND w.basis = 'when_made'
LEFT JOIN explained n ON n.pledge_id = c.pledge_id AND n.vintage = v.vintage AND n.basis = 'note'
ORDER BY c.pledge_id, v.vintage;

CREATE OR REPLACE MACRO marts.claim_checks_as_of(as_of_date) AS TABLE
SELECT * EXCLUDE (vintage) FROM staging.claim_check_vintages
WHERE vintage <= as_of_date
QUALIFY vintage = max(vintage) OVER (PARTITION BY claim_id)
ORDER BY claim_id;

CREATE OR REPLACE TABLE marts.claim_checks AS SELECT * FROM marts.claim_checks_as_of(DATE '9999-12-31');

COMMENT ON TABLE marts.claim_checks IS 'One row per claim: the official figure over the claimed period (latest revision, and as published when the claim was made), the verdict and a one-sentence explanation.';
COMMENT ON COLUMN marts.claim_checks.official_value IS 'Official total over official_periods (latest revision).';
COMMENT ON COLUMN marts.claim_checks.official_measure IS 'What is compared with claimed_value: the total, the percentage change, or the ratio.';
COMMENT ON COLUMN marts.claim_checks.comparison_value IS 'The same period a year before (pct_change) or the base period (ratio, direction).';
COMMENT ON COLUMN marts.claim_checks.official_periods IS 'The official periods used, e.g. 2024 Q3–2024 Q4.';
COMMENT ON COLUMN marts.claim_checks.covered_days IS 'Claimed days inside the official periods used (of claimed_days); extra_days lie outside the claim.';
COMMENT ON COLUMN marts.claim_checks.verdict IS 'consistent, overstated, understated, not yet published or not measurable: from the latest official statistics, or from the ad-hoc note while those do not cover the claim (see verdict_source).';
COMMENT ON COLUMN marts.claim_checks.verdict_source IS 'What the verdict rests on: official statistics or the ministers'' ad-hoc note, and which release.';
COMMENT ON COLUMN marts.claim_checks.official_verdict IS 'The verdict from the latest official statistics alone.';
COMMENT ON COLUMN marts.claim_checks.note_metric IS 'Metric from the Home Office ad-hoc note the claim quotes (period_type range), if any.';
COMMENT ON COLUMN marts.claim_checks.note_value IS 'The ad-hoc note''s figure for exactly the claimed period.';
COMMENT ON COLUMN marts.claim_checks.note_measure IS 'As official_measure, from the ad-hoc note.';
COMMENT ON COLUMN marts.claim_checks.note_comparison_value IS 'The ad-hoc note''s figure for the same period 12 months prior.';
COMMENT ON COLUMN marts.claim_checks.note_verdict IS 'The claim checked against the ad-hoc note''s figures.';
COMMENT ON COLUMN marts.claim_checks.note_explanation IS 'As explanation, for the ad-hoc note.';
COMMENT ON COLUMN marts.claim_checks.note_release_id IS 'The ad-hoc note release (marts.releases) used.';
COMMENT ON COLUMN marts.claim_checks.when_made_verdict IS 'The verdict from data published on or before said_on.';
COMMENT ON COLUMN marts.claim_checks.release_id IS 'The newest release the latest verdict rests on.';
