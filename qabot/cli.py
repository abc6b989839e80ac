"""The ``qabot`` command line: index, ask, repl, eval, telegram, serve, feedback.

The contract is docs/contract.md. Exit codes: 0 success, 1 internal error, 2 usage error,
3 missing/corrupt/mismatched or unwritable index or unreadable corpus, 4 Bot API unreachable
at start-up, 130 interrupted; errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import logging
import signal
import sqlite3
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from qabot.arguments import build_parser
from qabot.errors import QabotError, UsageError
from qabot.threads import configure, parse_threads

if TYPE_CHECKING:
    from qabot.engine import Engine
    from qabot.indexer import BuildReport
    from qabot.settings import Settings
    from qabot.types import Answer

# Only argument parsing happens at import: `--help`, `--version` and usage errors answer at
# once, and each command imports the heavy parts (jieba, FAISS, the embedder) it needs.

log = logging.getLogger("qabot")


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # httpx logs every request URL at INFO, and a Telegram URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _settings(args: argparse.Namespace) -> Settings:
    from qabot.settings import Settings

    return Settings.from_env(args.docs, args.index, args.embedder, args.store)


def cmd_index(args: argparse.Namespace) -> int:
    from qabot.indexer import build

    settings = _settings(args)
    if args.watch:
        return _watch_index(args, settings)
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


def _watch_index(args: argparse.Namespace, settings: Settings) -> int:
    from qabot.watch import watch

    def report(outcome: BuildReport | QabotError) -> None:
        if isinstance(outcome, QabotError):
            print(f"qabot: index not rebuilt: {outcome}", file=sys.stderr, flush=True)
        elif args.json:
            print(json.dumps(outcome.__dict__, ensure_ascii=False), flush=True)
        else:
            print(outcome.summary(), flush=True)

    print(f"qabot: watching {settings.docs}; Ctrl-C stops", file=sys.stderr, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        watch(settings.docs, settings.index, settings.embedder, report, store=settings.store)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    if args.batch and args.question:
        raise UsageError("give either a question or --batch FILE, not both")
    if not args.batch and args.question is None:
        raise UsageError('no question: qabot ask "问题" (or --batch FILE)')
    from qabot.validation import validate_k, validate_question

    validate_k(args.k)
    if args.question is not None:
        validate_question(args.question)  # before the model and the index are loaded
    from qabot.batch import read_batch
    from qabot.generation.config import wanted
    from qabot.render import render_json, render_terminal

    generator, as_json = None, render_json
    if wanted(args):  # else no generation code (nor httpx) is imported
        from qabot.generation.frontend import answer_json, generator_for, stream_terminal

        generator = generator_for(args)
        if generator is not None:
            as_json = functools.partial(answer_json, generator=generator)
    stream = None if not args.batch else sys.stdin.buffer if args.batch == "-" else _open(args)
    engine = _open_engine(args)
    color = sys.stdout.isatty()
    if stream is None:
        answer = engine.ask(args.question, k=args.k, district=args.district)
        _warn_overridden(engine, args.question, answer)
        log.info(
            "answered in %.0f ms: %d passages, type %s, no_answer %s",
            answer.latency_ms,
            len(answer.passages),
            answer.to_dict().get("answer_type", "-"),
            answer.no_answer,
        )
        if generator is not None and not args.json:
            stream_terminal(generator, answer)
        print(as_json(answer) if args.json else render_terminal(answer, engine.districts, color))
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
                as_json(answer)
                if args.json  # without it, each answer says which question it belongs to
                else f"问：{answer.question}\n{render_terminal(answer, engine.districts)}\n",
                flush=True,
            )
    if failed:
        log.warning("%d question(s) could not be answered; see the 'error' objects", failed)
    return 0


def _warn_overridden(engine: Engine, question: str, answer: Answer) -> None:
    """Say on stderr when ``--district`` keeps out a district the question names (北辰区
    searched, 东丽区 asked about): the answer would otherwise look like one about it."""
    left_out = [d for d in engine.gazetteer.find(question) if d not in answer.districts]
    if not left_out or not answer.districts:
        return
    searched = "、".join(answer.districts)
    if answer.language == "en":
        print(
            f"qabot: --district searched {searched} only; the question names "
            f"{', '.join(left_out)}, not searched",
            file=sys.stderr,
        )
    else:
        print(
            f"qabot: --district 只查找了{searched}；问题提到的{'、'.join(left_out)}没有查找",
            file=sys.stderr,
        )


def _open(args: argparse.Namespace) -> BinaryIO:
    try:
        return open(Path(args.batch), "rb")
    except OSError as exc:
        raise UsageError(f"cannot read question file {args.batch}: {exc.strerror}") from exc


def cmd_repl(args: argparse.Namespace) -> int:
    from qabot.repl import Repl
    from qabot.validation import validate_k

    # Undecodable input bytes reach the engine as lone surrogates, which it refuses as a
    # usage error (one "!" line) instead of the session dying on a UnicodeDecodeError.
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="surrogateescape")
    engine = _open_engine(args)
    engine.embedder.embed_queries(["预热"])  # the model's first-call set-up, before the user
    return Repl(
        engine,
        k=validate_k(args.k),
        district=engine.resolve_district(args.district),
        as_json=args.json,
    ).run()


def cmd_eval(args: argparse.Namespace) -> int:
    from qabot.evaluation import load_questions, render_table, run_evaluation
    from qabot.validation import validate_k

    k = validate_k(args.k)
    if args.report:
        from qabot.evaluation.report import require_matplotlib

        require_matplotlib()
    questions = load_questions(Path(args.file))
    generator = None
    if args.llm:
        from qabot.generation.frontend import generator_for

        generator = generator_for(args)
    engine = _open_engine(args)
    result = run_evaluation(engine, questions, k=k, mode=args.mode, progress=True, folds=args.folds)
    table = "" if args.json else render_table(result)
    output: dict[str, Any] = dict(result)
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

    try:
        store = FeedbackStore(args.file)
        if args.action == "export":
            count = store.export(args.output)
            print(
                f"{count} 👎 question(s) written to {args.output} (label them, then add to the set)"
            )
            return 0
        stats = store.stats()
    except sqlite3.DatabaseError as exc:
        raise UsageError(
            f"{args.file or 'the feedback store'} is not a readable feedback database ({exc}): "
            "point --file at one, or move the damaged file away",
            "bad_feedback_store",
        ) from None
    except OSError as exc:
        where = exc.filename or args.file or "the feedback store"
        raise UsageError(f"cannot use {where}: {exc.strerror}", "bad_feedback_store") from None
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


# A Ctrl-C that a library swallowed while it loaded (a bare ``except`` around an optional
# import): noted by main()'s SIGINT handler and honoured once the engine is open.
_INTERRUPTED = threading.Event()


def _note_interrupt(signum: int, frame: object) -> None:
    _INTERRUPTED.set()
    raise KeyboardInterrupt


def _open_engine(args: argparse.Namespace) -> Engine:
    """The engine of ``args``' settings; a Ctrl-C pressed while it loaded ends the command."""
    from qabot.engine import Engine

    engine = Engine.open(_settings(args))
    if _INTERRUPTED.is_set():
        raise KeyboardInterrupt
    return engine


