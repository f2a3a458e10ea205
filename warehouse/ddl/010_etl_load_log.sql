create table if not exists ops.etl_load_log (
    run_id text not null,
    feed text not null,
    period text,
    partition_key text,
    source_name text,
    source_sha256 text,
    rows_in bigint,
    rows_curated bigint,
    rows_quarantined bigint,
    status text not null,
    raw_suite_success boolean,
    curated_suite_success boolean,
    warnings text,
    message text,
    started_at timestamp,
    finished_at timestamp,
    lake_files text
);
alter table etl_load_log add column if not exists lake_files text;
-- every curated and quarantined row carries its file's load_id; run numbers come from the sequence
alter table etl_load_log add column if not exists load_id bigint;
-- the source a run was given (drop folder, archive or file): reports name files relative to it
alter table etl_load_log add column if not exists source_root text;
create sequence if not exists ops.etl_run_seq;
comment on table etl_load_log is 'One row per source file per run: rows in = rows curated + rows quarantined for every loaded file; rejected files say why.';
