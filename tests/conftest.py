"""Shared test helpers: references that CI must have, and a seeded hypothesis profile."""

from __future__ import annotations

import importlib
import os
import shutil
from types import ModuleType

import pytest
from hypothesis import HealthCheck, settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def require(module: str) -> ModuleType:
    """Import a reference library; in CI its absence fails the test, elsewhere it skips with why."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        if IN_CI:
            pytest.fail(f"{module} is required in CI (pip install -e '.[test]'): {e}")
        pytest.skip(f"{module} not installed: pip install -e '.[test]'")


def require_dot() -> str:
    """Graphviz's `dot` executable; in CI its absence fails the test."""
    path = shutil.which("dot")
    if path is None:
        msg = "Graphviz's `dot` is not installed (Debian: apt-get install graphviz)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    return path
