"""The cases of the fault drill: bad input, bad corpus files, a damaged index.

Each function breaks a fresh copy from the :class:`~faultlib.Lab`, runs ``qabot`` and returns
a :class:`~faultlib.Result`. The cases that run several processes at once (races, kills, a
full disk, another user) are in :mod:`faultbuild`; :data:`CASES` lists them all.
"""

from __future__ import annotations

import json
import os

from faulthostile import HOSTILE_CASES

from faultbuild import BUILD_CASES
from faultlib import FACT, QUESTION, Case, Lab, Result, can_drop_privileges, check, unpunctuated

BAD_BATCH = b"\n".join(
    [
        json.dumps({"id": "first", "question": QUESTION}).encode(),
        b'{"id": "bytes", "question": "\xff\xfe\xe4\xb8"}',
        b"\xff\xfe not even JSON",
        b'{"id": "surrogate", "question": "\\ud800"}',
        b'{"id": "district", "question": "' + QUESTION.encode() + b'", "district": 123}',
        json.dumps({"id": "last", "question": QUESTION}).encode(),
    ]
)


def _batch_ok(lab: Lab, out: str) -> tuple[bool, str]:
    """Six lines in, six objects out in order: answers first and last, errors between."""
    objects = [json.loads(line) for line in out.splitlines() if line.strip()]
    kinds = ["error" if "error" in o else "answer" for o in objects]
    good = kinds == ["answer", "error", "error", "error", "error", "answer"] and all(
        o["answer"] == lab.baseline["answer"] for o in (objects[0], objects[-1])
    )
    return good, " ".join(kinds)


def batch_file(lab: Lab) -> Result:
    site = lab.site("batch-file")
    path = site.docs.parent / "questions.jsonl"
    path.write_bytes(BAD_BATCH)
    run = site.qabot("ask", "--batch", str(path), "--json", "--k", "3")
    good, kinds = _batch_ok(lab, run.out)
    return Result(f"exit {run.rc}: {kinds}", run.rc == 0 and good and "Traceback" not in run.err)


def batch_stdin(lab: Lab) -> Result:
    run = lab.site("batch-stdin").qabot(
        "ask", "--batch", "-", "--json", "--k", "3", stdin=BAD_BATCH
    )
    good, kinds = _batch_ok(lab, run.out)
    return Result(f"exit {run.rc}: {kinds}", run.rc == 0 and good and "Traceback" not in run.err)


def argv_bytes(lab: Lab) -> Result:
    run = lab.site("argv").qabot("ask", b"\xff\xfe\xe4\xb8" + QUESTION.encode())
    return check(run, 2, "not valid UTF-8")


def repl_bytes(lab: Lab) -> Result:
    lines = QUESTION.encode() + b"\n\xff\xfe\xe4\xb8\n" + QUESTION.encode() + b"\n"
    run = lab.site("repl").qabot("repl", "--json", "--k", "3", stdin=lines)
    out = run.out.splitlines()
    answers = [line for line in out if line.startswith("{")]
    good = run.rc == 0 and len(answers) == 2 and any("not valid UTF-8" in line for line in out)
    return Result(f"exit {run.rc}: {len(answers)} answers, {len(out) - len(answers)} notices", good)


def hangul(lab: Lab) -> Result:
    run = lab.site("hangul").ask("전곡 격자는 몇 개입니까")
    answer = run.answer()
    return Result(
        f"exit {run.rc}: no_answer={answer.get('no_answer')}",
        run.rc == 0 and answer.get("no_answer") is True,
    )


def mixed_script(lab: Lab) -> Result:
    run = lab.site("mixed").ask(QUESTION.rstrip("？") + " please")
    answer = run.answer()
    good = run.rc == 0 and not answer.get("no_answer") and FACT in answer.get("answer", "")
    return Result(f"exit {run.rc}: no_answer={answer.get('no_answer')}", good)


def escapes(lab: Lab) -> Result:
    site = lab.site("escapes")
    site.append("dongli-interview.txt", "东丽区\x1b[2J\x1b]0;pwned\x07新建了12个智慧社区\x1b[0m。")
    built = site.qabot("index")
    run = site.ask("东丽区新建了多少个智慧社区？")
    plain = site.qabot("ask", "东丽区新建了多少个智慧社区？")
    clean = not any("\x1b" in text for text in site.chunk_texts())
    shown = "12个智慧社区" in run.answer().get("answer", "") and "\x1b" not in plain.out
    return Result(
        f"index exit {built.rc}, index text clean={clean}, output clean={shown}", clean and shown
    )


