"""Findings that more than one page states, selected once: each chapter and the summary
call the same function, so that the summary says what the chapter shows.

Each function takes the dataset as `exodus.data.load` gives it and returns rows, selected
by what they are (an indicator, a period type, the earliest or the highest), never by
position.
"""

from __future__ import annotations

import pandas as pd

from exodus import data


def park_exports(htp: pd.DataFrame, every_report: bool = False) -> pd.DataFrame:
    """The Hi-Tech Park residents' exports for whole years, as reported (US$ million), with
    a `year` column. A row whose note flags a translation slip is left out. One row a year,
    an exact figure where the year has one (else the rounded one, the smaller first), unless
    `every_report`: then every source's report, exact ones first within a year."""
    rows = htp[(htp["indicator"] == "exports") & (htp["period_type"] == "period_total")
               & data.whole_year(htp["period"])
               & ~htp["notes"].fillna("").str.contains("translation slip")]
    rows = (rows.assign(year=rows["period"].astype(int), inexact=rows["qualifier"] != "exact")
            .sort_values(["year", "inexact", "value"]))
    return rows if every_report else rows.drop_duplicates("year")


def first_peak_latest(rows: pd.DataFrame, when: str = "year") -> tuple[pd.Series, ...]:
    """The earliest, the highest (the earliest of equal highs) and the latest row."""
    ordered = rows.sort_values(when, kind="stable")
    return (ordered.iloc[0], ordered.loc[ordered["value"].idxmax()], ordered.iloc[-1])


def pbh_visas(moves: pd.DataFrame) -> pd.DataFrame:
    """Poland Business Harbour visas issued, as running totals, by the date of the count."""
    rows = moves[(moves["geography"] == "PL") & (moves["indicator"] == "visas_issued")
                 & (moves["period_type"] == "cumulative_to_date")]
    return rows.assign(date=data.period_bounds(rows["period"])[1]).sort_values("date")


VISA_COUNTS = ("visas_issued", "pbh_visas_issued_all_nationalities")
SAME_TIME = pd.Timedelta(days=31)  # a visa count and an entry count this close are compared


def visa_take_up(moves: pd.DataFrame) -> list[tuple[pd.Series, pd.Series]]:
    """Business Harbour visas issued set against the entries recorded on them: each pair of
    running totals (visas, entries) that one source gives for the same time (their periods
    end within a month of each other), oldest first. Pairing within a source keeps like
    with like: the same people counted (Belarusians, or every nationality) to the same
    date, which two sources' counts of different dates would not."""
    rows = moves[(moves["geography"] == "PL") & (moves["period_type"] == "cumulative_to_date")]
    rows = rows.assign(counted_to=data.period_bounds(rows["period"])[1])
    visas = rows[rows["indicator"].isin(VISA_COUNTS)]
    entries = rows[rows["indicator"] == "entries_on_visa"].sort_values("counted_to")
    pairs = []
    for _, entry in entries.iterrows():
        same = visas[(visas["source_id"] == entry["source_id"])
                     & ((visas["counted_to"] - entry["counted_to"]).abs() <= SAME_TIME)]
        if len(same) > 1:
            raise ValueError(f"{entry['id']}: more than one visa count of its source and "
                             f"time ({', '.join(same['id'])})")
        if len(same):
            pairs.append((same.iloc[0], entry))
    return pairs


def net_worker_outflow(ict: pd.DataFrame, year: str) -> pd.Series:
    """Belstat's exact net outflow of workers from information and communication in a year
    (people who left jobs minus people who joined)."""
    return data.only(ict[(ict["indicator"] == "net_worker_outflow") & (ict["period"] == year)
                         & (ict["qualifier"] == "exact")], f"the exact {year} net outflow")
