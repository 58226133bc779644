-- Answers: has a published file of each source's layout loaded here? A source whose parser was built from a
-- description (layout_confirmed = false in its catalog entry) counts as confirmed once one of its releases has
-- loaded cleanly, validated and passed the release gate; layout_confirmed_by names the first such release.
UPDATE marts.metrics AS m
SET layout_confirmed = TRUE, layout_confirmed_by = first_loaded.release_id
FROM (SELECT r.source_id, arg_min(o.release_id, o.release_rank) AS release_id
      FROM staging.release_order AS o JOIN meta.releases AS r USING (release_id)
      GROUP BY r.source_id) AS first_loaded
WHERE m.source_id = first_loaded.source_id AND NOT m.layout_confirmed;
