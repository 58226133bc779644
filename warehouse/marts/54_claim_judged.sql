-- Answers: for each claim part, vintage and basis, what is the official figure set against the claim (the
-- total, the percentage change, the ratio or the peak), over which periods and days, from which release, and
-- does it bear the claim out?
--
-- measured: the claim's terms with the figures of 52_claim_sums.sql (the claimed period, and the year before
-- or the base period to compare with) and 53_claim_runs.sql. judged: the verdict, one of consistent,
-- overstated, understated, not borne out (a direction the figures contradict: a claimed cut where they rose
-- overstates nothing) or not yet published (under 75% of the claimed or compared days covered; a total
-- whose official periods are not the claimed days is compared as a daily rate).
-- Does a measure bear the claim out? A percentage change within the tolerance (points) of the claimed one, a fall
-- at least as deep as claimed, a ratio more than the claimed multiple ("more than trebled": exactly 3 times is not
-- more; audit 27). Judged on the unrounded measure.
CREATE OR REPLACE MACRO staging.bears_out(check_type, measure, claimed, tolerance) AS CASE check_type
    WHEN 'pct_change' THEN abs(claimed - measure) <= coalesce(tolerance, 2)
    WHEN 'fall' THEN measure <= -claimed
    WHEN 'ratio' THEN measure > claimed END;
-- Whether a measure sits exactly on the claimed threshold: a figure shown rounded onto it (2.995 as "3.00 times",
-- against "more than 3") would read as exactly there.
CREATE OR REPLACE MACRO staging.on_threshold(check_type, measure, claimed) AS CASE check_type
    WHEN 'fall' THEN measure = -claimed WHEN 'ratio' THEN measure = claimed ELSE false END;

