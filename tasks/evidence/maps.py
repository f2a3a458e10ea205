"""Maps for the evidence pack: choropleths drawn offline by Altair and vl-convert as static SVG (and
PNG for Word), from the boundaries in ref_boundary and the rates in the marts.

Every layer is reprojected to Web Mercator metres and drawn with Vega's identity projection, so the
maps are planar: spherical projections would need every ring wound clockwise, and GeoJSON's own
rule (RFC 7946) winds them the other way. Areas whose figure is suppressed are drawn as suppressed,
never as zero; areas with no figure as "no data".
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

WEB_MERCATOR_RADIUS = 6378137.0  # EPSG:3857's sphere, metres
PLANAR = "EPSG:3857"
# viridis in five steps, light to dark: sequential and readable with any colour vision deficiency
PALETTE = ["#fde725", "#5ec962", "#21918c", "#3b528b", "#440154"]
GREYS = {"suppressed": "#bdbdbd", "no data": "#f0f0f0"}
HOTSPOT_STROKE = "#d62728"
ATTRIBUTION = ["Contains OS data © Crown copyright and database right 2022. Boundaries: ONS (OGL v3.0).",
               "Crime: data.police.uk. Residents: ONS mid-year estimates. Deprivation: MHCLG IoD2019, mySociety (CC BY 4.0)."]
CLASSES = len(PALETTE)  # quintiles of the areas shaded: a few extreme areas do not wash out the rest


def lonlat_to_web_mercator(lon: float, lat: float) -> tuple[float, float]:
    """A lon/lat point in Web Mercator metres."""
    x = WEB_MERCATOR_RADIUS * math.radians(lon)
    y = WEB_MERCATOR_RADIUS * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return x, y


def _map_coordinates(coordinates, point):
    """Nested coordinate lists with each [x, y] position mapped by point."""
    if coordinates and isinstance(coordinates[0], (int, float)):
        return list(point(coordinates[0], coordinates[1]))
    return [_map_coordinates(c, point) for c in coordinates]


def planar(geometry: dict, crs: str) -> dict:
    """The geometry in Web Mercator metres (the maps' one planar frame), from lon/lat or as it is."""
    if crs == PLANAR:
        return geometry
    if crs in ("OGC:CRS84", "EPSG:4326"):
        return {"type": geometry["type"], "coordinates": _map_coordinates(geometry["coordinates"], lonlat_to_web_mercator)}
    raise ValueError(f"maps draw lon/lat or Web Mercator boundaries; {crs} would need a projection library")


def boundaries(conn: sa.Connection, layer: str, codes: list[str]) -> dict[str, dict]:
    """Area code -> its geometry in Web Mercator metres, for the codes the layer holds."""
    rows = conn.execute(sa.text("select area_code, crs, geometry_geojson from ref_boundary where layer = :layer"),
                        {"layer": layer}).all()
    wanted = set(codes)
    return {code: planar(json.loads(text), crs) for code, crs, text in rows if code in wanted}


@dataclass(frozen=True)
class Area:
    """One area of a map: its code, name, figure (None when suppressed or missing) and how it reads."""

    code: str
    name: str
    value: float | None
    suppressed: bool = False
    outlined: bool = False

    @property
    def state(self) -> str:
        """'published', 'suppressed' or 'no data'."""
        return "published" if self.value is not None else "suppressed" if self.suppressed else "no data"


def describe(area: Area, unit: str) -> str:
    """The area's text alternative, as a screen reader announces its shape."""
    figure = f"{area.value:,.1f} {unit}" if area.value is not None else area.state
    return f"{area.name} ({area.code}): {figure}" + (", persistent hotspot" if area.outlined else "")


def class_labels(values: list[float], count: int = CLASSES) -> tuple[list[float], list[str]]:
    """Upper breaks and labels of up to `count` classes holding equal numbers of areas (quantiles),
    breaks rounded to whole numbers: ['under 48', '48 to 73', ..., '144 and over']."""
    inner = sorted({round(float(q)) for q in np.quantile(values, np.linspace(0, 1, count + 1)[1:-1])}) if values else []
    if not inner:
        return [], ["all areas"] if values else []
    labels = [f"under {inner[0]:,}"] + [f"{lo:,} to {hi:,}" for lo, hi in zip(inner, inner[1:])] + [f"{inner[-1]:,} and over"]
    return inner, labels


def choropleth(areas: list[Area], shapes: dict[str, dict], title: str, subtitle: list[str], legend: str, unit: str,
               outline_label: str | None = None, width: int = 560):
    """An Altair chart: each area shaded by its class (quantiles of the published figures, one
    colour-blind-safe sequential palette), suppressed and no-data areas in greys named in the same
    legend, outlined areas stroked on top."""
    import altair as alt

    breaks, labels = class_labels([a.value for a in areas if a.value is not None])
    palette = [PALETTE[int(i)] for i in np.linspace(0, len(PALETTE) - 1, len(labels)).round()]  # spread over the scale

    def shade(area: Area) -> str:
        return labels[int(np.searchsorted(breaks, area.value, side="right"))] if area.value is not None else area.state

    def features(chosen: list[Area]) -> alt.Data:
        return alt.Data(values=[{"type": "Feature", "geometry": shapes[a.code],
                                 "properties": {"code": a.code, "shade": shade(a), "label": describe(a, unit),
                                                "outline": outline_label}}
                                for a in chosen if a.code in shapes])

    states = [s for s in ("suppressed", "no data") if any(a.state == s for a in areas)]
    layers = [alt.Chart(features(areas)).mark_geoshape(stroke="white", strokeWidth=0.4).encode(
        color=alt.Color("properties.shade:N", title=legend, sort=labels + states,
                        scale=alt.Scale(domain=labels + states,
                                        range=palette + [GREYS[s] for s in states]),
                        legend=alt.Legend(symbolType="square", orient="right")),
        description="properties.label:N")]
    outlined = [a for a in areas if a.outlined]
    if outlined and outline_label:
        # not announced again: the area's own shape already says it is outlined
        layers.append(alt.Chart(features(outlined)).mark_geoshape(filled=False, strokeWidth=1.8, aria=False).encode(
            stroke=alt.Stroke("properties.outline:N", title=None,
                              scale=alt.Scale(domain=[outline_label], range=[HOTSPOT_STROKE]),
                              legend=alt.Legend(symbolType="square", orient="right"))))
    return (alt.layer(*layers)
            .project(type="identity", reflectY=True)
            .properties(width=width, height=width,
                        title=alt.TitleParams(title, subtitle=subtitle + ATTRIBUTION, anchor="start", subtitleFontSize=10))
            .configure_view(stroke=None))
