-- Answers: where does every pledge and claim stand today? One row per register entry, none left
-- out: pledges with the comparison their status rests on (the latest complete period, or the view
-- the register names, such as the rolling 12 months for small boats), claims with their verdict,
-- qualitative entries with the status set by hand from dated evidence. Every explanation names the
-- periods, the figures and the release used. marts.pledge_status_as_of(D) gives the same with only
-- releases published on or before D.
-- Each claim's base periods by name from the register (named before any figure is in): label, all of them in
-- words ("2019/20 and 2018/19"); periods, each with its days, for a chart to shade.
CREATE OR REPLACE VIEW staging.claim_bases AS
SELECT pledge_id, string_agg(label, ' and ' ORDER BY first_part) AS label,
       list({'label': label, 'start': base_start, 'end': base_end} ORDER BY first_part) AS periods
-- a base of twelve whole months not a calendar year reads as the year ending (YE Jun 2019), as the method says
FROM (SELECT cp.pledge_id, cp.base_start, cp.base_end,
             CASE WHEN mt.period_type NOT IN ('academic_year', 'year_ending')   -- those name themselves (2019/20)
                       AND cp.base_end = last_day(cp.base_end) AND month(cp.base_end) <> 12
                       AND cp.base_start = CAST(cp.base_end + INTERVAL 1 DAY - INTERVAL 1 YEAR AS DATE)
                  THEN staging.period_label('year_ending', cp.base_start, cp.base_end)
                  ELSE staging.window_label(mt.period_type, cp.base_start, cp.base_end) END AS label,
             min(cp.part_no) AS first_part
      FROM staging.claim_parts cp LEFT JOIN marts.metrics mt ON mt.metric_id = cp.metric_id
      WHERE cp.base_start IS NOT NULL GROUP BY ALL)
GROUP BY pledge_id;