def _interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` comes of a Ctrl-C: a native module that was loading when it came turns
    it into its own error (OpenCC's pybind11 start-up raises ImportError from it, and OpenCC
    then tries another path and raises another), so its chain is searched."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        stack += [current.__cause__, current.__context__]
    return False


def main(argv: list[str] | None = None) -> int:
    _INTERRUPTED.clear()
    previous = signal.getsignal(signal.SIGINT)
    ours = previous is signal.default_int_handler and threading.current_thread() is (
        threading.main_thread()
    )
    if ours:  # not where SIGINT is ignored (a background job) or handled by the caller
        signal.signal(signal.SIGINT, _note_interrupt)
    try:
        return _run(argv)
    finally:
        if ours:
            signal.signal(signal.SIGINT, previous)


def _run(argv: list[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
        args.verbose += args.verbose_first
        _configure_logging(args.verbose)
        if hasattr(args, "threads"):  # before any native library loads (qabot.threads)
            workers = args.workers if args.command == "index" else 1  # embedding processes
            configure(parse_threads(args.threads), workers, build=args.command == "index")
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
        if _interrupted(exc):
            print("qabot: interrupted", file=sys.stderr)
            return 130
        log.debug("internal error", exc_info=True)
        print(
            f"qabot: internal error: {type(exc).__name__}: {exc} (-vv shows the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
