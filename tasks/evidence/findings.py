"""Key findings: plain-English sentences with their numbers, written by rules from mart rows.

Each rule takes rows already read from one mart and returns findings. A finding states its basis
(what is compared with what, over which period) and whether a test finds it significant, and
never says more than the data supports: a part year with nothing like for like to compare, a
suppressed cell, or a change its test does not find significant is said as such. The page opens
with them ranked: significant changes and gaps first, then levels, by size; then what could not
be said.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from warehouse import statistics as st

# Room for one finding on each theme the assessment reports (crime and harm, rates, concentration,
# deprivation, domestic abuse, outcomes, hotspots, reoffending, community concerns, young people)
# beside the changes by crime type: at 10, the ranking pushed domestic abuse and reoffending off the county page.
MAX_FINDINGS = 14
SOURCE_LABELS = {"police_uk": "data.police.uk", "force_extract": "the force's crime records", "ho_csp": "Home Office tables"}


@dataclass(frozen=True)
class Finding:
    """One finding: its sentence and what it rests on."""

    rule: str                  # the rule that wrote it
    text: str                  # the sentence, numbers included
    figure: str                # the key of the figure (and table) it rests on
    basis: str                 # what is compared with what, over which period
    significant: bool | None   # a test's verdict on a change or gap; None where none applies
    size: float                # how big, for ranking: a relative change, a ratio's distance from 1, a share
    direction: str | None = None   # rise/fall (a change), above/below/level (a gap), or None
    value: float | None = None     # the headline number: a relative change, a share, a ratio

    @property
    def tier(self) -> int:
        """0 a significant change or gap, 1 a level, 2 a change not found significant or nothing to say."""
        return {True: 0, None: 1, False: 2}[self.significant] if self.size > 0 or self.significant else 2


def ranked(findings: list[Finding], limit: int = MAX_FINDINGS) -> list[Finding]:
    """The findings in page order: by tier, then the biggest first. Each rule's first finding is kept
    before any rule's second, so changes by crime type in three sources never crowd a theme off the page."""
    order = sorted(findings, key=lambda f: (f.tier, -abs(f.size)))
    firsts = [f for i, f in enumerate(order) if all(g.rule != f.rule for g in order[:i])]
    kept = {id(f) for f in (firsts + [f for f in order if f not in firsts])[:limit]}
    return [f for f in order if id(f) in kept]


def whole(n: float) -> str:
    """1210 -> '1,210'."""
    return f"{round(n):,}"


def percent(x: float) -> str:
    """0.0834 -> '8%', 0.0075 -> '0.8%': whole percents from 1%, one decimal below (a change or a headline)."""
    value = 100 * x
    return f"{value:.0f}%" if abs(value) >= 0.95 else f"{value:.1f}%"


def share(x: float) -> str:
    """0.15749 -> '15.7%': a share stated beside its interval, to one decimal."""
    return f"{100 * x:.1f}%"


def interval(lower: float | None, upper: float | None, fmt=share) -> str:
    """'95% CI 7.1% to 7.9%', or '' without one."""
    return "" if lower is None or upper is None else f"95% CI {fmt(lower)} to {fmt(upper)}"


def rate(x: float) -> str:
    """A rate per 1,000: whole numbers from 10, one decimal below."""
    return f"{x:,.0f}" if x >= 9.95 else f"{x:.1f}"


def parted(mine: tuple[float, float], other: tuple[float, float]) -> bool:
    """Whether two 95% intervals (lower, upper) do not overlap: the gap test of a share against the county's."""
    return bool(mine[0] > other[1] or mine[1] < other[0])


def gap(significant: bool) -> str:
    """', a significant difference' / ', no significant difference'."""
    return ", a significant difference" if significant else ", no significant difference"


def verdict(significant: bool | None, direction: str) -> str:
    """', a statistically significant fall' / ', not a statistically significant change' / ''."""
    if significant is None:
        return ""
    return f", a statistically significant {direction}" if significant else ", not a statistically significant change"


