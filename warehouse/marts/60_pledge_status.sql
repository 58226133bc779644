-- Answers: where does every pledge and claim stand today? One row per register entry, none
-- left out: pledges with their latest complete period against the baseline, claims with their
-- verdict, qualitative entries with the status set by hand. marts.pledge_status_as_of(D) gives
-- the same with only releases published on or before D.
CREATE OR REPLACE MACRO marts.pledge_status_as_of(as_of_date) AS TABLE
WITH progress AS (
    SELECT * FROM marts.pledge_progress_as_of(as_of_date)
    QUALIFY row_number() OVER (PARTITION BY pledge_id ORDER BY complete DESC, period_start DESC) = 1
),
claims AS (
    SELECT * FROM marts.claim_checks_as_of(as_of_date)
)
SELECT p.pledge_id, p.type, p.kind, p.statement, p.quote, p.said_by, p.said_on, p.metric_id, p.unit,
       coalesce(g.period_label, c.official_periods) AS period_label,
       CASE WHEN p.type = 'pledge' THEN g.value ELSE c.official_measure END AS value,
       CASE WHEN p.type = 'pledge' THEN g.baseline_label
            WHEN c.check_type = 'pct_change' THEN 'same period a year before'
            WHEN c.check_type IN ('ratio', 'direction') THEN 'base period' END AS baseline_label,
       CASE WHEN p.type = 'pledge' THEN g.baseline_value ELSE c.comparison_value END AS baseline_value,
       CASE WHEN p.type = 'claim' THEN c.claimed_value END AS claimed_value,
       g.change, g.change_pct,
       CASE WHEN p.kind = 'qualitative' THEN 'not measurable'
            WHEN p.type = 'claim' THEN c.verdict
            WHEN g.status IS NOT NULL THEN g.status
            ELSE 'awaiting data' END AS status,
       CASE WHEN p.kind = 'qualitative' THEN 'Not measurable from official statistics; status set by hand: ' || p.manual_status
                 || ' (' || p.manual_status_on || ')' || coalesce('. ' || rtrim(p.note, '.'), '') || '.'
            WHEN p.type = 'claim' THEN c.explanation
            WHEN g.pledge_id IS NULL AND latest.data_to IS NOT NULL THEN 'Official ' || p.metric_id
                 || ' figures are loaded up to ' || strftime(latest.data_to, '%-d %b %Y') || ' only; the pledge is tracked from '
                 || strftime(p.track_from, '%-d %b %Y') || '.'
            WHEN g.pledge_id IS NULL THEN 'No official ' || p.metric_id || ' figures are loaded yet'
                 || CASE WHEN p.measurability LIKE 'source not yet%' THEN ' (its source is not yet in the catalog).' ELSE '.' END
            ELSE p.metric_id || ' ' || g.period_label || ': ' || format('{:,.0f}', g.value)
                 || coalesce(' against ' || format('{:,.0f}', g.baseline_value) || ' for ' || g.baseline_label
                             || ' (' || format('{:+.1f}', g.change_pct) || '%)', ', no baseline figure yet')
                 || CASE WHEN g.complete THEN '' ELSE ' (period in progress, data to ' || g.data_to || ')' END || '.' END AS explanation,
       coalesce(g.release_id, c.release_id) AS release_id,
       r.published_on, r.file_url AS release_url
FROM marts.pledges p
LEFT JOIN progress g ON g.pledge_id = p.pledge_id
LEFT JOIN claims c ON c.claim_id = p.pledge_id
LEFT JOIN (   -- as max(period_end) of marts.observations_as_of, without picking each period's newest release first
    SELECT metric_id, max(period_end) AS data_to FROM marts.metric_observations WHERE published_on <= as_of_date GROUP BY metric_id
) AS latest ON latest.metric_id = p.metric_id
LEFT JOIN meta.releases r ON r.release_id = coalesce(g.release_id, c.release_id)
ORDER BY p.type DESC, p.kind DESC, p.pledge_id;

CREATE OR REPLACE TABLE marts.pledge_status AS SELECT * FROM marts.pledge_status_as_of(DATE '9999-12-31');

COMMENT ON TABLE marts.pledge_status IS 'One row per pledge and claim of the register: latest value, baseline (or claimed value), change, status or verdict, explanation and the release it rests on.';
COMMENT ON COLUMN marts.pledge_status.value IS 'Pledges: latest value; claims: the official measure compared with the claim.';
COMMENT ON COLUMN marts.pledge_status.baseline_value IS 'Pledges: baseline value; claims: the official figure compared against (a year before, or the base period).';
COMMENT ON COLUMN marts.pledge_status.claimed_value IS 'Claims: the value claimed (a count, a percentage change or a ratio, as value is).';
COMMENT ON COLUMN marts.pledge_status.status IS 'Pledges: met, on track, off track, awaiting data; claims: the verdict; qualitative: not measurable with the hand-set status.';
