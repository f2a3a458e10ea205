"""Boundary files as reference data: GeoJSON and GeoPackage layers recognised by their properties,
each area's geometry kept as GeoJSON text in its own coordinate reference system (no spatial
extension needed to read it; DuckDB's spatial `ST_GeomFromGeoJSON` and PostGIS's take it as it is).

Three layers are known, as published (data/sample/PROVENANCE.md): Lancashire's districts (2022,
lon/lat), its wards (2022, British National Grid, a GeoPackage) and the North West's LSOAs (2011,
Web Mercator metres in a GeoJSON without a `crs` member). The 2022 wards are not the 2019 wards of
the ONS lookups (271 against 285): they are kept as their own layer and never joined to them.
"""

from __future__ import annotations

import json
import re
import sqlite3
import struct
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from tasks.errors import FileRejected

TABLE = "ref_boundary"
SUFFIXES = (".geojson", ".json", ".gpkg")
CRS84 = "OGC:CRS84"
HEAD_BYTES = 1 << 16


@dataclass(frozen=True)
class BoundaryLayout:
    """A boundary layer: which properties name its areas, and its coordinate reference system when the file does not say."""

    dataset: str
    properties: dict[str, str]   # property or column -> area_code, area_name, parent_code
    vintage: str
    crs: str | None = None       # when the file has no crs of its own (a GeoJSON without `crs` is lon/lat by the standard)
    table: str = TABLE
    types: tuple = ()            # the CSV layouts' column types; none here

    def match(self, names: list[str]) -> dict[str, str] | None:
        """Property -> canonical name, or None when the layer's properties are not all there."""
        return {p: c for p, c in self.properties.items()} if set(self.properties) <= set(names) else None


LAYOUTS = [
    BoundaryLayout("boundary_lad22", {"objectid": "area_code", "district": "area_name"}, "LAD22"),
    BoundaryLayout("boundary_wd22", {"ward_code": "area_code", "ward_name": "area_name"}, "WD22"),
    # the published file names its projection (crs3857) but carries no `crs` member
    BoundaryLayout("boundary_lsoa11", {"lsoa11cd": "area_code", "lsoa11nm": "area_name", "lad19cd": "parent_code"},
                   "LSOA11", crs="EPSG:3857"),
]
COLUMNS = ["layer", "area_code", "area_name", "parent_code", "crs", "geometry_type", "vertices",
           "x_min", "x_max", "y_min", "y_max", "geometry_geojson"]
PUBLISHED = ["layer", "area_code", "area_name", "parent_code", "crs", "geometry_type", "geometry_geojson"]


def is_boundary_file(path: Path) -> bool:
    """True for the file types boundaries come in."""
    return Path(path).suffix.lower() in SUFFIXES


def layer_properties(path: Path) -> tuple[list[str], str | None]:
    """The property (or column) names of the file's areas, and the CRS the file states."""
    if Path(path).suffix.lower() == ".gpkg":
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            table, srs = gpkg_layer(db)
            names = [row[1] for row in db.execute(f'pragma table_info("{table}")')]
            return names, gpkg_crs(db, srs)
    # recognised from the head of the file: the LSOA layer is 2.9 MB, and finding files must stay cheap
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES).decode("utf-8", errors="replace")
    first = head.find('"properties"', max(head.find('"features"'), 0))  # the first feature's, not the crs member's
    start = head.find("{", first)
    properties = json.loads(head[start:head.index("}", start) + 1]) if first >= 0 else {}
    crs = re.search(r'"crs"\s*:\s*\{.*?"name"\s*:\s*"([^"]+)"', head, re.S)
    return list(properties), crs_name(crs.group(1) if crs else None)


def crs_name(urn: str | None) -> str | None:
    """urn:ogc:def:crs:OGC:1.3:CRS84 -> OGC:CRS84; urn:ogc:def:crs:EPSG::27700 -> EPSG:27700."""
    if not urn:
        return None
    parts = [p for p in urn.split(":") if p]
    return f"{parts[-3] if parts[-2][0].isdigit() else parts[-2]}:{parts[-1]}" if len(parts) >= 2 else urn


def gpkg_layer(db: sqlite3.Connection) -> tuple[str, int]:
    """The GeoPackage's one feature table and its spatial reference id."""
    layers = db.execute("select table_name, srs_id from gpkg_contents where data_type = 'features'").fetchall()
    if len(layers) != 1:
        raise FileRejected("gpkg", f"expected one feature layer, found {len(layers)}")
    return layers[0]


def gpkg_crs(db: sqlite3.Connection, srs: int) -> str:
    """EPSG:27700 for the layer's spatial reference id."""
    organisation, code = db.execute("select organization, organization_coordsys_id from gpkg_spatial_ref_sys "
                                    "where srs_id = ?", (srs,)).fetchone()
    return f"{organisation.upper()}:{code}"


def recognise(path: Path) -> tuple[BoundaryLayout, dict[str, str]] | None:
    """The layer a boundary file holds, by its properties; None when it is none of the known ones."""
    try:
        names, _ = layer_properties(path)
    except (ValueError, sqlite3.DatabaseError, FileRejected, KeyError, IndexError):
        return None
    for layout in LAYOUTS:
        rename = layout.match(names)
        if rename is not None:
            return layout, rename
    return None


