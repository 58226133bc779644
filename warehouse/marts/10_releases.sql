-- Answers: which published files has the pipeline seen, when, and what became of each?
-- A public view over the internal meta.releases log.
CREATE OR REPLACE VIEW marts.releases AS
SELECT release_id, source_id, title, landing_page, file_url, file_name, published_on, sha256, bytes,
       fetched_at, loaded_at, rows, status, error, same_as, version, page_updated_at
FROM meta.releases;

COMMENT ON VIEW marts.releases IS 'Every published file ever seen, one row each: provenance, checksum and what happened to it (loaded, unchanged, rejected).';
COMMENT ON COLUMN marts.releases.release_id IS 'Stable id: <source id>/<publication date>/<first 12 hex digits of sha256>.';
COMMENT ON COLUMN marts.releases.status IS 'loaded: its data are in the warehouse; unchanged: same content as release same_as; rejected: failed validation (see error and marts.release_failures).';
COMMENT ON COLUMN marts.releases.published_on IS 'Publication date, from the file name or the landing page.';
COMMENT ON COLUMN marts.releases.version IS 'The file name''s _vN re-upload number (1 without one): a later version of the same day ranks after the original.';
COMMENT ON COLUMN marts.releases.page_updated_at IS 'The publication page''s updated time when the file was seen (breaks ties between same-day releases).';
COMMENT ON COLUMN marts.releases.sha256 IS 'SHA-256 of the file as downloaded; the raw archive keeps it under this name.';

CREATE OR REPLACE VIEW marts.release_failures AS
SELECT f.release_id, r.source_id, r.file_name, f.sheet, f.row_number, f.column_name, f.check_name, f.value
FROM meta.release_failures f JOIN meta.releases r USING (release_id);
COMMENT ON VIEW marts.release_failures IS 'Why rejected releases were rejected: one row per failing sheet, row and column.';
