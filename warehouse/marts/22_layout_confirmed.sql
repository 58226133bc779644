-- Answers: has a published file of each metric's layout loaded here? A metric whose parser was built from a
-- description (layout_confirmed = false in its catalog entry, for its source or for the metric alone) counts as
-- confirmed once a release of its source has loaded cleanly, validated, passed the release gate and given the metric
-- rows (a table a release may lack, such as the illegal working visits, is not confirmed by the release's other
-- tables); layout_confirmed_by names the first such release.
-- (Read from marts.metric_observations, after 20_metric_observations.sql: every value is stored from the release that
-- first published it, so the first release giving a metric rows is there; the raw tables are not scanned again.)
UPDATE marts.metrics AS m
SET layout_confirmed = TRUE, layout_confirmed_by = first_loaded.release_id
FROM (SELECT v.metric_id, arg_min(o.release_id, o.release_rank) AS release_id
      FROM (SELECT DISTINCT metric_id, release_id FROM marts.metric_observations
            WHERE metric_id IN (SELECT metric_id FROM marts.metrics WHERE NOT layout_confirmed)) AS v
      JOIN staging.release_order AS o USING (release_id)
      GROUP BY v.metric_id) AS first_loaded
WHERE m.metric_id = first_loaded.metric_id AND NOT m.layout_confirmed;
