"""Maps drawn offline: lon/lat reprojected to Web Mercator metres (checked against EPSG:3857's known
values), classes of equal numbers of areas, and a drawn choropleth holding one labelled shape per
area, suppressed areas drawn and named as suppressed (never as zero), outlines in the legend."""

from __future__ import annotations

import math
import re

import pytest

from tasks.evidence import charts, maps


def square(x: float, y: float, size: float = 1000.0) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]}


def test_lon_lat_reproject_to_web_mercator_metres():
    assert maps.lonlat_to_web_mercator(0, 0) == pytest.approx((0, 0), abs=1e-6)
    assert maps.lonlat_to_web_mercator(180, 0)[0] == pytest.approx(20037508.342789244)
    assert maps.lonlat_to_web_mercator(0, 85.0511287798066)[1] == pytest.approx(20037508.342789244, rel=1e-9)
    # the inverse (the Gudermannian) brings a point back
    x, y = maps.lonlat_to_web_mercator(-2.7035, 53.7632)
    assert math.degrees(x / maps.WEB_MERCATOR_RADIUS) == pytest.approx(-2.7035)
    assert math.degrees(math.atan(math.sinh(y / maps.WEB_MERCATOR_RADIUS))) == pytest.approx(53.7632)
    multi = {"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]]}
    assert maps.planar(multi, "OGC:CRS84")["coordinates"][0][0][1] == pytest.approx([111319.49, 0], abs=0.01)
    assert maps.planar(multi, "EPSG:3857") is multi
    with pytest.raises(ValueError, match="EPSG:27700"):
        maps.planar(multi, "EPSG:27700")


def test_the_districts_in_lon_lat_land_on_the_lsoas_published_in_web_mercator():
    import json

    from tests.conftest import SAMPLE

    def bounds(geometries) -> tuple[float, float, float, float]:
        points = [p for g in geometries for p in re.findall(r"\[(-?[\d.]+), (-?[\d.]+)\]", json.dumps(g["coordinates"]))]
        xs, ys = [float(p[0]) for p in points], [float(p[1]) for p in points]
        return min(xs), min(ys), max(xs), max(ys)

    districts = json.loads((SAMPLE / "reference" / "lancashire_districts.geojson").read_text())["features"]
    lsoas = json.loads((SAMPLE / "reference" / "lsoa_clean_shapefiles_2011_north_west_crs3857.json").read_text())["features"]
    codes = {f["properties"]["objectid"] for f in districts}
    lancashire = [f["geometry"] for f in lsoas if f["properties"]["lad19cd"] in codes]
    assert len(lancashire) == 941
    projected = bounds([maps.planar(f["geometry"], "OGC:CRS84") for f in districts])
    # the LSOA file is heavily simplified: its edges sit within a couple of kilometres of the districts'
    assert projected == pytest.approx(bounds(lancashire), abs=2500)


def test_classes_hold_equal_numbers_of_areas_and_say_their_bounds():
    breaks, labels = maps.class_labels([float(v) for v in range(1, 101)])
    assert breaks == [21, 41, 60, 80]
    assert labels == ["under 21", "21 to 41", "41 to 60", "60 to 80", "80 and over"]
    assert maps.class_labels([5.0, 5.0]) == ([5], ["under 5", "5 and over"])
    assert maps.class_labels([]) == ([], [])


def test_a_drawn_map_labels_every_area_and_shows_suppressed_as_suppressed():
    areas = [maps.Area("E01000001", "Alpha", 12.5), maps.Area("E01000002", "Beta", None, suppressed=True),
             maps.Area("E01000003", "Gamma", 250.0, outlined=True), maps.Area("E01000004", "Delta", None)]
    shapes = {a.code: square(i * 1000.0, 0) for i, a in enumerate(areas)}
    chart = maps.choropleth(areas, shapes, "Test map", ["2019/20"], "Crimes per 1,000", "per 1,000",
                            outline_label="persistent crime hotspot")
    svg, png = charts.render(chart)
    labels = re.findall(r'aria-label="([^"]*\(E01\d{6}\)[^"]*)"', svg)
    assert sorted(labels) == ["Alpha (E01000001): 12.5 per 1,000", "Beta (E01000002): suppressed",
                              "Delta (E01000004): no data", "Gamma (E01000003): 250.0 per 1,000, persistent hotspot"]
    for text in ("suppressed", "no data", "persistent crime hotspot", "Contains OS data", "Test map", "2019/20"):
        assert text in svg, text
    assert maps.GREYS["suppressed"] in svg and png.startswith(b"\x89PNG")
    assert charts.accessible_svg(svg, 'a "map"').startswith('<svg role="img" aria-label="a &quot;map&quot;" ')
