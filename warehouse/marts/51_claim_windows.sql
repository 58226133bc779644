-- Answers: for each claim part, vintage and basis, which release is the check made on, which periods were
-- known then, and which official periods fall in the claimed period, the same period a year before and the
-- base period?
--
-- Bases: the latest official statistics and the Home Office's ad-hoc note (where the claim quotes one), each also as
-- published when the claim was made. Official periods count when at least half their days fall in a window
-- (year-ending and note periods must match it exactly).

-- One row per part, vintage and basis, with the metric checked and the cutoff: the vintage, or the day the
-- claim was made if earlier.
CREATE OR REPLACE TEMP TABLE claim_bases AS
SELECT p.*  EXCLUDE (metric_id), v.vintage, b.basis,
       CASE WHEN b.basis LIKE 'note%' THEN p.note_metric ELSE p.metric_id END AS metric_id,
       CASE WHEN b.basis LIKE '%when_made' THEN least(p.said_on, v.vintage) ELSE v.vintage END AS cutoff
FROM temp.claim_scope_parts p
JOIN temp.claim_vintages v USING (pledge_id)
CROSS JOIN (VALUES ('latest'), ('when_made'), ('note'), ('note_when_made')) AS b(basis)
WHERE b.basis NOT LIKE 'note%' OR p.note_metric IS NOT NULL;

-- Each base's newest release of its metric published by the cutoff.
CREATE OR REPLACE TEMP TABLE claim_latest AS
SELECT b.pledge_id, b.part_no, b.vintage, b.basis, any_value(b.metric_id) AS metric_id, any_value(b.cutoff) AS cutoff,
       arg_max(m.release_id, m.release_rank) AS release_id, arg_max(m.published_on, m.release_rank) AS published_on,
       max(m.release_rank) AS release_rank
FROM temp.claim_bases b JOIN staging.metric_release_order m ON m.metric_id = b.metric_id AND m.published_on <= b.cutoff
GROUP BY b.pledge_id, b.part_no, b.vintage, b.basis;

-- Each period as known at the cutoff (published by then, not yet superseded), with the release it was last
-- published in by then (see marts.observations_as_of).
CREATE OR REPLACE TEMP TABLE claim_known AS
SELECT l.pledge_id, l.part_no, l.vintage, l.basis, o.metric_id, o.period_type, o.period_start, o.period_end, o.value,
       o.unit, CASE WHEN o.last_rank < l.release_rank THEN o.last_release_id ELSE l.release_id END AS release_id,
       CASE WHEN o.last_rank < l.release_rank THEN o.last_published_on ELSE l.published_on END AS published_on,
       least(coalesce(o.last_rank, l.release_rank), l.release_rank) AS release_rank
FROM temp.claim_latest l JOIN staging.observation_runs o ON o.metric_id = l.metric_id
     AND o.published_on <= l.cutoff AND (o.superseded_on IS NULL OR o.superseded_on > l.cutoff);

-- The windows: the claimed period, the same period a year before, and the base period.
CREATE OR REPLACE TEMP TABLE claim_windows AS
SELECT pledge_id, part_no, vintage, basis, 'claim' AS role, claim_start AS w_start, claim_end AS w_end FROM temp.claim_bases
UNION ALL
SELECT pledge_id, part_no, vintage, basis, 'year_before', staging.year_before(claim_start), staging.year_before(claim_end)
FROM temp.claim_bases WHERE check_type IN ('pct_change', 'at_least')
UNION ALL
SELECT pledge_id, part_no, vintage, basis, 'base', base_start, base_end FROM temp.claim_bases
WHERE check_type IN ('ratio', 'direction', 'fall');

-- The known periods that fall in each window (inside: the window's days they cover).
CREATE OR REPLACE TEMP TABLE claim_matched AS
SELECT w.pledge_id, w.part_no, w.vintage, w.basis, w.role, w.w_start, w.w_end, k.period_type, k.period_start,
       k.period_end, k.value, k.unit, k.release_id, k.published_on, k.release_rank, FALSE AS fallback,
       staging.overlap_days(k.period_start, k.period_end, w.w_start, w.w_end) AS inside
FROM temp.claim_windows w JOIN temp.claim_known k USING (pledge_id, part_no, vintage, basis)
WHERE 2 * staging.overlap_days(k.period_start, k.period_end, w.w_start, w.w_end) >= staging.days_in(k.period_start, k.period_end)
  AND (k.period_type NOT IN ('year_ending', 'range') OR (k.period_start = w.w_start AND k.period_end = w.w_end))
  -- a base is given by periods inside it: calendar 2018 does not stand in for the year ending June 2019
  AND (w.role <> 'base' OR (k.period_start >= w.w_start AND k.period_end <= w.w_end));

-- The periods each window is computed from: the matched ones plus, for a ratio whose base year the edition
-- lacks, its earliest period of the same length (fallback). The same period a year before takes only the periods a
-- year before those the claimed window has: while the release has 2024 Q3 but not yet Q4, 2023 Q3 alone, never
-- 2023 Q3 and Q4 against one quarter (like with like, as the method says: the same quarters a year before). A period
-- a year before starts on the same day of the year (weeks: within 3 days, as weeks fall) and is as long, give or
-- take 29 February (Feb 2024 for Feb 2025).
CREATE OR REPLACE TEMP TABLE claim_chosen AS
SELECT * FROM temp.claim_matched y
WHERE y.role <> 'year_before'
   OR EXISTS (SELECT 1 FROM temp.claim_matched c
              WHERE c.pledge_id = y.pledge_id AND c.part_no = y.part_no AND c.vintage = y.vintage AND c.basis = y.basis
                AND c.role = 'claim'
                AND abs(date_diff('day', staging.year_before(c.period_start), y.period_start))
                    <= CASE WHEN y.period_type = 'week' THEN 3 ELSE 0 END
                AND abs(staging.days_in(c.period_start, c.period_end) - staging.days_in(y.period_start, y.period_end)) <= 1)
UNION ALL
SELECT * FROM (
    SELECT w.pledge_id, w.part_no, w.vintage, w.basis, w.role, w.w_start, w.w_end, k.period_type, k.period_start,
           k.period_end, k.value, k.unit, k.release_id, k.published_on, k.release_rank, TRUE AS fallback,
           staging.days_in(k.period_start, k.period_end) AS inside
    FROM temp.claim_windows w JOIN temp.claim_bases b USING (pledge_id, part_no, vintage, basis)
    JOIN temp.claim_known k USING (pledge_id, part_no, vintage, basis)
    WHERE w.role = 'base' AND b.check_type = 'ratio' AND k.period_end < b.claim_start
      AND abs(staging.days_in(k.period_start, k.period_end) - staging.days_in(w.w_start, w.w_end)) <= 1   -- leap years
      AND month(k.period_end) = month(w.w_end)
      AND NOT EXISTS (SELECT 1 FROM temp.claim_matched m WHERE m.pledge_id = w.pledge_id AND m.part_no = w.part_no
                      AND m.vintage = w.vintage AND m.basis = w.basis AND m.role = 'base')
    QUALIFY row_number() OVER (PARTITION BY w.pledge_id, w.part_no, w.vintage, w.basis ORDER BY k.period_start) = 1
);
