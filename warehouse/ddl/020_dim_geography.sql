create table if not exists dim_geography (
    lsoa_code text not null,
    lsoa_name text,
    ward_code text,
    ward_name text,
    authority_code text,
    authority_name text,
    authority_type text,
    csp_code text,
    csp_name text,
    force_area_code text,
    force_area_name text,
    force text,
    bcu text,
    geography_vintage text not null,
    load_id bigint not null
);
comment on table dim_geography is 'One row per LSOA: ward, local authority, community safety partnership, police force area and BCU, from the ONS lookups of the vintage named.';
