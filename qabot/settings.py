"""Where the documents and the index are and which embedder and store to use: flags, then
environment, then defaults. A light module, so the CLI parses its flags without loading the
engine."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_EMBEDDER = "e5-small"  # the bundled model (qabot.embedders)


@dataclass(frozen=True)
class Settings:
    docs: Path
    index: Path
    embedder: str
    store: str = "faiss"  # a --store value, see qabot.store.protocol

    @classmethod
    def from_env(
        cls,
        docs: str | None = None,
        index: str | None = None,
        embedder: str | None = None,
        store: str | None = None,
    ) -> Settings:
        """Flags win over ``QABOT_DOCS``/``QABOT_INDEX``/``QABOT_EMBEDDER``/``QABOT_STORE``,
        then defaults."""
        return cls(
            docs=Path(docs or os.environ.get("QABOT_DOCS") or "docs_src"),
            index=Path(index or os.environ.get("QABOT_INDEX") or "embeddings"),
            embedder=embedder or os.environ.get("QABOT_EMBEDDER") or DEFAULT_EMBEDDER,
            store=store or os.environ.get("QABOT_STORE") or "faiss",
        )