def unreadable_entries(lab: Lab) -> Result:
    site = lab.site("unreadable")
    (site.docs / "dangling.txt").symlink_to(site.docs / "gone.txt")
    (site.docs / "folder.md").mkdir()
    os.mkfifo(site.docs / "pipe.txt")
    built = site.qabot("index")
    named = all(n in built.out for n in ("dangling.txt: a link", "folder.md", "pipe.txt"))
    result = check(site.ask(), 0, lab=lab)
    return Result(
        f"index exit {built.rc}, all named={named}; ask {result.observed}",
        named and result.ok and built.rc == 0,
    )


def permission_denied(lab: Lab) -> Result:
    if not can_drop_privileges():
        return Result("", True, skipped="as root without setpriv, permissions cannot be denied")
    site = lab.site("no-permission")
    secret = site.docs / "secret.txt"
    secret.write_text("东丽区的秘密文件。\n", encoding="utf-8")
    secret.chmod(0)
    built = site.qabot("index", unprivileged=True)
    named = "secret.txt: cannot be read (Permission denied)" in built.out
    result = check(site.ask(unprivileged=True), 0, lab=lab)
    return Result(
        f"index exit {built.rc}, named={named}; ask {result.observed}",
        named and result.ok and built.rc == 0,
    )


def catalog_types(lab: Lab) -> Result:
    site = lab.site("catalog")
    (site.docs / "catalog.toml").write_text(
        '[documents."dongli-interview.txt"]\nspeakers = "夏新"\n', encoding="utf-8"
    )
    built = check(site.qabot("index"), 3, "catalog.toml", "speakers must be a list of tables")
    asked = check(site.ask(), 0, "speakers must be a list of tables", lab=lab)
    return Result(f"index {built.observed}; ask {asked.observed}", built.ok and asked.ok)