CREATE OR REPLACE MACRO marts.pledge_status_as_of(as_of_date) AS TABLE
WITH progress_rows AS (
    SELECT g.*, p.status_view, p.track_from,
           staging.status_rank(g.view, p.status_view, g.period_start, g.period_end, p.track_from) AS rank
    FROM marts.pledge_progress_as_of(as_of_date) g JOIN marts.pledges p USING (pledge_id)
),
progress AS (   -- the row the status rests on (staging.status_rank), never one not graded (a quarter in progress)
    SELECT * FROM progress_rows WHERE rank IS NOT NULL AND status <> 'not graded'
    QUALIFY row_number() OVER (PARTITION BY pledge_id ORDER BY rank, complete DESC, period_end DESC, period_start DESC) = 1
),
beside AS (   -- the other views of the same vintage, in words
    SELECT pledge_id,
           -- under four weeks (the year to date in early January) the figures are told without a change: a few
           -- days' swing is noise, as the change list treats it
           string_agg(period_label || ': ' || format('{:,.0f}', value) || ' against ' || format('{:,.0f}', baseline_value)
                      || ' for '
                      -- a label ending in its own parenthesis ("(the same days 2 years before: …)") takes the change
                      -- inside it: two parentheses in a row read badly (audit 24 F9)
                      || CASE WHEN baseline_label LIKE '%)' THEN left(baseline_label, -1) || '; ' ELSE baseline_label || ' (' END
                      || CASE WHEN staging.days_in(period_start, period_end) < 28
                              THEN format('{:,d}', staging.days_in(period_start, period_end)) || ' days, too few to compare yet)'
                              ELSE format('{:+.1f}', change_pct) || '%)' END, '; '
                      ORDER BY CASE view WHEN 'calendar_year_to_date' THEN 1 WHEN 'since_track_from' THEN 2 ELSE 3 END) AS text
    FROM (SELECT r.* FROM progress_rows r LEFT JOIN progress s USING (pledge_id)
          WHERE r.view NOT IN (r.status_view, 'period') AND r.view IS DISTINCT FROM s.view
            AND NOT staging.before_tracking(r.view, r.period_start, r.track_from)
            AND r.value IS NOT NULL AND r.baseline_value IS NOT NULL
          QUALIFY row_number() OVER (PARTITION BY r.pledge_id, r.view ORDER BY r.period_end DESC) = 1)
    GROUP BY pledge_id
),
claims AS (
    SELECT * FROM marts.claim_checks_as_of(as_of_date)
),
hand AS (   -- qualitative entries: the status the evidence supported on the date, and the evidence dated by then
    SELECT * FROM staging.hand_status_as_of(as_of_date)
),
series_end AS (   -- the last day of each metric's series known on the date
    SELECT metric_id, max(period_end) AS data_to FROM marts.metric_observations WHERE published_on <= as_of_date GROUP BY metric_id
),
related_loaded AS (   -- the series shown beside a pledge's (related and provisional) that are loaded, and to when
    SELECT p.pledge_id,
           string_agg(m.title || ', to ' || strftime(s.data_to, '%-d %b %Y'), '; '
                      ORDER BY list_position(list_append(p.related_metrics, p.provisional_metric), m.metric_id)) AS text
    FROM marts.pledges p
    JOIN marts.metrics m ON list_contains(list_append(p.related_metrics, p.provisional_metric), m.metric_id)
    JOIN series_end s ON s.metric_id = m.metric_id
    GROUP BY p.pledge_id
),
provisional AS (   -- periods after the main series' last day that only a provisional series has (the small-boats
                   -- page's days; DfE's part-year academic year)
    SELECT p.pledge_id, count(*) AS days, sum(o.value) AS value, min(o.period_start) AS first_day,
           max(o.period_end) AS last_day, max(o.published_on) AS published_on, any_value(pm.source_title) AS source_title,
           any_value(s.data_to) AS data_to, any_value(pm.period_type) AS period_type,
           string_agg(staging.period_label(pm.period_type, o.period_start, o.period_end) || ': '
                      || format('{:,.0f}', o.value) || coalesce(' ' || pm.unit, ''), '; ' ORDER BY o.period_start) AS by_period
    FROM marts.pledges p
    JOIN series_end s ON s.metric_id = p.metric_id
    JOIN marts.observations_as_of(as_of_date) o ON o.metric_id = p.provisional_metric AND o.period_start > s.data_to
    LEFT JOIN marts.metrics pm ON pm.metric_id = p.provisional_metric
    GROUP BY p.pledge_id
),
due AS (   -- when the figures of the first window the status rests on must be out (catalog publication lag)
    SELECT pledge_id, staging.due_on(p.first_compared_end, p.publication_lag_months, m.release_every) AS due_on
    FROM marts.pledges p LEFT JOIN marts.metrics m USING (metric_id) WHERE p.type = 'pledge' AND p.kind = 'quantitative'
)
SELECT p.pledge_id, p.title, p.type, p.kind, p.statement, p.statement_title, p.quote,
       list_filter(p.also_quoted, lambda q: q.said_on <= as_of_date) AS also_quoted,   -- only extracts said by then
       p.said_by, p.said_on, p.said_on_basis,
       p.method, p.metric_id, p.unit,
       coalesce(g.view, CASE WHEN p.type = 'pledge' AND p.kind = 'quantitative' THEN p.status_view END) AS view,
       -- claims with no figure yet: the claimed days and what they are compared with, named from the register
       coalesce(g.period_label, c.official_periods,
                CASE WHEN p.type = 'claim' THEN staging.window_label(m.period_type, p.claim_start, p.claim_end) END) AS period_label,
       -- claims read like pledges: the official figure in the metric's unit against the periods compared, by
       -- name; what the claim is judged on (a percentage change, a ratio, a total or a peak) is official_measure
       CASE WHEN p.type = 'pledge' THEN g.value ELSE c.official_value END AS value,
       CASE WHEN p.type = 'pledge' THEN coalesce(g.baseline_label,   -- before any figure: the baseline by name
                CASE WHEN p.baseline IN ('fixed', 'trajectory')
                     THEN staging.baseline_words(p.baseline, m.measure, p.baseline_end,
                                                 staging.window_label(p.progress_period, p.baseline_start, p.baseline_end),
                                                 p.target, p.target_date)
                     WHEN p.baseline = 'same_period_year_before' AND p.status_view = 'period'
                     THEN 'the same ' || replace(p.progress_period, '_', ' ') || ' a year before' END)
            -- a claim checked on several measures (apprenticeships cut: against 2019/20 and against 2018/19): the row's
            -- figures are the first measure's, and its label says so, never one base passed off as the claim's only one
            WHEN c.comparison_periods IS NOT NULL
                 THEN c.comparison_periods || CASE WHEN len(c.part_verdicts) > 1
                                                   -- in words: a dashboard or `pledges status` shows it to readers
                                                   THEN ' (the first of ' || len(c.part_verdicts) || ' measures; the '
                                                        || 'explanation gives each one''s verdict)' ELSE '' END
            WHEN c.check_type IN ('pct_change', 'at_least')
                 THEN staging.window_label(m.period_type, staging.year_before(p.claim_start), staging.year_before(p.claim_end))
            WHEN c.check_type IN ('ratio', 'direction', 'fall') THEN ba.label
            WHEN c.check_type = 'record_high' THEN 'highest earlier period' END AS baseline_label,
       CASE WHEN p.type = 'pledge' THEN g.baseline_value ELSE c.comparison_value END AS baseline_value,
       CASE WHEN p.type = 'claim' THEN c.claimed_value END AS claimed_value,
       CASE WHEN p.type = 'claim' THEN c.official_measure END AS official_measure,
       CASE WHEN p.type = 'claim' THEN c.measure_unit END AS measure_unit,
       CASE WHEN p.type = 'pledge' THEN g.change ELSE c.official_value - c.comparison_value END AS change,
       CASE WHEN p.type = 'pledge' THEN g.change_pct
            ELSE round(100 * (c.official_value - c.comparison_value) / nullif(c.comparison_value, 0), 1) END AS change_pct,
       CASE WHEN as_of_date < p.said_on THEN 'not yet said'
            WHEN p.kind = 'qualitative' THEN hs.status
            WHEN p.type = 'claim' THEN c.verdict
            WHEN g.status IS NOT NULL THEN g.status
            WHEN d.due_on <= least(as_of_date, current_date) THEN 'not loaded here'
            ELSE 'not yet published' END AS status,
       CASE WHEN p.kind = 'qualitative' THEN p.manual_status_on END AS status_set_on,
       hs.status_since, hs.status_since_label,
       CASE
            WHEN as_of_date < p.said_on THEN staging.not_yet_said(as_of_date, p.said_on, p.said_by,
                                                                    coalesce(st.cited_as, st.title, 'statement ' || p.statement), p.said_on_basis)
            -- qualitative: the status holding on the date (the register's earlier statuses, "not yet assessed"
            -- before the first), never evidence dated after it
            WHEN p.kind = 'qualitative' THEN hs.explanation
            WHEN p.type = 'claim' THEN c.explanation
            WHEN g.pledge_id IS NULL THEN
                 coalesce(m.publisher || ' figures for ' || staging.metric_words(m.title) || ' are loaded up to ' || strftime(latest.data_to, '%-d %b %Y')
                          || ' only; the pledge is tracked from ' || strftime(p.track_from, '%-d %b %Y')
                          -- a flow against a fixed baseline: the periods sharing days with it are not compared
                          || CASE WHEN p.baseline = 'fixed' AND m.measure = 'flow' AND p.status_view = 'period'
                                       AND p.first_compared_end > staging.period_end_holding(p.progress_period, p.track_from)
                                  THEN ', and compared from the period ending ' || strftime(p.first_compared_end, '%-d %b %Y')
                                       || ', the first with no day in the baseline' ELSE '' END || '. '
                          -- a status on the days since tracking started waits for four weeks of them: how many are in
                          || CASE WHEN p.status_view = 'rolling_12_months' AND list_contains(p.views, 'since_track_from')
                                       AND latest.data_to >= p.track_from
                                  THEN 'The status needs four weeks of days since ' || strftime(p.track_from, '%-d %b %Y')
                                       || ': ' || (date_diff('day', p.track_from, latest.data_to) + 1) || ' of 28 are loaded. '
                                  ELSE '' END,
                          'No ' || coalesce(m.publisher || ' ', '') || 'figures for ' || staging.metric_words(coalesce(m.title, p.metric_id)) || ' are loaded. ')
                 -- the series beside it may be loaded when the pledge's own is not (small boats' official quarters)
                 || coalesce('Loaded beside it: ' || rl.text || '. ', '')
                 || CASE WHEN d.due_on <= least(as_of_date, current_date)
                         THEN 'Figures for the first tracked period were due by ' || strftime(d.due_on, '%-d %b %Y') || ' ('
                              || p.publisher || '): '
                              || staging.not_loaded_words(p.source_id, least(as_of_date, current_date), p.first_compared_end,
                                                          NULL, p.source_page_url, '', 'them')
                         WHEN d.due_on IS NOT NULL THEN 'Figures for the first tracked period are not due until '
                              || strftime(d.due_on, '%-d %b %Y') || '.'
                         WHEN p.measurability LIKE 'source not yet%' THEN 'Its source is not yet in the catalog.'
                         ELSE '' END
            -- a stock reads as a level on a date ('at the end of Sep 2025'), a flow as a period's total
            ELSE staging.capitalised(staging.metric_words(coalesce(m.title, p.metric_id)))
                 || CASE WHEN m.measure = 'stock' THEN ' ' || staging.level_at(g.period_label) ELSE ', ' || g.period_label END
                 || ': ' || format('{:,.0f}', g.value)
                 || coalesce(' against ' || format('{:,.0f}', g.baseline_value)
                             || CASE WHEN p.baseline = 'trajectory' THEN ' on ' || g.baseline_label
                                     WHEN m.measure = 'stock' THEN ' ' || staging.level_at(g.baseline_label)
                                     ELSE ' for ' || g.baseline_label END
                             || ' (' || format('{:+.1f}', g.change_pct) || '%)', ', no baseline figure yet')
                 || CASE WHEN g.complete THEN '' ELSE ' (period in progress, data to ' || strftime(g.data_to, '%-d %b %Y') || ')' END
                 || ': ' || g.status || '.'
                 -- a direction the words do not promise of this measure: a reader must not read a broken promise
                 || CASE WHEN g.status IN ('on track', 'off track', 'met') THEN
                         CASE p.direction_from
                              WHEN 'yardstick' THEN ' ' || staging.capitalised(g.status)
                                   || ' on this tracker''s yardstick (' || CASE p.direction WHEN 'down' THEN 'a fall' ELSE 'a rise' END
                                   || '): the words promise no figure or direction for it.'
                              WHEN 'proxy' THEN ' A proxy: the words promise ' || CASE p.direction WHEN 'down' THEN 'less' ELSE 'more' END
                                   || ' of what this measure stands in for, not this figure.'
                              ELSE '' END
                         ELSE '' END
                 -- the status resting on the days since tracking started, not yet on the register's view
                 || CASE WHEN g.view <> p.status_view
                         THEN ' The status rests on the days since ' || strftime(p.track_from, '%-d %b %Y')
                              || ' against the same days a year before: every 12-month window so far reaches back before '
                              || strftime(p.track_from, '%B %Y') || '.'
                         ELSE '' END
                 -- a window reaching back before the pledge is tracked says how much of it does
                 || CASE WHEN g.view <> 'period' AND g.period_start < p.track_from
                         THEN ' ' || date_diff('day', g.period_start, p.track_from) || ' of its '
                              || format('{:,d}', staging.days_in(g.period_start, g.period_end)) || ' days come before '
                              || strftime(p.track_from, '%-d %b %Y') || ', when the pledge is tracked from.'
                         ELSE '' END
                 || coalesce(' Beside it: ' || b.text || '.', '')
                 || coalesce(' Release: ' || staging.release_words(r.file_name, r.published_on, r.date_basis) || '.', '')
                 -- a status that newer published figures may have overtaken says so
                 || CASE WHEN newer.due_on <= least(as_of_date, current_date)
                         -- a daily series by its last day: its next day's date reads as a weekly file's name
                         THEN CASE WHEN m.period_type = 'day'
                                   THEN ' The series'' figures after its last day (' || strftime(latest.data_to, '%-d %b %Y') || ')'
                                   -- a series with a provisional one beside it (DfE): its figures to come are final
                                   ELSE ' The series'' next ' || CASE WHEN p.provisional_metric IS NOT NULL THEN 'final '
                                                                      ELSE '' END || 'figures (' || newer.period || ')' END
                              || ' were due by '
                              || strftime(newer.due_on, '%-d %b %Y') || ' (' || p.publisher || '): '
                              || staging.not_loaded_words(p.source_id, least(as_of_date, current_date),
                                                          -- the end of the next period, awaited (2025/26: 31 Jul 2026)
                                                          staging.period_end_holding(m.period_type, CAST(latest.data_to + INTERVAL 1 DAY AS DATE)),
                                                          NULL, p.source_page_url,
                                                          ', so this status may be out of date', 'them')
                         ELSE '' END
                 || coalesce(' ' || pv.basis || '.', '')
       END AS explanation,
       pv.basis AS latest_days_basis,
       CASE WHEN g.pledge_id IS NOT NULL AND newer.due_on <= least(as_of_date, current_date) THEN newer.due_on END
           AS newer_figures_due_on,
       hs.evidence,
       coalesce(g.release_id, c.release_id) AS release_id,
       r.published_on, r.file_name AS release_file_name, r.file_url AS release_url, r.landing_page AS release_landing_page,
       -- a claim's: the page of the figures beside its verdict (the Home Office's ad-hoc note's, where it rests on the note)
       coalesce(c.source_page_url, p.source_page_url) AS source_page_url
