"""The ``qabot`` command line's arguments: every command, its flags and their help.

Only argparse and small constants are imported here, so ``--help``, ``--version`` and a
usage error answer before anything heavy loads.
"""

from __future__ import annotations

import argparse

from qabot.generation.config import add_llm_flags
from qabot.threads import THREADS_ENV
from qabot.types import MODES
from qabot.version import __version__


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--docs", help="document folder (default: docs_src, or $QABOT_DOCS)")
    parser.add_argument("--index", help="index folder (default: embeddings, or $QABOT_INDEX)")
    parser.add_argument(
        "--embedder", help="e5-small (default, offline) or st:NAME_OR_PATH (or $QABOT_EMBEDDER)"
    )
    parser.add_argument(
        "--store",
        help="faiss (default), milvus-lite:PATH, milvus://HOST:PORT or an https:// Milvus URI "
        "(or $QABOT_STORE; token from $QABOT_MILVUS_TOKEN)",
    )
    parser.add_argument(
        "--threads",
        metavar="N",
        help=f"threads for the embedder and FAISS (default: ${THREADS_ENV}, else 1 to answer "
        "and the cores this process may use to index; OMP_NUM_THREADS, when set, wins)",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv: debug)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qabot",
        description="Ask Chinese government documents a question; get cited excerpts.",
    )
    parser.add_argument("--version", action="version", version=f"qabot {__version__}")
    # also before the command (`qabot -v ask …`); added to the command's own -v in main()
    parser.add_argument("-v", "--verbose", dest="verbose_first", action="count", default=0)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    index = sub.add_parser(
        "index", help="build or refresh the index (only changed documents are re-embedded)"
    )
    _common(index)
    index.add_argument("--json", action="store_true", help="print the build report as JSON")
    index.add_argument(
        "--force", action="store_true", help="re-embed everything instead of reusing vectors"
    )
    index.add_argument(
        "--workers", type=int, default=1, metavar="N", help="embed in N processes (default 1)"
    )
    index.add_argument(
        "--watch",
        action="store_true",
        help="stay running: rebuild whenever the documents folder changes (Ctrl-C stops)",
    )

    ask = sub.add_parser("ask", help="answer one question, or a JSONL file of questions")
    _common(ask)
    ask.add_argument("question", nargs="?", help="the question, in Chinese")
    ask.add_argument(
        "--batch", metavar="FILE", help="JSONL with 'question' (+ 'id', 'district'); '-' for stdin"
    )
    ask.add_argument("--k", type=int, default=5, help="passages to return (default 5)")
    ask.add_argument("--district", help="only this district (北辰区, 北辰, 北辰區 … or 'all')")
    ask.add_argument("--json", action="store_true", help="one JSON answer object per question")
    add_llm_flags(ask, "also a generated answer, every sentence checked")

    repl = sub.add_parser("repl", help="interactive session")
    _common(repl)
    repl.add_argument("--k", type=int, default=5)
    repl.add_argument("--district")
    repl.add_argument("--json", action="store_true", help="start in JSON output mode")

    evaluate = sub.add_parser("eval", help="retrieval metrics on a question set")
    _common(evaluate)
    evaluate.add_argument("file", help="question set, JSONL: id, question, answers, district, type")
    evaluate.add_argument(
        "--k",
        type=int,
        default=5,
        help="passages per question for hit@k failures and comparison coverage (default 5); "
        "ranking metrics always use the top 10",
    )
    evaluate.add_argument("--mode", choices=MODES, default="hybrid")
    evaluate.add_argument(
        "--folds",
        type=int,
        default=0,
        metavar="K",
        help="also fit the answer/refuse rule on K-1 folds and report each held-out fold "
        "(under held_out in --json)",
    )
    evaluate.add_argument("--json", action="store_true", help="print the metrics as a JSON object")
    evaluate.add_argument(
        "--report",
        metavar="DIR",
        help="also run all three modes; write DIR/eval-report.md with PNG charts and the failures",
    )
    add_llm_flags(
        evaluate, "also generate answers: dropped sentences, answer_hit of generated text"
    )

    telegram = sub.add_parser(
        "telegram", help="run the Telegram bot (token from $TELEGRAM_BOT_TOKEN)"
    )
    _common(telegram)
    telegram.add_argument(
        "--webhook-url", help="public HTTPS URL: run in webhook mode instead of polling"
    )
    telegram.add_argument("--listen", help="webhook server address (default 127.0.0.1)")
    telegram.add_argument("--port", type=_port, help="webhook server port (default 8443)")
    telegram.add_argument(
        "--state",
        metavar="FILE",
        help="SQLite file for per-chat settings and recent answers "
        "(default: $QABOT_STATE_DIR/telegram.sqlite3, i.e. ~/.local/state/qabot/)",
    )
    telegram.add_argument(
        "--allow",
        metavar="IDS",
        help="only these user/chat ids, comma-separated (added to $QABOT_TELEGRAM_ALLOW)",
    )
    telegram.add_argument(
        "--rate-limit",
        type=int,
        metavar="N",
        help="questions per user per minute, 0 = off (default 10, or $QABOT_TELEGRAM_RATE_LIMIT)",
    )
    telegram.add_argument(
        "--retention-days",
        type=float,
        metavar="DAYS",
        help="keep each chat's answers (and their buttons) this long (default 30)",
    )
    telegram.add_argument(
        "--startup-wait",
        type=float,
        metavar="SECONDS",
        help="keep retrying an unreachable Bot API this long at start-up, then exit 4 "
        "(default 120)",
    )
    add_llm_flags(telegram, "also generated answers, streamed and checked (error if no model)")
    serve = sub.add_parser("serve", help="HTTP API and web chat page (extra 'web')")
    _common(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    serve.add_argument(
        "--workers", type=int, help="threads answering questions (default 2, $QABOT_WEB_WORKERS)"
    )
    serve.add_argument(
        "--rate-limit",
        type=int,
        metavar="N",
        help="questions per client per minute, 0 = off (default 60, or $QABOT_RATE_LIMIT)",
    )
    add_llm_flags(
        serve, "also generated answers, every sentence checked (error if no model is set)"
    )
    feedback = sub.add_parser("feedback", help="👍/👎 collected by the bot and the web page")
    _common(feedback)  # accepted like everywhere; the votes do not depend on the index
    feedback.add_argument(
        "--file", help="feedback database (default: $QABOT_STATE_DIR/feedback.sqlite3)"
    )
    actions = feedback.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write the 👎 questions as question-set JSONL")
    export.add_argument("output", help="JSONL file to write")
    stats = actions.add_parser("stats", help="counts by vote, reason, district and channel")
    stats.add_argument("--json", action="store_true")
    return parser


def _port(value: str) -> int:
    """A TCP port for argparse: 70000 is a usage error, not a traceback from bind()."""
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 65536:
        raise argparse.ArgumentTypeError(f"port must be 1-65535, not {value!r}")
    return int(value)
