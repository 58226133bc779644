-- Answers: what was promised or claimed, by whom and when, and how each is measured?
-- One row per entry of warehouse/pledges.toml (the register), none left out.
CREATE OR REPLACE TABLE marts.pledges AS
SELECT r.id AS pledge_id, r.type, r.statement, r.quote, r.quote_verified, r.said_by, r.said_on, r.kind,
       r.metric AS metric_id, m.title AS metric_title, m.unit, r.related_metrics, r.note_metric,
       r.direction, r.target, r.progress_period, r.baseline, r.baseline_start, r.baseline_end, r.track_from,
       r."check" AS check_type, r.claimed_value, r.claimed_direction, r.claim_start, r.claim_end,
       r.base_start, r.base_end, r.since, r.tolerance,
       r.status AS manual_status, r.status_on AS manual_status_on, r.evidence, r.note,
       CASE WHEN r.kind = 'qualitative' THEN 'not measurable from official statistics'
            WHEN m.metric_id IS NULL THEN 'source not yet in the catalog'
            ELSE 'measured by ' || r.metric END AS measurability
FROM staging.register r
LEFT JOIN marts.metrics m ON m.metric_id = r.metric;

COMMENT ON TABLE marts.pledges IS 'The pledge register: every pledge and claim of the source statements, with how it is measured.';
COMMENT ON COLUMN marts.pledges.type IS 'pledge (tracked in marts.pledge_progress) or claim (checked in marts.claim_checks).';
COMMENT ON COLUMN marts.pledges.kind IS 'quantitative (read from metrics) or qualitative (manual_status and evidence set by hand).';
COMMENT ON COLUMN marts.pledges.quote_verified IS 'False where the quote is a paraphrase still to be checked against the original statement.';
COMMENT ON COLUMN marts.pledges.said_on IS 'Date of the statement (first of the month where only the month is known).';
COMMENT ON COLUMN marts.pledges.baseline IS 'same_period_year_before, or fixed (baseline_start to baseline_end).';
COMMENT ON COLUMN marts.pledges.check_type IS 'How a claim is checked: total, pct_change, highest_since, ratio or direction.';
COMMENT ON COLUMN marts.pledges.tolerance IS 'Agreement margin: relative for totals (0.05 = 5%), percentage points for pct_change.';
COMMENT ON COLUMN marts.pledges.note_metric IS 'For claims quoting a Home Office ad-hoc note: the note''s metric, checked beside the official statistics.';
COMMENT ON COLUMN marts.pledges.measurability IS 'Which metric measures it, or why none does.';
