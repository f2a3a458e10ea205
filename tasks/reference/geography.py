"""Reference files recognised by their header, and the ONS geography lookups -> dim_geography.

Layouts are recognised by their header, whatever the year suffix (LSOA11CD, WD19CD, LAD19CD...),
so another vintage or another force is a different file, not different code. Layouts with a
`table` are published as reference tables of their own; the rest build dim_geography.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from tasks.csv_read import read_header
from tasks.errors import FileRejected
from tasks.reference import boundaries


@dataclass(frozen=True)
class Layout:
    """A reference file layout: its dataset name, how its columns map to canonical names and types."""

    dataset: str
    columns: dict[str, str]  # header regex -> canonical name
    types: dict[str, pa.DataType] = field(default_factory=dict)  # canonical name -> type; text otherwise
    table: str | None = None  # its own warehouse table, or None for a dim_geography input

    def match(self, header: list[str]) -> dict[str, str] | None:
        """Header column -> canonical name, or None when the header is not this layout."""
        found = {}
        for pattern, canonical in self.columns.items():
            hits = [h for h in header if re.fullmatch(pattern, h)]
            if len(hits) != 1:
                return None
            found[hits[0]] = canonical
        return found


LAYOUTS = [
    Layout("ons_lsoa_ward_lad", {
        r"LSOA\d\dCD": "lsoa_code", r"LSOA\d\dNM": "lsoa_name", r"WD\d\dCD": "ward_code",
        r"WD\d\dNM": "ward_name", r"LAD\d\dCD": "authority_code", r"LAD\d\dNM": "authority_name",
    }),
    Layout("ons_lad_csp_pfa", {
        r"LAD\d\dCD": "authority_code", r"LAD\d\dNM": "authority_name", r"CSP\d\dCD": "csp_code",
        r"CSP\d\dNM": "csp_name", r"PFA\d\dCD": "force_area_code", r"PFA\d\dNM": "force_area_name",
    }),
    Layout("bcu_grouping", {
        "force": "force", "authority_code": "authority_code", "authority_name": "authority_name", "bcu": "bcu",
    }),
    Layout("police_forces", {"force": "force", "force_area_name": "force_area_name"}),
    Layout("ons_population", {"Year": "year", "LSOA Code": "lsoa_code", "Population": "population"},
           {"year": pa.int32(), "population": pa.int64()}, table="ref_population"),
    Layout("css_weights_policeuk", {
        "police_uk_crime_type": "police_uk_crime_type", "n_offence_weights": "n_offence_weights",
        "mean_weight": "mean_weight", "median_weight": "median_weight", "min_weight": "min_weight",
        "max_weight": "max_weight",
    }, {"n_offence_weights": pa.int32(), "mean_weight": pa.float64(), "median_weight": pa.float64(),
        "min_weight": pa.float64(), "max_weight": pa.float64()}, table="ref_css_weights_policeuk"),
    Layout("offence_classification", {
        "offence_code": "offence_code", "offence_description": "offence_description", "offence_group": "offence_group",
        "offence_subgroup": "offence_subgroup", "weight": "weight", "police_uk_crime_type": "police_uk_crime_type",
        "weights_version": "weights_version",
    }, {"weight": pa.float64()}, table="ref_offence_classification"),
    Layout("serious_violence_rules", {
        "rule": "rule_id", "label": "label", "offence_group": "offence_group", "offence_subgroup": "offence_subgroup",
        "offence_code": "offence_code", "flag": "flag",
    }, table="ref_serious_violence_rules"),
    Layout("age_bands", {"band_set": "band_set", "label": "label", "min_age": "min_age", "max_age": "max_age"},
           {"min_age": pa.int32(), "max_age": pa.int32()}, table="ref_age_bands"),
    Layout("threat_ranking", {
        "rank": "rank", "threat": "threat", "organisational_risk_indicator": "organisational_risk_indicator",
    }, {"rank": pa.int32(), "organisational_risk_indicator": pa.int32()}, table="ref_threat_ranking"),
    # police.uk's last outcome categories in the groups mart_outcomes reports: editable, never a CASE in SQL
    Layout("outcome_groups", {"last_outcome_category": "last_outcome_category", "outcome_group": "outcome_group",
                              "group_order": "group_order", "note": "note"},
           {"group_order": pa.int32()}, table="ref_outcome_groups"),
]

# English Indices of Deprivation 2019 by LSOA (MHCLG; File 2 before File 1: its header holds File 1's columns too)
IMD_AREA = {r"LSOA code \(2011\)": "lsoa_code", r"LSOA name \(2011\)": "lsoa_name",
            r"Local Authority District code \(2019\)": "authority_code", r"Local Authority District name \(2019\)": "authority_name"}
MOST = r"( \(where 1 is most deprived( 10% of LSOAs)?\))?"
IMD_DOMAINS = {"Index of Multiple Deprivation \\(IMD\\)": "imd", "Income": "income", "Employment": "employment",
               "Education, Skills and Training": "education", "Health Deprivation and Disability": "health",
               "Crime": "crime", "Barriers to Housing and Services": "barriers", "Living Environment": "living_environment"}
LAYOUTS += [
    Layout("imd_domains", IMD_AREA | {f"{name} {kind}{MOST}": f"{key}_{kind.lower()}"
                                      for name, key in IMD_DOMAINS.items() for kind in ("Rank", "Decile")},
           {f"{key}_{kind}": pa.int32() for key in IMD_DOMAINS.values() for kind in ("rank", "decile")},
           table="ref_imd_domains"),
    Layout("imd_index", IMD_AREA | {rf"Index of Multiple Deprivation \(IMD\) Rank{MOST}": "imd_rank",
                                    rf"Index of Multiple Deprivation \(IMD\) Decile{MOST}": "imd_decile"},
           {"imd_decile": pa.int32()}, table="ref_imd"),  # the rank is text: "9,338" (conformed to a number)
    Layout("imd_population", IMD_AREA | {
        r"Total population: mid 2015 \(excluding prisoners\)": "population",
        r"Dependent Children aged 0-15: mid 2015 \(excluding prisoners\)": "children_0_15",
        r"Population aged 16-59: mid 2015 \(excluding prisoners\)": "adults_16_59",
        r"Older population aged 60 and over: mid 2015 \(excluding prisoners\)": "older_60_plus",
        r"Working age population 18-59/64: for use with Employment Deprivation Domain \(excluding prisoners\)": "working_age",
    }, table="ref_imd_population"),  # counts as text: "1,296" (conformed to numbers)
    # mySociety's composite UK index (CC BY 4.0): the IoD2019 IMD score, which MHCLG's Files 1 and 2 lack
    Layout("imd_score", {"nation": "nation", "lsoa": "lsoa_code", "overall_local_score": "imd_score",
                         "income_score": "income_rate_percent", "employment_score": "employment_rate_percent"},
           {"imd_score": pa.float64(), "income_rate_percent": pa.float64(), "employment_rate_percent": pa.float64()},
           table="ref_imd_score"),
]

AUTHORITY_TYPES = {
    "E06": "unitary", "E07": "non-metropolitan district", "E08": "metropolitan district",
    "E09": "london borough", "W06": "welsh unitary",
}


@dataclass(frozen=True)
class ReferenceFile:
    """A recognised reference file: its layout, vintage (e.g. 'LSOA11/WD19/LAD19') and column map."""

    path: Path
    layout: Layout
    rename: dict[str, str]
    vintage: str


def recognise(path: Path) -> ReferenceFile | None:
    """The layout of a CSV by its header (a boundary file by its areas' properties), or None when it is none of the known ones."""
    if boundaries.is_boundary_file(path):
        found = boundaries.recognise(path)
        return None if found is None else ReferenceFile(Path(path), found[0], found[1], found[0].vintage)
    header = read_header(path)
    for layout in LAYOUTS:
        rename = layout.match(header)
        if rename is not None:
            codes = [h[:-2] for h in rename if re.fullmatch(r"[A-Z]+\d\dCD", h)]
            return ReferenceFile(Path(path), layout, rename, "/".join(codes) or "config")
    return None


def vintage_year(ref: ReferenceFile) -> int:
    """The newest two-digit year in the vintage, for picking the latest of several lookups."""
    years = [int(y) for y in re.findall(r"\d\d", ref.vintage)]
    return max(years, default=0)


def choose_files(found: list[ReferenceFile]) -> tuple[dict[str, ReferenceFile], list[str]]:
    """The newest file of each layout, and notes on the ones passed over."""
    chosen: dict[str, ReferenceFile] = {}
    notes = []
    for ref in sorted(found, key=lambda r: (vintage_year(r), str(r.path))):
        previous = chosen.get(ref.layout.dataset)
        if previous is not None:
            notes.append(f"{ref.layout.dataset}: using {ref.path.name} ({ref.vintage}), not {previous.path.name} ({previous.vintage})")
        chosen[ref.layout.dataset] = ref
    return chosen, notes


def recognise_folder(folder: Path) -> tuple[list[ReferenceFile], list[str]]:
    """Every CSV in the folder (any depth) recognised by its header, and notes on the others."""
    from tasks.sources import DirectorySource

    found, notes = [], []
    for f in DirectorySource(folder).list_files(re.compile(r"\.(csv(\.gz)?|geojson|json|gpkg)$", re.I)):
        ref = recognise(Path(f.name))
        if ref is None:
            notes.append(f"skipped {f.name}: not a known reference layout")
        else:
            found.append(ref)
    return found, notes


def find_reference_files(source: Path, config_dir: Path, fallback: list[str]) -> tuple[dict[str, ReferenceFile], list[str]]:
    """The newest file of each layout in the source; the configured folder fills the `fallback` layouts it lacks."""
    found, notes = recognise_folder(source)
    chosen, passed_over = choose_files(found)
    if Path(source).resolve() != Path(config_dir).resolve():
        config, _ = choose_files(recognise_folder(config_dir)[0])
        for dataset in fallback:
            if dataset not in chosen and dataset in config:
                chosen[dataset] = config[dataset]
    return chosen, notes + passed_over


def read_reference(ref: ReferenceFile) -> pa.Table:
    """The file's columns of interest with their declared types, renamed to canonical names (a boundary
    file: one row per area, its geometry as GeoJSON)."""
    if isinstance(ref.layout, boundaries.BoundaryLayout):
        return boundaries.read_boundaries(ref.path, ref.layout, ref.rename, str(ref.path))
    names = list(ref.rename)
    types = {n: ref.layout.types.get(ref.rename[n], pa.string()) for n in names}
    try:
        table = pacsv.read_csv(
            ref.path,
            convert_options=pacsv.ConvertOptions(include_columns=names, column_types=types, strings_can_be_null=True),
        )
    except pa.ArrowInvalid as exc:
        raise FileRejected(str(ref.path), f"unreadable as the declared schema: {exc}") from exc
    return table.select(names).rename_columns([ref.rename[n] for n in names])


def build_dim_geography(
    lsoa: pa.Table, lad: pa.Table, bcu: pa.Table, forces: pa.Table, vintage: str
) -> pa.Table:
    """One row per LSOA with its ward, authority, CSP, force area, force slug and BCU.

    An authority missing from the CSP lookup keeps its LSOAs with null CSP and force area:
    reported by the caller, never guessed.
    """
    con = duckdb.connect()
    for name, table in {"lsoa": lsoa, "lad": lad, "bcu": bcu, "forces": forces}.items():
        con.register(name, table)
    types = " ".join(f"when '{k}' then '{v}'" for k, v in AUTHORITY_TYPES.items())
    return con.sql(f"""
        select l.lsoa_code, l.lsoa_name, l.ward_code, l.ward_name, l.authority_code, l.authority_name,
               case left(l.authority_code, 3) {types} else 'other' end as authority_type,
               d.csp_code, d.csp_name, d.force_area_code, d.force_area_name, f.force, b.bcu,
               '{vintage}' as geography_vintage
        from lsoa l
        left join lad d on d.authority_code = l.authority_code
        left join forces f on f.force_area_name = d.force_area_name
        left join bcu b on b.authority_code = l.authority_code and b.force = f.force
        order by l.lsoa_code
    """).to_arrow_table()
