"""Administrators manage documents from Telegram: send a file in a private chat to add it,
``/documents`` to list what is indexed, ``/remove ID`` to take one out.

Administrators are the user ids in ``QABOT_TELEGRAM_ADMINS`` (nobody by default). The file
goes through :class:`qabot.uploads.DocumentAdmin` — the same checks, rebuild and roll-back as
``POST /api/documents`` — in a thread, so other chats go on being answered meanwhile. A
caption ``replace`` overwrites a document of the same name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from html import escape

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from qabot.errors import QabotError
from qabot.telegram.core import BotCore, log
from qabot.telegram.texts import language, say
from qabot.telegram.updates import message_of
from qabot.uploads import Change, DocumentAdmin

MAX_DOWNLOAD = 20 * 1024 * 1024  # the Bot API's own limit for getFile


def describe(change: Change, lang: str = "zh") -> str:
    """The reply to an administrator: what was indexed (or removed)."""
    doc = change.document
    place = doc.get("district") or say(lang, "no_district")
    colon, gap = ("：", "　") if lang == "zh" else (": ", " · ")
    size = say(lang, "document_size", paragraphs=doc["paragraphs"], chunks=doc["chunks"])
    return (
        f"{say(lang, change.action)}{colon}<b>{escape(doc.get('title') or doc['doc_id'])}</b>\n"
        f"ID{colon}<code>{escape(doc['doc_id'])}</code>{gap}{escape(place)}"
        f"{gap + escape(doc['date']) if doc.get('date') else ''}\n{size}"
    )


class DocumentCommands:
    """The handlers; each checks that the sender is an administrator first."""

    def __init__(self, core: BotCore) -> None:
        self.core = core

    def _admin(self, update: Update) -> DocumentAdmin | None:
        """The document administration, when the sender may use it (else ``None``)."""
        user = update.effective_user
        allowed = user is not None and user.id in self.core.config.admins
        return self.core.admin if allowed else None

    async def upload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, lang = message_of(update), language(update.effective_user)
        admin = self._admin(update)
        if admin is None or message.document is None:
            await self.core.reply(message, say(lang, "admins_only_add"))
            return
        document = message.document
        if (document.file_size or 0) > MAX_DOWNLOAD:
            await self.core.reply(message, say(lang, "too_big"))
            return
        try:
            data = bytes(await (await document.get_file()).download_as_bytearray())
        except TelegramError as exc:
            await self.core.reply(message, say(lang, "no_download", error=escape(str(exc))))
            return
        await self.core.reply(message, say(lang, "indexing"))
        replace = (message.caption or "").strip().lower() == "replace"
        await self._change(message, lang, admin.add, document.file_name or "", data, replace)

    async def remove(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, lang = message_of(update), language(update.effective_user)
        admin = self._admin(update)
        if admin is None:
            await self.core.reply(message, say(lang, "admins_only_remove"))
            return
        if not context.args:
            await self.core.reply(message, say(lang, "remove_usage"))
            return
        await self._change(message, lang, admin.remove, context.args[0])

    async def documents(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.core.refresh()
        lang = language(update.effective_user)
        lines = [
            f"<code>{escape(d.doc_id)}</code> {escape(d.label(lang))}"
            + say(lang, "chunks", chunks=d.chunks)
            for d in self.core.docs
        ]
        await self.core.reply(message_of(update), "\n".join(lines) or say(lang, "no_documents"))

    async def _change(
        self, message: Message, lang: str, call: Callable[..., Change], *args: object
    ) -> None:
        try:
            change = await asyncio.to_thread(call, *args)
        except QabotError as exc:
            log.info("document change refused: %s", exc.reason)
            await self.core.reply(message, say(lang, "not_done", error=escape(str(exc))))
            return
        self.core.refresh()
        await self.core.reply(message, describe(change, lang))
