-- Answers: what did the official figures say on a given date, before later revisions?
-- What was known on a date: each metric and period from the newest release published on or before it.
CREATE OR REPLACE MACRO marts.observations_as_of(as_of_date) AS TABLE
-- Same-day releases ranked as in marts.metric_observations (staging.release_order: _vN version, page time, fetch time).
SELECT o.metric_id, o.period_type, o.period_start, o.period_end, o.value, o.unit, o.release_id, o.published_on
FROM marts.metric_observations o JOIN staging.release_order r USING (release_id)
WHERE o.published_on <= as_of_date
QUALIFY row_number() OVER (PARTITION BY o.metric_id, o.period_type, o.period_start, o.period_end
                           ORDER BY r.release_rank DESC) = 1;
