create table if not exists fact_itk_response (
    export_date date not null,
    response_id text not null,
    member_pseudonym text not null,
    submitted_at timestamp not null,
    updated_at timestamp not null,
    postcode_district text,
    ward_code text not null,
    ward_name text,
    authority_code text not null,
    authority_name text not null,
    bcu text,
    age_band text not null,
    issues_named smallint not null,
    source_row integer not null,
    load_id bigint not null
);
comment on table fact_itk_response is 'One row per Lancashire Talking response, at its latest version (latest updated_at over every export loaded); export_date and load_id say which export brought that version. Member ids are keyed pseudonyms; postcodes are cut to their district.';

create index if not exists ix_fact_itk_response_id on fact_itk_response (response_id);

create table if not exists fact_itk_response_issue (
    export_date date not null,
    response_id text not null,
    updated_at timestamp not null,
    issue_rank smallint not null,
    issue_category text not null,
    issue_detail text not null,
    priority_points smallint not null,
    load_id bigint not null
);
comment on table fact_itk_response_issue is 'One row per issue named in the current version of a Lancashire Talking response, by its priority rank (1-5; rank 1 earns 5 points ... rank 5 earns 1).';

create index if not exists ix_fact_itk_response_issue_id on fact_itk_response_issue (response_id);

create table if not exists quarantine.quarantine_itk_response (
    export_date date not null,
    response_id text,
    member_pseudonym text,
    submitted_at text,
    updated_at text,
    postcode_district text,
    ward_code text,
    ward_name text,
    district text,
    issue_1 text,
    issue_2 text,
    issue_3 text,
    issue_4 text,
    issue_5 text,
    age_band text,
    source_row integer not null,
    rule text not null,
    load_id bigint not null
);
comment on table quarantine_itk_response is 'One row per export row held back, with the rules it broke (;-separated); member id pseudonymised and postcode cut to its district, free text never read.';

create table if not exists staging.etl_stage_itk_response (
    export_date date not null,
    response_id text not null,
    member_pseudonym text not null,
    submitted_at timestamp not null,
    updated_at timestamp not null,
    postcode_district text,
    ward_code text not null,
    ward_name text,
    authority_code text not null,
    authority_name text not null,
    bcu text,
    age_band text not null,
    issues_named smallint not null,
    source_row integer not null,
    load_id bigint not null,
    applied boolean not null default false
);
comment on table etl_stage_itk_response is 'Pipeline working table: the export being merged, inside its load transaction; empty between loads.';

create index if not exists ix_etl_stage_itk_response_id on etl_stage_itk_response (response_id);

create table if not exists staging.etl_stage_itk_response_issue (
    export_date date not null,
    response_id text not null,
    updated_at timestamp not null,
    issue_rank smallint not null,
    issue_category text not null,
    issue_detail text not null,
    priority_points smallint not null,
    load_id bigint not null
);
comment on table etl_stage_itk_response_issue is 'Pipeline working table: the export''s issues being merged, inside its load transaction; empty between loads.';
