"""Errors a user can cause and fix: bad config, bad files, unknown names.

The CLI prints their message alone and exits with code 2; nothing else here.
"""


class UserError(Exception):
    """A problem in what the user gave us, with a message that says what to fix."""
