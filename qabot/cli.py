"""The ``qabot`` command line: index, ask, repl, eval, telegram, serve, feedback.

The contract is docs/contract.md. Exit codes: 0 success, 1 internal error, 2 usage error,
3 missing/corrupt/mismatched or unwritable index or unreadable corpus, 4 Bot API unreachable
at start-up, 130 interrupted; errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
from pathlib import Path
from typing import BinaryIO

from qabot import __version__
from qabot.batch import read_batch
from qabot.engine import Engine, Settings, validate_k, validate_question
from qabot.errors import QabotError, UsageError
from qabot.generation.config import add_llm_flags, generator_for
from qabot.indexer import build
from qabot.render import render_json, render_terminal
from qabot.types import MODES

log = logging.getLogger("qabot")


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
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv: debug)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qabot",
        description="Ask Chinese government documents a question; get cited excerpts.",
    )
    parser.add_argument("--version", action="version", version=f"qabot {__version__}")
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
    telegram.add_argument("--port", type=int, help="webhook server port (default 8443)")
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
    serve = sub.add_parser("serve", help="HTTP API and web chat page (extra 'web')")
    _common(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
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
    feedback.add_argument("-v", "--verbose", action="count", default=0)
    feedback.add_argument(
        "--file", help="feedback database (default: $QABOT_STATE_DIR/feedback.sqlite3)"
    )
    actions = feedback.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write the 👎 questions as question-set JSONL")
    export.add_argument("output", help="JSONL file to write")
    stats = actions.add_parser("stats", help="counts by vote, reason, district and channel")
    stats.add_argument("--json", action="store_true")
    return parser


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # httpx logs every request URL at INFO, and a Telegram URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(args.docs, args.index, args.embedder, args.store)


def cmd_index(args: argparse.Namespace) -> int:
    settings = _settings(args)
    report = build(
        settings.docs,
        settings.index,
        settings.embedder,
        force=args.force,
        progress=not args.json,
        store=settings.store,
        workers=args.workers,
    )
    if args.json:
        print(json.dumps(report.__dict__, ensure_ascii=False))
    else:
        print(report.summary())
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    validate_k(args.k)
    if args.batch and args.question:
        raise UsageError("give either a question or --batch FILE, not both")
    if not args.batch and args.question is None:
        raise UsageError('no question: qabot ask "北辰区种了多少亩春小麦？" (or --batch FILE)')
    if args.question is not None:
        validate_question(args.question)  # before the model and the index are loaded
    generator = generator_for(args)
    stream = None if not args.batch else sys.stdin.buffer if args.batch == "-" else _open(args)
    engine = Engine.open(_settings(args))
    color = sys.stdout.isatty()
    if stream is None:
        answer = engine.ask(args.question, k=args.k, district=args.district)
        if generator is not None:
            from qabot.generation.frontend import answer_json, stream_terminal

            if not args.json:
                stream_terminal(generator, answer.to_dict())
        print(
            (render_json(answer) if generator is None else answer_json(answer, generator))
            if args.json
            else render_terminal(answer, engine.districts, color)
        )
        return 0
    failed = 0
    with stream:
        for number, qid, request, error in read_batch(stream):
            try:
                if error or request is None:
                    raise UsageError(error or f"line {number}: unreadable")
                answer = engine.ask(
                    request["question"],
                    k=args.k,
                    district=request.get("district") or args.district,
                    qid=qid,
                )
            except UsageError as exc:
                failed += 1
                message = str(exc) if str(exc).startswith("line ") else f"line {number}: {exc}"
                print(json.dumps({"id": qid, "error": message}, ensure_ascii=False), flush=True)
                print(f"qabot: {message}", file=sys.stderr)
                continue
            print(
                (render_json(answer) if generator is None else answer_json(answer, generator))
                if args.json
                else render_terminal(answer, engine.districts) + "\n",
                flush=True,
            )
    if failed:
        log.warning("%d question(s) could not be answered; see the 'error' objects", failed)
    return 0


def _open(args: argparse.Namespace) -> BinaryIO:
    try:
        return open(Path(args.batch), "rb")
    except OSError as exc:
        raise UsageError(f"cannot read question file {args.batch}: {exc.strerror}") from exc


def cmd_repl(args: argparse.Namespace) -> int:
    from qabot.repl import Repl

    # Undecodable input bytes reach the engine as lone surrogates, which it refuses as a
    # usage error (one "!" line) instead of the session dying on a UnicodeDecodeError.
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="surrogateescape")
    engine = Engine.open(_settings(args))
    return Repl(
        engine,
        k=validate_k(args.k),
        district=engine.resolve_district(args.district),
        as_json=args.json,
    ).run()


def cmd_eval(args: argparse.Namespace) -> int:
    from qabot.evaluation import load_questions, render_table, run_evaluation

    k = validate_k(args.k)
    questions = load_questions(Path(args.file))
    generator = generator_for(args) if args.llm else None
    engine = Engine.open(_settings(args))
    result = run_evaluation(engine, questions, k=k, mode=args.mode, progress=True, folds=args.folds)
    table = "" if args.json else render_table(result)
    output: dict = dict(result)
    if generator is not None:
        from qabot.generation.evaluate import evaluate_generation, render_generation

        output["llm"] = summary = evaluate_generation(engine, questions, generator, k)
        table += "\n" + render_generation(summary)
    print(json.dumps(output, ensure_ascii=False) if args.json else table)
    if args.report:
        from qabot.evaluation import write_report

        path = write_report(
            engine,
            questions,
            Path(args.report),
            k=k,
            results={args.mode: result},
            primary=args.mode,
            progress=True,
        )
        print(f"report written to {path}", file=sys.stderr)
    return 0


def cmd_telegram(args: argparse.Namespace) -> int:
    """The bot is a service: INFO logs with timestamps (``-v``: DEBUG), exit 4 when the Bot
    API stays unreachable at start-up."""
    from qabot.telegram import run_from_cli
    from qabot.telegram.config import configure_logging

    configure_logging(args.verbose)
    return run_from_cli(args, _settings(args))


def cmd_serve(args: argparse.Namespace) -> int:
    from qabot.web.server import run_from_cli

    return run_from_cli(args, _settings(args))


def cmd_feedback(args: argparse.Namespace) -> int:
    from qabot.feedback import FeedbackStore

    store = FeedbackStore(args.file)
    if args.action == "export":
        count = store.export(args.output)
        print(f"{count} 👎 question(s) written to {args.output} (label them, then add to the set)")
        return 0
    stats = store.stats()
    if args.json:
        print(json.dumps(stats, ensure_ascii=False))
        return 0
    print(f"{stats['votes']} votes: {stats['up']} 👍, {stats['down']} 👎")
    for title, key in (
        ("reason", "by_reason"),
        ("district", "by_district"),
        ("channel", "by_channel"),
    ):
        for name, count in sorted(stats[key].items(), key=lambda item: -item[1]):
            print(f"  {title:<8} {name:<12} {count}")
    return 0


# Errors about a parameter name the flag that set it (the library's messages do not).
FLAGS = {"bad_k": "--k"}

COMMANDS = {
    "index": cmd_index,
    "ask": cmd_ask,
    "repl": cmd_repl,
    "eval": cmd_eval,
    "telegram": cmd_telegram,
    "feedback": cmd_feedback,
    "serve": cmd_serve,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    try:
        return COMMANDS[args.command](args)
    except QabotError as exc:
        flag = FLAGS.get(exc.reason)
        print(f"qabot: error: {flag + ': ' if flag else ''}{exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("qabot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: still one line (the traceback with -vv)
        log.debug("internal error", exc_info=True)
        print(
            f"qabot: internal error: {type(exc).__name__}: {exc} (-vv shows the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
