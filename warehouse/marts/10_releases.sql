-- Answers: which published files has the pipeline seen, when, and what became of each?
-- A public view over the internal meta.releases log.
CREATE OR REPLACE VIEW marts.releases AS
SELECT release_id, source_id, title, landing_page, file_url, file_name, published_on, sha256, bytes,
       fetched_at, loaded_at, rows, status, error, same_as, version, page_updated_at, accepted_at, held_reasons,
       date_basis
FROM meta.releases;

COMMENT ON VIEW marts.releases IS 'Every published file ever seen, one row each: provenance, checksum and what happened to it (loaded, unchanged, rejected, held, superseded).';
COMMENT ON COLUMN marts.releases.release_id IS 'Stable id: <source id>/<publication date>/<first 12 hex digits of sha256>.';
COMMENT ON COLUMN marts.releases.status IS 'loaded: its data are in the warehouse; unchanged: same content as release same_as; rejected: failed validation (see error and marts.release_failures); held: valid but implausible against the previous release or the catalog''s bounds (the release gate; reasons in marts.release_failures), not published until accepted with `pledges accept`; superseded: held, then a later release of the same source loaded (never published).';
COMMENT ON COLUMN marts.releases.accepted_at IS 'For a release the release gate held and `pledges accept` then published: when it was accepted.';
COMMENT ON COLUMN marts.releases.held_reasons IS 'The release gate''s reasons a loaded release would have been held for: those it was accepted over (accepted_at set), or, with accepted_at NULL, those found after it was published (an older release loaded after it, or a rebuild by publication date): it stays published, to be reviewed.';
COMMENT ON COLUMN marts.releases.published_on IS 'Publication date, from the file name, the landing page or the API, or (local files) read from the content, estimated, or the file''s time: date_basis says which.';
COMMENT ON COLUMN marts.releases.date_basis IS 'How published_on is known: file_name (the name carries it), content (read from the file: a cover''s "Published:" date), estimated (a local file whose name or content gives only the month its data run to, or the last period of its data: the end of the month the source''s usual publication lag after it; a small-boats file recognised by its content, the day after its last day: so no as-of answer shows its figures before they could be out), file_time (the local file''s modification time: no date in its name or content), page (the publication page''s date), api (the publisher''s API: DfE version, ONS edition release date; for a DfE CSV loaded by hand, the API''s description of the data set saved beside it); NULL for releases recorded before the basis was kept.';
COMMENT ON COLUMN marts.releases.version IS 'The file name''s _vN re-upload number (1 without one): a later version of the same day ranks after the original.';
COMMENT ON COLUMN marts.releases.page_updated_at IS 'The publication page''s updated time when the file was seen (breaks ties between same-day releases).';
COMMENT ON COLUMN marts.releases.sha256 IS 'SHA-256 of the file as downloaded; the raw archive keeps it under this name.';

CREATE OR REPLACE VIEW marts.release_failures AS
SELECT f.release_id, r.source_id, r.file_name, f.sheet, f.row_number, f.column_name, f.check_name, f.value
FROM meta.release_failures f JOIN meta.releases r USING (release_id);
COMMENT ON VIEW marts.release_failures IS 'Why rejected releases were rejected, and held releases held: one row per failing sheet, row and column (a held release: one row per failed gate check, then example periods).';