FROM marts.pledges p
LEFT JOIN staging.statements st ON st.statement = p.statement   -- as readers cite it (staging.not_yet_said)
LEFT JOIN progress g ON g.pledge_id = p.pledge_id
LEFT JOIN beside b ON b.pledge_id = p.pledge_id
LEFT JOIN claims c ON c.claim_id = p.pledge_id
LEFT JOIN hand hs ON hs.pledge_id = p.pledge_id
LEFT JOIN due d ON d.pledge_id = p.pledge_id
LEFT JOIN staging.claim_bases ba ON ba.pledge_id = p.pledge_id
LEFT JOIN related_loaded rl ON rl.pledge_id = p.pledge_id
LEFT JOIN (SELECT pledge_id, CASE WHEN period_type <> 'day'   -- a part-year figure is not a year's: never compared
                  THEN 'Provisional part-year figures only, for ' || by_period || ' (' || source_title || ', published '
                       || strftime(published_on, '%-d %b %Y') || '); they are not compared with full years'
                  ELSE 'Since the series'' last day'
                  -- days that neither series has are named: a reader must not take the provisional days for all since
                  || CASE WHEN first_day > data_to + INTERVAL 1 DAY
                          THEN ' (' || strftime(data_to, '%-d %b %Y') || '), no figures are loaded for '
                               || strftime(data_to + INTERVAL 1 DAY, '%-d %b %Y') || ' to '
                               || strftime(first_day - INTERVAL 1 DAY, '%-d %b %Y') || '; after them, provisional figures only: '
                          ELSE ', provisional figures only: ' END
                  || format('{:,.0f}', value)
                  || ' over ' || days || CASE WHEN days = 1 THEN ' day, ' ELSE ' days, ' END || strftime(first_day, '%-d %b %Y') || ' to ' || strftime(last_day, '%-d %b %Y')
                  || ' (' || source_title || ', published ' || strftime(published_on, '%-d %b %Y')
                  || '); they are not counted in the status until a weekly file covers them' END AS basis
           FROM provisional) pv ON pv.pledge_id = p.pledge_id
