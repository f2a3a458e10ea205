"""Settings in one place: environment (CSP_*) first, command-line overrides on top."""

from __future__ import annotations

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
    pseudonym_key: SecretStr | None = Field(
        default=None, description="HMAC key for survey member pseudonyms; a key file in the workdir when unset")

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
    def secrets(self) -> Path:
        """Keys the pipeline generated for itself (the embedded default's pseudonym key)."""
        return self.workdir / "secrets"

    @property
    def warehouse(self) -> str:
        """The warehouse URL; the embedded DuckDB file in the workdir by default."""
        if self.warehouse_url:
            return self.warehouse_url
        return f"duckdb:///{(self.workdir / 'warehouse.duckdb').resolve()}"


def get_settings(**overrides) -> Settings:
    """Settings from the environment, with non-None overrides (command line, flow parameters) on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