def crime_change(total: dict | None, county: dict | None, source: str, area: str) -> list[Finding]:
    """All crime this year against last, like for like, with the county beside an authority.

    total/county: financial_year, previous_year, change_basis, crimes_comparable,
    previous_crimes_comparable, population, previous_population, months_covered (None when the
    source has no year with a comparable one before it)."""
    label = SOURCE_LABELS.get(source, source)
    if total is None:
        return [Finding("crime_change", f"{label[0].upper()}{label[1:]} hold no two years with months in common: "
                                        f"no change in {area}'s crime on the previous year is stated.",
                        "trend", f"{label}: no comparable years", None, 0.0)]
    before, after = total["previous_crimes_comparable"], total["crimes_comparable"]
    if not before:
        return []
    change, per_resident = changes(before, after, total.get("previous_population"), total.get("population"))
    p = st.poisson_change_p([before], [total["previous_population"] or 1], [after], [total["population"] or 1])[0]
    significant = bool(p < st.ALPHA)
    headline = per_resident if per_resident is not None else change
    text = (f"All recorded crime in {area} ({label}) {moved(change, after - before)} in {total['financial_year']} against "
            f"{total['previous_year']}{tested(per_resident, significant, change)}")
    if county is not None and county.get("previous_crimes_comparable"):
        county_change = (county["crimes_comparable"] - county["previous_crimes_comparable"]) / county["previous_crimes_comparable"]
        text += f"; the county {'rose' if county_change > 0 else 'fell'} {percent(abs(county_change))}"
    basis = f"{label}, {total['financial_year']} against {total['previous_year']}, {total['change_basis']}"
    return [Finding("crime_change", text + ".", "trend", basis, significant, abs(headline),
                    "rise" if headline > 0 else "fall", headline)]


def changes(before: float, after: float, before_residents, after_residents) -> tuple[float, float | None]:
    """The relative change in the count, and in the count per resident where both years' residents are
    known (the test in mart_crime_trend compares the rates, residents as exposure)."""
    change = (after - before) / before
    if not before_residents or not after_residents or not after:
        return change, None
    return change, (after / after_residents) / (before / before_residents) - 1


def moved(change: float, difference: float) -> str:
    """'fell 8% (1,210 fewer crimes)'."""
    return (f"{'rose' if change > 0 else 'fell'} {percent(abs(change))} ({whole(abs(difference))} "
            f"{'more' if difference > 0 else 'fewer'} crimes)")


def tested(per_resident: float | None, significant: bool, change: float) -> str:
    """How the test reads: of the rate per resident where there is one, else of the counts."""
    if per_resident is None:
        return verdict(significant, "rise" if change > 0 else "fall")
    direction = "rise" if per_resident > 0 else "fall"
    return (f"; per resident it {'rose' if per_resident > 0 else 'fell'} {percent(abs(per_resident))}"
            f"{verdict(significant, direction)}")


def category_changes(rows: list[dict], source: str, limit: int = 2) -> list[Finding]:
    """The largest significant changes among crime types (and the largest that is not significant)."""
    label = SOURCE_LABELS.get(source, source)
    with_test = [r for r in rows if r.get("change_significant") is not None and r.get("previous_crimes_comparable")]
    found = []
    significant = sorted((r for r in with_test if r["change_significant"]), key=lambda r: -abs(r["change"]))[:limit]
    not_significant = sorted((r for r in with_test if not r["change_significant"]), key=lambda r: -abs(r["change"]))[:1]
    for r in significant + not_significant:
        before = r["previous_crimes_comparable"]
        change, per_resident = changes(before, before + r["change"], r.get("previous_population"), r.get("population"))
        headline = per_resident if per_resident is not None else change
        text = (f"{r['crime_type']} ({label}) {moved(change, r['change'])}"
                f"{tested(per_resident, bool(r['change_significant']), change)}.")
        found.append(Finding("category_change", text, "trend",
                             f"{label}, {r['financial_year']} against the year before, {r['change_basis']}",
                             bool(r["change_significant"]), abs(headline), "rise" if headline > 0 else "fall", headline))
    return found


def volume_against_harm(rows: list[dict], source: str) -> list[Finding]:
    """The category whose share of harm most exceeds its share of crime."""
    rows = [r for r in rows if r.get("harm_share") is not None and r.get("volume_share") is not None]
    if not rows:
        return []
    top = max(rows, key=lambda r: r["harm_share"] - r["volume_share"])
    text = (f"{top['category']} account for {percent(top['volume_share'])} of crime but {percent(top['harm_share'])} of harm "
            f"(Crime Severity Score weights, {SOURCE_LABELS.get(source, source)}, {top['financial_year']}).")
    return [Finding("volume_harm", text, "volume-harm", f"{top['financial_year']}, shares of count and of harm",
                    None, top["harm_share"] - top["volume_share"], "above", top["harm_share"])]