LEFT JOIN marts.metrics m ON m.metric_id = p.metric_id
LEFT JOIN (   -- as max(period_end) of marts.observations_as_of, without picking each period's newest release first
    SELECT metric_id, max(period_end) AS data_to FROM marts.metric_observations WHERE published_on <= as_of_date GROUP BY metric_id
) AS latest ON latest.metric_id = p.metric_id
LEFT JOIN LATERAL (   -- the series' next period after its last loaded day, and when its figures were due
    SELECT staging.newer_figures_due(m.period_type, latest.data_to, m.publication_lag_months, m.release_every) AS due_on,
           staging.period_label(m.period_type, CAST(latest.data_to + INTERVAL 1 DAY AS DATE),
                                staging.period_end_holding(m.period_type, CAST(latest.data_to + INTERVAL 1 DAY AS DATE))) AS period
) AS newer ON true
LEFT JOIN meta.releases r ON r.release_id = coalesce(g.release_id, c.release_id)
ORDER BY p.type DESC, p.kind DESC, p.pledge_id;

-- Where everything stands today: rewritten on every build (one row per register entry; it depends on today's
-- date: figures due by now are "not loaded here"). Replaced in one statement: the query is planned once.
CREATE OR REPLACE TABLE marts.pledge_status AS SELECT * FROM marts.pledge_status_as_of(DATE '9999-12-31');

