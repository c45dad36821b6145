"""Reading the request: what it states (`text`, `dates`), the options it names (`options`) and the checks of
made-up values (`checks`); no workflow edits and no model."""