def read_boundaries(path: Path, layout: BoundaryLayout, rename: dict[str, str], source: str) -> pa.Table:
    """One row per area: its codes and name, CRS, geometry type, vertex count and extent, and its geometry as GeoJSON."""
    try:
        if Path(source.split("!")[-1]).suffix.lower() == ".gpkg":
            areas, crs = gpkg_areas(path, rename)
        else:
            areas, crs = geojson_areas(path, rename)
    except (ValueError, sqlite3.DatabaseError, struct.error, KeyError, TypeError) as exc:
        raise FileRejected(source, f"unreadable as a {layout.dataset} boundary file: {exc}") from exc
    crs = crs or layout.crs or CRS84
    rows = []
    for names, geometry in areas:
        xs, ys = coordinates(geometry)
        rows.append({"layer": layout.dataset, "area_code": names.get("area_code"), "area_name": names.get("area_name"),
                     "parent_code": names.get("parent_code"), "crs": crs, "geometry_type": geometry.get("type"),
                     "vertices": len(xs), "x_min": min(xs, default=None), "x_max": max(xs, default=None),
                     "y_min": min(ys, default=None), "y_max": max(ys, default=None),
                     "geometry_geojson": json.dumps(geometry, separators=(",", ":"))})
    schema = pa.schema([(c, pa.int32() if c == "vertices" else pa.float64() if c[:2] in ("x_", "y_") else pa.string())
                        for c in COLUMNS])
    return pa.Table.from_pylist(rows, schema=schema)


def geojson_areas(path: Path, rename: dict[str, str]) -> tuple[list[tuple[dict, dict]], str | None]:
    """(names, geometry) per feature of a GeoJSON FeatureCollection, and the CRS it states."""
    with open(path, "rb") as handle:
        data = json.load(handle)
    if data.get("type") != "FeatureCollection":
        raise ValueError(f"a GeoJSON FeatureCollection was expected, not {data.get('type')!r}")
    crs = crs_name((data.get("crs") or {}).get("properties", {}).get("name"))
    return [({c: f["properties"].get(p) for p, c in rename.items()}, f["geometry"] or {}) for f in data["features"]], crs


def gpkg_areas(path: Path, rename: dict[str, str]) -> tuple[list[tuple[dict, dict]], str]:
    """(names, geometry) per feature of a GeoPackage's one layer, its geometry decoded from GeoPackage WKB."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        table, srs = gpkg_layer(db)
        (column,) = db.execute("select column_name from gpkg_geometry_columns where table_name = ?", (table,)).fetchone()
        names = ", ".join(f'"{p}"' for p in rename)
        rows = db.execute(f'select "{column}", {names} from "{table}"').fetchall()
        crs = gpkg_crs(db, srs)
    return [(dict(zip(rename.values(), values)), gpkg_geometry(blob)) for blob, *values in rows], crs


ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def gpkg_geometry(blob: bytes) -> dict:
    """A GeoPackage geometry blob (header, envelope, WKB) as a GeoJSON geometry."""
    if blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry")
    flags = blob[3]
    start = 8 + ENVELOPE_BYTES[(flags >> 1) & 0b111]
    geometry, _ = wkb_geometry(blob, start)
    return geometry


def wkb_geometry(data: bytes, at: int) -> tuple[dict, int]:
    """The WKB (Multi)Polygon at `at` as GeoJSON, and where it ends (2-D; the only types boundaries hold)."""
    order = "<" if data[at] == 1 else ">"
    (kind,) = struct.unpack_from(f"{order}I", data, at + 1)
    at += 5
    if kind == 3:
        rings, at = wkb_rings(data, at, order)
        return {"type": "Polygon", "coordinates": rings}, at
    if kind == 6:
        (parts,) = struct.unpack_from(f"{order}I", data, at)
        at += 4
        polygons = []
        for _ in range(parts):
            polygon, at = wkb_geometry(data, at)
            polygons.append(polygon["coordinates"])
        return {"type": "MultiPolygon", "coordinates": polygons}, at
    raise ValueError(f"WKB geometry type {kind} is not a polygon")


def wkb_rings(data: bytes, at: int, order: str) -> tuple[list, int]:
    """A polygon's rings of [x, y] points."""
    (count,) = struct.unpack_from(f"{order}I", data, at)
    at += 4
    rings = []
    for _ in range(count):
        (points,) = struct.unpack_from(f"{order}I", data, at)
        at += 4
        flat = struct.unpack_from(f"{order}{2 * points}d", data, at)
        at += 16 * points
        rings.append([[flat[i], flat[i + 1]] for i in range(0, len(flat), 2)])
    return rings, at


def coordinates(geometry: dict) -> tuple[list[float], list[float]]:
    """Every vertex's x and y of a Polygon or MultiPolygon."""
    polygons = {"Polygon": [geometry.get("coordinates") or []], "MultiPolygon": geometry.get("coordinates") or []}
    points = [p for polygon in polygons.get(geometry.get("type"), []) for ring in polygon for p in ring]
    return [p[0] for p in points], [p[1] for p in points]


def conform_boundaries(table: pa.Table, sha256: str) -> pa.Table:
    """The published columns: the extent and vertex count were for the suite."""
    return table.select(PUBLISHED)
