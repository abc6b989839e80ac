"""The workbench of the fault drill: a small real corpus and index, fresh copies of it to
break, and ``qabot`` run as a real process (optionally as another user) to observe.

Used by ``scripts/fault_drill.py`` and by the tests that run its cases
(``tests/test_robustness.py``, ``tests/test_concurrency.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import forkserver

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "docs_src"
# Answered by the first paragraphs of the Dongli interview: 划分278个全科网格.
QUESTION = "东丽区划分了多少个全科网格？"
FACT = "278个全科网格"
BASELINE = "baseline.json"  # a kept Lab's baseline answer, beside its base site
# Root without the capabilities that let it ignore file permissions: a real "permission
# denied" for a process that can still run the shared Python (which lives under /root).
UNPRIVILEGED = ("setpriv", "--bounding-set=-dac_override,-dac_read_search", "--")


@dataclass
class Run:
    """What one ``qabot`` process did."""

    rc: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]

    def error_line(self) -> str:
        """The ``qabot: error:`` line, if there is exactly one and no traceback."""
        errors = [line for line in self.err_lines if line.startswith("qabot: error:")]
        return errors[0] if len(errors) == 1 and "Traceback" not in self.err else ""

    def answer(self) -> dict:
        """The JSON answer object printed on stdout ({} if there is none)."""
        try:
            return json.loads(self.out.splitlines()[0])
        except (IndexError, ValueError):
            return {}

    def summary(self) -> str:
        last = self.error_line() or (self.err_lines[-1] if self.err_lines else "")
        return f"exit {self.rc}" + (f": {last[:160]}" if last else "")


@dataclass
class Site:
    """One copy of the corpus and its index, free to damage. ``crashes`` collects what must
    never happen in any case (exit 1, a traceback), shared with the :class:`Lab`."""

    docs: Path
    index: Path
    crashes: list[str] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "QABOT_DOCS": str(self.docs),
            "QABOT_INDEX": str(self.index),
            "PYTHONPATH": str(ROOT),
            "PYTHONWARNINGS": "ignore",
            "PYTHONIOENCODING": "utf-8",
            "HF_HUB_OFFLINE": "1",
            "HOME": str(self.docs.parent),
        }

    def command(self, *args: str | bytes, unprivileged: bool = False) -> list[str | bytes]:
        prefix = UNPRIVILEGED if unprivileged else ()
        return [*prefix, sys.executable, "-m", "qabot", *args]

    def start(self, *args: str | bytes) -> subprocess.Popen:
        """``qabot ARGS`` in the background (for kills and races); forked by a server that has
        imported qabot when that is faithful, like every run here (:mod:`forkserver`)."""
        return forkserver.popen(
            self.command(*args),
            env=self.env(),
            cwd=self.docs.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def qabot(
        self,
        *args: str | bytes,
        stdin: bytes | None = None,
        unprivileged: bool = False,
        timeout: float = 600,
        env: dict[str, str] | None = None,
    ) -> Run:
        """``qabot ARGS`` run to completion; ``unprivileged``: subject to file permissions
        even as root (see :data:`UNPRIVILEGED`); ``env`` adds to the environment."""
        done = forkserver.run(
            self.command(*args, unprivileged=unprivileged),
            env={**self.env(), **(env or {})},
            cwd=self.docs.parent,
            input=stdin,
            capture_output=True,
            timeout=timeout,
        )
        here = str(self.docs.parent)  # shortened to "…" so the table shows the message
        run = Run(
            done.returncode,
            done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace").replace(here, "…"),
        )
        self.crashed(f"qabot {_shown(args)}", run.rc, run.err)
        return run

    def crashed(self, what: str, rc: int | None, err: str) -> None:
        """Note ``what`` in :attr:`crashes` if it ended in exit 1 or printed a traceback."""
        if rc == 1 or "Traceback" in err:
            traced = " with a traceback" if "Traceback" in err else ""
            self.crashes.append(f"{what}: exit {rc}{traced}")

    def ask(self, question: str = QUESTION, unprivileged: bool = False) -> Run:
        return self.qabot("ask", question, "--json", "--k", "3", unprivileged=unprivileged)

    def manifest(self) -> dict:
        return json.loads((self.index / "manifest.json").read_text(encoding="utf-8"))

    def data_file(self, kind: str) -> Path:
        return self.index / self.manifest()["files"][kind]

    def chunk_texts(self) -> list[str]:
        lines = self.data_file("chunks").read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["text"] for line in lines if line.strip()]

    def append(self, name: str, text: str) -> None:
        """Add a paragraph to a document (creating it)."""
        path = self.docs / name
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(old + "\n" + text + "\n", encoding="utf-8")

    def leftovers(self) -> list[str]:
        """Staging folders a build left behind."""
        return sorted(p.name for p in self.index.iterdir() if p.name.startswith(".building-"))


def _shown(args: tuple[str | bytes, ...]) -> str:
    return " ".join(a if isinstance(a, str) else os.fsdecode(a) for a in args)[:60]


def make_corpus(folder: Path, paragraphs: int = 4) -> None:
    """Two short documents cut from the real seeds (their first paragraphs)."""
    folder.mkdir(parents=True)
    for name in ("dongli-interview.txt", "heping-2019-interview.txt"):
        lines = [
            line for line in (SEEDS / name).read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        (folder / name).write_text("\n".join(lines[:paragraphs]) + "\n", encoding="utf-8")


def unpunctuated(clauses: int, fact: str = "") -> str:
    """A paragraph of ``clauses`` clauses joined by commas, never a full stop, with ``fact``
    in the middle: the shape of a scraped page that lost its sentence punctuation."""
    parts = [f"第{i}项工作稳步推进各街道社区持续落实相关任务要求" for i in range(clauses)]
    if fact:
        parts.insert(clauses // 2, fact)
    return "，".join(parts)


def can_drop_privileges() -> bool:
    """True where a permission can be denied for real: as root, with ``setpriv``; as
    another user, file modes already apply."""
    if not hasattr(os, "geteuid"):
        return False
    return os.geteuid() != 0 or shutil.which("setpriv") is not None


@dataclass
class Result:
    observed: str
    ok: bool
    skipped: str = ""


@dataclass(frozen=True)
class Case:
    name: str
    item: int  # the numbered point of issue #8
    group: str  # input · corpus · index · build (the build cases run processes side by side)
    expected: str
    run: Callable[[Lab], Result]


def check(run: Run, rc: int, *needles: str, lab: Lab | None = None) -> Result:
    """Exit code ``rc``, every needle in stderr, one error line when failing, and (with
    ``lab``) the baseline answer."""
    problems = []
    if run.rc != rc:
        problems.append(f"exit {run.rc}")
    if rc and not run.error_line():
        problems.append("not one error line")
    problems += [f"no {n!r}" for n in needles if n not in run.err]
    if lab is not None and not lab.unchanged(run):
        problems.append("answer changed")
    return Result(run.summary() + "".join(f" [{p}]" for p in problems), not problems)


class Lab:
    """The built base site and its baseline answer; :meth:`site` hands out copies.

    ``template``: a folder where an earlier :class:`Lab` of the same run kept its base site
    and baseline (:meth:`keep`); copied instead of built again (the tests' modules share one
    build per run, ``tests/drill.py``)."""

    def __init__(self, template: Path | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="qabot-drill-"))
        self.crashes: list[str] = []  # exit 1 or a traceback in any run: never allowed
        self.base = Site(self.root / "base" / "docs", self.root / "base" / "index", self.crashes)
        self._count = 0
        if template is not None:
            shutil.copytree(template / "base", self.base.docs.parent)
            self.baseline = json.loads((template / BASELINE).read_text(encoding="utf-8"))
            return
        make_corpus(self.base.docs)
        built = self.base.qabot("index")
        if built.rc != 0:
            raise RuntimeError(f"cannot build the drill index: {built.err}")
        self.baseline = self.base.ask().answer()
        if FACT not in self.baseline.get("answer", ""):
            raise RuntimeError(f"the drill question is not answered: {self.baseline}")

    def keep(self, template: Path) -> None:
        """The base site and baseline copied to ``template``, for :class:`Lab` ``(template)``."""
        shutil.copytree(self.base.docs.parent, template / "base")
        (template / BASELINE).write_text(json.dumps(self.baseline), encoding="utf-8")

    def site(self, name: str) -> Site:
        self._count += 1
        folder = self.root / f"{self._count:02d}-{name}"
        shutil.copytree(self.base.docs.parent, folder)
        return Site(folder / "docs", folder / "index", self.crashes)

    def judged(self, case: Case) -> Result:
        """``case`` run, failed as well when any process it ran ended in exit 1 or printed a
        traceback (issue 23: no case may), whatever the case itself checked."""
        self.crashes.clear()
        result = case.run(self)
        if not self.crashes:
            return result
        return Result(f"{result.observed} [{'; '.join(self.crashes)}]", False)

    def unchanged(self, run: Run) -> bool:
        """The answer is the baseline's: same text, same passages in the same order."""
        got = run.answer()
        return bool(got) and (got.get("answer"), _ids(got)) == (
            self.baseline["answer"],
            _ids(self.baseline),
        )

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _ids(answer: dict) -> list[str]:
    return [p["chunk_id"] for p in answer.get("passages", [])]
