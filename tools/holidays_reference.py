#!/usr/bin/env python3
"""Independent reference table of the Dutch holidays (the `NL` set), 1990 to 2100.

This script writes crates/sla/tests/data/nl_holidays_1990_2100.csv, which the Rust
integration tests (crates/sla/tests/it/holidays.rs) compare the SLA engine against.
It follows docs/SLA-RULES.md section 1 under the DEFAULT options:

  - Bevrijdingsdag (5 May) only in lustrum years (year divisible by 5);
  - Goede Vrijdag (Good Friday) is a holiday.

Easter comes from python-dateutil's `dateutil.easter.easter` (Western/Gregorian method),
an implementation independent of the Rust computus in crates/sla/src/holidays.rs.

Rows are `date,name`, sorted by (date, name) with plain byte-wise string order, which is
how Rust sorts `Holiday` values.

Regenerate (from the workspace root, needs python-dateutil: `pip install python-dateutil`):

    python3 tools/holidays_reference.py

and commit the changed CSV together with the reason for the change.
"""

import csv
import datetime
import os

from dateutil.easter import EASTER_WESTERN, easter

FIRST_YEAR = 1990
LAST_YEAR = 2100

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(
    HERE, "..", "crates", "sla", "tests", "data", "nl_holidays_1990_2100.csv"
)

SUNDAY = 6  # datetime.date.weekday(): Monday is 0, Sunday is 6


def days(n):
    return datetime.timedelta(days=n)


def holidays_of_year(year):
    """The Dutch holidays of one year under the default options, as (date, name) pairs."""
    easter_sunday = easter(year, EASTER_WESTERN)
    result = []

    result.append((datetime.date(year, 1, 1), "Nieuwjaarsdag"))

    result.append((easter_sunday - days(2), "Goede Vrijdag"))
    result.append((easter_sunday, "Eerste Paasdag"))
    result.append((easter_sunday + days(1), "Tweede Paasdag"))

    if year >= 2014:
        kings_day = datetime.date(year, 4, 27)
        if kings_day.weekday() == SUNDAY:
            kings_day = datetime.date(year, 4, 26)
        result.append((kings_day, "Koningsdag"))
    else:
        queens_day = datetime.date(year, 4, 30)
        if queens_day.weekday() == SUNDAY:
            queens_day = datetime.date(year, 4, 29)
        result.append((queens_day, "Koninginnedag"))

    if year % 5 == 0:
        result.append((datetime.date(year, 5, 5), "Bevrijdingsdag"))

    result.append((easter_sunday + days(39), "Hemelvaartsdag"))
    result.append((easter_sunday + days(49), "Eerste Pinksterdag"))
    result.append((easter_sunday + days(50), "Tweede Pinksterdag"))

    result.append((datetime.date(year, 12, 25), "Eerste Kerstdag"))
    result.append((datetime.date(year, 12, 26), "Tweede Kerstdag"))

    return result


def main():
    rows = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        for date, name in holidays_of_year(year):
            rows.append((date.isoformat(), name))
    # ISO dates sort like the dates themselves; names are ASCII, so Python's string order
    # is the byte-wise order Rust uses.
    rows.sort(key=lambda row: (row[0], row[1].encode("utf-8")))

    with open(OUTPUT, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["date", "name"])
        for row in rows:
            writer.writerow(row)
    print(f"wrote {len(rows)} holidays to {os.path.normpath(OUTPUT)}")


if __name__ == "__main__":
    main()
