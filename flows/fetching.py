"""Fetching a feed's public release before it loads, and ending the run as "nothing new" when the
release has not changed (a Completed run that says so, not a failure). Wiring only: the work is in
tasks/releases.py and tasks/http_fetch.py."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.common import settings_for
from tasks.releases import FEED_PUBLICATIONS, ReleaseFetch, fetch_release, publications
from tasks.settings import Settings

NOTHING_NEW = "nothing new"


# No Prefect retries: the HTTP client retries each URL (settings.http_retries) and is the only layer.
@task(name="fetch-release", task_run_name="fetch the {name} release", cache_policy=NO_CACHE)
def fetch_publication(settings: Settings, name: str) -> ReleaseFetch:
    """Download a publication's newest release into downloads/<source>/."""
    return fetch_release(publications(settings)[name], settings)


def fetch_feed_release(feed: str, workdir: str | None, lake_dir: str | None,
                       warehouse_url: str | None) -> tuple[str | None, dict | None]:
    """Fetch what the feed reads: (the source to load, None), or (None, the run's "nothing new" result)."""
    settings = settings_for(workdir, lake_dir, warehouse_url)
    releases = [fetch_publication(settings, name) for name in FEED_PUBLICATIONS[feed]]
    logger = get_run_logger()
    for release in releases:
        (logger.warning if release.unopened else logger.info)(release.describe())
    if any(not r.nothing_new for r in releases):
        source = releases[0].source if len(releases) == 1 else str(settings.downloads / feed)
        return source, None
    create_markdown_artifact(key=f"{feed.replace('_', '-')}-fetch", description=f"{feed}: {NOTHING_NEW}",
                             markdown="\n\n".join(f"**{NOTHING_NEW}**: {r.describe()}" for r in releases))
    return None, {"feed": feed, "status": NOTHING_NEW, "releases": [r.describe() for r in releases],
                  "files": [str(f.path) for r in releases for f in r.files]}