def duplicate_id(lab: Lab) -> Result:
    site = lab.site("duplicate")
    # same text, same document id; .TXT sorts first, so the copy is the one indexed
    (site.docs / "dongli-interview.TXT").write_text(
        (site.docs / "dongli-interview.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    built = site.qabot("index", "--json")
    report = json.loads(built.out or "{}")
    named = any(
        p.startswith("dongli-interview.") and "same document id" in p
        for p in report.get("problems", [])
    )
    same = report.get("chunks") == lab.base.manifest()["chunks"]
    return Result(
        f"exit {built.rc}, second named={named}, same chunks={same}",
        built.rc == 0 and named and same,
    )


def long_paragraph(lab: Lab) -> Result:
    site = lab.site("long-paragraph")
    site.append("dongli-interview.txt", unpunctuated(120, "东丽区建成了45个口袋公园"))
    built = site.qabot("index", "--json")
    longest = max(map(len, site.chunk_texts()))
    run = site.ask("东丽区建成了多少个口袋公园？")
    found = "45个口袋公园" in run.answer().get("answer", "")
    return Result(
        f"exit {built.rc}, longest chunk {longest} chars, fact found={found}",
        built.rc == 0 and longest <= 360 and found,
    )


def _damage_then_heal(lab: Lab, name: str, damage, *needles: str) -> Result:
    """Damage the index; ``ask`` must refuse in one line; ``qabot index`` must heal it."""
    site = lab.site(name)
    damage(site)
    refused = check(site.ask(), 3, *needles)
    healed = site.qabot("index")
    after = check(site.ask(), 0, lab=lab)
    return Result(
        f"ask {refused.observed}; index exit {healed.rc}; ask {after.observed}",
        refused.ok and healed.rc == 0 and after.ok,
    )


def _swap_lines(site) -> None:
    path = site.data_file("chunks")
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0], lines[1] = lines[1], lines[0]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _overwrite_vectors(site) -> None:
    path = site.data_file("dense")
    data = bytearray(path.read_bytes())
    data[-4000:-2000] = bytes(2000)
    path.write_bytes(bytes(data))


def _tamper_text(site) -> None:
    path = site.data_file("chunks")
    path.write_text(path.read_text(encoding="utf-8").replace("278", "999"), encoding="utf-8")


def _empty_vocab(site) -> None:
    (site.data_file("lexical") / "vocab.index.json").write_text("{}", encoding="utf-8")


def _garble_bm25(site) -> None:
    (site.data_file("lexical") / "indptr.csc.index.npy").write_bytes(os.urandom(512))


def _manifest_list(site) -> None:
    (site.index / "manifest.json").write_text("[]", encoding="utf-8")


def _manifest_folder(site) -> None:
    (site.index / "manifest.json").unlink()
    (site.index / "manifest.json").mkdir()


def _manifest_type(site) -> None:
    data = site.manifest()
    data["files"] = "index.faiss"
    (site.index / "manifest.json").write_text(json.dumps(data), encoding="utf-8")


def _dimension(site) -> None:
    data = site.manifest()
    data["dim"] = 768
    (site.index / "manifest.json").write_text(json.dumps(data), encoding="utf-8")


def force(lab: Lab) -> Result:
    built = lab.site("force").qabot("index", "--force", "--json")
    report = json.loads(built.out or "{}")
    good = (
        built.rc == 0
        and report.get("embedded") == report.get("chunks")
        and report.get("reused") == 0
    )
    return Result(
        f"exit {built.rc}: {report.get('embedded')} embedded, {report.get('reused')} reused", good
    )


def index_is_file(lab: Lab) -> Result:
    site = lab.site("index-file")
    site.index = site.docs.parent / "not-a-folder"
    site.index.write_text("x", encoding="utf-8")
    run = site.qabot("index")
    built = check(run, 3, "is a file, not an index folder")
    asked = check(site.ask(), 3, "is a file, not an index folder")
    quiet = "embedding" not in run.err
    return Result(
        f"index {built.observed}; ask {asked.observed[:6]}; nothing embedded={quiet}",
        built.ok and asked.ok and quiet,
    )


def _heal_case(name: str, item: int, damage, *needles: str) -> Case:
    return Case(
        name,
        item,
        "index",
        f"ask exit 3 one line ({needles[0]}); `qabot index` heals; same answer",
        lambda lab: _damage_then_heal(lab, name, damage, *needles),
    )


CASES = [
    Case("argv-invalid-utf8", 4, "input", "exit 2, one line", argv_bytes),
    Case("batch-file-bad-lines", 4, "input", "exit 0, one error object per bad line", batch_file),
    Case("batch-stdin-bad-lines", 4, "input", "exit 0, one error object per bad line", batch_stdin),
    Case("repl-invalid-utf8", 4, "input", "one notice, session goes on", repl_bytes),
    Case("hangul-question", 15, "input", "answered as not covered, not 'only symbols'", hangul),
    Case("mixed-script-question", 10, "input", "answered (English word ignored)", mixed_script),
    Case("terminal-escapes", 13, "corpus", "stripped from index text and output", escapes),
    Case(
        "unreadable-entries", 1, "corpus", "symlink/folder/FIFO skipped by name", unreadable_entries
    ),
    Case("permission-denied", 1, "corpus", "unreadable file skipped by name", permission_denied),
    Case(
        "catalog-wrong-type",
        6,
        "corpus",
        "index exit 3 naming key; ask warns, same answer",
        catalog_types,
    ),
    Case("duplicate-doc-id", 8, "corpus", "second skipped by name, rest indexed", duplicate_id),
    Case(
        "long-unpunctuated-paragraph", 9, "corpus", "chunks ≤ 360 chars, fact found", long_paragraph
    ),
    _heal_case("reordered-chunks", 5, _swap_lines, "checksum mismatch"),
    _heal_case("overwritten-vectors", 5, _overwrite_vectors, "checksum mismatch"),
    _heal_case("tampered-text", 5, _tamper_text, "checksum mismatch"),
    _heal_case("empty-bm25-vocab", 5, _empty_vocab, "checksum mismatch"),
    _heal_case("garbled-bm25-arrays", 11, _garble_bm25, "checksum mismatch"),
    _heal_case("manifest-is-a-list", 11, _manifest_list, "expected a JSON object"),
    _heal_case("manifest-is-a-folder", 11, _manifest_folder, "manifest.json is corrupt"),
    _heal_case("manifest-wrong-type", 11, _manifest_type, "key 'files'"),
    _heal_case("dimension-mismatch", 15, _dimension, "dimension 384 but the manifest says 768"),
    Case("index-force", 5, "index", "every chunk re-embedded", force),
    Case("index-is-a-file", 15, "index", "exit 3 before embedding", index_is_file),
    *BUILD_CASES,
    *HOSTILE_CASES,
]
