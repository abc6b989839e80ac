"""The parts of an update a handler reads, narrowed from python-telegram-bot's optionals.

Every part of an :class:`~telegram.Update` is typed optional, since one update carries only
some of them; each handler is registered (:mod:`qabot.telegram.app`) for updates that carry
the part it reads, so a missing one is a registration mistake, raised as such.
"""

from __future__ import annotations

from typing import TypeVar

from telegram import CallbackQuery, Chat, ChatMemberUpdated, InlineQuery, Message, Update

T = TypeVar("T")


def _present(part: T | None, what: str, update: Update) -> T:
    if part is None:
        raise LookupError(f"update {update.update_id} carries no {what}")
    return part


def message_of(update: Update) -> Message:
    return _present(update.effective_message, "message", update)


def chat_of(update: Update) -> Chat:
    return _present(update.effective_chat, "chat", update)


def callback_of(update: Update) -> CallbackQuery:
    return _present(update.callback_query, "callback query", update)


def inline_of(update: Update) -> InlineQuery:
    return _present(update.inline_query, "inline query", update)


def member_change_of(update: Update) -> ChatMemberUpdated:
    return _present(update.my_chat_member, "chat member change", update)