def rate_position(rows: list[dict], area: str | None, measure_label: str = "crime", figure: str = "rates-all-crime") -> list[Finding]:
    """An authority's rate against the county's (significant when the intervals do not overlap), or
    the county's range across its authorities. rows: mart_area_rates for one year and measure."""
    county = next((r for r in rows if r["area_level"] == "county"), None)
    ranked_rows = [r for r in rows if r["area_level"] == "authority" and r.get("rank") is not None and r.get("rate_per_1000")]
    if county is None or not ranked_rows or county.get("rate_per_1000") is None:
        return []
    year = f"{county['financial_year']}{', annualised from ' + str(county['months_covered']) + ' months' if county['months_covered'] < 12 else ''}"
    if area is None:
        high, low = max(ranked_rows, key=lambda r: r["rate_per_1000"]), min(ranked_rows, key=lambda r: r["rate_per_1000"])
        text = (f"{measure_label.capitalize()} per 1,000 residents ranges from {rate(low['rate_per_1000'])} in {low['area_name']} "
                f"to {rate(high['rate_per_1000'])} in {high['area_name']}, {high['rate_per_1000'] / low['rate_per_1000']:.1f} times "
                f"as high; the county's is {rate(county['rate_per_1000'])} ({year}).")
        return [Finding("rate_range", text, figure, f"{year}, authorities' rates per resident", None,
                        high["rate_per_1000"] / low["rate_per_1000"] - 1, None, high["rate_per_1000"] / low["rate_per_1000"])]
    mine = next((r for r in ranked_rows if r["area_name"] == area), None)
    if mine is None:
        return []
    above = mine["rate_lower"] > county["rate_upper"]
    below = mine["rate_upper"] < county["rate_lower"]
    direction = "above" if above else "below" if below else "level"
    position = {1: "the highest", len(ranked_rows): "the lowest"}.get(mine["rank"], f"{ordinal(mine['rank'])} highest")
    gap = ("significantly above the county's" if above else "significantly below the county's" if below
           else "not significantly different from the county's")
    text = (f"{area}'s {measure_label} rate, {rate(mine['rate_per_1000'])} per 1,000 residents "
            f"({interval(mine['rate_lower'], mine['rate_upper'], rate)}), is {position} of the {len(ranked_rows)} "
            f"authorities and {gap} {rate(county['rate_per_1000'])} ({year}).")
    return [Finding("rate_position", text, figure, f"{year}, {area} against the county", above or below,
                    abs(mine["rate_per_1000"] / county["rate_per_1000"] - 1), direction,
                    mine["rate_per_1000"] / county["rate_per_1000"])]


def ordinal(n: int) -> str:
    """2 -> '2nd'."""
    return f"{n}{'th' if 11 <= n % 100 <= 13 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def domestic_abuse(row: dict | None, county: dict | None, area: str) -> list[Finding]:
    """Domestic abuse's share of crime and the alcohol-related share of it."""
    if row is None or row.get("domestic_abuse_share") is None:
        return []
    text = (f"Domestic abuse is {share(row['domestic_abuse_share'])} of {area}'s recorded crime "
            f"({interval(row['domestic_abuse_share_lower'], row['domestic_abuse_share_upper'])})")
    if row.get("alcohol_share") is not None:
        text += f", and {percent(row['alcohol_share'])} of it is alcohol-related"
    significant = None
    if county is not None and county is not row and county.get("domestic_abuse_share") is not None:
        significant = parted((row["domestic_abuse_share_lower"], row["domestic_abuse_share_upper"]),
                             (county["domestic_abuse_share_lower"], county["domestic_abuse_share_upper"]))
        text += f"; the county's share is {share(county['domestic_abuse_share'])}" + gap(significant)
    return [Finding("domestic_abuse", text + f" ({row['financial_year']}, the force's crime records).", "domestic-abuse",
                    f"{row['financial_year']}, domestic abuse flag", significant, row["domestic_abuse_share"],
                    None, row["domestic_abuse_share"])]


def concentration(rows: list[dict], area: str) -> list[Finding]:
    """How much crime the busiest 5% of LSOAs hold, and how many hold half."""
    top = next((r for r in rows if r["measure"] == "crime" and r["top_percent"] == 5), None)
    if top is None:
        return []
    if top.get("share") is None:
        return [Finding("concentration", f"The share of {area}'s crime in its busiest LSOAs is suppressed (too few crimes).",
                        "map-lsoas", "suppressed", None, 0.0)]
    text = (f"The busiest 5% of {area}'s LSOAs ({top['lsoas']} of {top['area_lsoas']}) hold {share(top['share'])} of its "
            f"crime ({interval(top['share_lower'], top['share_upper'])}); half of its crime is in {top['lsoas_holding_half']} "
            f"LSOAs ({percent(top['lsoas_holding_half'] / top['area_lsoas'])} of them), data.police.uk {top['financial_year']}.")
    return [Finding("concentration", text, "map-lsoas", f"{top['financial_year']}, crimes located in an LSOA", None,
                    top["share"] - 0.05, None, top["share"])]


