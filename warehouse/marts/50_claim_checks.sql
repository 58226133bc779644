-- Answers: for each claim in the register, what do the official figures say over the period it
-- refers to, is the claim borne out, and on which release does that rest? One row per claim.
--
-- Method (also in warehouse/pledges.toml):
-- * A claim is checked on one measure, or on several (`parts`: visits and arrests; net migration and
--   immigration), each part with its own verdict; `combine` says how they add up: all (consistent only
--   if every part is) or any (partly consistent when some parts are and others are not).
-- * Each part is checked three ways: on the latest official statistics, on the official statistics
--   published when the claim was made, and on the ministers' note for exactly the claimed days.
--   The headline verdict rests on the note where one is loaded (it covers exactly the claimed days),
--   the official statistics corroborating; otherwise on the latest official statistics.
-- * Official periods count when at least half their days fall in the claimed period (year-ending and
--   note periods must match exactly); under 75% of the claimed days covered, the figures are not in yet.
--   A total whose official periods do not match the claimed days is compared as a daily rate.
--
-- staging.claim_check_vintages works every check out at each publication date (vintage) of a claim's
-- metrics; marts.claim_checks_as_of(D) picks each claim's latest vintage on or before D and says
-- "not loaded here" where figures missing on D must already have been published (catalog lag).
--
-- Built incrementally: only the vintages a publish can change are computed (temp.claim_scope: each claim whose
-- metrics the new releases carry, from the earliest publication date among them; every claim on a full build,
-- from before any release); earlier vintages stay as published.
CREATE OR REPLACE TEMP TABLE claim_scope AS
SELECT c.pledge_id, CASE WHEN any_value(m.full) THEN DATE '-infinity' ELSE min(s.from_date) END AS from_date
FROM marts.pledges c CROSS JOIN temp.build_mode m
LEFT JOIN staging.claim_parts cp USING (pledge_id)
LEFT JOIN temp.metric_scope s ON s.metric_id IN (cp.metric_id, cp.note_metric)
WHERE c.type = 'claim'
GROUP BY c.pledge_id
HAVING any_value(m.full) OR min(s.from_date) IS NOT NULL;

