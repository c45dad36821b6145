"""Judging candidates the same way for the search and the baselines: `fitness`, `budget`, `candidate`."""