CREATE OR REPLACE TEMP TABLE claim_judged AS
WITH measured AS (
    SELECT b.pledge_id, b.part_no, b.part_label, b.part_count, b.combine, b.vintage, b.basis, b.check_type,
           b.claimed_value, b.claimed_direction, b.tolerance, b.claim_start, b.claim_end, b.since, b.metric_id,
           b.base_start, b.base_end, b.said_on,
           staging.metric_words(coalesce(mt.title, b.metric_id)) AS metric_words,
           mt.period_type AS metric_period_type, mt.publisher, mt.page_url, mt.publication_lag_months,
           -- a base the series cannot give whole (the year ending June 2019 from calendar years): no release will
           -- carry it, so the part is not measurable and no change is computed against a stand-in
           b.check_type IN ('ratio', 'direction', 'fall') AND b.base_start IS NOT NULL
               AND staging.off_the_grid(mt.period_type, b.base_start, b.base_end) AS base_off_grid,
           coalesce(r.peak, c.value) AS official_value,
           coalesce(r.peak_label, c.label) AS official_periods,
           c.period_start, c.period_end, c.covered_days, c.extra_days, c.official_days,
           staging.days_in(b.claim_start, b.claim_end) AS claimed_days,
           coalesce(c.unit, mt.unit) AS unit,
           coalesce(r.earlier, cmp.value, bo.value) AS comparison_value,   -- highest_since: the highest other run
           coalesce(r.earlier_label, cmp.label, bo.label) AS comparison_periods,
           cmp.covered_days AS comparison_covered_days, cmp.fallback AS comparison_fallback,
           staging.days_in(cmp.w_start, cmp.w_end) AS comparison_days,
           bo.value AS best_other_value, bo.label AS best_other_periods, r.first_label,
           c.covered_days = staging.days_in(b.claim_start, b.claim_end) AND c.extra_days = 0 AS exact,
           -- the measure unrounded: a claim is judged on it (+20.96% is not within 3 points of +24%, 2.997 times
           -- did not treble); official_measure shows it rounded, with more decimals where rounding would hide that
           CASE WHEN base_off_grid THEN NULL ELSE CASE b.check_type
               WHEN 'pct_change' THEN 100 * (c.value - cmp.value) / nullif(cmp.value, 0)
               WHEN 'fall' THEN 100 * (c.value - cmp.value) / nullif(cmp.value, 0)
               WHEN 'direction' THEN 100 * (c.value - cmp.value) / nullif(cmp.value, 0)
               WHEN 'ratio' THEN c.value / nullif(cmp.value, 0)
               WHEN 'record_high' THEN r.peak
               ELSE c.value END END AS exact_measure,
           -- highest_since: the first day the loaded figures reach back to (runs are only known from there)
           k.data_from,
           c.value / nullif(c.official_days, 0) AS official_rate,
           b.claimed_value / staging.days_in(b.claim_start, b.claim_end) AS claimed_rate,
           -- a Home Office ad-hoc note for exactly the claimed days (period type range) is what the claim quotes: it was
           -- published by the day the claim was made at the latest, whatever its usual lag
           CASE WHEN mt.period_type = 'range'
                THEN least(staging.due_on(b.claim_end, mt.publication_lag_months, mt.release_every), b.said_on)
                ELSE staging.due_on(staging.last_period_end(mt.period_type, b.claim_end), mt.publication_lag_months,
                                    mt.release_every) END AS due_on,
           k.data_to,
           coalesce(r.release_id, CASE WHEN coalesce(cmp.release_rank, -1) > coalesce(c.release_rank, -1)
                                       THEN cmp.release_id ELSE c.release_id END) AS release_id,
           coalesce(r.release_rank, greatest(c.release_rank, cmp.release_rank)) AS release_rank,
           coalesce(r.published_on, greatest(c.published_on, cmp.published_on)) AS published_on
    FROM temp.claim_bases b
    LEFT JOIN marts.metrics mt ON mt.metric_id = b.metric_id
    LEFT JOIN temp.claim_sums c ON c.pledge_id = b.pledge_id AND c.part_no = b.part_no AND c.vintage = b.vintage
         AND c.basis = b.basis AND c.role = 'claim'
    LEFT JOIN temp.claim_sums cmp ON cmp.pledge_id = b.pledge_id AND cmp.part_no = b.part_no AND cmp.vintage = b.vintage
         AND cmp.basis = b.basis AND cmp.role IN ('year_before', 'base')
    LEFT JOIN temp.claim_best_other bo ON bo.pledge_id = b.pledge_id AND bo.part_no = b.part_no AND bo.vintage = b.vintage AND bo.basis = b.basis
    LEFT JOIN temp.claim_records r ON r.pledge_id = b.pledge_id AND r.part_no = b.part_no AND r.vintage = b.vintage AND r.basis = b.basis
    LEFT JOIN (SELECT pledge_id, part_no, vintage, basis, min(period_start) AS data_from, max(period_end) AS data_to
               FROM temp.claim_known GROUP BY ALL) k
         ON k.pledge_id = b.pledge_id AND k.part_no = b.part_no AND k.vintage = b.vintage AND k.basis = b.basis
),
shown AS (   -- the decimals official_measure is shown with: one (a ratio two), or as many more as it takes for the
             -- rounded figure to bear out the same verdict as the unrounded one (+20.96% against +24% within 3 points),
             -- and to sit on the claimed threshold only if the unrounded one does
    SELECT *, CASE WHEN check_type = 'direction' THEN 1
                   WHEN check_type NOT IN ('pct_change', 'fall', 'ratio') OR exact_measure IS NULL THEN NULL
                   WHEN staging.bears_out(check_type, round(exact_measure, d), claimed_value, tolerance)
                        = staging.bears_out(check_type, exact_measure, claimed_value, tolerance)
                        AND staging.on_threshold(check_type, round(exact_measure, d), claimed_value)
                            = staging.on_threshold(check_type, exact_measure, claimed_value) THEN d
                   WHEN staging.bears_out(check_type, round(exact_measure, d + 1), claimed_value, tolerance)
                        = staging.bears_out(check_type, exact_measure, claimed_value, tolerance)
                        AND staging.on_threshold(check_type, round(exact_measure, d + 1), claimed_value)
                            = staging.on_threshold(check_type, exact_measure, claimed_value) THEN d + 1
                   ELSE d + 2 END AS measure_digits
    FROM (SELECT *, CASE WHEN check_type = 'ratio' THEN 2 ELSE 1 END AS d FROM measured)
)
SELECT m.* EXCLUDE (measure_digits, exact_measure, d),
       CASE WHEN m.measure_digits IS NULL THEN m.exact_measure ELSE round(m.exact_measure, m.measure_digits) END AS official_measure,
       m.measure_digits,
       CASE
           WHEN m.check_type = 'record_high' THEN CASE
               WHEN m.official_value IS NULL THEN 'not yet published'
               -- the claimed periods are in, but the edition has none before them: it cannot show a record (its
               -- figures are loaded: never "not loaded here" with a link to get them)
               WHEN m.comparison_value IS NULL THEN 'not measurable'
               WHEN m.official_value > m.comparison_value THEN 'consistent' ELSE 'overstated' END
           WHEN m.base_off_grid THEN 'not measurable'   -- never "not loaded here": no release will carry that base
           WHEN m.official_value IS NULL OR m.covered_days < 0.75 * m.claimed_days
             OR (m.check_type IN ('pct_change', 'ratio', 'direction', 'fall')
                 AND (m.comparison_value IS NULL OR m.comparison_covered_days < 0.75 * m.comparison_days))
             OR (m.check_type = 'highest_since' AND (m.best_other_value IS NULL OR m.data_from > m.since)) THEN 'not yet published'
           -- from a base of zero no percentage change or ratio can be computed (the figures are in: not unpublished)
           WHEN m.check_type IN ('pct_change', 'ratio', 'fall') AND m.comparison_value = 0 THEN 'not measurable'
           WHEN m.check_type = 'total' AND m.exact THEN CASE
               WHEN abs(m.claimed_value - m.official_value) <= coalesce(m.tolerance, 0.05) * m.official_value THEN 'consistent'
               WHEN m.claimed_value > m.official_value THEN 'overstated' ELSE 'understated' END
           WHEN m.check_type = 'total' THEN CASE   -- periods differ from the claim's: compare daily rates
               WHEN abs(m.claimed_rate - m.official_rate) <= coalesce(m.tolerance, 0.05) * m.official_rate THEN 'consistent'
               WHEN m.claimed_rate > m.official_rate THEN 'overstated' ELSE 'understated' END
           WHEN m.check_type = 'pct_change' THEN CASE
               WHEN m.exact_measure IS NULL THEN 'not yet published'
               WHEN staging.bears_out('pct_change', m.exact_measure, m.claimed_value, m.tolerance) THEN 'consistent'
               WHEN m.claimed_value > m.exact_measure THEN 'overstated' ELSE 'understated' END
           WHEN m.check_type = 'ratio' THEN CASE
               WHEN staging.bears_out('ratio', m.exact_measure, m.claimed_value, m.tolerance) THEN 'consistent' ELSE 'overstated' END
           WHEN m.check_type = 'direction' THEN CASE
               WHEN (m.claimed_direction = 'down' AND m.official_value < m.comparison_value)
                 OR (m.claimed_direction = 'up' AND m.official_value > m.comparison_value) THEN 'consistent'
               ELSE 'not borne out' END
           WHEN m.check_type = 'fall' THEN CASE
               WHEN staging.bears_out('fall', m.exact_measure, m.claimed_value, m.tolerance) THEN 'consistent' ELSE 'overstated' END
           WHEN m.check_type = 'at_least' THEN CASE
               WHEN m.official_value >= m.claimed_value THEN 'consistent' ELSE 'overstated' END
           WHEN m.check_type = 'highest_since' THEN CASE
               WHEN m.official_value >= m.best_other_value THEN 'consistent' ELSE 'overstated' END
       END AS verdict
FROM shown m;