CREATE OR REPLACE TEMP TABLE claim_vintages_new AS
WITH claims AS (
    SELECT p.*, s.from_date FROM marts.pledges p JOIN temp.claim_scope s USING (pledge_id) WHERE p.type = 'claim'
),
parts AS (
    SELECT cp.*, c.check_type, c.claimed_value, c.claimed_direction, c.tolerance, c.claim_start, c.claim_end, c.since,
           c.said_on, c.combine, c.from_date
    FROM staging.claim_parts cp JOIN claims c USING (pledge_id)
),
vintages AS (   -- before any release, then each publication date of one of the claim's metrics (from the scope's first)
    SELECT pledge_id, DATE '-infinity' AS vintage FROM claims WHERE from_date = DATE '-infinity'
    UNION
    SELECT p.pledge_id, m.published_on FROM parts p JOIN staging.metric_release_order m ON m.metric_id = p.metric_id
    WHERE m.published_on >= p.from_date
    UNION
    SELECT p.pledge_id, m.published_on FROM parts p JOIN staging.metric_release_order m ON m.metric_id = p.note_metric
    WHERE m.published_on >= p.from_date
),
bases AS (   -- one row per part, vintage and basis: latest official statistics and the ministers' note,
             -- each also as published when the claim was made
    SELECT p.*  EXCLUDE (metric_id), v.vintage, b.basis,
           CASE WHEN b.basis LIKE 'note%' THEN p.note_metric ELSE p.metric_id END AS metric_id,
           CASE WHEN b.basis LIKE '%when_made' THEN least(p.said_on, v.vintage) ELSE v.vintage END AS cutoff
    FROM parts p
    JOIN vintages v USING (pledge_id)
    CROSS JOIN (VALUES ('latest'), ('when_made'), ('note'), ('note_when_made')) AS b(basis)
    WHERE b.basis NOT LIKE 'note%' OR p.note_metric IS NOT NULL
),
latest AS (   -- each base's newest release of its metric published by the cutoff
    SELECT b.pledge_id, b.part_no, b.vintage, b.basis, any_value(b.metric_id) AS metric_id, any_value(b.cutoff) AS cutoff,
           arg_max(m.release_id, m.release_rank) AS release_id, arg_max(m.published_on, m.release_rank) AS published_on,
           max(m.release_rank) AS release_rank
    FROM bases b JOIN staging.metric_release_order m ON m.metric_id = b.metric_id AND m.published_on <= b.cutoff
    GROUP BY b.pledge_id, b.part_no, b.vintage, b.basis
),
known AS (   -- each period as known at the cutoff (published by then, not yet superseded), with the release it
             -- was last published in by then (see marts.observations_as_of)
    SELECT l.pledge_id, l.part_no, l.vintage, l.basis, o.metric_id, o.period_type, o.period_start, o.period_end, o.value,
           o.unit, CASE WHEN o.last_rank < l.release_rank THEN o.last_release_id ELSE l.release_id END AS release_id,
           CASE WHEN o.last_rank < l.release_rank THEN o.last_published_on ELSE l.published_on END AS published_on,
           least(coalesce(o.last_rank, l.release_rank), l.release_rank) AS release_rank
    FROM latest l JOIN staging.observation_runs o ON o.metric_id = l.metric_id
         AND o.published_on <= l.cutoff AND (o.superseded_on IS NULL OR o.superseded_on > l.cutoff)
),
windows AS (   -- the claimed period, the same period a year before, and the base period
    SELECT pledge_id, part_no, vintage, basis, 'claim' AS role, claim_start AS w_start, claim_end AS w_end FROM bases
    UNION ALL
    SELECT pledge_id, part_no, vintage, basis, 'year_before', staging.year_before(claim_start), staging.year_before(claim_end)
    FROM bases WHERE check_type IN ('pct_change', 'at_least')
    UNION ALL
    SELECT pledge_id, part_no, vintage, basis, 'base', base_start, base_end FROM bases
    WHERE check_type IN ('ratio', 'direction', 'fall')
),
matched AS (
    SELECT w.pledge_id, w.part_no, w.vintage, w.basis, w.role, w.w_start, w.w_end, k.period_type, k.period_start,
           k.period_end, k.value, k.unit, k.release_id, k.published_on, k.release_rank, FALSE AS fallback,
           staging.overlap_days(k.period_start, k.period_end, w.w_start, w.w_end) AS inside
    FROM windows w JOIN known k USING (pledge_id, part_no, vintage, basis)
    WHERE 2 * staging.overlap_days(k.period_start, k.period_end, w.w_start, w.w_end) >= staging.days_in(k.period_start, k.period_end)
      AND (k.period_type NOT IN ('year_ending', 'range') OR (k.period_start = w.w_start AND k.period_end = w.w_end))
),
chosen AS (   -- plus, for a ratio whose base year the edition lacks, its earliest period of the same length
    SELECT * FROM matched
    UNION ALL
    SELECT * FROM (
        SELECT w.pledge_id, w.part_no, w.vintage, w.basis, w.role, w.w_start, w.w_end, k.period_type, k.period_start,
               k.period_end, k.value, k.unit, k.release_id, k.published_on, k.release_rank, TRUE AS fallback,
               staging.days_in(k.period_start, k.period_end) AS inside
        FROM windows w JOIN bases b USING (pledge_id, part_no, vintage, basis)
        JOIN known k USING (pledge_id, part_no, vintage, basis)
        WHERE w.role = 'base' AND b.check_type = 'ratio' AND k.period_end < b.claim_start
          AND abs(staging.days_in(k.period_start, k.period_end) - staging.days_in(w.w_start, w.w_end)) <= 1   -- leap years
          AND month(k.period_end) = month(w.w_end)
          AND NOT EXISTS (SELECT 1 FROM matched m WHERE m.pledge_id = w.pledge_id AND m.part_no = w.part_no
                          AND m.vintage = w.vintage AND m.basis = w.basis AND m.role = 'base')
        QUALIFY row_number() OVER (PARTITION BY w.pledge_id, w.part_no, w.vintage, w.basis ORDER BY k.period_start) = 1
    )
),
sums AS (
    SELECT pledge_id, part_no, vintage, basis, role, any_value(w_start) AS w_start, any_value(w_end) AS w_end,
           sum(value) AS value, any_value(unit) AS unit, count(*) AS periods, bool_or(fallback) AS fallback,
           min(period_start) AS period_start, max(period_end) AS period_end,
           CAST(sum(inside) AS BIGINT) AS covered_days,
           CAST(sum(staging.days_in(period_start, period_end)) AS BIGINT) AS official_days,
           CAST(sum(staging.days_in(period_start, period_end)) - sum(inside) AS BIGINT) AS extra_days,
           CASE WHEN count(*) = 1 THEN staging.period_label(any_value(period_type), min(period_start), max(period_end))
                ELSE staging.period_label(any_value(period_type), min(period_start), min(period_end)) || '–'
                     || staging.period_label(any_value(period_type), max(period_start), max(period_end)) END AS label,
           arg_max(release_id, release_rank) AS release_id, max(published_on) AS published_on,
           max(release_rank) AS release_rank
    FROM chosen GROUP BY pledge_id, part_no, vintage, basis, role
),
indexed AS (   -- for highest_since: every run of as many consecutive periods as the claim uses
    SELECT k.pledge_id, k.part_no, k.vintage, k.basis, k.period_start, k.period_end, k.period_type, k.value,
           row_number() OVER (PARTITION BY k.pledge_id, k.part_no, k.vintage, k.basis ORDER BY k.period_start) AS idx
    FROM known k JOIN bases b USING (pledge_id, part_no, vintage, basis)
    WHERE b.check_type = 'highest_since' AND k.period_start >= b.since
),
runs AS (
    SELECT e.pledge_id, e.part_no, e.vintage, e.basis, e.period_end AS run_end, min(s.period_start) AS run_start,
           sum(s.value) AS value, any_value(e.period_type) AS period_type, min(s.period_end) AS first_end
    FROM indexed e
    JOIN sums c ON c.pledge_id = e.pledge_id AND c.part_no = e.part_no AND c.vintage = e.vintage AND c.basis = e.basis
         AND c.role = 'claim'
    JOIN indexed s ON s.pledge_id = e.pledge_id AND s.part_no = e.part_no AND s.vintage = e.vintage AND s.basis = e.basis
         AND s.idx BETWEEN e.idx - c.periods + 1 AND e.idx
    WHERE e.period_end <= c.period_end
    GROUP BY e.pledge_id, e.part_no, e.vintage, e.basis, e.period_end, c.periods
    HAVING count(*) = c.periods
),
best_other AS (
    SELECT r.pledge_id, r.part_no, r.vintage, r.basis, max(r.value) AS value,
           arg_max(staging.period_label(r.period_type, r.run_start, r.first_end) || '–'
                   || staging.period_label(r.period_type, r.run_end - INTERVAL 1 DAY, r.run_end), r.value) AS label
    FROM runs r
    JOIN sums c ON c.pledge_id = r.pledge_id AND c.part_no = r.part_no AND c.vintage = r.vintage AND c.basis = r.basis
         AND c.role = 'claim'
    WHERE r.run_end <> c.period_end
    GROUP BY r.pledge_id, r.part_no, r.vintage, r.basis
),
records AS (   -- for record_high: the peak inside the claimed period against every earlier period
    SELECT k.pledge_id, k.part_no, k.vintage, k.basis,
           max(k.value) FILTER (WHERE k.period_end BETWEEN b.claim_start AND b.claim_end) AS peak,
           arg_max(staging.period_label(k.period_type, k.period_start, k.period_end), k.value)
               FILTER (WHERE k.period_end BETWEEN b.claim_start AND b.claim_end) AS peak_label,
           arg_max(k.release_id, k.release_rank) FILTER (WHERE k.period_end BETWEEN b.claim_start AND b.claim_end) AS release_id,
           max(k.release_rank) FILTER (WHERE k.period_end BETWEEN b.claim_start AND b.claim_end) AS release_rank,
           max(k.published_on) FILTER (WHERE k.period_end BETWEEN b.claim_start AND b.claim_end) AS published_on,
           max(k.value) FILTER (WHERE k.period_end < b.claim_start) AS earlier,
           arg_max(staging.period_label(k.period_type, k.period_start, k.period_end), k.value)
               FILTER (WHERE k.period_end < b.claim_start) AS earlier_label,
           arg_min(staging.period_label(k.period_type, k.period_start, k.period_end), k.period_end) AS first_label
    FROM known k JOIN bases b USING (pledge_id, part_no, vintage, basis)
    WHERE b.check_type = 'record_high'
    GROUP BY k.pledge_id, k.part_no, k.vintage, k.basis
),
measured AS (
    SELECT b.pledge_id, b.part_no, b.part_label, b.part_count, b.combine, b.vintage, b.basis, b.check_type,
           b.claimed_value, b.claimed_direction, b.tolerance, b.claim_start, b.claim_end, b.since, b.metric_id,
           b.base_start, b.base_end,
           staging.metric_words(coalesce(mt.title, b.metric_id)) AS metric_words,
           mt.period_type AS metric_period_type, mt.publisher, mt.page_url, mt.publication_lag_months,
           coalesce(r.peak, c.value) AS official_value,
           coalesce(r.peak_label, c.label) AS official_periods,
           c.period_start, c.period_end, c.covered_days, c.extra_days, c.official_days,
           staging.days_in(b.claim_start, b.claim_end) AS claimed_days,
           coalesce(c.unit, mt.unit) AS unit,
           coalesce(r.earlier, cmp.value) AS comparison_value,
           coalesce(r.earlier_label, cmp.label) AS comparison_periods,
           cmp.covered_days AS comparison_covered_days, cmp.fallback AS comparison_fallback,
           staging.days_in(cmp.w_start, cmp.w_end) AS comparison_days,
           bo.value AS best_other_value, bo.label AS best_other_periods, r.first_label,
           c.covered_days = staging.days_in(b.claim_start, b.claim_end) AND c.extra_days = 0 AS exact,
           CASE b.check_type
               WHEN 'pct_change' THEN round(100 * (c.value - cmp.value) / nullif(cmp.value, 0), 1)
               WHEN 'fall' THEN round(100 * (c.value - cmp.value) / nullif(cmp.value, 0), 1)
               WHEN 'direction' THEN round(100 * (c.value - cmp.value) / nullif(cmp.value, 0), 1)
               WHEN 'ratio' THEN round(c.value / nullif(cmp.value, 0), 2)
               WHEN 'record_high' THEN r.peak
               ELSE c.value END AS official_measure,
           c.value / nullif(c.official_days, 0) AS official_rate,
           b.claimed_value / staging.days_in(b.claim_start, b.claim_end) AS claimed_rate,
           staging.due_on(staging.last_period_end(mt.period_type, b.claim_end), mt.publication_lag_months) AS due_on,
           (SELECT max(k.period_end) FROM known k WHERE k.pledge_id = b.pledge_id AND k.part_no = b.part_no
            AND k.vintage = b.vintage AND k.basis = b.basis) AS data_to,
           coalesce(r.release_id, CASE WHEN coalesce(cmp.release_rank, -1) > coalesce(c.release_rank, -1)
                                       THEN cmp.release_id ELSE c.release_id END) AS release_id,
           coalesce(r.release_rank, greatest(c.release_rank, cmp.release_rank)) AS release_rank,
           coalesce(r.published_on, greatest(c.published_on, cmp.published_on)) AS published_on
    FROM bases b
    LEFT JOIN marts.metrics mt ON mt.metric_id = b.metric_id
    LEFT JOIN sums c ON c.pledge_id = b.pledge_id AND c.part_no = b.part_no AND c.vintage = b.vintage
         AND c.basis = b.basis AND c.role = 'claim'
    LEFT JOIN sums cmp ON cmp.pledge_id = b.pledge_id AND cmp.part_no = b.part_no AND cmp.vintage = b.vintage
         AND cmp.basis = b.basis AND cmp.role IN ('year_before', 'base')
    LEFT JOIN best_other bo ON bo.pledge_id = b.pledge_id AND bo.part_no = b.part_no AND bo.vintage = b.vintage AND bo.basis = b.basis
    LEFT JOIN records r ON r.pledge_id = b.pledge_id AND r.part_no = b.part_no AND r.vintage = b.vintage AND r.basis = b.basis
),
judged AS (
    SELECT m.*,
           CASE
               WHEN m.check_type = 'record_high' THEN CASE
                   WHEN m.official_value IS NULL OR m.comparison_value IS NULL THEN 'not yet published'
                   WHEN m.official_value > m.comparison_value THEN 'consistent' ELSE 'overstated' END
               WHEN m.official_value IS NULL OR m.covered_days < 0.75 * m.claimed_days
                 OR (m.check_type IN ('pct_change', 'ratio', 'direction', 'fall')
                     AND (m.comparison_value IS NULL OR m.comparison_covered_days < 0.75 * m.comparison_days))
                 OR (m.check_type = 'highest_since' AND m.best_other_value IS NULL) THEN 'not yet published'
               WHEN m.check_type = 'total' AND m.exact THEN CASE
                   WHEN abs(m.claimed_value - m.official_value) <= coalesce(m.tolerance, 0.05) * m.official_value THEN 'consistent'
                   WHEN m.claimed_value > m.official_value THEN 'overstated' ELSE 'understated' END
               WHEN m.check_type = 'total' THEN CASE   -- periods differ from the claim's: compare daily rates
                   WHEN abs(m.claimed_rate - m.official_rate) <= coalesce(m.tolerance, 0.05) * m.official_rate THEN 'consistent'
                   WHEN m.claimed_rate > m.official_rate THEN 'overstated' ELSE 'understated' END
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
               WHEN m.check_type = 'fall' THEN CASE
                   WHEN m.official_measure <= -m.claimed_value THEN 'consistent' ELSE 'overstated' END
               WHEN m.check_type = 'at_least' THEN CASE
                   WHEN m.official_value >= m.claimed_value THEN 'consistent' ELSE 'overstated' END
               WHEN m.check_type = 'highest_since' THEN CASE
                   WHEN m.official_value >= m.best_other_value THEN 'consistent' ELSE 'overstated' END
           END AS verdict
    FROM measured m
),
explained AS (   -- one plain sentence per part and basis: the periods, the figures, the release
    SELECT j.*,
           CASE WHEN j.part_count > 1 THEN upper(j.part_label[1]) || j.part_label[2:] || ': ' ELSE '' END
           || CASE
               WHEN j.official_value IS NULL THEN
                   CASE j.basis WHEN 'note' THEN 'no ministers'' note loaded gives ' || j.metric_words
                                WHEN 'note_when_made' THEN 'no ministers'' note giving ' || j.metric_words || ' had been published'
                                WHEN 'when_made' THEN 'no official figures for ' || j.metric_words || ' had been published'
                                ELSE 'no official figures for ' || j.metric_words || ' are loaded' END
                   || CASE WHEN j.check_type = 'record_high' THEN ''
                           ELSE ' for ' || strftime(j.claim_start, '%-d %b %Y') || ' to ' || strftime(j.claim_end, '%-d %b %Y') END
                   || coalesce(' (latest loaded: to ' || strftime(j.data_to, '%-d %b %Y') || ')', '') || '.'
               ELSE
                   CASE WHEN j.basis LIKE 'note%' THEN 'the ministers'' note gives ' ELSE '' END
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
                             || ': ' || coalesce(format('{:+.1f}', j.official_measure) || '%', 'no change computable')
                             || ' against ' || format('{:+.0f}', j.claimed_value) || '% claimed'
                        WHEN 'ratio' THEN ' against ' || coalesce(format('{:,.0f}', j.comparison_value) || ' for ' || j.comparison_periods
                                                                  || CASE WHEN j.comparison_fallback THEN ' (the edition''s earliest comparable period: it has no figure for the base year)' ELSE '' END,
                                                                  'no base figure')
                             || ': ' || coalesce(format('{:.2f}', j.official_measure) || ' times', 'no ratio computable')
                             || ' against at least ' || format('{:g}', j.claimed_value) || ' times claimed'
                        WHEN 'direction' THEN ' against ' || coalesce(format('{:,.0f}', j.comparison_value) || ' for ' || j.comparison_periods
                                                                      || ' (' || format('{:+.1f}', j.official_measure) || '%)', 'no base figure')
                             || '; claimed: ' || j.claimed_direction
                        WHEN 'fall' THEN ' against ' || coalesce(format('{:,.0f}', j.comparison_value) || ' for ' || j.comparison_periods
                                                                 || ': ' || format('{:+.1f}', j.official_measure) || '%', 'no base figure')
                             || ' (a plummet needs a fall of at least ' || format('{:g}', j.claimed_value) || '%)'
                        WHEN 'at_least' THEN coalesce(' (' || format('{:,.0f}', j.comparison_value) || ' for the same days a year before)', '')
                             || ', against at least ' || format('{:g}', j.claimed_value) || ' needed'
                        WHEN 'highest_since' THEN coalesce(CASE WHEN j.verdict = 'consistent'
                                  THEN ', the highest of any run of as many periods since ' || strftime(j.since, '%b %Y')
                                  ELSE '; higher in ' || j.best_other_periods || ' (' || format('{:,.0f}', j.best_other_value) || ')' END, '')
                        ELSE '' END
                   || CASE WHEN j.verdict <> 'not yet published' OR j.check_type = 'record_high' THEN ''
                           WHEN j.covered_days < 0.75 * j.claimed_days THEN '; too little of the claimed period is covered yet'
                           ELSE '; the published periods do not cover the ' || CASE WHEN j.check_type IN ('pct_change', 'at_least')
                                THEN 'same days a year before' ELSE 'base period' END
                                || ' (' || strftime(coalesce(j.base_start, staging.year_before(j.claim_start)), '%-d %b %Y') || ' to '
                                || strftime(coalesce(j.base_end, staging.year_before(j.claim_end)), '%-d %b %Y') || ')' END
                   || ' (' || coalesce(staging.release_words(r.file_name, r.published_on, r.date_basis), 'release ' || j.release_id) || ').'
           END AS explanation
    FROM judged j
    LEFT JOIN meta.releases r ON r.release_id = j.release_id
),
combined AS MATERIALIZED (   -- the parts of a claim added up, per vintage and basis
    SELECT pledge_id, vintage, basis, any_value(combine) AS combine, count(*) AS parts,
           count(*) FILTER (WHERE verdict = 'consistent') AS consistent_parts,
           count(*) FILTER (WHERE verdict IN ('overstated', 'understated')) AS failing_parts,
           arg_min(verdict, part_no) FILTER (WHERE verdict IN ('overstated', 'understated')) AS first_failing,
           string_agg(explanation, ' ' ORDER BY part_no) AS explanation,
           arg_min(official_value, part_no) AS official_value, arg_min(official_measure, part_no) AS official_measure,
           arg_min(comparison_value, part_no) AS comparison_value, arg_min(official_periods, part_no) AS official_periods,
           arg_min(period_start, part_no) AS period_start, arg_min(period_end, part_no) AS period_end,
           arg_min(covered_days, part_no) AS covered_days, arg_min(claimed_days, part_no) AS claimed_days,
           arg_min(extra_days, part_no) AS extra_days, arg_min(official_rate, part_no) AS official_rate,
           arg_min(claimed_rate, part_no) AS claimed_rate, bool_and(coalesce(exact, FALSE)) AS exact,
           min(due_on) FILTER (WHERE verdict = 'not yet published') AS due_on,
           arg_min(page_url, part_no) AS page_url, arg_min(publisher, part_no) AS publisher,
           arg_max(release_id, release_rank) AS release_id, max(published_on) AS published_on,
           list({'part': part_label, 'metric_id': metric_id, 'verdict': verdict, 'official_measure': official_measure}
                ORDER BY part_no) AS part_verdicts
    FROM explained GROUP BY pledge_id, vintage, basis
),
verdicts AS (
    SELECT *,
           CASE WHEN combine = 'all' THEN CASE
                    WHEN failing_parts > 0 THEN first_failing
                    WHEN consistent_parts = parts THEN 'consistent'
                    ELSE 'not yet published' END
                ELSE CASE
                    WHEN consistent_parts = parts THEN 'consistent'
                    WHEN consistent_parts > 0 AND failing_parts > 0 THEN 'partly consistent'
                    WHEN consistent_parts > 0 THEN 'consistent'
                    WHEN failing_parts > 0 THEN first_failing
                    ELSE 'not yet published' END
           END AS verdict
    FROM combined
)
SELECT c.pledge_id AS claim_id, v.vintage, c.title, c.statement, c.quote, c.said_by, c.said_on, c.metric_id, c.check_type,
       c.claimed_value, c.claimed_direction, c.claim_start, c.claim_end, c.method,
       -- the headline rests on the ministers' note where one covers exactly the claimed days, else on
       -- the latest official statistics
       CASE WHEN c.kind = 'qualitative' THEN c.manual_status
            WHEN n.verdict IS NOT NULL AND n.verdict <> 'not yet published' THEN n.verdict
            ELSE coalesce(l.verdict, 'not yet published') END AS verdict,
       CASE WHEN c.kind = 'qualitative' THEN 'evidence set by hand (' || strftime(c.manual_status_on, '%-d %b %Y') || ')'
            WHEN n.verdict IS NOT NULL AND n.verdict <> 'not yet published' THEN 'ministers'' note, release ' || n.release_id
            WHEN l.release_id IS NOT NULL THEN 'official statistics, release ' || l.release_id
            ELSE 'none yet' END AS verdict_source,
       CASE WHEN c.kind = 'qualitative' THEN c.method
            WHEN n.verdict IS NOT NULL AND n.verdict <> 'not yet published' THEN
                 'The claim is checked on the ministers'' note, which covers exactly the claimed days: '
                 || n.explanation || ' Official statistics'
                 || CASE WHEN l.verdict IS NULL OR l.verdict = 'not yet published' THEN ' do not yet cover the claim: '
                         WHEN l.verdict = n.verdict THEN ' corroborate: ' ELSE ' differ (' || l.verdict || '): ' END
                 || l.explanation
            ELSE upper(l.explanation[1]) || l.explanation[2:]
                 || CASE WHEN EXISTS (SELECT 1 FROM staging.claim_parts p WHERE p.pledge_id = c.pledge_id AND p.note_metric IS NOT NULL)
                         THEN ' No ministers'' note for exactly the claimed days is loaded.' ELSE '' END
       END AS explanation,
       l.official_value, l.official_measure, l.comparison_value, l.official_periods, l.period_start, l.period_end,
       l.covered_days, l.claimed_days, l.extra_days, l.official_rate, l.claimed_rate,
       CASE WHEN c.check_type = 'total' AND NOT l.exact THEN 'daily rate' WHEN c.kind = 'quantitative' THEN 'as published' END AS compared_as,
       CASE WHEN c.kind = 'qualitative' THEN c.manual_status ELSE coalesce(l.verdict, 'not yet published') END AS official_verdict,
       l.part_verdicts,
       l.release_id, l.published_on, l.due_on, l.page_url AS source_page_url, l.publisher,
       -- when made: the note published by then where one covered the claimed days, else the official statistics
       coalesce(wn.official_value, w.official_value) AS when_made_official_value,
       coalesce(wn.official_measure, w.official_measure) AS when_made_official_measure,
       coalesce(wn.official_periods, w.official_periods) AS when_made_official_periods,
       CASE WHEN c.kind = 'qualitative' THEN c.manual_status
            ELSE coalesce(wn.verdict, w.verdict, 'not yet published') END AS when_made_verdict,
       coalesce(wn.explanation, w.explanation) AS when_made_explanation,
       coalesce(wn.release_id, w.release_id) AS when_made_release_id,
       c.note_metric, n.official_value AS note_value, n.official_measure AS note_measure, n.comparison_value AS note_comparison_value,
       n.verdict AS note_verdict, n.explanation AS note_explanation, n.release_id AS note_release_id
