"""The word lists every layer reads, one copy each: what a word in an argument, tool or field name says (an id,
a filter, a limit, a direction), words that say nothing (filler, generic field names), dates, and words of a
request that are no names or places.

General English and JSON-Schema naming habits only, never one server's vocabulary. Units are `units`',
countries and currencies `places`'.
"""

from __future__ import annotations

# ---------------------------------------------------------------- names of arguments and fields

# Words of a name that say its value is looked up, not chosen: an id, a key, an address.
ID_WORDS = frozenset({"id", "ids", "key", "address", "isbn", "uuid", "slug", "handle"})
# Words that make an argument an id or a code when a swapped tool's arguments are mapped (`station_id` never
# becomes `city`, `currency_code` never becomes `amount`); an address maps like any other value there.
ID_OR_CODE_WORDS = (ID_WORDS - {"address"}) | {"code"}
# Field names that say too little alone (`name`, `value`, `results`): a field fits an argument by them only
# when the tool around it is about the same thing.
GENERIC_FIELD_WORDS = frozenset(
    {"name", "id", "ids", "value", "values", "title", "text", "type", "result", "results", "data"}
    | {"description", "label", "key", "code", "item", "items", "output", "content"}
)
# Words of an argument that takes a table's name, and the words after which a query names its tables
# (`FROM orders`, `JOIN items`).
TABLE_NOUNS = frozenset({"table", "collection", "view"})
TABLE_KEYWORDS = frozenset({"from", "join", "into", "update", "table"})
# Words of a record's field that holds the name of what the record is (`name`, `column_name`, `path`).
NAME_FIELD_WORDS = frozenset({"name", "title", "path", "id", "key", "label"})
# Words naming the argument a search or listing matches its text against (`query`, `city`, `title`).
FILTER_WORDS = frozenset(
    {"query", "q", "name", "title", "city", "location", "keyword", "keywords", "term", "search"}
)
# Argument words that ask for a place, a free-text phrase, or a generic quantity.
PLACE_WORDS = frozenset({"city", "location", "place", "town", "destination", "origin", "locality"})
TEXT_WORDS = frozenset(
    {"query", "q", "title", "text", "keyword", "keywords", "term", "terms", "search", "topic", "phrase"}
)
QUANTITY_WORDS = frozenset({"value", "amount", "quantity", "number", "x", "n", "count"})
# Names of the number a converter or calculator works on.
AMOUNT_WORDS = frozenset({"value", "amount"})
# Limit-like argument names (how many results, how many days ahead): clamping them into range is harmless.
LIMIT_NAMES = frozenset(
    {"limit", "max_results", "max_items", "max_count", "max_hits", "num_results", "n_results", "page_size"}
    | {"per_page", "top_k", "top_n", "count", "days", "size"}
)
# Tags that tell two arguments about the same thing apart (`city_id_a`/`city_id_b`, `from_x`/`to_x`), and
# which of the pair each one is.
PAIR_TAGS = {"a": 0, "b": 1, "1": 0, "2": 1, "from": 0, "to": 1, "src": 0, "dst": 1, "source": 0, "target": 1}
# Words that mark an argument as the side a conversion reads from, or writes to.
SOURCE_WORDS = frozenset({"from", "source", "src", "input", "in"})
TARGET_WORDS = frozenset({"to", "target", "dst", "output", "out", "into"})

# ---------------------------------------------------------------- names of tools

