"""Calendar MCP server: time zones, time arithmetic, 2026 public holidays and four team calendars on a
fixed simulated clock (now = 2026-03-16T09:00:00Z); create_event is the one side-effecting tool."""

from datetime import datetime, time, timedelta
from itertools import count
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

from evoflux.servers._common import (
    NOW_ISO,
    SIMULATED_NOW,
    CountryCode,
    CountryFilter,
    IsoDate,
    fold,
    load_data,
    new_server,
    not_found,
    parse_date,
    tool,
)
from evoflux.servers._runner import run_server

HOLIDAY_YEAR = 2026
CREATES_EVENT = ToolAnnotations(
    readOnlyHint=False, destructiveHint=False, idempotentHint=False, openWorldHint=False
)

TimezoneName = Annotated[
    str,
    Field(
        description="IANA time zone name, e.g. 'Asia/Tokyo', 'America/New_York' (get_timezone maps cities to these)",
        pattern=r"^[A-Za-z_]+(/[A-Za-z0-9_+\-]+){0,2}$",
    ),
]
LocalDateTime = Annotated[
    str,
    Field(
        description="Local wall-clock time, YYYY-MM-DDTHH:MM[:SS], no offset",
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$",
    ),
]
AnyDateTime = Annotated[
    str,
    Field(
        description="ISO 8601 date-time, YYYY-MM-DDTHH:MM[:SS] with optional 'Z' or ±HH:MM offset",
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?$",
    ),
]
CalendarId = Annotated[
    str, Field(description="Calendar id from list_calendars, e.g. 'CAL-ENG'", pattern=r"^CAL-[A-Z]+$")
]
EventId = Annotated[str, Field(description="Event id, e.g. 'EV-1001'", pattern=r"^EV-\d{4}$")]


class TimezoneInfo(BaseModel):
    city: str
    country_code: str
    timezone: str = Field(description="IANA time zone name")
    utc_offset: str = Field(description="Offset from UTC right now, e.g. '+09:00'")
    abbreviation: str
    dst_active: bool


class LocalTime(BaseModel):
    timezone: str
    local_datetime: str
    utc_offset: str
    day_of_week: str
    utc_datetime: str


class ConvertedTime(BaseModel):
    source_datetime: str = Field(description="The input, with its UTC offset")
    from_timezone: str
    converted_datetime: str = Field(description="The same instant in to_timezone, with its UTC offset")
    to_timezone: str
    day_of_week: str = Field(description="Weekday of converted_datetime")
    day_shift: int = Field(
        description="Calendar days between the source and converted local dates (-1, 0, +1)"
    )


class DayInfo(BaseModel):
    date: str
    day_of_week: str
    iso_weekday: int = Field(description="1 = Monday ... 7 = Sunday")
    iso_week: int
    day_of_year: int
    is_weekend: bool


class ShiftedTime(BaseModel):
    start: str
    result: str = Field(description="start plus the duration, in the same form (offset kept if given)")
    day_of_week: str


class Holiday(BaseModel):
    date: str
    name: str
    day_of_week: str


class HolidayList(BaseModel):
    country_code: str
    year: int
    holidays: list[Holiday]


class BusinessDays(BaseModel):
    start_date: str
    end_date: str
    country_code: str
    business_days: int = Field(description="Weekdays that are not public holidays, both ends included")
    calendar_days: int
    holidays_on_weekdays: list[Holiday]


class CalendarInfo(BaseModel):
    calendar_id: str
    name: str
    owner: str
    timezone: str
    country_code: str = Field(description="Country whose public holidays are non-working days")
    working_hours: str = Field(description="Local working hours, Monday to Friday")


class CalendarList(BaseModel):
    calendars: list[CalendarInfo]


class Event(BaseModel):
    event_id: str
    calendar_id: str
    title: str
    start: str = Field(description="Local start with UTC offset")
    end: str
    duration_minutes: int
    location: str | None
    attendees: list[str]


class EventList(BaseModel):
    calendar_id: str
    date: str
    timezone: str
    events: list[Event]


class CreatedEvent(Event):
    conflicts: list[str] = Field(description="Ids of existing events overlapping the new one")


class Slot(BaseModel):
    start: str
    end: str
    minutes: int


class FreeSlots(BaseModel):
    calendar_id: str
    date: str
    timezone: str
    working_hours: str
    slots: list[Slot] = Field(description="Free windows at least duration_minutes long, earliest first")
    note: str | None = Field(description="Why there are no working hours that day, if so")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ToolError(
            f"Unknown time zone {name!r}. Use an IANA name such as 'Europe/Oslo' or 'America/New_York'; "
            "get_timezone(city) finds the zone of a city."
        ) from None