FROM claims c
JOIN vintages v USING (pledge_id)
LEFT JOIN verdicts l ON l.pledge_id = c.pledge_id AND l.vintage = v.vintage AND l.basis = 'latest'
LEFT JOIN verdicts w ON w.pledge_id = c.pledge_id AND w.vintage = v.vintage AND w.basis = 'when_made'
LEFT JOIN verdicts n ON n.pledge_id = c.pledge_id AND n.vintage = v.vintage AND n.basis = 'note'
LEFT JOIN verdicts wn ON wn.pledge_id = c.pledge_id AND wn.vintage = v.vintage AND wn.basis = 'note_when_made'
     AND wn.verdict <> 'not yet published'
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
CREATE OR REPLACE MACRO marts.claim_checks_as_of(as_of_date) AS TABLE
SELECT * EXCLUDE (vintage, next_vintage, verdict, explanation, official_verdict),
       CASE WHEN verdict = 'not yet published' AND due_on <= least(as_of_date, current_date) THEN 'not loaded here'
            ELSE verdict END AS verdict,
       explanation || CASE
           WHEN verdict = 'not yet published' AND due_on <= least(as_of_date, current_date)
           THEN ' Official figures covering the claim were due by ' || strftime(due_on, '%-d %b %Y') || ' (' || publisher
                || '): published, but not loaded here; get them from ' || source_page_url || '.'
           WHEN verdict = 'not yet published' AND due_on IS NOT NULL
           THEN ' Official figures covering the claim are not due until ' || strftime(due_on, '%-d %b %Y') || '.'
           ELSE '' END AS explanation,
       CASE WHEN official_verdict = 'not yet published' AND due_on <= least(as_of_date, current_date) THEN 'not loaded here'
            ELSE official_verdict END AS official_verdict
