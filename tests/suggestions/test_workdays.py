"""Deadlines in working days on China's official calendar (holidays and 调休 make-up days)."""

import datetime as dt

from suggestions import routing
from suggestions.models import DEADLINE_WORKING_DAYS, Urgency
from suggestions.workdays import WorkCalendar, official_working_day

D = dt.date
CALENDAR = WorkCalendar()


def test_spring_festival_2026_skips_the_holiday_and_counts_the_make_up_saturdays():
    # Holiday 15–23 Feb 2026; Saturdays 14 and 28 Feb are working days (调休).
    assert official_working_day(D(2026, 2, 14)) is True
    assert official_working_day(D(2026, 2, 16)) is False
    # Assigned Friday 13 Feb, urgent: Sat 14 (make-up) is day 1, then Tue 24 and Wed 25.
    assert CALENDAR.add_working_days(D(2026, 2, 13), 3) == D(2026, 2, 25)
    # Assigned inside the holiday: the first working day after it is day 1; Sat 28 is day 5.
    assert CALENDAR.add_working_days(D(2026, 2, 17), 5) == D(2026, 2, 28)


def test_national_day_2025_with_its_make_up_sunday_and_saturday():
    # Holiday 1–8 Oct 2025; Sunday 28 Sep and Saturday 11 Oct are working days.
    assert CALENDAR.add_working_days(D(2025, 9, 26), 5) == D(2025, 10, 10)
    assert CALENDAR.add_working_days(D(2025, 9, 30), 10) == D(2025, 10, 21)
    assert CALENDAR.working_days_between(D(2025, 9, 30), D(2025, 10, 9)) == 1


def test_national_day_2026():
    # Holiday 1–7 Oct 2026; Saturday 10 Oct is a working day.
    assert CALENDAR.add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)


def test_the_day_of_assignment_is_not_counted():
    assert CALENDAR.add_working_days(D(2026, 11, 23), 1) == D(2026, 11, 24)  # Mon → Tue
    assert CALENDAR.add_working_days(D(2026, 11, 27), 1) == D(2026, 11, 30)  # Fri → Mon


def test_a_year_the_package_does_not_know_counts_weekends_only_and_is_reported():
    assert official_working_day(D(2027, 1, 1)) is None
    # 1 Jan 2027 will surely be a holiday, but without the notice only weekends are skipped.
    assert CALENDAR.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 1)
    assert CALENDAR.add_working_days(D(2027, 1, 1), 1) == D(2027, 1, 4)
    assert WorkCalendar.unknown_years(D(2026, 12, 31), D(2027, 2, 1)) == [2027]
    assert WorkCalendar.unknown_years(D(2026, 6, 1)) == []


def test_the_admin_is_warned_when_deadlines_reach_an_unknown_year():
    assert routing.calendar_warning(D(2026, 12, 20)) == [2027]
    assert routing.calendar_warning(D(2026, 6, 1)) == []


def test_local_days_off_move_deadlines(db, world):
    before = routing.work_calendar(db.session).add_working_days(D(2026, 11, 23), 3)
    routing.add_day_off(db.session, D(2026, 11, 25), "本地节日", "test")
    after = routing.work_calendar(db.session).add_working_days(D(2026, 11, 23), 3)
    assert (before, after) == (D(2026, 11, 26), D(2026, 11, 27))


def test_urgency_sets_three_five_or_ten_working_days():
    assert DEADLINE_WORKING_DAYS == {Urgency.URGENT: 3, Urgency.NORMAL: 5, Urgency.DIFFICULT: 10}
