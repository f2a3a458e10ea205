create table if not exists quarantine.quarantine_reference (
    feed text not null,
    source_row integer not null,
    record text not null,
    rule text not null,
    load_id bigint not null
);
comment on table quarantine_reference is 'One row per reference-file row held back by its raw suite: the original values as JSON and the rules broken.';
