"""Units of measure: their full names, symbols and abbreviations, and their dimensions, and one normal form of
a unit however it is written (`km`, `KM`, `kilometres`, `Kilometer` -> `kilometer`; `km/h`, `kph`,
`kilometers per hour` -> `kilometer per hour`).

Rules compare a value and a server's enum options (or an argument's name) in this normal form, both sides
normalised, so nothing assumes how a server spells its units.
"""

from __future__ import annotations

from functools import lru_cache

from evoflux.lexicon.names import name_words, singular, squash

# Each unit's full name (singular, US spelling) and its symbols and abbreviations, by dimension. General
# knowledge, not tied to any server.
_UNITS: dict[str, dict[str, tuple[str, ...]]] = {
    "length": {
        "millimeter": ("mm",),
        "centimeter": ("cm",),
        "meter": ("m",),
        "kilometer": ("km",),
        "inch": ("in",),
        "foot": ("ft",),
        "yard": ("yd",),
        "mile": ("mi",),
        "nautical mile": ("nmi",),
        "nanometer": ("nm",),
        "micrometer": ("um", "µm"),
    },
    "mass": {
        "milligram": ("mg",),
        "gram": ("g",),
        "kilogram": ("kg",),
        "tonne": ("t",),
        "ton": (),
        "pound": ("lb", "lbs"),
        "ounce": ("oz",),
        "stone": ("st",),
    },
    "duration": {
        "millisecond": ("ms",),
        "second": ("s", "sec", "secs"),
        "minute": ("min", "mins"),
        "hour": ("h", "hr", "hrs"),
        "day": (),
        "week": ("wk",),
        "month": (),
        "year": ("yr", "yrs"),
    },
    "temperature": {
        "celsius": ("c", "degc", "degreec", "centigrade", "degree celsius"),
        "fahrenheit": ("f", "degf", "degreef", "degree fahrenheit"),
        "kelvin": ("k",),
    },
    "pressure": {
        "pascal": ("pa",),
        "hectopascal": ("hpa",),
        "kilopascal": ("kpa",),
        "megapascal": ("mpa",),
        "millibar": ("mbar",),
        "atmosphere": ("atm",),
        "millimeter of mercury": ("mmhg",),
        "inch of mercury": ("inhg",),
    },
    "speed": {
        "kilometer per hour": ("kmh", "kph"),
        "mile per hour": ("mph",),
        "meter per second": ("mps",),
        "foot per second": ("fps",),
        "knot": ("kn", "kt", "kts"),
    },
    "volume": {
        "liter": ("l",),
        "milliliter": ("ml",),
        "gallon": ("gal",),
        "teaspoon": ("tsp",),
        "tablespoon": ("tbsp",),
        "fluid ounce": ("floz",),
    },
    "energy": {
        "joule": ("j",),
        "kilojoule": ("kj",),
        "megajoule": ("mj",),
        "calorie": ("cal",),
        "kilocalorie": ("kcal",),
        "watt hour": ("wh",),
        "kilowatt hour": ("kwh",),
        "british thermal unit": ("btu",),
        "electronvolt": ("ev", "electron volt"),
    },
    "data": {
        "kilobyte": ("kb",),
        "megabyte": ("mb",),
        "gigabyte": ("gb",),
        "terabyte": ("tb",),
        "kibibyte": ("kib",),
        "mebibyte": ("mib",),
        "gibibyte": ("gib",),
        "tebibyte": ("tib",),
    },
}
# Full name -> dimension, and squashed abbreviation (or other spelling) -> full name.
_DIMENSION_OF = {name: dimension for dimension, units in _UNITS.items() for name in units}
_ALIASES = {
    squash(alias): name for units in _UNITS.values() for name, aliases in units.items() for alias in aliases
}
# Every word of a full name, for British spellings (`metre` -> `meter`) and telling unit words from others.
_NAME_WORDS = frozenset(word for name in _DIMENSION_OF for word in name.split())
_PER = "per"
# Abbreviations that are also English words (`min` for minimum too).
_ALSO_WORDS = frozenset({"in", "st", "min"})
# The temperature scales: capitalized words that are units, not names or places.
SCALES = tuple(_UNITS["temperature"])


def unit_name(text: str) -> str | None:
    """The full, singular, US-spelled name of the unit `text` writes, or None when it is no unit this table
    knows: `KM`, `kilometres`, `Kilometer` -> `kilometer`; `km/h`, `kph`, `kilometers_per_hour` ->
    `kilometer per hour`; `°C`, `deg C`, `degrees Celsius` -> `celsius`; `feet` -> `foot`."""
    return _unit_name(text.strip().casefold())


@lru_cache(maxsize=4096)
def _unit_name(text: str) -> str | None:
    text = text.replace("/", f" {_PER} ").replace("°", " deg ")
    alias = _ALIASES.get(squash(text))
    if alias is not None:
        return alias
    words = [_us_spelling(singular(word)) for word in name_words(text, digits_apart=False)]
    words = [("degree" if word == "deg" else word) for word in words]
    spelled = " ".join(words)
    if spelled in _DIMENSION_OF:
        return spelled
    if (alias := _ALIASES.get(squash(spelled))) is not None:
        return alias
    if _PER in words[1:-1]:
        split = words.index(_PER)
        top, bottom = _unit_name(" ".join(words[:split])), _unit_name(" ".join(words[split + 1 :]))
        if top is not None and bottom is not None:
            return f"{top} {_PER} {bottom}"
    return None


def plain_unit(text: str) -> str | None:
    """`unit_name` of a text that can mean nothing else: more than one letter and no English word (`km`,
    `mph`, `Kilometres`; not `C`, `in` or `min`, which may be a grade, a word or a minimum)."""
    key = text.strip().casefold()
    return unit_name(key) if len(key) > 1 and key not in _ALSO_WORDS else None


def _us_spelling(word: str) -> str:
    """`metre` -> `meter`, `litre` -> `liter`, `kilometre` -> `kilometer`: the British `-re` of a unit word."""
    if word.endswith("re") and word[:-2] + "er" in _NAME_WORDS:
        return word[:-2] + "er"
    return word


def same_unit(a: str, b: str) -> bool:
    """Whether two spellings name the same known unit (`km` and `Kilometres`, `mph` and `miles_per_hour`)."""
    found = unit_name(a)
    return found is not None and found == unit_name(b)


def dimension(text: str) -> str | None:
    """What the unit `text` measures (`length`, `mass`, `duration`, `temperature`, `speed`, ...), or None;
    `X per Y` of two known units is `X/Y` (`meter per minute` -> `length/duration`) unless the table names it."""
    name = unit_name(text)
    if name is None:
        return None
    if name in _DIMENSION_OF:
        return _DIMENSION_OF[name]
    top, bottom = name.split(f" {_PER} ", 1)
    return f"{dimension(top)}/{dimension(bottom)}"


def dimensions_in(text: str) -> set[str]:
    """The dimensions of the unit words in a name or description (`weight_kg` -> {mass}; "Duration in
    minutes" -> {duration}). Single letters and abbreviations that are English words (`in`, `min`) count only
    as the last word (`length_m`, `height_in`), never inside a sentence ("a", "in")."""
    words = name_words(text, digits_apart=False)
    found = {d for word in words if plain_unit(word) and (d := dimension(word)) is not None}
    if len(words) > 1 and (d := dimension(words[-1])) is not None:
        found.add(d)
    return found
