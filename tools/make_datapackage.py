"""Writes data/datapackage.json, the Frictionless descriptor of the data package.

The descriptor is the single statement of every field's type, unit, description and
constraints. It is written from this script because many datasets share the same
observation fields: one definition here keeps them identical. Run it after editing the
schema (`python tools/make_datapackage.py`); a test fails if the committed descriptor and
this script disagree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from exodus.safe import ID_PATTERN, URL_PATTERN  # noqa: E402  (one pattern for data and pages)

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "data" / "datapackage.json"

SOURCE_KINDS = [
    "belarusian_state",
    "independent_media",
    "exiled_media",
    "host_country_government",
    "international_organisation",
    "think_tank_academic",
    "company",
    "sponsored_study",
    "wire_agency",
    "foreign_media",
]
PERIOD_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?(/\d{4}(-\d{2}(-\d{2})?)?)?$"
DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
QUALIFIERS = ["exact", "approx", "more_than", "at_least", "less_than", "up_to"]
PERIOD_TYPES = ["year_total", "year_end", "point_in_time", "cumulative_to_date", "period_total"]


def field(name, type_, description, unit=None, **constraints):
    f = {"name": name, "type": type_, "description": description}
    if unit:
        f["unit"] = unit
    if constraints:
        f["constraints"] = constraints
    return f


def id_field(description="Row identifier, unique in the file."):
    return field("id", "string", description, required=True, unique=True, pattern=ID_PATTERN)


def source_fields():
    return [
        field("source_id", "string", "Id of the source in sources.csv.", required=True,
              pattern=ID_PATTERN),
        field("quote", "string",
              "The exact words of the source that state the figure (at most 300 characters, "
              "original language). Empty only when a locator is given.", maxLength=300),
        field("locator", "string",
              "Where in the source the figure stands when it is not quoted (table, row, "
              "column, page)."),
    ]


def derived_fields():
    return [
        field("derived", "boolean",
              "True when the value is our own arithmetic on other rows, not a source's figure.",
              required=True),
        field("formula", "string", "For derived rows: the arithmetic, in words or symbols."),
        field("derived_from", "string",
              "For derived rows: the ids of the input rows, ';'-separated."),
    ]


def observation_fields(indicators, units):
    return [
        id_field(),
        field("indicator", "string", "What is measured.", required=True, enum=indicators),
        field("geography", "string",
              "ISO 3166-1 alpha-2 code of the country where the thing is counted.",
              required=True, pattern=r"^[A-Z]{2}$"),
        field("period", "string",
              "ISO 8601 date or year the value refers to (YYYY, YYYY-MM, YYYY-MM-DD, or a "
              "range START/END).", required=True, pattern=PERIOD_PATTERN),
        field("period_type", "string",
              "What the period means: a total over the year, the state at year end, at a "
              "point in time, cumulative to that date, or a total over the range.",
              required=True, enum=PERIOD_TYPES),
        field("value", "number",
              "The figure as the source gives it (negative for falls and outflows where the "
              "source states them so).", unit="see unit", required=True),
        field("qualifier", "string",
              "How the source qualifies the figure: exact, approx(imately), more than, at "
              "least, less than, up to.", required=True, enum=QUALIFIERS),
        field("unit", "string", "Unit of value.", required=True, enum=units),
        field("definition", "string", "What exactly is counted, in the source's terms.",
              required=True),
        *source_fields(),
        *derived_fields(),
        field("notes", "string", "Anything a reader needs to interpret the row."),
    ]


def sources_resource():
    return {
        "name": "sources",
        "path": "sources.csv",
        "title": "Register of sources",
        "description": "Every source the report takes a figure or fact from, once.",
        "schema": {
            "fields": [
                field("source_id", "string", "Short unique id.", required=True, unique=True,
                      pattern=ID_PATTERN),
                field("title", "string", "Title as published.", required=True),
                field("publisher", "string", "Publisher or organisation.", required=True),
                field("author", "string", "Author(s) where named."),
                field("url", "string", "Address of the original publication.", required=True,
                      pattern=URL_PATTERN),
                field("date_published", "string", "ISO 8601 (YYYY, YYYY-MM or YYYY-MM-DD).",
                      required=True, pattern=DATE_PATTERN),
                field("date_accessed", "date", "When we read it.", required=True),
                field("language", "string", "ISO 639-1 code.", required=True,
                      pattern=r"^[a-z]{2}$"),
                field("source_kind", "string", "What kind of source it is.", required=True,
                      enum=SOURCE_KINDS),
                field("method_note", "string",
                      "How the source knows what it says, and its possible bias.",
                      required=True),
            ],
            "primaryKey": ["source_id"],
        },
    }


def with_source_fk(resource):
    resource["schema"].setdefault("foreignKeys", []).append(
        {"fields": ["source_id"], "reference": {"resource": "sources", "fields": ["source_id"]}}
    )
    return resource


UNITS_NOTE = {
    "usd_million": "millions of US dollars", "byn_million": "millions of Belarusian rubles "
    "(BYN, after the 2016 redenomination)", "byr_billion": "billions of old Belarusian rubles "
    "(BYR, before 2016)", "byr_trillion": "trillions of old Belarusian rubles (BYR)",
}


def indicator_field(indicators=None):
    f = observation_fields([], [])[1]
    if indicators:
        f["constraints"]["enum"] = indicators
    else:
        del f["constraints"]["enum"]
        f["constraints"]["pattern"] = ID_PATTERN
    return f


def observations(name, title, description, indicators, units, countries=None):
    fields = observation_fields(indicators or ["x"], units)
    fields[1] = indicator_field(indicators)
    if countries:
        fields[2]["constraints"] = {"required": True, "enum": countries}
    return with_source_fk({
        "name": name,
        "path": f"{name}.csv",
        "title": title,
        "description": description,
        "schema": {"fields": fields, "primaryKey": ["id"]},
    })


ESTIMATE_METHODS = ["survey", "official_headcount", "host_country_count", "industry_estimate",
                    "journalistic_estimate"]
EVENT_CATEGORIES = ["election", "protest", "repression", "law_tax", "sanctions", "war",
                    "economy", "tech_sector"]
COMPANY_EVENTS = ["founded", "relocation", "office_opened", "exit_from_belarus",
                  "raid_or_arrest", "acquisition", "sanctions", "other"]
VERDICTS = ["confirmed", "partly_confirmed", "contradicted", "unverified"]


def estimates_resource():
    return with_source_fk({
        "name": "emigration_estimates",
        "path": "emigration_estimates.csv",
        "title": "Estimates of how many IT specialists left Belarus",
        "description": "Every estimate found, with its method, sample, denominator and who "
                       "measured it. Shares are percentages of the stated denominator.",
        "schema": {
            "fields": [
                id_field(),
                field("estimate_of", "string", "What the figure estimates.", required=True,
                      pattern=ID_PATTERN),
                field("geography", "string", "Country the estimate is about (ISO 3166-1).",
                      required=True, pattern=r"^[A-Z]{2}$"),
                field("period", "string", "Period the estimate covers (ISO 8601).",
                      required=True, pattern=PERIOD_PATTERN),
                field("value", "number", "The headline figure.", unit="see unit",
                      required=True, minimum=0),
                field("value_low", "number", "Lower end of a stated range.", unit="see unit",
                      minimum=0),
                field("value_high", "number", "Upper end of a stated range.", unit="see unit",
                      minimum=0),
                field("qualifier", "string", "How the source qualifies the figure.",
                      required=True, enum=QUALIFIERS),
                field("unit", "string", "persons, or percent of the denominator.",
                      required=True, enum=["persons", "percent"]),
                field("method", "string", "How the figure was produced.", required=True,
                      enum=ESTIMATE_METHODS),
                field("sample_size", "integer", "Respondents, for surveys.", minimum=1),
                field("denominator", "string", "What a share is a share of."),
                field("measured_by", "string", "Who produced the figure.", required=True),
                *source_fields(),
                field("notes", "string", "Caveats."),
            ],
            "primaryKey": ["id"],
        },
    })


def events_resource():
    return with_source_fk({
        "name": "events",
        "path": "events.csv",
        "title": "Timeline of events",
        "description": "Dated political, legal and economic events, for annotating time charts.",
        "schema": {
            "fields": [
                id_field(),
                field("date", "string", "ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD), or a "
                      "range START/END.", required=True, pattern=PERIOD_PATTERN),
                field("category", "string", "Kind of event.", required=True,
                      enum=EVENT_CATEGORIES),
                field("event", "string", "What happened, in our words.", required=True),
                *source_fields()[:2],
            ],
            "primaryKey": ["id"],
        },
    })


def company_events_resource():
    return with_source_fk({
        "name": "company_events",
        "path": "company_events.csv",
        "title": "Companies: what happened to firms founded or built in Belarus",
        "description": "Relocations, exits, raids and arrests, sanctions and acquisitions, "
                       "dated. Descriptions are ours; quotes are the sources'.",
        "schema": {
            "fields": [
                id_field(),
                field("company", "string", "Company name.", required=True),
                field("date", "string", "ISO 8601 date or range.", required=True,
                      pattern=PERIOD_PATTERN),
                field("event_type", "string", "Kind of event.", required=True,
                      enum=COMPANY_EVENTS),
                field("destination", "string", "Country or city moved to, where relevant."),
                field("description", "string", "What happened, in our words.", required=True),
                field("value", "number", "A figure attached to the event, if any.",
                      unit="see unit"),
                field("unit", "string", "Unit of value.",
                      enum=["persons", "usd_million", "percent", "entities", "byn", "offices",
                            "companies"]),
                *source_fields()[:2],
            ],
            "primaryKey": ["id"],
        },
    })


def seed_claims_resource():
    return {
        "name": "seed_claims",
        "path": "seed_claims.csv",
        "title": "The Washington Post article's claims, checked",
        "description": "Every checkable claim in the 2021 Washington Post article, with our "
                       "verdict after checking independent sources. Excerpts are short and "
                       "attributed to the article.",
        "schema": {
            "fields": [
                field("claim_id", "string", "Claim identifier.", required=True, unique=True,
                      pattern=ID_PATTERN),
                field("claim_excerpt", "string", "A short excerpt of the article.",
                      required=True, maxLength=200),
                field("claimed_value", "number", "The number the article gives, if any.",
                      unit="see claimed_unit"),
                field("claimed_unit", "string", "Unit of the claimed value."),
                field("topic", "string", "Topic.", required=True, pattern=ID_PATTERN),
                field("verdict", "string", "Our verdict.", required=True, enum=VERDICTS),
                field("evidence", "string", "What independent sources say.", required=True),
                field("source_ids", "string", "Ids of the evidence sources, ';'-separated.",
                      pattern=r"^[a-z0-9_]+(;[a-z0-9_]+)*$"),
                field("explanation", "string", "One line on the verdict.", required=True),
                field("verification", "string",
                      "Result of the second, independent check of the evidence.",
                      required=True, enum=["verified", "value_mismatch", "not_found"]),
                field("verification_note", "string", "What the second check found."),
            ],
            "primaryKey": ["claim_id"],
        },
    }


RESOURCES = [
    sources_resource(),
    observations(
        "hi_tech_park",
        "Hi-Tech Park by year",
        "Residents, employees, exports and output of the Belarus Hi-Tech Park (ПВТ), as "
        "reported by the Park and relayed by state media and others. Reports stopped in "
        "March 2022 and resumed only as occasional statements.",
        ["resident_companies", "employees", "exports", "output", "revenue", "new_residents",
         "residents_left", "new_jobs", "gdp_share", "net_profit", "share_of_service_exports",
         "employees_change"],
        ["companies", "persons", "usd_million", "byn_million", "byr_billion", "byr_trillion",
         "percent"],
        ["BY"],
    ),
    observations(
        "ict_sector",
        "The national ICT and IT sector",
        "Share of GDP, employment, exports and worker flows of Belarus's ICT sector or IT "
        "industry; the definition column says which.",
        ["gdp_share", "gva_share", "real_gva_growth", "employees", "net_worker_outflow",
         "workers_dismissed", "workers_hired", "persons_left_it_industry",
         "exports_computer_services", "exports_computer_services_per_capita", "exports_ict",
         "exports_it", "ict_sector_exports", "software_exports_country",
         "computer_services_share_of_services_exports"],
        ["percent", "persons", "usd", "usd_million"],
        ["BY"],
    ),
    observations(
        "political_prisoners",
        "Political prisoners in Belarus",
        "Counts of political prisoners recognised by the Viasna human rights centre.",
        ["political_prisoners", "political_prisoners_cumulative"],
        ["persons"],
        ["BY"],
    ),
    observations(
        "relocation",
        "Relocation by destination and date",
        "Visas, entries, permits and relocated companies in the countries that received "
        "Belarusian IT people and firms. A visa issued is not an entry; counts may include "
        "family members: the definition column says what each row counts.",
        None,
        ["applications", "companies", "jobs", "percent", "permits", "persons", "projects",
         "recommendations", "startups", "usd_million", "visas"],
    ),
    estimates_resource(),
    events_resource(),
    company_events_resource(),
    seed_claims_resource(),
]


def descriptor():
    return {
        "name": "belarus-tech-exodus",
        "title": "Belarus's tech exodus after 2020: the data",
        "description": "Sourced statistics behind the report. Every row names its source and "
                       "the words it came from.",
        "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
                      "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "resources": [
            {**r, "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv",
             "encoding": "utf-8"}
            for r in RESOURCES
        ],
    }


def render() -> str:
    return json.dumps(descriptor(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.exit(0 if TARGET.read_text(encoding="utf-8") == render() else 1)
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
