-- Answers: what did the official figures say on a given date, before later revisions?
-- What was known on a date: each metric and period from the newest release published on or before it.
CREATE OR REPLACE MACRO marts.observations_as_of(as_of_date) AS TABLE
SELECT metric_id, period_type, period_start, period_end, value, unit, release_id, published_on
FROM marts.metric_observations
WHERE published_on <= as_of_date
QUALIFY row_number() OVER (PARTITION BY metric_id, period_type, period_start, period_end
                           ORDER BY published_on DESC, release_id DESC) = 1;