def deprivation(rows: list[dict], area: str, measure: str, label: str, source: str) -> list[Finding]:
    """The most deprived decile's rate against the least deprived's, with the ratio's interval."""
    chosen = {r["imd_decile"]: r for r in rows if r["measure"] == measure and r["source"] == source}
    most, least = chosen.get(1), chosen.get(10)
    if most is None or least is None:
        return [Finding("deprivation", f"{area} has no LSOA in England's {'most' if most is None else 'least'} deprived tenth: "
                                       f"no most-to-least deprived ratio of {label} is stated.", "deprivation",
                        "IMD 2019 deciles", None, 0.0)] if chosen else []
    if most.get("rate_ratio") is None or least.get("rate_per_1000") is None or most.get("rate_per_1000") is None:
        return [Finding("deprivation", f"The {label} rate of {area}'s most or least deprived tenth of LSOAs is suppressed "
                                       f"(too few crimes): no ratio is stated.", "deprivation", "suppressed", None, 0.0)]
    ratio, lower, upper = most["rate_ratio"], most["rate_ratio_lower"], most["rate_ratio_upper"]
    significant = bool(lower > 1 or upper < 1)
    text = (f"The {label} rate in {area}'s most deprived tenth of LSOAs (IMD 2019) is {ratio:.1f} times that in the least "
            f"deprived tenth ({rate(most['rate_per_1000'])} against {rate(least['rate_per_1000'])} per 1,000 residents; "
            f"ratio 95% CI {lower:.1f} to {upper:.1f}"
            + ("" if significant else ", not a statistically significant difference") + f"), {most['financial_year']}.")
    return [Finding("deprivation", text, "deprivation", f"{most['financial_year']}, {SOURCE_LABELS.get(source, source)}",
                    significant, abs(np.log(ratio)) if ratio > 0 else 0.0, "above" if ratio > 1 else "below", ratio)]


def outcomes(row: dict | None, crime_type: str) -> list[Finding]:
    """The charged or summonsed share of a crime type, with the recency caveat."""
    if row is None or row.get("share") is None:
        return []
    text = (f"Of {whole(row['cell_crimes'])} {crime_type.lower()} recorded in {row['financial_year']}"
            f"{' (' + str(row['months_covered']) + ' months held)' if row['months_covered'] < 12 else ''}, "
            f"{share(row['share'])} had led to a charge or summons by {row['outcomes_as_of']:%B %Y} "
            f"({interval(row['share_lower'], row['share_upper'])}); the newest crimes are the most often still open, "
            f"so compare only crimes of the same age.")
    return [Finding("outcomes", text, "outcomes", f"outcomes as of {row['outcomes_as_of']:%Y-%m}, data.police.uk",
                    None, row["share"], None, row["share"])]


def hotspots(rows: list[dict], area: str) -> list[Finding]:
    """How many persistent crime hotspots the area has, and its busiest."""
    if not rows:
        return []
    top = rows[0]
    shown = f"{whole(top['count'])} crimes" if top.get("count") is not None else "a suppressed count"
    text = (f"{len(rows)} of {area}'s LSOAs are persistent crime hotspots, in their authority's busiest tenth in at least "
            f"{top['months_required']} of the {top['months_in_window']} months held; the busiest, {top['lsoa_name']}, had "
            f"{shown} ({top['window_start']:%b %Y} to {top['window_end']:%b %Y}).")
    return [Finding("hotspots", text, "map-lsoas", f"{top['window_start']:%Y-%m} to {top['window_end']:%Y-%m}", None,
                    len(rows) / 100, None, float(len(rows)))]


def differs(first: dict, second: dict) -> bool:
    """Whether two cohorts' proportions reoffending differ at 95% (two-proportion z-test on the counts)."""
    p = st.two_proportion_p([first["reoffenders"]], [first["offenders"]], [second["reoffenders"]], [second["offenders"]])
    return bool(st.significant(p)[0])


