-- Answers: what changed, and when? One row per change a reader would want to be told about:
--   status   a pledge's status moved (on the comparison its status rests on), with the release that moved it;
--            for a status set by hand from evidence (qualitative), on the day of the evidence it rests on
--   comparison  the same for a comparison shown beside it (e.g. small boats' calendar year to date), once its
--            window holds four weeks; the progress periods (quarters), not shown beside it, are not listed
--   verdict  a claim's verdict moved
--   release  a new official release was loaded
--   revision a published figure was revised by more than its metric's threshold (catalog:
--            revision_threshold_pct and revision_threshold_abs, both to be exceeded)
-- Built from every vintage the warehouse keeps, so the list is the same after any publish or rebuild
-- (a feed reader sees nothing vanish). Newest first. No move of a pledge or claim dated before it was said: what held
-- on the day it was said is told on that day, from "not yet said", as the as-of answers have it. Moves only between
-- the words that say where figures are (not yet said, not yet published, not loaded here: a statement made, a due
-- date passing) are not told: the list tells what the figures or the evidence show, from whichever of them held.
--
-- Built incrementally: only the changes a publish can alter are worked out again (those of the pledges, claims
-- and metrics in this build's scope from the scope's first date, and the new releases); the others are kept.

-- A status on a direction the words do not promise, told as such in a change's line (as the cards and explanations
-- do): "off track on this tracker's yardstick" for small boats, whose statements promise no number or fall.
CREATE OR REPLACE MACRO staging.yardstick_words(direction_from, status, sets_status) AS
    CASE WHEN sets_status AND status IN ('on track', 'off track', 'met') AND direction_from = 'yardstick'
         THEN ' on this tracker''s yardstick' ELSE '' END;

