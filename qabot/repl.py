"""Interactive session: ask question after question with the model loaded once.

Line editing and history come from the standard library's ``readline`` (history kept in
``~/.qabot_history``); with piped stdin there is no prompt and each line is a question, so
``echo 问题 | qabot repl`` works as well as a terminal.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from qabot.engine import Engine
from qabot.errors import UsageError
from qabot.render import render_json, render_terminal
from qabot.validation import MAX_K, validate_k

HISTORY = Path.home() / ".qabot_history"
HELP = """命令 / commands:
  :k N                 passages per answer (now {k})
  :district NAME|all   only this district (now {district})
  :json                toggle JSON output (now {json})
  :help                this help
  :quit                leave (Ctrl-D works too; Ctrl-C cancels the line)
Anything else is a question, e.g. 北辰区种了多少亩春小麦？"""


class Repl:
    def __init__(
        self,
        engine: Engine,
        k: int = 5,
        district: str | None = None,
        as_json: bool = False,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self.engine = engine
        self.k = k
        self.district = district
        self.as_json = as_json
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.interactive = self.stdin.isatty() and self.stdout.isatty()

    def say(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)

    def run(self) -> int:
        if self.interactive:
            self._load_history()
            self.say(
                f"qabot — {self.engine.store.size} passages from "
                f"{'、'.join(self.engine.districts)}. :help for commands, Ctrl-D to leave."
            )
        try:
            while True:
                try:
                    line = self._read()
                    if line is None or not self.handle(line):
                        break
                except KeyboardInterrupt:
                    self.say(
                        ""
                    )  # Ctrl-C drops the line (or the answer being made), not the session

        finally:
            if self.interactive:
                self._save_history()
        return 0

    def _read(self) -> str | None:
        if self.interactive:
            try:
                return input("问> ")
            except EOFError:
                self.say("")
                return None
        line = self.stdin.readline()
        return None if line == "" else line.rstrip("\n")

    def handle(self, line: str) -> bool:
        """Process one line; False means leave."""
        line = line.strip()
        if not line:
            return True
        try:
            if line.startswith(":"):
                return self._command(line)
            answer = self.engine.ask(line, k=self.k, district=self.district)
            self.say(
                render_json(answer)
                if self.as_json
                else render_terminal(answer, self.engine.districts, color=self.interactive) + "\n"
            )
        except UsageError as exc:
            self.say(f"! {exc}")
        return True

    def _command(self, line: str) -> bool:
        name, _, arg = line[1:].partition(" ")
        arg = arg.strip()
        if name in ("q", "quit", "exit"):
            return False
        if name in ("h", "help", "?"):
            self.say(
                HELP.format(
                    k=self.k, district=self.district or "all", json="on" if self.as_json else "off"
                )
            )
        elif name == "k":
            if not (arg.isascii() and arg.isdigit()):  # not ², ① or ٣, which int() refuses
                raise UsageError(":k needs a number, e.g. :k 3")
            if len(arg.lstrip("0")) > len(str(MAX_K)):  # 5,000 digits: past int()'s limit
                raise UsageError(f"k must be between 1 and {MAX_K}, not {arg[:10]}…")
            self.k = validate_k(int(arg))
            self.say(f"k = {self.k}")
        elif name == "district":
            if not arg:
                raise UsageError(
                    ":district needs a name or 'all'; known: " + "、".join(self.engine.districts)
                )
            self.district = self.engine.resolve_district(arg)
            self.say(f"district = {self.district or 'all'}")
        elif name == "json":
            self.as_json = not self.as_json
            self.say(f"json = {'on' if self.as_json else 'off'}")
        else:
            raise UsageError(f"unknown command :{name} (:help lists them)")
        return True

    def _load_history(self) -> None:
        try:
            import readline

            readline.read_history_file(HISTORY)
        except (ImportError, OSError):
            pass

    def _save_history(self) -> None:
        try:
            import readline

            readline.set_history_length(1000)
            readline.write_history_file(HISTORY)
        except (ImportError, OSError):
            pass
