"""The one function that wires the bot (:func:`build_application`), and running it.

As in python-telegram-bot's own examples: thin handlers, registered here in one place, on
PTB's ``Application``. Updates are processed concurrently without a small cap: a waiting
handler is a cheap coroutine, and the expensive part (retrieval) is bounded by the worker
pool of :mod:`~qabot.telegram.scheduler` instead — a cap of 8 let one user's backlog hold
every slot.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import warnings
from collections.abc import Callable, Coroutine, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions, MessageEntity, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from qabot.engine import Engine
from qabot.errors import UsageError
from qabot.generation.frontend import generator_for
from qabot.generation.generator import Generator
from qabot.live import LiveEngine
from qabot.settings import Settings
from qabot.telegram.callbacks import Callbacks
from qabot.telegram.config import (
    DEFAULT_LISTEN,
    DEFAULT_PORT,
    DEFAULT_RETENTION_DAYS,
    DEFAULT_STARTUP_WAIT,
    TOKEN_ENV,
    BotConfig,
    protect_logs,
)
from qabot.telegram.core import BotCore, log
from qabot.telegram.documents import DocumentCommands
from qabot.telegram.handlers import Handlers
from qabot.telegram.pending import AnyApplication, BotApplication, RecordingQueue
from qabot.telegram.transport import ApiUnreachable, ChatRateLimiter, wait_for_api
from qabot.uploads import DocumentAdmin

CONCURRENT_UPDATES = 4096
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.INLINE_QUERY,
    Update.MY_CHAT_MEMBER,
]
STOP_SIGNALS: tuple[int, ...] | None = (
    (signal.SIGINT, signal.SIGTERM, signal.SIGABRT) if os.name == "posix" else None
)
COMMANDS = {
    "zh": (
        ("start", "介绍：收录了哪些地区和文档"),
        ("help", "用法和命令"),
        ("ask", "提问，例如 /ask {example}"),
        ("district", "只查某个地区：/district {district} 或 /district all"),
        ("sources", "最新回答引用的完整段落"),
        ("forget", "删除本对话保存的回答和设置"),
    ),
    "en": (
        ("start", "What the bot knows: districts and documents"),
        ("help", "How to use it"),
        ("ask", "Ask a question (in Chinese)"),
        ("district", "Search one district only, or all"),
        ("sources", "Whole paragraphs behind the newest answer"),
        ("forget", "Delete this chat's stored answers and settings"),
    ),
}


def register(application: AnyApplication, core: BotCore) -> None:
    """Every handler, in the order PTB tries them."""
    talk, cb = Handlers(core), Callbacks(core)
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    new = filters.UpdateType.MESSAGE  # an edited text is asked again; an edited command is not
    application.add_handler(TypeHandler(Update, _refresher(core)), group=-2)
    application.add_handler(TypeHandler(Update, cb.gate), group=-1)
    for name, handler in (
        ("start", talk.start),
        ("help", talk.help),
        ("district", talk.district),
        ("sources", talk.sources),
        ("forget", talk.forget),
    ):
        application.add_handler(CommandHandler(name, handler, filters=new))
    application.add_handler(CommandHandler("ask", talk.ask_command))
    docs = DocumentCommands(core)
    application.add_handler(CommandHandler("documents", docs.documents, filters=private & new))
    application.add_handler(CommandHandler("remove", docs.remove, filters=private & new))
    application.add_handler(MessageHandler(private & new & filters.Document.ALL, docs.upload))
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(MessageHandler(private & text, talk.private_text))
    application.add_handler(MessageHandler(groups & text, talk.group_text))
    application.add_handler(MessageHandler(private & new & filters.COMMAND, talk.unknown_command))
    application.add_handler(MessageHandler(private & filters.CAPTION, talk.caption))
    mention = filters.CaptionEntity(MessageEntity.MENTION)
    application.add_handler(MessageHandler(groups & filters.CAPTION & mention, talk.caption))
    application.add_handler(
        MessageHandler(private & new & ~filters.TEXT & ~filters.StatusUpdate.ALL, talk.not_text)
    )
    application.add_handler(ChatMemberHandler(talk.greet, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(CallbackQueryHandler(cb.press))
    application.add_handler(InlineQueryHandler(cb.inline))
    application.add_error_handler(cb.on_error)


def _refresher(core: BotCore) -> Callable[[Update, object], Coroutine[Any, Any, None]]:
    """A handler run before every other: a newer index generation is taken up between
    updates (``qabot index`` in another process, ``--watch``)."""

    async def refresh(_update: Update, _context: object) -> None:
        core.refresh()

    return refresh


def build_application(
    engine: Engine,
    config: BotConfig,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    live: LiveEngine | None = None,
    admin: DocumentAdmin | None = None,
    generator: Generator | None = None,
) -> AnyApplication:
    """The PTB application: API base URL, HTML defaults, flood control, handlers; ``live``
    switches it to each new index generation, ``admin`` takes administrators' files,
    ``generator`` adds checked generated answers (streamed into the answer's message)."""
    protect_logs(config.token)
    core = BotCore.create(engine, config, live, admin, generator)

    async def post_init(application: AnyApplication) -> None:
        # the examples name the index's districts ({example}, {district})
        filled = {"example": core.example or "问题", "district": next(iter(core.known), "地区")}
        for lang, commands in COMMANDS.items():
            await application.bot.set_my_commands(
                [BotCommand(name, text.format(**filled)) for name, text in commands],
                language_code=None if lang == "zh" else lang,
            )
        # The first query pays for the embedder's warm-up; pay it before the first user does.
        for slow in (False, True):
            with suppress(Exception):
                await core.scheduler.run(core.engine_for(slow).warm)
        core.inbox.replay(application)
        log.info(
            "bot @%s ready: %d districts, %d documents, %d retrieval threads, state %s",
            application.bot.username,
            len(core.known),
            len(core.docs),
            core.scheduler.workers,
            config.state_path,
        )

    async def post_shutdown(application: AnyApplication) -> None:
        core.close()

    application = (
        ApplicationBuilder()
        .application_class(BotApplication, {"inbox": core.inbox})
        .update_queue(RecordingQueue(core.inbox))
        .token(config.token)
        .base_url(config.base_url)
        .base_file_url(config.base_file_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
            )
        )
        .rate_limiter(rate_limiter or ChatRateLimiter())
        .concurrent_updates(CONCURRENT_UPDATES)
        .connection_pool_size(64)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    register(application, core)
    return application


def webhook_path(url: str) -> str:
    """Listen on the path of the public URL, so a reverse proxy can pass it through unchanged."""
    return urlsplit(url).path.strip("/")


def _event_loop() -> asyncio.AbstractEventLoop:
    """The loop PTB's ``run_polling`` will use (the thread's current one, or a new one)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return asyncio.get_event_loop()
        except RuntimeError:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            return loop


def serve(
    application: AnyApplication,
    config: BotConfig,
    stop_signals: Sequence[int] | None = STOP_SIGNALS,
) -> None:
    """Reach the Bot API (retrying for ``config.startup_wait`` s), then run until stopped:
    long polling, or PTB's webhook server when a webhook URL is set."""
    try:
        _event_loop().run_until_complete(
            wait_for_api(application.bot, config.startup_wait, config.base_url)
        )
        if config.webhook_url:
            log.info("webhook mode: listening on %s:%d", config.listen, config.port)
            application.run_webhook(
                listen=config.listen,
                port=config.port,
                url_path=webhook_path(config.webhook_url),
                webhook_url=config.webhook_url,
                secret_token=config.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                stop_signals=stop_signals,
            )
        else:
            log.info("polling mode")
            application.run_polling(
                allowed_updates=ALLOWED_UPDATES, stop_signals=stop_signals, bootstrap_retries=3
            )
    except InvalidToken:
        raise UsageError(
            f"the Bot API rejected {TOKEN_ENV} (unauthorized): check the token with @BotFather"
        ) from None
    except NetworkError as exc:
        raise ApiUnreachable(
            f"lost the Telegram Bot API at {urlsplit(config.base_url).netloc} "
            f"({type(exc).__name__}); check the network or TELEGRAM_API_BASE_URL"
        ) from None


def run_from_cli(args: argparse.Namespace, settings: Settings) -> int:
    """``qabot telegram``: check the configuration, load the engine once, then serve."""
    config = BotConfig.from_env(
        Path(args.state) if getattr(args, "state", None) else None,
        allow=getattr(args, "allow", None),
        rate_limit=getattr(args, "rate_limit", None),
        webhook_url=getattr(args, "webhook_url", None),
        listen=getattr(args, "listen", None) or DEFAULT_LISTEN,
        port=int(_given(args, "port", DEFAULT_PORT)),
        retention_days=_given(args, "retention_days", DEFAULT_RETENTION_DAYS),
        startup_wait=_given(args, "startup_wait", DEFAULT_STARTUP_WAIT),
    )
    protect_logs(config.token)
    generator = generator_for(args)  # before the model loads: a half configuration fails fast
    if generator is not None:
        log.info("generated answers from %s, checked sentence by sentence", generator.config.model)
    engine = Engine.open(settings)
    live = LiveEngine(engine, settings.index, settings.store)
    admin = DocumentAdmin(settings.docs, settings.index, live, settings.store)
    application = build_application(engine, config, live=live, admin=admin, generator=generator)
    serve(application, config)
    logging.getLogger(__name__).info("stopped")
    return 0


def _given(args: argparse.Namespace, name: str, default: float) -> float:
    value = getattr(args, name, None)
    return default if value is None else float(value)