-- A status or verdict first given by figures loaded here, where figures due before were not loaded ("not loaded
-- here" before it: the earlier releases are not in this warehouse, though the first one loaded may reach back years),
-- is no change in the world: the day is the day this warehouse's first release of them was published, and the
-- status may have held before it. Told as such ("off track, the first status on figures loaded
-- here"), never as "not loaded here → off track", which a feed reader would date as the day it moved.
CREATE OR REPLACE MACRO staging.move_words(old_value, new_value) AS
    CASE WHEN old_value = 'not loaded here' THEN new_value ELSE old_value || ' → ' || new_value END;
CREATE OR REPLACE MACRO staging.first_here_words(old_value, noun) AS
    CASE WHEN old_value = 'not loaded here'
         THEN ', the first ' || noun || ' on figures loaded here; earlier releases are not loaded here, so it may '
              || 'have held before'
         ELSE '' END;

-- A claim's measure in its unit, as a change line gives it: a percentage change signed with %, a ratio in times,
-- else a figure with its unit.
CREATE OR REPLACE MACRO staging.measure_words(measure, unit) AS
    CASE unit WHEN '% change' THEN format('{:+.1f}', measure) || '%'
              WHEN 'times' THEN format('{:.2f}', measure) || ' times'
              ELSE format('{:,.0f}', measure) || coalesce(' ' || unit, '') END;

-- A claim checked on several measures (apprenticeships cut: against 2019/20 and against 2018/19), as a change line
-- gives it: each measure with its own periods and its verdict as known on `day`, never the first alone (a rise shown
-- as the evidence for a cut judged partly consistent; audit 24 F1), nor under the first one's periods (audit 26 F2):
-- "Over the four years (…): +5.3% for 2023/24, not borne out; against 2018/19 (…): -13.7% for 2023/24, consistent".
CREATE OR REPLACE MACRO staging.parts_words(unit, parts, day) AS
    staging.capitalised(array_to_string(list_transform(parts, lambda p:
        p.part || ': ' || coalesce(staging.measure_words(p.official_measure, unit) || coalesce(' for ' || p.official_periods, '')
                                   || ', ', '')
        || staging.verdict_known_on(p.verdict, p.due_on, day)), '; '));

CREATE OR REPLACE TEMP TABLE changes_new AS
WITH latest_by_view AS (   -- the latest row of each view of each pledge in every vintage, and whether it may set
                          -- the status (staging.status_rank: as marts.pledge_status_as_of chooses)
    SELECT g.pledge_id, g.view, p.status_view, g.as_of, g.status, g.period_label, g.value, g.baseline_value, g.release_id,
           -- a comparison's baseline by name (the days since tracking, past a year, are set against two years before)
           CASE WHEN g.view <> 'period' THEN g.baseline_label END AS compared_with,
           staging.status_rank(g.view, p.status_view, g.period_start, g.period_end, p.track_from) AS rank,
           -- how many years back the comparison looks: the days since tracking, past a year, are compared with the
           -- same days two years before; a move across that switch is the baseline changing, not the figures
           date_diff('year', g.baseline_start, g.period_start) AS years_back
    FROM marts.pledge_progress g JOIN marts.pledges p USING (pledge_id)
    WHERE g.pledge_id IN (SELECT pledge_id FROM temp.progress_scope)
    QUALIFY row_number() OVER (PARTITION BY g.pledge_id, g.view, g.as_of
                               ORDER BY g.complete DESC, g.period_end DESC, g.period_start DESC) = 1
),
status_rows AS (   -- in every vintage, the row the status rests on
    SELECT * FROM latest_by_view WHERE rank IS NOT NULL AND status <> 'not graded'
    QUALIFY row_number() OVER (PARTITION BY pledge_id, as_of ORDER BY rank) = 1
),
status_by_vintage AS (   -- the status, and the comparisons shown beside it (never the progress periods, which
                         -- the explanation does not show), each only once graded: its window holds four weeks (the
                         -- year to date flips on a week of January: noise, not news) and starts in the month tracking
                         -- does (marts.pledge_progress gives the others status 'not graded')
    SELECT * EXCLUDE (status_view, rank), true AS sets_status FROM status_rows
    UNION ALL
    SELECT l.* EXCLUDE (status_view, rank), false FROM latest_by_view l
    WHERE l.view NOT IN (l.status_view, 'period') AND l.status <> 'not graded'
      AND NOT EXISTS (SELECT 1 FROM status_rows s WHERE s.pledge_id = l.pledge_id AND s.as_of = l.as_of AND s.view = l.view)
),
status_moves AS (   -- a status's first vintage moves from what marts.pledge_status_as_of said the day before (no
                    -- figure yet: not loaded here once the first tracked period was due, else not yet published)
    SELECT s.*, coalesce(lag(s.status) OVER w,
                         CASE WHEN NOT s.sets_status THEN NULL
                              WHEN staging.due_on(p.first_compared_end, p.publication_lag_months, m.release_every)
                                   < s.as_of THEN 'not loaded here'
                              ELSE 'not yet published' END) AS old_status,
                lag(s.period_label) OVER w AS old_period
    FROM status_by_vintage s JOIN marts.pledges p USING (pledge_id) LEFT JOIN marts.metrics m ON m.metric_id = p.metric_id
    WINDOW w AS (PARTITION BY s.pledge_id, CASE WHEN s.sets_status THEN '' ELSE s.view || '/' || coalesce(s.years_back, 0) END
                 ORDER BY s.as_of)
),
verdict_moves AS (   -- each verdict as known on the day of the change: figures then overdue are "not loaded here",
                     -- as marts.claim_checks_as_of says, not "not yet published"
    SELECT claim_id, vintage, official_periods, official_measure, measure_unit, part_verdicts, release_id, due_on,
           verdict AS raw_verdict,
           staging.verdict_known_on(verdict, due_on, vintage) AS verdict,
           staging.verdict_known_on(lag(verdict) OVER w, lag(due_on) OVER w, vintage) AS old_verdict
    FROM staging.claim_check_vintages WHERE claim_id IN (SELECT pledge_id FROM temp.claim_scope)
    WINDOW w AS (PARTITION BY claim_id ORDER BY vintage)
),
hand_moves AS (   -- statuses and verdicts set by hand: each move, on the day of the evidence it rests on (the
                  -- register's dated steps), the first assessment too ("not yet assessed" → the first status), as a
                  -- pledge's first status from figures is
    SELECT h.pledge_id, h.until AS since, h.status AS old_status, h.next_status AS status,
           staging.evidence_day(h.until, p.evidence) AS since_words,
           -- each item and its publisher, joined by a dash: parentheses in parentheses read badly ("…)))")
           (SELECT string_agg(rtrim(e.summary, '.') || ' — ' || e.publisher, '; ')
            FROM (SELECT unnest(p.evidence) AS e) WHERE e.known_on = h.until) AS evidence
    FROM staging.hand_status_steps h JOIN marts.pledges p USING (pledge_id)
    WHERE h.next_status IS NOT NULL
),
thresholds AS (
    SELECT metric_id, coalesce(revision_threshold_pct, 5) AS pct, coalesce(revision_threshold_abs, 0) AS abs_min FROM marts.metrics
),
revised AS (   -- the periods with a value stored from the scope's first date, and another one (that it may revise:
               -- the others, most periods, need no ordering of their values below)
    SELECT o.metric_id, o.period_type, o.period_start, o.period_end, s.from_date
    FROM marts.metric_observations o JOIN temp.metric_scope s ON s.metric_id = o.metric_id
    GROUP BY ALL HAVING count(*) > 1 AND max(o.published_on) >= s.from_date
),
revisions AS (   -- each stored value against the value it revised (the previous one stored for the same period)
    SELECT o.*, d.from_date,
           lag(o.value) OVER (PARTITION BY o.metric_id, o.period_type, o.period_start, o.period_end ORDER BY r.release_rank) AS old_value
    FROM marts.metric_observations o JOIN staging.release_order r USING (release_id)
    JOIN revised d USING (metric_id, period_type, period_start, period_end)
)
SELECT CASE WHEN s.sets_status THEN 'status' ELSE 'comparison' END AS kind, s.as_of AS changed_on, s.pledge_id AS subject,
       p.title, s.old_status AS old_value, s.status AS new_value, s.release_id,
       p.title || CASE WHEN s.sets_status THEN ''
                       ELSE ' (' || CASE s.view WHEN 'period' THEN p.progress_period || 's'
                                             WHEN 'since_track_from' THEN 'the days since ' || strftime(p.track_from, '%-d %b %Y')
                                             ELSE replace(s.view, '_', ' ') END
                            || ', shown beside the status)' END
       || ': ' || staging.move_words(s.old_status, s.status) || staging.yardstick_words(p.direction_from, s.status, s.sets_status)
       || staging.first_here_words(s.old_status, CASE WHEN s.sets_status THEN 'status' ELSE 'comparison' END)
       || ' (' || s.period_label || ': '
       || coalesce(format('{:,.0f}', s.value), '–') || ' against ' || coalesce(format('{:,.0f}', s.baseline_value), '–')
       || coalesce(' for ' || s.compared_with, '')
       || CASE WHEN s.old_period <> s.period_label THEN '; before: ' || s.old_period ELSE '' END || ')' AS summary
FROM status_moves s JOIN marts.pledges p USING (pledge_id) JOIN temp.progress_scope sc USING (pledge_id)
WHERE s.old_status IS NOT NULL AND s.old_status <> s.status AND s.as_of >= sc.from_date
  AND s.as_of > p.said_on   -- nothing is told of a pledge before it was said (as the as-of answers: not yet said)
UNION ALL
-- a status from figures published before the pledge was said: told once, on the day it was said, as the as-of
-- answers have it (not yet said the day before)
SELECT 'status', p.said_on, s.pledge_id, p.title, 'not yet said', s.status, s.release_id,
       p.title || ': not yet said → ' || s.status || staging.yardstick_words(p.direction_from, s.status, true)
       || ' (said on ' || strftime(p.said_on, '%-d %b %Y') || '; '
       || s.period_label || ': ' || coalesce(format('{:,.0f}', s.value), '–') || ' against '
       || coalesce(format('{:,.0f}', s.baseline_value), '–') || coalesce(' for ' || s.compared_with, '') || ')'
FROM status_moves s JOIN marts.pledges p USING (pledge_id) JOIN temp.progress_scope sc USING (pledge_id)
WHERE s.sets_status AND s.as_of <= p.said_on AND p.said_on >= sc.from_date
QUALIFY row_number() OVER (PARTITION BY s.pledge_id ORDER BY s.as_of DESC) = 1
UNION ALL
SELECT 'verdict', v.vintage, v.claim_id, p.title, v.old_verdict, v.verdict, v.release_id,
       p.title || ': ' || staging.move_words(v.old_verdict, v.verdict) || staging.first_here_words(v.old_verdict, 'verdict')
       || CASE WHEN len(v.part_verdicts) > 1 AND v.official_periods IS NOT NULL
               THEN '. ' || staging.parts_words(v.measure_unit, v.part_verdicts, v.vintage) || '.'
               ELSE coalesce(' (' || v.official_periods || ': '
                             || staging.measure_words(v.official_measure, v.measure_unit) || ')', '') END
FROM verdict_moves v JOIN marts.pledges p ON p.pledge_id = v.claim_id JOIN temp.claim_scope sc ON sc.pledge_id = v.claim_id
WHERE v.old_verdict IS NOT NULL AND v.old_verdict <> v.verdict AND v.vintage > DATE '-infinity' AND v.vintage >= sc.from_date
  AND v.vintage > p.said_on
UNION ALL
-- a verdict on figures published before the claim was made: told once, on the day it was made
SELECT 'verdict', p.said_on, v.claim_id, p.title, 'not yet said', staging.verdict_known_on(v.raw_verdict, v.due_on, p.said_on),
       v.release_id,
       p.title || ': not yet said → ' || staging.verdict_known_on(v.raw_verdict, v.due_on, p.said_on)
       || ' (made on ' || strftime(p.said_on, '%-d %b %Y')
       || CASE WHEN len(v.part_verdicts) > 1 AND v.official_periods IS NOT NULL
               THEN '). ' || staging.parts_words(v.measure_unit, v.part_verdicts, p.said_on) || '.'
               ELSE coalesce('; ' || v.official_periods || ': '
                             || staging.measure_words(v.official_measure, v.measure_unit), '') || ')' END
FROM verdict_moves v JOIN marts.pledges p ON p.pledge_id = v.claim_id JOIN temp.claim_scope sc ON sc.pledge_id = v.claim_id
WHERE v.vintage > DATE '-infinity' AND v.vintage <= p.said_on AND p.said_on >= sc.from_date
QUALIFY row_number() OVER (PARTITION BY v.claim_id ORDER BY v.vintage DESC) = 1
    -- a verdict, not figures still to come (no news: the first verdict is told when it comes)
    AND staging.verdict_known_on(v.raw_verdict, v.due_on, p.said_on) NOT IN ('not yet published', 'not loaded here')
UNION ALL
SELECT CASE p.type WHEN 'claim' THEN 'verdict' ELSE 'status' END, h.since, h.pledge_id, p.title, h.old_status, h.status, NULL,
       p.title || ': ' || h.old_status || ' → ' || h.status || '. Set by hand from the evidence'
       || coalesce(' of ' || h.since_words || ': ' || h.evidence, ' found by ' || h.since_words) || '.'
FROM hand_moves h JOIN marts.pledges p USING (pledge_id)
WHERE h.old_status <> h.status AND h.since > p.said_on
UNION ALL
-- a status or verdict the evidence supported before the entry was said: told once, on the day it was said
SELECT CASE p.type WHEN 'claim' THEN 'verdict' ELSE 'status' END, p.said_on, h.pledge_id, p.title, 'not yet said', h.status, NULL,
       p.title || ': not yet said → ' || h.status || ' (' || CASE p.type WHEN 'claim' THEN 'made' ELSE 'said' END || ' on '
       || strftime(p.said_on, '%-d %b %Y') || '). Set by hand from the evidence'
       || coalesce(' of ' || h.since_words || ': ' || h.evidence, ' found by ' || h.since_words) || '.'
FROM hand_moves h JOIN marts.pledges p USING (pledge_id)
WHERE h.old_status <> h.status AND h.since <= p.said_on
QUALIFY row_number() OVER (PARTITION BY h.pledge_id ORDER BY h.since DESC) = 1
UNION ALL
SELECT 'release', r.published_on, r.source_id, r.title, NULL, r.file_name, r.release_id,
       -- "published" only for a known publication date (a local file dated by its time or by estimate says so)
       'New release of ' || r.source_id || ': ' || staging.release_words(r.file_name, r.published_on, r.date_basis)
FROM meta.releases r WHERE r.status = 'loaded' AND r.release_id IN (SELECT release_id FROM temp.pending_releases)
UNION ALL
SELECT 'revision', o.published_on, o.metric_id, m.title, format('{:,.0f}', o.old_value), format('{:,.0f}', o.value), o.release_id,
       m.title || ', ' || staging.period_label(o.period_type, o.period_start, o.period_end) || ': revised from '
       || format('{:,.0f}', o.old_value) || ' to ' || format('{:,.0f}', o.value)
       -- a revision from zero has no percentage: said in words (a NULL here made the whole summary NULL)
       || coalesce(' (' || format('{:+.1f}', 100 * (o.value - o.old_value) / nullif(o.old_value, 0)) || '%)', ' (from zero)')
FROM revisions o JOIN thresholds t USING (metric_id) JOIN marts.metrics m USING (metric_id)
WHERE o.old_value IS NOT NULL AND abs(o.value - o.old_value) > t.abs_min
  AND abs(o.value - o.old_value) > t.pct / 100 * abs(o.old_value) AND o.published_on >= o.from_date;

-- The kept changes and the new ones, written newest first: the table is replaced by one made from the old one.
CREATE TABLE IF NOT EXISTS marts.changes AS SELECT * FROM temp.changes_new WITH NO DATA;
CREATE OR REPLACE TABLE marts.changes AS
SELECT * FROM (
    SELECT * FROM marts.changes c
    WHERE NOT ((c.kind IN ('status', 'comparison')
                AND EXISTS (SELECT 1 FROM temp.progress_scope s WHERE s.pledge_id = c.subject AND c.changed_on >= s.from_date))
            OR (c.kind = 'verdict'
                AND EXISTS (SELECT 1 FROM temp.claim_scope s WHERE s.pledge_id = c.subject AND c.changed_on >= s.from_date))
            OR (c.kind = 'revision'
                AND EXISTS (SELECT 1 FROM temp.metric_scope s WHERE s.metric_id = c.subject AND c.changed_on >= s.from_date))
            OR (c.kind = 'release' AND c.release_id IN (SELECT release_id FROM temp.pending_releases))
            -- set by hand: worked out again at every build from the register (a few rows)
            OR (c.kind IN ('status', 'verdict') AND c.subject IN (SELECT pledge_id FROM marts.pledges WHERE kind = 'qualitative')))
    UNION ALL
    SELECT * FROM temp.changes_new)
ORDER BY changed_on DESC, kind, subject, summary, release_id;
DROP TABLE temp.changes_new;

COMMENT ON TABLE marts.changes IS 'What changed and when, newest first: pledge status and claim verdict changes, new releases, and revisions beyond each metric''s threshold. A move only between not yet said, not yet published and not loaded here (a statement made, a due date passing) is not listed: a status or verdict is told when figures or evidence give one. The Atom feed (pledges-changes.atom beside the report) lists the same.';
COMMENT ON COLUMN marts.changes.kind IS 'status (a pledge''s status moved), comparison (a comparison shown beside it moved), verdict (a claim''s verdict moved), release (a new release loaded) or revision (a figure revised beyond its metric''s threshold).';
COMMENT ON COLUMN marts.changes.changed_on IS 'Publication date of the release that made the change; for a status set by hand, the date of the evidence it rests on; for a status or verdict that already held when the pledge or claim was said (old_value not yet said), the day it was said. Where old_value is not loaded here (figures due before were not loaded), the date of the first release loaded here that gives one: the status may have held before it, and the summary says so.';
COMMENT ON COLUMN marts.changes.subject IS 'The pledge or claim id, source id or metric id concerned.';
COMMENT ON COLUMN marts.changes.old_value IS 'Status, verdict or figure before the change (NULL for a new release).';
COMMENT ON COLUMN marts.changes.new_value IS 'Status, verdict or figure after it (the file name for a new release).';
COMMENT ON COLUMN marts.changes.summary IS 'The change in one line of plain words.';
