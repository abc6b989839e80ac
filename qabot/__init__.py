"""qabot: ask Chinese government documents a question, get cited, district-attributed excerpts."""

__version__ = "0.1.0"
