-- Internal bookkeeping: every published file ever seen, and why a release was rejected.
CREATE SCHEMA IF NOT EXISTS meta;
CREATE SCHEMA IF NOT EXISTS raw;
-- raw.<table> are views over raw_store (warehouse/raw_store.py): each distinct row stored once per run of
-- consecutive loads of the table carrying it (first_seq..last_seq), each release's seq in release_seq
CREATE SCHEMA IF NOT EXISTS raw_store;
CREATE TABLE IF NOT EXISTS raw_store.release_seq (table_name VARCHAR, release_id VARCHAR, seq BIGINT);
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS marts;
-- tidy.<table>, tidy.<table>_latest: public views of each published table, every release's rows (warehouse/build.py)
CREATE SCHEMA IF NOT EXISTS tidy;

CREATE TABLE IF NOT EXISTS meta.releases (
    release_id     VARCHAR PRIMARY KEY,   -- <source id>/<publication date>/<first 12 hex of sha256>
    source_id      VARCHAR NOT NULL,
    title          VARCHAR,
    landing_page   VARCHAR,
    file_url       VARCHAR NOT NULL,      -- download URL, or the local path for `pledges load`
    file_name      VARCHAR,
    published_on   DATE NOT NULL,
    sha256         VARCHAR NOT NULL,
    bytes          BIGINT NOT NULL,
    fetched_at     TIMESTAMP NOT NULL,
    loaded_at      TIMESTAMP,
    rows           BIGINT,
    status         VARCHAR NOT NULL,      -- loaded | unchanged | rejected | held | superseded (held, then a later release loaded)
    error          VARCHAR,
    same_as        VARCHAR,               -- for `unchanged`: the release with identical content
    version        INTEGER,               -- the file name's `_vN` suffix (1 without one): ranks same-day releases
    page_updated_at TIMESTAMP,            -- when the page listing the file was last updated, where known
    accepted_at    TIMESTAMP,             -- held by the release gate, then published by `pledges accept` at this time
    held_reasons   VARCHAR,               -- for an accepted release: the gate's reasons it was accepted over
    date_basis     VARCHAR                -- how published_on is known: file_name | content | file_time | page | api
);

-- Warehouses created before a column existed gain it here (this file runs before every load); `version`
-- is derived from the file name as flows.catalog.version_in_name does.
ALTER TABLE meta.releases ADD COLUMN IF NOT EXISTS version INTEGER;
ALTER TABLE meta.releases ADD COLUMN IF NOT EXISTS page_updated_at TIMESTAMP;
ALTER TABLE meta.releases ADD COLUMN IF NOT EXISTS accepted_at TIMESTAMP;
ALTER TABLE meta.releases ADD COLUMN IF NOT EXISTS held_reasons VARCHAR;
-- NULL for releases recorded before the basis was kept (`pledges rebuild` fills it in from the archive)
ALTER TABLE meta.releases ADD COLUMN IF NOT EXISTS date_basis VARCHAR;
UPDATE meta.releases SET version = coalesce(TRY_CAST(nullif(regexp_extract(file_name,
    '(?i)[-_ ]v(\d+)(?:\.\d+)*\.[a-z0-9]+$', 1), '') AS INTEGER), 1)
WHERE version IS NULL;

CREATE TABLE IF NOT EXISTS meta.release_failures (
    release_id  VARCHAR NOT NULL,
    sheet       VARCHAR,
    row_number  BIGINT,
    column_name VARCHAR,
    check_name  VARCHAR NOT NULL,
    value       VARCHAR
);

-- Category labels seen that the parsers did not know (kept, not dropped).
CREATE TABLE IF NOT EXISTS meta.new_categories (
    release_id  VARCHAR NOT NULL,
    table_name  VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL,
    label       VARCHAR NOT NULL,
    rows        BIGINT
);

-- Files whose last load attempt failed with a parser fault (flows.errors.ParserFault: the parser raised on the
-- file). Such a file is deliberately not in meta.releases (no rejection is recorded, so every run tries it again);
-- this row, written with the publish like every other record, is how `pledges status` shows it until it loads. One
-- row per source and file name: the next attempt replaces it, and recording the file (loaded, rejected, held)
-- deletes it.
CREATE TABLE IF NOT EXISTS meta.parser_faults (
    source_id    VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    release_id   VARCHAR NOT NULL,        -- the release id the file would have had
    published_on DATE NOT NULL,
    sha256       VARCHAR NOT NULL,
    file_url     VARCHAR NOT NULL,
    reason       VARCHAR NOT NULL,        -- one line: what the parser raised, where (ParserFault.reason)
    tried_at     TIMESTAMP NOT NULL,      -- the last attempt
    PRIMARY KEY (source_id, file_name)
);

-- Loaded releases numbered from oldest to newest, the one order every "latest" follows (the derived tables,
-- their as-of answers): publication date, then (same day) the file name's _vN version, then the page's updated
-- time where known, then fetch time.
CREATE OR REPLACE VIEW staging.release_order AS
SELECT release_id, published_on,
       row_number() OVER (ORDER BY published_on, coalesce(version, 1), page_updated_at NULLS FIRST, fetched_at,
                                   release_id) AS release_rank
FROM meta.releases WHERE status = 'loaded';
