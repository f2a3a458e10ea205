"""Versioned evidence packs: each run writes its own dated folder and moves `latest` onto it in one
rename; a build that fails leaves the previous pack and pointer whole, and nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.evidence.pages import LATEST, pack_name, publish_pack


def page_writer(text: str, fail: bool = False):
    def build(into: Path) -> list[Path]:
        into.mkdir(parents=True)
        (into / "index.html").write_text(text)
        if fail:
            raise RuntimeError("the warehouse went away mid-build")
        return [into / "index.html"]
    return build


def test_each_run_gets_its_own_folder_and_latest_follows_the_newest(tmp_path):
    first, pages = publish_pack(tmp_path, "0f1e2d3c-aaaa-bbbb-cccc-000000000001", page_writer("first"))
    assert first.name == pack_name("0f1e2d3c-aaaa") and pages == [first / "index.html"]
    second, _ = publish_pack(tmp_path, "9a8b7c6d-aaaa-bbbb-cccc-000000000002", page_writer("second"))
    assert (tmp_path / LATEST).is_symlink() and (tmp_path / LATEST).resolve() == second.resolve()
    assert (tmp_path / LATEST / "index.html").read_text() == "second"
    assert (first / "index.html").read_text() == "first"  # the earlier pack stays, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, second.name, LATEST])


def test_a_failed_build_leaves_the_previous_pack_and_its_pointer(tmp_path):
    good, _ = publish_pack(tmp_path, "11111111-run", page_writer("good"))
    with pytest.raises(RuntimeError, match="went away"):
        publish_pack(tmp_path, "22222222-run", page_writer("half", fail=True))
    assert (tmp_path / LATEST / "index.html").read_text() == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([good.name, LATEST])  # no half-written folder


def test_a_missing_browser_is_named_with_how_to_install_one():
    from tasks.evidence.pdf import NoBrowser, find_browser

    with pytest.raises(NoBrowser, match="CSP_CHROMIUM"):
        find_browser("/nowhere/chromium")


def test_sources_are_named_within_their_drop_folder_never_by_the_machines_path():
    from tasks.evidence.pages import drop_relative

    assert drop_relative("/srv/drop/itk/2020/itk_20200131.csv", "/srv/drop/itk") == "2020/itk_20200131.csv"
    assert drop_relative("/srv/drop/itk/2020/itk_20200131.csv", "/srv/drop/itk/") == "2020/itk_20200131.csv"
    assert drop_relative("/srv/dl/2021-03.zip!2021-03/2021-03-lancashire-street.csv", "/srv/dl/2021-03.zip") == \
        "2021-03.zip!2021-03/2021-03-lancashire-street.csv"
    assert drop_relative("/srv/drop/one.csv", "/srv/drop/one.csv") == "one.csv"
    assert drop_relative("/srv/drop/one.csv", None) == "one.csv"  # logged before the load log kept roots
    assert drop_relative(None) == "reference"