def parse_datetime(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ToolError(
            f"Invalid date-time {value!r}: expected a real time as YYYY-MM-DDTHH:MM[:SS]."
        ) from None


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def build_server() -> MCPServer:
    """Create a fresh calendar server (events created with create_event live only in this instance)."""
    server = new_server(
        "calendar",
        f"Time zones, holidays and team calendars. The simulated clock says now is {NOW_ISO}.",
    )
    data = load_data("calendar.json")
    cities = load_data("cities.json")["cities"]
    calendars = {c["calendar_id"]: c for c in data["calendars"]}
    holidays = {cc: {h["date"]: h["name"] for h in hs} for cc, hs in data["holidays_2026"].items()}
    events = {e["event_id"]: e for e in data["events"]}
    new_ids = (f"EV-{n}" for n in count(2001))

    def calendar(calendar_id: str) -> dict:
        if calendar_id not in calendars:
            raise not_found("calendar_id", calendar_id, calendars, "See list_calendars.")
        return calendars[calendar_id]

    def holiday_table(country_code: str) -> dict[str, str]:
        if country_code not in holidays:
            raise not_found(
                "country_code", country_code, holidays, "The holiday table covers these countries."
            )
        return holidays[country_code]

    def holiday(day_iso: str, name: str) -> Holiday:
        return Holiday(date=day_iso, name=name, day_of_week=parse_date(day_iso).strftime("%A"))

    def event_bounds(event: dict) -> tuple[datetime, datetime]:
        start = datetime.fromisoformat(event["start"])
        return start, start + timedelta(minutes=event["duration_minutes"])

    def present(event: dict) -> Event:
        tz = ZoneInfo(calendars[event["calendar_id"]]["timezone"])
        start, end = (moment.replace(tzinfo=tz) for moment in event_bounds(event))
        return Event(
            **{k: event[k] for k in ("event_id", "calendar_id", "title", "duration_minutes", "attendees")},
            location=event.get("location"),
            start=stamp(start),
            end=stamp(end),
        )

    def events_on(calendar_id: str, day_iso: str) -> list[dict]:
        found = [
            e for e in events.values() if e["calendar_id"] == calendar_id and e["start"].startswith(day_iso)
        ]
        return sorted(found, key=lambda e: e["start"])

    def local_now(cal: dict) -> datetime:
        return SIMULATED_NOW.astimezone(ZoneInfo(cal["timezone"])).replace(tzinfo=None)

    def working_hours(cal: dict) -> str:
        return f"{cal['work_start']}-{cal['work_end']}"

    @tool(server)
    def get_timezone(
        city: Annotated[
            str, Field(description="City name, e.g. 'Tokyo' (case- and accent-insensitive)", min_length=1)
        ],
        country_code: CountryFilter = None,
    ) -> TimezoneInfo:
        """The IANA time zone of a city and its current UTC offset (as of now, 2026-03-16T09:00:00Z).

        If several cities share the name, the most populous is used unless country_code is given.
        """
        query = fold(city)
        candidates = [c for c in cities if country_code in (None, c["country_code"])]
        matches = [c for c in candidates if fold(c["name"]) == query] or [
            c for c in candidates if fold(c["name"]).startswith(query)
        ]
        if not matches:
            where = f" in {country_code}" if country_code else ""
            raise ToolError(
                f"No city named {city!r}{where} in the gazetteer. If you know the IANA zone, "
                "pass it directly to current_time or convert_time (e.g. 'Europe/Paris')."
            )
        best = max(matches, key=lambda c: c["population"])
        local = SIMULATED_NOW.astimezone(ZoneInfo(best["timezone"]))
        return TimezoneInfo(
            city=best["name"],
            country_code=best["country_code"],
            timezone=best["timezone"],
            utc_offset=stamp(local)[-6:],
            abbreviation=local.tzname() or "",
            dst_active=bool(local.dst()),
        )

    @tool(server)
    def current_time(timezone: TimezoneName) -> LocalTime:
        """The current local date and time in a time zone. The clock is simulated: now is 2026-03-16T09:00:00Z."""
        local = SIMULATED_NOW.astimezone(zone(timezone))
        return LocalTime(
            timezone=timezone,
            local_datetime=stamp(local),
            utc_offset=stamp(local)[-6:],
            day_of_week=local.strftime("%A"),
            utc_datetime=NOW_ISO,
        )

    @tool(server)
    def convert_time(
        datetime: LocalDateTime, from_timezone: TimezoneName, to_timezone: TimezoneName
    ) -> ConvertedTime:
        """Convert a local wall-clock time in one IANA time zone to the same instant in another (DST-aware)."""
        source = parse_datetime(datetime).replace(tzinfo=zone(from_timezone))
        target = source.astimezone(zone(to_timezone))
        return ConvertedTime(
            source_datetime=stamp(source),
            from_timezone=from_timezone,
            converted_datetime=stamp(target),
            to_timezone=to_timezone,
            day_of_week=target.strftime("%A"),
            day_shift=(target.date() - source.date()).days,
        )

    @tool(server)
    def day_of_week(date: IsoDate) -> DayInfo:
        """Weekday, ISO week number and day of year for a date."""
        day = parse_date(date)
        return DayInfo(
            date=date,
            day_of_week=day.strftime("%A"),
            iso_weekday=day.isoweekday(),
            iso_week=day.isocalendar().week,
            day_of_year=day.timetuple().tm_yday,
            is_weekend=day.isoweekday() > 5,
        )

    @tool(server)
    def add_duration(
        datetime: AnyDateTime,
        days: Annotated[int, Field(description="Days to add (negative subtracts)", ge=-3650, le=3650)] = 0,
        hours: Annotated[
            int, Field(description="Hours to add (negative subtracts)", ge=-10000, le=10000)
        ] = 0,
        minutes: Annotated[
            int, Field(description="Minutes to add (negative subtracts)", ge=-100000, le=100000)
        ] = 0,
    ) -> ShiftedTime:
        """Add days, hours and minutes to a date-time (wall-clock arithmetic; an offset, if given, is kept)."""
        start = parse_datetime(datetime)
        result = start + timedelta(days=days, hours=hours, minutes=minutes)
        return ShiftedTime(start=stamp(start), result=stamp(result), day_of_week=result.strftime("%A"))

    @tool(server)
    def business_days_between(
        start_date: Annotated[IsoDate, Field(description="First day, included (2026 only)")],
        end_date: Annotated[IsoDate, Field(description="Last day, included (2026 only)")],
        country_code: CountryCode,
    ) -> BusinessDays:
        """Count working days (Mon-Fri minus the country's public holidays) from start_date to end_date, inclusive.

        The bundled holiday table covers 2026 for US, GB, DE, FR, NO, JP, PT, CA, AU and SE.
        """
        table = holiday_table(country_code)
        start, end = parse_date(start_date, "start_date"), parse_date(end_date, "end_date")
        if end < start:
            raise ToolError(f"end_date {end_date} is before start_date {start_date}.")
        if start.year != HOLIDAY_YEAR or end.year != HOLIDAY_YEAR:
            raise ToolError(
                f"The holiday table covers {HOLIDAY_YEAR} only; both dates must be in {HOLIDAY_YEAR}."
            )
        days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
        weekdays = [d for d in days if d.isoweekday() <= 5]
        off = [holiday(d.isoformat(), table[d.isoformat()]) for d in weekdays if d.isoformat() in table]
        return BusinessDays(
            start_date=start_date,
            end_date=end_date,
            country_code=country_code,
            business_days=len(weekdays) - len(off),
            calendar_days=len(days),
            holidays_on_weekdays=off,
        )

    @tool(server)
    def list_holidays(
        country_code: CountryCode,
        year: Annotated[
            int, Field(description="Year (the table covers 2026)", ge=1900, le=2100)
        ] = HOLIDAY_YEAR,
    ) -> HolidayList:
        """Public holidays of a country in a year (table covers 2026 for US, GB, DE, FR, NO, JP, PT, CA, AU, SE)."""
        table = holiday_table(country_code)
        if year != HOLIDAY_YEAR:
            raise ToolError(f"No holiday data for {year}; the table covers {HOLIDAY_YEAR} only.")
        return HolidayList(
            country_code=country_code,
            year=year,
            holidays=[holiday(d, name) for d, name in sorted(table.items())],
        )

    @tool(server)
    def list_calendars() -> CalendarList:
        """The team calendars (ids like 'CAL-ENG') with owner, time zone, holiday country and working hours."""
        return CalendarList(
            calendars=[
                CalendarInfo(
                    **{k: c[k] for k in ("calendar_id", "name", "owner", "timezone", "country_code")},
                    working_hours=working_hours(c),
                )
                for c in calendars.values()
            ]
        )

    @tool(server)
    def list_events(calendar_id: CalendarId, date: IsoDate) -> EventList:
        """Events of a calendar on one local date (in the calendar's time zone), earliest first."""
        cal = calendar(calendar_id)
        parse_date(date)
        return EventList(
            calendar_id=calendar_id,
            date=date,
            timezone=cal["timezone"],
            events=[present(e) for e in events_on(calendar_id, date)],
        )

    @tool(server)
    def get_event(event_id: EventId) -> Event:
        """One event by id: title, local start/end with offset, location and attendees."""
        if event_id not in events:
            raise not_found(
                "event_id", event_id, events, "Find event ids with list_events(calendar_id, date)."
            )
        return present(events[event_id])

    @tool(server)
    def find_free_slots(
        calendar_id: CalendarId,
        date: IsoDate,
        duration_minutes: Annotated[int, Field(description="Minimum free time needed", ge=15, le=480)],
    ) -> FreeSlots:
        """Free windows of at least duration_minutes within a calendar's working hours on a date (today or later).

        Weekends and the calendar country's public holidays have no working hours. Today, only time after now counts.
        """
        cal = calendar(calendar_id)
        day = parse_date(date)
        now = local_now(cal)
        if day < now.date():
            raise ToolError(f"{date} is in the past; today is {now.date()} in {cal['timezone']}.")
        result = FreeSlots(
            calendar_id=calendar_id,
            date=date,
            timezone=cal["timezone"],
            working_hours=working_hours(cal),
            slots=[],
            note=None,
        )
        holiday_name = holidays.get(cal["country_code"], {}).get(date)
        if day.isoweekday() > 5 or holiday_name:
            reason = f"a public holiday ({holiday_name})" if holiday_name else f"a {day.strftime('%A')}"
            result.note = f"{date} is {reason}: no working hours."
            return result
        cursor = datetime.combine(day, time.fromisoformat(cal["work_start"]))
        close = datetime.combine(day, time.fromisoformat(cal["work_end"]))
        if day == now.date() and now > cursor:
            cursor = now + timedelta(minutes=-now.minute % 15)  # next quarter hour
        tz = ZoneInfo(cal["timezone"])
        for busy_start, busy_end in [*map(event_bounds, events_on(calendar_id, date)), (close, close)]:
            gap_end = min(busy_start, close)
            if (gap_end - cursor) >= timedelta(minutes=duration_minutes):
                result.slots.append(
                    Slot(
                        start=stamp(cursor.replace(tzinfo=tz)),
                        end=stamp(gap_end.replace(tzinfo=tz)),
                        minutes=(gap_end - cursor) // timedelta(minutes=1),
                    )
                )
            cursor = max(cursor, busy_end)
        return result

    @tool(server, annotations=CREATES_EVENT)
    def create_event(
        calendar_id: CalendarId,
        title: Annotated[str, Field(description="Event title", min_length=1, max_length=200)],
        start: Annotated[
            LocalDateTime, Field(description="Local start in the calendar's time zone, YYYY-MM-DDTHH:MM")
        ],
        duration_minutes: Annotated[int, Field(description="Length of the event", ge=5, le=480)],
        attendees: Annotated[list[str] | None, Field(description="Attendee names")] = None,
    ) -> CreatedEvent:
        """Create an event on a calendar (SIDE EFFECT: stored for this server session) and return its new event_id.

        Not idempotent: calling twice creates two events. Overlapping events are reported in conflicts.
        """
        cal = calendar(calendar_id)
        begin = parse_datetime(start)
        if begin < local_now(cal):
            raise ToolError(
                f"Cannot create an event in the past: {start} is before now "
                f"({stamp(local_now(cal))} local time in {cal['timezone']})."
            )
        end = begin + timedelta(minutes=duration_minutes)
        conflicts = [
            e["event_id"]
            for e in events_on(calendar_id, begin.date().isoformat())
            if event_bounds(e)[0] < end and begin < event_bounds(e)[1]
        ]
        event = {
            "event_id": next(new_ids),
            "calendar_id": calendar_id,
            "title": title,
            "start": stamp(begin),
            "duration_minutes": duration_minutes,
            "location": None,
            "attendees": attendees or [],
        }
        events[event["event_id"]] = event
        return CreatedEvent(**present(event).model_dump(), conflicts=conflicts)

    return server


if __name__ == "__main__":
    run_server(build_server)
