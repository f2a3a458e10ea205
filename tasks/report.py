"""A feed run's report: per-file row accounting, validation and warnings, as text and Prefect artifacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from tasks.load_log import FileOutcome


class FeedFailed(Exception):
    """A feed ran to the end but some of its files (or the whole source) were rejected."""

    def __init__(self, report: "FeedReport"):
        super().__init__(report.failure_summary())
        self.report = report


@dataclass
class FeedReport:
    """Everything a feed run did, file by file."""

    feed: str
    run_id: str
    files: list[FileOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    marts_built: list[str] = field(default_factory=list)
    unchanged: int = 0  # files an incremental run skipped: their partition already holds them

    @property
    def failed(self) -> bool:
        """True when the source or any file was rejected."""
        return self.error is not None or any(f.status != "loaded" for f in self.files)

    def totals(self) -> dict[str, int]:
        """Rows in, curated and quarantined over the loaded files."""
        loaded = [f for f in self.files if f.status == "loaded"]
        return {
            "files_loaded": len(loaded),
            "files_rejected": len(self.files) - len(loaded),
            "rows_in": sum(f.rows_in or 0 for f in loaded),
            "rows_curated": sum(f.rows_curated or 0 for f in loaded),
            "rows_quarantined": sum(f.rows_quarantined or 0 for f in loaded),
            "files_unchanged": self.unchanged,
        }

    def failure_summary(self) -> str:
        """One line per failure: what was rejected and why."""
        lines = [f"{self.feed}: {self.error}"] if self.error else []
        lines += [f"{self.feed}: {f.source_name}: {f.message}" for f in self.files if f.status != "loaded"]
        return "\n".join(lines)

    def table_rows(self) -> list[dict]:
        """Per-file row accounting, for a table artifact."""
        return [
            {
                "file": f.source_name.rsplit("/", 1)[-1],
                "period": f.period,
                "status": f.status,
                "rows_in": f.rows_in,
                "curated": f.rows_curated,
                "quarantined": f.rows_quarantined,
                "sha256": (f.source_sha256 or "")[:12],
            }
            for f in self.files
        ]

    def quarantine_rows(self) -> list[dict]:
        """Rows held back per file and rule, for a table artifact (a row breaking two rules counts under each)."""
        return [{"file": f.source_name.rsplit("/", 1)[-1], "period": f.period, "rule": rule, "rows": n}
                for f in self.files for rule, n in f.quarantine_by_rule.items()]

    def markdown(self) -> str:
        """Validation summary, quarantine by rule, warnings and notes."""
        t = self.totals()
        out = [
            f"# {self.feed}: run {self.run_id}",
            "",
            f"{t['files_loaded']} file(s) loaded, {t['files_rejected']} rejected; "
            f"{t['rows_in']:,} rows in = {t['rows_curated']:,} curated + {t['rows_quarantined']:,} quarantined.",
        ]
        if self.error:
            out += ["", f"**Source rejected:** {self.error}"]
        out += ["", "| file | status | raw suite | curated suite | quarantined by rule | message |", "|---|---|---|---|---|---|"]
        for f in self.files:
            rules = ", ".join(f"{k}: {v}" for k, v in f.quarantine_by_rule.items()) or "none"
            out.append(
                f"| {f.source_name.rsplit('/', 1)[-1]} | {f.status} | {_ok(f.raw_suite_success)} | "
                f"{_ok(f.curated_suite_success)} | {rules} | {(f.message or '').replace('|', '/')} |"
            )
        warnings = [f"- {f.period}: {w}" for f in self.files for w in f.warnings]
        if warnings:
            out += ["", "## Warnings", *warnings]
        if self.notes:
            out += ["", "## Notes", *[f"- {n}" for n in self.notes]]
        if self.marts_built:
            out += ["", f"Marts rebuilt: {', '.join(self.marts_built)}"]
        return "\n".join(out)


    def validation_html(self) -> str:
        """A self-contained validation page (inline CSS, no scripts or CDN, unlike GX's Data Docs):
        per file the suites' verdicts, the rows held back by rule and the warnings."""
        t = self.totals()
        rows = "".join(
            f"<tr><td>{escape(f.source_name.rsplit('/', 1)[-1])}</td><td>{escape(str(f.period or ''))}</td>"
            f"<td class='{f.status}'>{f.status}</td><td>{_ok(f.raw_suite_success)}</td><td>{_ok(f.curated_suite_success)}</td>"
            f"<td>{f.rows_in if f.rows_in is not None else ''}</td><td>{f.rows_curated if f.rows_curated is not None else ''}</td>"
            f"<td>{f.rows_quarantined if f.rows_quarantined is not None else ''}</td>"
            f"<td>{'<br>'.join(escape(f'{k}: {v}') for k, v in f.quarantine_by_rule.items())}</td>"
            f"<td>{'<br>'.join(escape(w) for w in f.warnings)}{escape(f.message or '') if f.status != 'loaded' else ''}</td></tr>"
            for f in self.files)
        error = f"<p class='rejected'>Source rejected: {escape(self.error)}</p>" if self.error else ""
        return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
                f"<title>{escape(self.feed)} validation, run {escape(self.run_id)}</title><style>"
                "body{font-family:sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;font-size:.85rem}"
                "td,th{border:1px solid #ccc;padding:.2rem .4rem;vertical-align:top}th{background:#eef3f7}"
                ".rejected,.failed{color:#a33;font-weight:bold}.loaded{color:#2a6}</style></head><body>"
                f"<h1>{escape(self.feed)}: validation of run {escape(self.run_id)}</h1>{error}"
                f"<p>{t['files_loaded']} file(s) loaded, {t['files_rejected']} rejected; {t['rows_in']:,} rows in = "
                f"{t['rows_curated']:,} curated + {t['rows_quarantined']:,} quarantined.</p>"
                "<table><thead><tr><th>file</th><th>period</th><th>status</th><th>raw suite</th><th>curated suite</th>"
                "<th>rows in</th><th>curated</th><th>quarantined</th><th>quarantined by rule</th><th>warnings / reason"
                f"</th></tr></thead><tbody>{rows}</tbody></table></body></html>")


def _ok(flag: bool | None) -> str:
    return {True: "passed", False: "failed", None: "-"}[flag]
