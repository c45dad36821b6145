"""Helpers shared by the test suites (fake servers, scripted clients), importable as `tests.support`."""
