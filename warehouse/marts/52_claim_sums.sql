-- Answers: for each claim part, vintage, basis and window (the claimed period, the year before, the base
-- period), what do the official periods chosen for it add up to, over how many days, as published in which
-- release?
--
-- covered_days: the window's days inside the periods used; extra_days: the periods' days outside it;
-- label: the periods used, e.g. 2024 Q3–2024 Q4.
CREATE OR REPLACE TEMP TABLE claim_sums AS
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
FROM temp.claim_chosen GROUP BY pledge_id, part_no, vintage, basis, role;
