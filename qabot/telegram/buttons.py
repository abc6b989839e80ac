"""Inline keyboards under an answer, and the strict parsing of what a button press sends.

Callback data is ``ACTION:KEY:ARG`` (≤ 64 bytes, Telegram's limit): ``pg`` turns to a page,
``par`` opens a passage's whole paragraph, ``fb`` votes 👍/👎, ``why`` gives the 👎 reason.
Anything else — an old button, a forged payload — parses to ``None`` and expires politely.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from qabot.feedback import REASONS
from qabot.telegram.records import Record, page_passages, pages
from qabot.telegram.texts import reason_label, say

_DATA = re.compile(r"(pg|par|fb|why):([0-9a-f]{12}):([a-z_0-9]{1,16})")


@dataclass(frozen=True)
class Press:
    """A parsed button press."""

    action: str
    key: str
    arg: str

    @property
    def number(self) -> int | None:
        return int(self.arg) if self.arg.isdigit() and len(self.arg) < 4 else None


def parse(data: str | None) -> Press | None:
    """The press, or ``None`` for data this version did not make."""
    match = _DATA.fullmatch(data or "")
    return Press(*match.groups()) if match else None


def _button(text: str, action: str, key: str, arg: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=f"{action}:{key}:{arg}")


def keyboard(record: Record, page_size: int) -> InlineKeyboardMarkup:
    """Passage buttons of the shown page, ‹ › paging, then 👍/👎 (or the 👎 reasons)."""
    key, page, total = record["key"], record["page"], pages(record, page_size)
    lang = record.get("lang", "zh")  # labels in the asker's language (older records: Chinese)
    rows = []
    shown = page_passages(record, page, page_size)
    if shown:
        rows.append(
            [_button(say(lang, "whole", n=p["rank"]), "par", key, p["rank"]) for p in shown]
        )
    nav = []
    if page > 0:
        nav.append(_button(say(lang, "previous"), "pg", key, page - 1))
    if page + 1 < total:
        nav.append(_button(say(lang, "more" if page == 0 else "next"), "pg", key, page + 1))
    if nav:
        rows.append(nav)
    if record["vote"] is None:
        rows.append([_button("👍", "fb", key, "up"), _button("👎", "fb", key, "down")])
    elif record["vote"] == "down" and record["reason"] is None:
        reasons = [_button(reason_label(lang, code), "why", key, code) for code in REASONS]
        rows.extend([reasons[:2], reasons[2:]])
    return InlineKeyboardMarkup(rows)
