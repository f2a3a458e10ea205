-- Boundaries: one row per area of each layer, its geometry as GeoJSON text in the layer's own CRS.
create table if not exists ref_boundary (
    layer text not null,
    area_code text not null,
    area_name text,
    parent_code text,
    crs text not null,
    geometry_type text not null,
    geometry_geojson text not null,
    load_id bigint not null
);
comment on table ref_boundary is 'One row per area of a boundary layer (boundary_lad22: districts 2022 in lon/lat; boundary_wd22: wards 2022 in British National Grid, which are not the 2019 wards of dim_geography and are not joined to them; boundary_lsoa11: LSOAs 2011 in Web Mercator metres): its code, name, parent (an LSOA''s district), the CRS its coordinates are in and its geometry as GeoJSON text. Contains OS data (c) Crown copyright and database right; source: ONS.';
