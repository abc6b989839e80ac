"""The installed qabot's version, from the package metadata (one place: pyproject.toml)."""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("qabot")
except metadata.PackageNotFoundError:  # run from a source checkout that was never installed
    __version__ = "0.0.0+source"