COMMENT ON TABLE marts.pledge_status IS 'One row per pledge and claim of the register: its exact quote, the comparison its status or verdict rests on, an explanation in plain words naming periods, figures and release, and for qualitative entries the dated evidence.';
COMMENT ON COLUMN marts.pledge_status.view IS 'Pledges: which comparison the status rests on (period, or a view such as rolling_12_months).';
COMMENT ON COLUMN marts.pledge_status.value IS 'The official figure, in unit: pledges: the latest period''s value; claims: the official total over the claimed periods (record_high: the peak).';
COMMENT ON COLUMN marts.pledge_status.period_label IS 'The periods value covers, by name (a stock: the date of its level, end of Sep 2025; claims: the official periods used; before any figure is in, the claimed days).';
COMMENT ON COLUMN marts.pledge_status.baseline_label IS 'The periods baseline_value covers, by name (pledges: named from the register before any figure is in; a stock: the date of its level; claims: the same days a year before or the base periods, named from the register before any figure is in; record_high: highest earlier period). A claim checked on several measures: the first measure''s periods, followed by "(the first of N measures; the explanation gives each one''s verdict)": value, baseline_value and change_pct are that measure''s, the status weighs them all.';
COMMENT ON COLUMN marts.pledge_status.baseline_value IS 'Pledges: baseline value; claims: the official figure compared against (a year before, the base period, or the highest earlier period), in unit.';
COMMENT ON COLUMN marts.pledge_status.change IS 'value minus baseline_value, in unit.';
COMMENT ON COLUMN marts.pledge_status.change_pct IS 'Change of value against baseline_value, per cent, one decimal.';
COMMENT ON COLUMN marts.pledge_status.claimed_value IS 'Claims: the value claimed, in measure_unit (a count, a percentage change, a ratio or a minimum; for a fall check the size of the fall, a positive per cent: 25 is a fall of at least 25%, borne out when official_measure is at most -25).';
COMMENT ON COLUMN marts.pledge_status.official_measure IS 'Claims: what is compared with claimed_value, in measure_unit: the total, the percentage change, the ratio or the peak (as marts.claim_checks.official_measure).';
COMMENT ON COLUMN marts.pledge_status.measure_unit IS 'Claims: the unit of official_measure and claimed_value: % change, times, or the metric''s unit.';
COMMENT ON COLUMN marts.pledge_status.status IS 'Pledges: met, on track, off track, awaiting data, not yet published, not loaded here; qualitative pledges: kept, partly kept, in progress, not kept, not yet assessed; claims: the verdict; pledge_status_as_of(D) for a D before the entry was said: not yet said.';
COMMENT ON COLUMN marts.pledge_status.status_set_on IS 'Qualitative entries: the date the status was set from the evidence.';
COMMENT ON COLUMN marts.pledge_status.status_since_label IS 'Qualitative entries: status_since as precisely as the evidence dates it (5 Jan 2026; Dec 2024 for evidence dated to the month, which counts from its last day in status_since); for evidence dated before the entry was said, the day it was said and the evidence''s date (14 Feb 2025, when it was made, on evidence dated 2 Dec 2024).';
COMMENT ON COLUMN marts.pledge_status.status_since IS 'Qualitative entries: the day from which the evidence supports the status shown, never before the entry was said (pledge_status_as_of(D): the status holding on D; before the first, not yet assessed).';
COMMENT ON COLUMN marts.pledge_status.evidence IS 'Qualitative entries: the evidence items (url: the publisher''s own address; read_at: a copy the text was read at, if any; publisher, date, summary); pledge_status_as_of(D): those dated by D.';
COMMENT ON COLUMN marts.pledge_status.latest_days_basis IS 'Pledges with a provisional series (register provisional_metric): the periods after the main series'' last one that only it gives, never counted in the status: for a daily series (the last-7-days page) the days, with their total, publication date and any days between that neither series has; for another (DfE''s part-year academic year) each period''s provisional figure. NULL when the main series is the latest.';
COMMENT ON COLUMN marts.pledge_status.newer_figures_due_on IS 'Pledges with a status from figures: the date by which figures newer than the series'' last loaded day were due (catalog publication lag), where none is loaded by the date asked about: the status may be out of date; NULL otherwise.';
COMMENT ON COLUMN marts.pledge_status.release_file_name IS 'File name of the release the figures come from.';
COMMENT ON COLUMN marts.pledge_status.release_landing_page IS 'The publisher''s page that listed that release.';
COMMENT ON COLUMN marts.pledge_status.source_page_url IS 'The publisher''s page for the official series.';

COMMENT ON MACRO TABLE marts.pledge_status_as_of IS 'marts.pledge_status as known on date D: every pledge and claim with the status or verdict the releases published on or before D support (qualitative entries: the status the evidence dated by D supported; a D before the entry was said: not yet said).';
