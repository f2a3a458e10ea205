"""The package layout keeps its promises: the pipeline never imports the generators."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    """Every module a Python file imports, at any depth of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_nothing_the_pipeline_runs_imports_the_generators():
    runs = [p for package in ("flows", "tasks", "warehouse") for p in (REPO / package).rglob("*.py")]
    assert len(runs) > 50
    offenders = {str(p.relative_to(REPO)): sorted(m for m in imported_modules(p) if m.split(".")[0] == "synth")
                 for p in runs}
    assert {p: m for p, m in offenders.items() if m} == {}
    # and the generators left the feed packages
    assert not list((REPO / "tasks").rglob("generate.py"))
    assert len(list((REPO / "synth").glob("*.py"))) == 8