FROM staging.claim_check_vintages
WHERE vintage <= as_of_date AND (next_vintage IS NULL OR next_vintage > as_of_date)
ORDER BY claim_id;

-- Today's checks: rewritten on every build (they depend on today's date: figures due by now are "not loaded here").
CREATE TABLE IF NOT EXISTS marts.claim_checks AS SELECT * FROM marts.claim_checks_as_of(DATE '9999-12-31') WITH NO DATA;
DELETE FROM marts.claim_checks;
INSERT INTO marts.claim_checks SELECT * FROM marts.claim_checks_as_of(DATE '9999-12-31');

COMMENT ON TABLE marts.claim_checks IS 'One row per claim: the official figure over the claimed period (latest revision, and as published when the claim was made), the ministers'' note where one covers the claimed days, the verdict and an explanation in plain words.';
COMMENT ON COLUMN marts.claim_checks.title IS 'A human title of the claim.';
COMMENT ON COLUMN marts.claim_checks.method IS 'How the claim is checked (from the register).';
COMMENT ON COLUMN marts.claim_checks.official_value IS 'Official total over official_periods (latest revision); record_high: the peak. Several measures: the first.';
COMMENT ON COLUMN marts.claim_checks.official_measure IS 'What is compared with claimed_value: the total, the percentage change, the ratio or the peak.';
COMMENT ON COLUMN marts.claim_checks.comparison_value IS 'The same period a year before (pct_change, at_least), the base period (ratio, direction, fall), or the highest earlier period (record_high).';
COMMENT ON COLUMN marts.claim_checks.official_periods IS 'The official periods used, e.g. 2024 Q3–2024 Q4.';
COMMENT ON COLUMN marts.claim_checks.covered_days IS 'Claimed days inside the official periods used (of claimed_days); extra_days lie outside the claim.';
COMMENT ON COLUMN marts.claim_checks.official_rate IS 'Official total per day over the official periods used (totals compared as daily rates).';
COMMENT ON COLUMN marts.claim_checks.claimed_rate IS 'Claimed value per claimed day.';
COMMENT ON COLUMN marts.claim_checks.compared_as IS 'daily rate where a total''s official periods are not the claimed days, else as published.';
COMMENT ON COLUMN marts.claim_checks.verdict IS 'consistent, partly consistent, overstated, understated, not yet published, not loaded here or not measurable: from the ministers'' note where one covers the claimed days, else the latest official statistics (see verdict_source); qualitative claims: set by hand from evidence.';
COMMENT ON COLUMN marts.claim_checks.verdict_source IS 'What the verdict rests on: the ministers'' note, official statistics (with the release), or hand-set evidence.';
COMMENT ON COLUMN marts.claim_checks.official_verdict IS 'The verdict from the latest official statistics alone.';
COMMENT ON COLUMN marts.claim_checks.part_verdicts IS 'Claims checked on several measures: each measure''s verdict and official measure.';
COMMENT ON COLUMN marts.claim_checks.due_on IS 'Where figures are missing: the date by which the official figures covering the claim must have been published (catalog publication lag).';
COMMENT ON COLUMN marts.claim_checks.source_page_url IS 'The publisher''s page for the official series.';
COMMENT ON COLUMN marts.claim_checks.publisher IS 'Publisher of the official series.';
COMMENT ON COLUMN marts.claim_checks.note_metric IS 'Metric from the Home Office ad-hoc note the claim quotes (period_type range), if any.';
COMMENT ON COLUMN marts.claim_checks.note_value IS 'The ad-hoc note''s figure for exactly the claimed period.';
COMMENT ON COLUMN marts.claim_checks.note_measure IS 'As official_measure, from the ad-hoc note.';
COMMENT ON COLUMN marts.claim_checks.note_comparison_value IS 'The ad-hoc note''s figure for the same period 12 months prior.';
COMMENT ON COLUMN marts.claim_checks.note_verdict IS 'The claim checked against the ad-hoc note''s figures.';
COMMENT ON COLUMN marts.claim_checks.note_explanation IS 'As explanation, for the ad-hoc note.';
COMMENT ON COLUMN marts.claim_checks.note_release_id IS 'The ad-hoc note release (marts.releases) used.';
COMMENT ON COLUMN marts.claim_checks.when_made_verdict IS 'The verdict from data published on or before said_on: the ministers'' note published by then where one covered the claimed days, else the official statistics.';
COMMENT ON COLUMN marts.claim_checks.release_id IS 'The newest release the latest official verdict rests on.';
