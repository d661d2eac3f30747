"""Fixtures for Application tests (helpers to import live in ``_apptest.py``)."""

from __future__ import annotations

from _apptest import data_dir  # noqa: F401  (fixture)