def reoffending(rows: list[dict], area: str) -> list[Finding]:
    """The latest annual cohort's proven reoffending rate: against the year before, and against England
    and Wales for the same cohort where one is held (never a national figure of another year)."""
    own = sorted((r for r in rows if r["area_level"] != "national"), key=lambda r: r["period_start"])
    if not own:
        return []
    latest = own[-1]
    cohort = f"cohort starting {latest['period_start']:%B %Y}"
    if latest.get("proportion_reoffending") is None:
        return [Finding("reoffending", f"The proven reoffending rate of {area}'s {cohort} is not published "
                                       "(a count is withheld, or an authority's is missing).", "reoffending-rate",
                        f"{cohort}, Ministry of Justice", None, 0.0)]
    text = (f"{share(latest['proportion_reoffending'])} of the {whole(latest['offenders'])} offenders in {area}'s {cohort} "
            f"had a proven reoffence within a year ({interval(latest['proportion_lower'], latest['proportion_upper'])})")
    significant, size, direction = None, 0.0, None
    before = next((r for r in own if r["period_start"] == latest["period_start"].replace(year=latest["period_start"].year - 1)
                   and r.get("proportion_reoffending") is not None), None)
    if before is not None:
        significant = differs(before, latest)
        direction = "rise" if latest["proportion_reoffending"] > before["proportion_reoffending"] else "fall"
        size = latest["proportion_reoffending"] / before["proportion_reoffending"] - 1
        text += f", against {share(before['proportion_reoffending'])} a year before" + verdict(significant, direction)
    national = next((r for r in rows if r["area_level"] == "national" and r["period_start"] == latest["period_start"]
                     and r.get("proportion_reoffending") is not None), None)
    if national is None:
        text += "; no England and Wales figure for the same cohort is held, so none is set beside it"
    else:
        text += f"; England and Wales: {share(national['proportion_reoffending'])}" + gap(differs(national, latest))
    return [Finding("reoffending", text + " (Ministry of Justice proven reoffending).", "reoffending-rate",
                    f"{cohort} against the cohort a year before, Ministry of Justice", significant, size, direction,
                    latest["proportion_reoffending"])]


def community_concerns(rows: list[dict], area: str, is_county: bool) -> list[Finding]:
    """The community issue residents name most, with its share beside the county's."""
    top = min((r for r in rows if r.get("rank") is not None), key=lambda r: r["rank"], default=None)
    if top is None:
        return [Finding("community_concerns", f"{area}'s community issues are suppressed (too few Lancashire Talking "
                                              "responses to publish).", "community-issues", "suppressed", None, 0.0)] if rows else []
    months = f"{top['period_start']:%B %Y} to {top['period_end']:%B %Y}"
    text = (f"{top['issue_category']} is the community issue residents of {area} name most in Lancashire Talking: "
            f"{share(top['share'])} of {whole(top['total_responses'])} responses, {months} "
            f"({interval(top['share_lower'], top['share_upper'])})")
    significant = None
    if not is_county and top.get("county_share_lower") is not None:
        significant = parted((top["share_lower"], top["share_upper"]), (top["county_share_lower"], top["county_share_upper"]))
        text += f"; the county's share is {share(top['county_share'])}" + gap(significant)
    return [Finding("community_concerns", text + ".", "community-issues",
                    f"responses {months}, the current version of each", significant, top["share"], None, top["share"])]


def young_people(rows: list[dict], area: str) -> list[Finding]:
    """The Young Persons Survey indicators that changed significantly since the previous wave (the
    largest said), or that none did."""
    tested = [r for r in rows if r.get("change_significant") is not None]
    if not tested:
        return []
    wave = tested[0]["wave"]
    changed = [r for r in tested if r["change_significant"]]
    if not changed:
        return [Finding("young_people", f"None of the {len(tested)} Young Persons Survey indicators for {area}'s pupils changed "
                                        f"significantly between the previous wave and wave {wave}.", "young-persons",
                        f"wave {wave} against the previous wave", False, 0.0)]
    def relative(r: dict) -> float:
        """The change as a share of the previous wave's value."""
        return r["change"] / r["previous_wave_value"] if r["previous_wave_value"] else 0.0
    biggest = max(changed, key=lambda r: abs(relative(r)))
    mean = biggest["indicator"] == "mean_units_per_week"
    fmt = (lambda x: f"{x:.1f}") if mean else share
    direction = "rise" if biggest["change"] > 0 else "fall"
    text = (f"{len(changed)} of {len(tested)} Young Persons Survey indicators for {area}'s pupils changed significantly "
            f"between the previous wave and wave {wave}; the largest, {biggest['indicator'].replace('_', ' ')}, "
            f"{'rose' if direction == 'rise' else 'fell'} from {fmt(biggest['previous_wave_value'])} to {fmt(biggest['value'])} "
            f"({interval(biggest['value_lower'], biggest['value_upper'], fmt)}; p = {biggest['change_p_value']:.2g}).")
    return [Finding("young_people", text, "young-persons", f"wave {wave} against the previous wave", True,
                    relative(biggest), direction, biggest["value"])]
