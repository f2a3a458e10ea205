"""Settings in one place: environment (CSP_*) first, command-line overrides on top."""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO_ROOT / "data" / "sample"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"


class Settings(BaseSettings):
    """Where the pipeline keeps its files and which warehouse it loads."""

    model_config = SettingsConfigDict(env_prefix="CSP_", extra="ignore")

    workdir: Path = Field(default=Path("./var"), description="root of landing, lake, logs")
    lake_dir: Path | None = Field(default=None, description="curated and quarantine Parquet")
    warehouse_url: str | None = Field(default=None, description="SQLAlchemy URL of the warehouse")
    force: str = Field(default="lancashire", description="police.uk force slug")
    reference_dir: Path = Field(default=SAMPLE_DIR / "reference", description="reference config")
    police_uk_base_url: str = Field(default="https://data.police.uk", description="data.police.uk root")
    http_timeout: float = Field(default=60.0, description="seconds before a download stalls out")
    http_retries: int = Field(default=3, description="attempts after the first on a failed download")
    govuk_base_url: str = Field(default="https://www.gov.uk", description="gov.uk root: the MoJ and Home Office publications")
    ons_base_url: str = Field(default="https://www.ons.gov.uk", description="ONS website root: population estimates")
    moj_reoffending_files: str = Field(
        default=r"(?i)csv format of data tools|geographic(al)? data tool|overview",
        description="regex on a release's attachment links (URL or title): the MoJ files fetched")
    ho_csp_files: str = Field(default=r"(?i)prc-csp[^/]*\.(xlsx|csv|zip)$",
                              description="regex on the open data tables' attachment links: the CSP tables fetched")
    ons_population_files: str = Field(
        default=r"(?i)/file\?uri=.*lsoa[^/]*\.(csv|xlsx|zip)$",
        description="regex on the ONS dataset page's links: the newest LSOA population file is fetched")
    ons_lookup_urls: list[str] = Field(
        default_factory=list, description="CSV download URLs of the ONS lookups (LSOA->ward->LAD, LAD->CSP->PFA) "
        "on the Open Geography Portal, fetched as they are")
    analyst_role: str | None = Field(
        default="csp_analyst", description="PostgreSQL role granted reads of facts and marts, when it exists")
    task_runner: str = Field(
        default="threads", description="threads (one machine), dask (a local Dask cluster, a worker process per "
        "core) or a Dask scheduler's address (tcp://host:8786) to spread files over machines")
    chromium: str | None = Field(
        default=None, description="the Chromium (or Chrome) that prints the evidence pack's PDFs; found on PATH when unset")
    pseudonym_key: SecretStr | None = Field(
        default=None, description="HMAC key for survey member pseudonyms; a key file in the workdir when unset")
    warehouse_url_secret: str | None = Field(
        default=None, description="name of the Prefect Secret block holding the warehouse URL, used when "
        "warehouse_url is unset (deployments set it in job_variables)")
    pseudonym_key_secret: str | None = Field(
        default=None, description="name of the Prefect Secret block holding the pseudonym key, used when "
        "pseudonym_key is unset")
    write_limit: str = Field(
        default="csp-warehouse-writes", description="the Prefect global concurrency limit every flow that writes the "
        "warehouse holds a slot of (flows/limits.py); empty for none")
    write_limit_strict: bool = Field(
        default=False, description="fail a run when the write limit does not exist on the Prefect server, rather than "
        "write without it")
    write_slots: int = Field(
        default=4, description="slots `ops apply` gives the write limit on PostgreSQL (DuckDB always has one writer)")

    @property
    def lake(self) -> Path:
        """Curated and quarantine Parquet root."""
        return self.lake_dir or self.workdir / "lake"

    @property
    def landing(self) -> Path:
        """Immutable copies of every source file, named by content hash."""
        return self.workdir / "landing"

    @property
    def logs(self) -> Path:
        """Run logs and run reports."""
        return self.workdir / "logs"

    @property
    def downloads(self) -> Path:
        """Archives fetched over HTTP, before they are landed."""
        return self.workdir / "downloads"

    @property
    def gx_results(self) -> Path:
        """Great Expectations validation results of every run (gx/'s results store), Data Docs beside them."""
        return self.workdir / "gx" / "validations"

    @property
    def fetched(self) -> Path:
        """What each public source's fetches got, per URL (ETag, Last-Modified, hash): fetch/<source>/manifest.json."""
        return self.workdir / "fetch"

    @property
    def secrets(self) -> Path:
        """Keys the pipeline generated for itself (the embedded default's pseudonym key)."""
        return self.workdir / "secrets"

    @property
    def warehouse(self) -> str:
        """The warehouse URL; the embedded DuckDB file in the workdir by default."""
        if self.warehouse_url:
            return self.warehouse_url
        if self.warehouse_url_secret:
            return secret_block_value(self.warehouse_url_secret)
        return f"duckdb:///{(self.workdir / 'warehouse.duckdb').resolve()}"

    @property
    def warehouse_display(self) -> str:
        """The warehouse URL with any password masked: the form to print, log or report."""
        return hide_password(self.warehouse)


@functools.cache
def secret_block_value(name: str) -> str:
    """The value of a Prefect Secret block (read once per process); an error naming the block when it is missing."""
    from prefect.blocks.system import Secret

    try:
        return str(Secret.load(name).get())
    except ValueError as exc:  # Prefect's "Unable to find block document named ..."
        raise ValueError(f"no Prefect Secret block {name!r} on the Prefect server: create it (README, Secrets) or "
                         "unset the variable that names it") from exc


def hide_password(url: str) -> str:
    """A SQLAlchemy URL with its password, if any, shown as ***."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def has_password(url: str | None) -> bool:
    """True when the URL carries a password."""
    from sqlalchemy.engine import make_url

    return bool(url) and make_url(url).password is not None


def get_settings(**overrides) -> Settings:
    """Settings from the environment, with non-None overrides (command line, flow parameters) on top.

    A warehouse URL with a password is refused as an override: Prefect stores flow parameters in
    its database and shows them in the UI. Passwords go in CSP_WAREHOUSE_URL, which is not one.
    """
    if has_password(overrides.get("warehouse_url")):
        raise ValueError("the warehouse_url parameter carries a password, which Prefect would store and show: "
                         "set it in the CSP_WAREHOUSE_URL environment variable of the run instead")
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
