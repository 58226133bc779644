-- Answers: which claims does this build check again, from which publication date (vintage) on, on which
-- measures (parts), and at which vintages?
--
-- The claim checks are built in steps, each a temp table named claim_* that the next file reads:
--   50_claim_scope.sql     the claims in scope, their parts and their vintages
--   51_claim_windows.sql   per part, vintage and basis: the release used, the periods known, the windows
--                          (claimed period, year before, base period) and the official periods matched to them
--   52_claim_sums.sql      the matched periods summed per window
--   53_claim_runs.sql      runs of consecutive periods (highest_since) and records (record_high)
--   54_claim_judged.sql    what each part measures against the claim, and its verdict, per basis
--   55_claim_verdicts.sql  a sentence per part, and the parts added up: the verdict of each basis
--   56_claim_checks.sql    the headline (which basis it rests on), staging.claim_check_vintages,
--                          marts.claim_checks_as_of and marts.claim_checks (the method is described there)
--
-- Built incrementally: only the vintages a publish can change are computed (temp.claim_scope: each claim whose
-- metrics the new releases carry, from the earliest publication date among them; every claim on a full build,
-- from before any release); earlier vintages stay as published.
CREATE OR REPLACE TEMP TABLE claim_scope AS
SELECT c.pledge_id, CASE WHEN any_value(m.full) THEN DATE '-infinity' ELSE min(s.from_date) END AS from_date
FROM marts.pledges c CROSS JOIN temp.build_mode m
LEFT JOIN staging.claim_parts cp USING (pledge_id)
LEFT JOIN temp.metric_scope s ON s.metric_id IN (cp.metric_id, cp.note_metric)
WHERE c.type = 'claim'
GROUP BY c.pledge_id
HAVING any_value(m.full) OR min(s.from_date) IS NOT NULL;

-- The register's row of each claim in scope, with the first vintage to compute.
CREATE OR REPLACE TEMP TABLE claim_register AS
SELECT p.*, s.from_date FROM marts.pledges p JOIN temp.claim_scope s USING (pledge_id) WHERE p.type = 'claim';

-- Each claim's parts (one for a claim checked on one measure), with the claim's terms.
CREATE OR REPLACE TEMP TABLE claim_scope_parts AS
SELECT cp.*, c.check_type, c.claimed_value, c.claimed_direction, c.tolerance, c.claim_start, c.claim_end, c.since,
       c.said_on, c.combine, c.from_date
FROM staging.claim_parts cp JOIN temp.claim_register c USING (pledge_id);

-- Before any release, then each publication date of one of the claim's metrics (from the scope's first).
CREATE OR REPLACE TEMP TABLE claim_vintages AS
SELECT pledge_id, DATE '-infinity' AS vintage FROM temp.claim_register WHERE from_date = DATE '-infinity'
UNION
SELECT p.pledge_id, m.published_on FROM temp.claim_scope_parts p JOIN staging.metric_release_order m ON m.metric_id = p.metric_id
WHERE m.published_on >= p.from_date
UNION
SELECT p.pledge_id, m.published_on FROM temp.claim_scope_parts p JOIN staging.metric_release_order m ON m.metric_id = p.note_metric
WHERE m.published_on >= p.from_date;
