-- Answers: for claims that a figure was the highest for years (highest_since), what is the highest earlier run
-- of as many consecutive periods as the claim uses; and for claims of a record (record_high), what is the peak
-- inside the claimed period against every earlier period? Per claim part, vintage and basis.

-- highest_since: every run of as many consecutive periods (from the claim's `since`) as the claimed period
-- uses, ending no later than it.
CREATE OR REPLACE TEMP TABLE claim_runs AS
WITH indexed AS (
    SELECT k.pledge_id, k.part_no, k.vintage, k.basis, k.period_start, k.period_end, k.period_type, k.value,
           row_number() OVER (PARTITION BY k.pledge_id, k.part_no, k.vintage, k.basis ORDER BY k.period_start) AS idx
    FROM temp.claim_known k JOIN temp.claim_bases b USING (pledge_id, part_no, vintage, basis)
    WHERE b.check_type = 'highest_since' AND k.period_start >= b.since
)
SELECT e.pledge_id, e.part_no, e.vintage, e.basis, e.period_end AS run_end, min(s.period_start) AS run_start,
       sum(s.value) AS value, any_value(e.period_type) AS period_type, min(s.period_end) AS first_end
FROM indexed e
JOIN temp.claim_sums c ON c.pledge_id = e.pledge_id AND c.part_no = e.part_no AND c.vintage = e.vintage AND c.basis = e.basis
     AND c.role = 'claim'
JOIN indexed s ON s.pledge_id = e.pledge_id AND s.part_no = e.part_no AND s.vintage = e.vintage AND s.basis = e.basis
     AND s.idx BETWEEN e.idx - c.periods + 1 AND e.idx
WHERE e.period_end <= c.period_end
GROUP BY e.pledge_id, e.part_no, e.vintage, e.basis, e.period_end, c.periods
-- as many periods, and consecutive: a run across a gap (2023 Q4 and 2024 Q3 with 2024 Q1-Q2 missing) is no run
HAVING count(*) = c.periods
   AND sum(staging.days_in(s.period_start, s.period_end)) = staging.days_in(min(s.period_start), max(s.period_end));

-- The highest earlier run, and its periods: only runs ending before the claimed run starts (a run sharing a quarter
-- with it, 2024 Q2-Q3 against 2024 Q3-Q4, compares the claim partly with itself); a run of one period is named once.
CREATE OR REPLACE TEMP TABLE claim_best_other AS
SELECT r.pledge_id, r.part_no, r.vintage, r.basis, max(r.value) AS value,
       arg_max(CASE WHEN r.first_end = r.run_end THEN staging.period_label(r.period_type, r.run_start, r.run_end)
                    ELSE staging.period_label(r.period_type, r.run_start, r.first_end) || '–'      -- of equal runs, the latest
                         || staging.period_label(r.period_type, r.run_end - INTERVAL 1 DAY, r.run_end) END,
               (r.value, r.run_end)) AS label
FROM temp.claim_runs r
JOIN temp.claim_sums c ON c.pledge_id = r.pledge_id AND c.part_no = r.part_no AND c.vintage = r.vintage AND c.basis = r.basis
     AND c.role = 'claim'
WHERE r.run_end < c.period_start
GROUP BY r.pledge_id, r.part_no, r.vintage, r.basis;

-- record_high: the peak inside the claimed period (and the release it rests on) against every earlier period.
CREATE OR REPLACE TEMP TABLE claim_records AS
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
FROM temp.claim_known k JOIN temp.claim_bases b USING (pledge_id, part_no, vintage, basis)
WHERE b.check_type = 'record_high'
GROUP BY k.pledge_id, k.part_no, k.vintage, k.basis;
