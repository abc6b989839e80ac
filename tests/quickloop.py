"""What the quick loop (`pytest -m "not slow"`) does differently from the whole suite: the
all-slow modules are left unread, and each Hypothesis property draws fewer examples. The
whole suite (the README's command, and CI's) runs every property with its full count."""

from __future__ import annotations

from pathlib import Path

import pytest

# Hypothesis's default is 100 examples a property; in the quick loop drawing them was about
# 1.5 s of its ~10. A property with its own count (@settings(max_examples=...)) keeps it.
QUICK_EXAMPLES = 25


def quick_loop(config: pytest.Config) -> bool:
    """True when the run selects exactly `-m "not slow"`."""
    return "".join(config.getoption("markexpr", "").split()) == "notslow"


def pytest_configure(config: pytest.Config) -> None:
    if quick_loop(config):
        from hypothesis import settings

        settings.register_profile("quick", max_examples=QUICK_EXAMPLES)
        settings.load_profile("quick")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Under `-m "not slow"`, the modules of SLOW_MODULES are left unread: importing them
    would cost the quick loop seconds for tests it deselects anyway."""
    from conftest import SLOW_MODULES

    return True if quick_loop(config) and collection_path.stem in SLOW_MODULES else None
