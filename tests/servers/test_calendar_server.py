"""Calendar server: fixed clock, time zones, holidays, events, free slots and the side-effecting create_event."""

import pytest

pytestmark = pytest.mark.anyio


async def test_timezones_and_fixed_clock(connect):
    cal = await connect("calendar")
    tokyo = await cal.ok("get_timezone", city="tokyo")
    assert (tokyo["timezone"], tokyo["utc_offset"], tokyo["dst_active"]) == ("Asia/Tokyo", "+09:00", False)
    ontario = await cal.ok("get_timezone", city="London", country_code="CA")
    assert (ontario["timezone"], ontario["utc_offset"]) == ("America/Toronto", "-04:00")
    assert (await cal.ok("get_timezone", city="London"))["timezone"] == "Europe/London"  # most populous
    now = await cal.ok("current_time", timezone="Asia/Tokyo")
    assert (now["local_datetime"], now["day_of_week"]) == ("2026-03-16T18:00:00+09:00", "Monday")
    assert "get_timezone" in await cal.error("current_time", timezone="Mars/Olympus_Mons")


async def test_convert_time_is_dst_aware(connect):
    cal = await connect("calendar")
    # 2026-03-28: New York is already on EDT (-4), London still on GMT
    london = await cal.ok(
        "convert_time",
        datetime="2026-03-28T12:00",
        from_timezone="Europe/London",
        to_timezone="America/New_York",
    )
    assert london["converted_datetime"] == "2026-03-28T08:00:00-04:00"
    late = await cal.ok(
        "convert_time",
        datetime="2026-03-16T23:30",
        from_timezone="America/Los_Angeles",
        to_timezone="Asia/Tokyo",
    )
    assert (late["converted_datetime"], late["day_shift"]) == ("2026-03-17T15:30:00+09:00", 1)


async def test_day_of_week_and_add_duration(connect):
    cal = await connect("calendar")
    day = await cal.ok("day_of_week", date="2026-03-20")
    assert (day["day_of_week"], day["iso_week"], day["is_weekend"]) == ("Friday", 12, False)
    shifted = await cal.ok("add_duration", datetime="2026-03-16T22:30:00+09:00", hours=2, minutes=45)
    assert shifted["result"] == "2026-03-17T01:15:00+09:00"
    back = await cal.ok("add_duration", datetime="2026-03-01T00:00", days=-1)
    assert back["result"] == "2026-02-28T00:00:00"
    assert "real time" in await cal.error("add_duration", datetime="2026-03-16T25:00", hours=1)


async def test_business_days_and_holidays(connect):
    cal = await connect("calendar")
    japan = await cal.ok(
        "business_days_between", start_date="2026-03-16", end_date="2026-03-20", country_code="JP"
    )
    assert japan["business_days"] == 4
    assert [h["name"] for h in japan["holidays_on_weekdays"]] == ["Vernal Equinox Day"]
    easter = await cal.ok(
        "business_days_between", start_date="2026-03-30", end_date="2026-04-10", country_code="NO"
    )
    assert easter["business_days"] == 7 and easter["calendar_days"] == 12
    us = await cal.ok("list_holidays", country_code="US", year=2026)
    assert len(us["holidays"]) == 11 and us["holidays"][-2]["name"] == "Thanksgiving Day"
    assert "2026 only" in await cal.error("list_holidays", country_code="US", year=2027)
    assert "before" in await cal.error(
        "business_days_between", start_date="2026-03-20", end_date="2026-03-16", country_code="US"
    )
    assert "AU" in await cal.error("list_holidays", country_code="XX")


async def test_events_and_free_slots(connect):
    cal = await connect("calendar")
    events = (await cal.ok("list_events", calendar_id="CAL-ENG", date="2026-03-16"))["events"]
    assert [e["title"] for e in events][:2] == ["Daily stand-up", "Sprint planning"]
    assert events[1]["start"] == "2026-03-16T10:00:00+01:00"
    assert (await cal.ok("get_event", event_id=events[1]["event_id"]))["duration_minutes"] == 90
    # now is 10:00 in Oslo; sprint planning runs until 11:30
    free = await cal.ok("find_free_slots", calendar_id="CAL-ENG", date="2026-03-16", duration_minutes=60)
    assert [(s["start"][11:16], s["end"][11:16]) for s in free["slots"]] == [
        ("11:30", "13:00"),
        ("14:00", "15:30"),
        ("16:00", "17:00"),
    ]
    holiday = await cal.ok("find_free_slots", calendar_id="CAL-TOKYO", date="2026-03-20", duration_minutes=30)
    assert holiday["slots"] == [] and "Vernal Equinox Day" in holiday["note"]
    assert "past" in await cal.error(
        "find_free_slots", calendar_id="CAL-ENG", date="2026-03-13", duration_minutes=30
    )
    assert "CAL-SALES" in await cal.error("list_events", calendar_id="CAL-HR", date="2026-03-16")


async def test_create_event_is_stateful_per_server(connect):
    cal = await connect("calendar")
    created = await cal.ok(
        "create_event",
        calendar_id="CAL-ENG",
        title="Budget review",
        start="2026-03-16T14:30",
        duration_minutes=90,
        attendees=["Maya Lindqvist"],
    )
    assert created["event_id"] == "EV-2001"
    assert created["end"] == "2026-03-16T16:00:00+01:00"
    assert created["conflicts"] == ["EV-1008"]  # the 15:30 one-to-one
    again = await cal.ok(
        "create_event",
        calendar_id="CAL-ENG",
        title="Budget review",
        start="2026-03-16T14:30",
        duration_minutes=90,
    )
    assert again["event_id"] == "EV-2002"  # not idempotent
    titles = [
        e["title"] for e in (await cal.ok("list_events", calendar_id="CAL-ENG", date="2026-03-16"))["events"]
    ]
    assert titles.count("Budget review") == 2
    assert "in the past" in await cal.error(
        "create_event", calendar_id="CAL-ENG", title="Too late", start="2026-03-16T09:30", duration_minutes=30
    )
    fresh = await connect("calendar")
    assert "EV-2001" in await fresh.error("get_event", event_id="EV-2001")