# First words of tool names that create server state other calls then refer to by name.
CREATING_VERBS = frozenset(
    {"create", "add", "new", "make", "put", "set", "insert", "upload", "register", "store", "save", "write"}
    | {"define", "init", "initialize", "build", "open", "start"}
)
# Verbs of tool names that fetch data: they say how, not what about (`get_station` is about stations).
ACCESS_VERBS = frozenset({"get", "list", "search", "find", "fetch", "lookup"})
# Words every tool's name or description may use, saying nothing about what it does.
TOOL_FILLER = frozenset({"tool", "tools", "get", "use", "using", "given", "return", "returns"})
# Verbs of a tool that shows what a server holds (`list_tables`, "Search the graph ..."), and nouns of one that
# describes it (`get_table_info`). Not "find": computing tools find things too (`find_orthonormal_basis`).
LOOK_VERBS = frozenset({"list", "describe", "search", "show", "browse", "explore", "inspect", "lookup"})
DESCRIBE_NOUNS = frozenset({"schema", "info", "metadata", "structure", "tree", "table", "column"})
# Words of an argument naming what a server's tools work on together (a workbook's `path`, a `database`), not a
# value each call brings (a city, a date).
CONTAINER_WORDS = frozenset(
    {"path", "file", "filename", "filepath", "directory", "dir", "folder", "database", "db", "workbook"}
    | {"document", "doc", "repo", "repository", "uri", "url", "bucket", "project", "workspace"}
)
# Verbs of a tool that searches for what it is given.
SEARCH_VERBS = frozenset({"search", "find", "lookup"})
# Verbs of a tool that changes something (never only looks).
WRITE_VERBS = frozenset(
    {"create", "write", "update", "delete", "remove", "insert", "add", "set", "put", "post", "edit", "move"}
    | {"rename", "drop", "modify", "append", "execute", "run", "send", "upload", "commit", "push", "merge"}
    | {"apply", "clear", "reset", "install", "save", "copy", "patch", "replace", "download", "kill"}
)
# Verbs that open a tool name (or a request's clause) that changes what a server holds: the write verbs
# without those that also run a read ("execute_query", "run_report", "download_file"), with the verbs of
# office and file tools that change a document in place or write a new file.
CHANGE_VERBS = (WRITE_VERBS - {"execute", "run", "download", "send"}) | frozenset(
    {"format", "import", "export", "protect", "unprotect", "customize", "enable", "disable", "toggle"}
)
# Verbs a written tool name may add to say "call it" (`run_search`, `do_lookup`).
INVOKE_VERBS = frozenset({"do", "run", "call"})
# English function words (and the "e", "g" of "e.g.") that carry no meaning in names and descriptions.
FUNCTION_WORDS = frozenset({"the", "a", "an", "of", "for", "by", "to", "or", "its", "e", "g"})

# ---------------------------------------------------------------- values

# Plurals no ending rule gives, by singular.
IRREGULAR_PLURALS = {"foot": "feet"}

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "on"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "off"})
# Numbers written as words, as requests state small counts ("a pair of", "a dozen").
NUMBER_WORDS = {
    word: value
    for value, words in enumerate(
        (
            (),
            ("one", "single"),
            ("two", "pair", "couple", "both"),
            ("three",),
            ("four",),
            ("five",),
            ("six",),
            ("seven",),
            ("eight",),
            ("nine",),
            ("ten",),
            ("eleven",),
            ("twelve", "dozen"),
        )
    )
    for word in words
}

# ---------------------------------------------------------------- dates

# English names, not the locale's: requests and tools speak English here.
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# Month abbreviations as people write them in dates ("Sept 3, 2026" too); "may" is written in full.
MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Months and weekdays: a request's dates reach tools as dates (`2026-04-01`), not as these words.
DATE_WORDS = frozenset(MONTHS + WEEKDAYS)

# ---------------------------------------------------------------- the words of a request

# Capitalized words that open a question or join its parts: never a name nor a place.
QUESTION_WORDS = frozenset(
    {"i", "a", "an", "the", "and", "what", "which", "who", "when", "where", "how", "is", "are", "can"}
    | {"could", "please"}
)
# Capitalized words that are no names a tool must see (`request.text.salient_terms`).
NOT_NAMES = QUESTION_WORDS | DATE_WORDS | {"i'm", "or", "if", "my", "our", "would", "will", "do", "does"}
# Verbs a request opens with.
REQUEST_VERBS = frozenset(
    {"find", "get", "show", "tell", "give", "list", "convert", "compare", "check", "look", "use", "visit"}
    | {"plan", "book"}
)
# Words before a capitalized name that make it a place even at the start of a sentence ("In Oslo, ...").
PLACE_CUES = frozenset(
    {"in", "at", "for", "from", "to", "near", "of", "between", "and", "around", "outside", "visit"}
)
# Lower-case particles inside a place's name ("Rio de Janeiro", "Stratford upon Avon").
NAME_PARTICLES = ("de", "del", "da", "do", "la", "le", "upon", "am")
