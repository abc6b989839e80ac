"""Property-based tests (hypothesis): arbitrary text, bytes and JSON fed to question
validation, batch parsing, cleaning and chunking raise nothing but the documented errors."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from qabot.batch import read_batch
from qabot.chunking import MAX_CHARS, pack_sentences, split_long
from qabot.cleaning import clean_text
from qabot.corpus import load_corpus
from qabot.errors import CorpusError, UsageError
from qabot.repl import Repl
from qabot.sentences import split_sentences
from qabot.textnorm import strip_controls
from qabot.validation import validate_question

QUESTION_REASONS = {
    "bad_question",
    "bad_encoding",
    "empty_question",
    "question_too_long",
    "no_words",
}
# Text with the awkward parts over-represented: CJK, punctuation, controls, surrogates.
awkward = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from("北辰区种了多少亩春小麦，。！？；、：\n\t\x1b[]\x07\u202e\ud800 "),
    ),
    max_size=600,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | awkward,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["question", "id", "district", "x"]), children, max_size=4
        )
    ),
    max_leaves=12,
)


@given(
    st.one_of(awkward, st.binary().map(lambda b: b.decode("utf-8", "surrogateescape")), json_values)
)
def test_question_validation_returns_clean_text_or_a_usage_error(question: object) -> None:
    try:
        cleaned = validate_question(question)
    except UsageError as exc:
        assert exc.reason in QUESTION_REASONS and exc.exit_code == 2
        assert "\n" not in str(exc)
        return
    assert cleaned == cleaned.strip() and 0 < len(cleaned) <= 500
    assert cleaned == strip_controls(cleaned)
    cleaned.encode("utf-8")  # printable: no lone surrogates


def _check_batch(data: bytes) -> None:
    expected = [n for n, line in enumerate(data.split(b"\n"), start=1) if line.strip()]
    seen = []
    for number, qid, request, error in read_batch(io.BytesIO(data)):
        seen.append(number)
        if error:
            assert error.startswith(f"line {number}: ") and "\n" not in error
        else:
            assert isinstance(request, dict) and isinstance(request["question"], str)
            assert request.get("district") is None or isinstance(request["district"], str)
            json.dumps({"id": qid, **request}, ensure_ascii=False).encode("utf-8")
    # Every non-blank line gives one item (a line that decodes to blank is skipped).
    assert set(seen) <= set(expected) and len(seen) == len(set(seen))


@given(st.lists(st.binary(max_size=80), max_size=8))
def test_batch_parsing_survives_any_bytes(lines: list[bytes]) -> None:
    _check_batch(b"\n".join(lines))


@given(st.lists(json_values, max_size=6))
def test_batch_parsing_survives_any_json(values: list) -> None:
    _check_batch(b"\n".join(json.dumps(v).encode() for v in values))


@given(awkward)
def test_cleaning_returns_text_without_controls(raw: str) -> None:
    cleaned = clean_text(strip_controls(raw))
    assert isinstance(cleaned, str) and cleaned == strip_controls(cleaned)


@given(awkward.map(lambda s: s * 40))
def test_chunks_are_capped_and_lose_nothing(text: str) -> None:
    sentences = split_sentences(text)
    pieces = [part for sentence in sentences for part in split_long(sentence)]
    assert "".join(pieces) == "".join(sentences)
    assert all(len(piece) <= MAX_CHARS for piece in pack_sentences(pieces))


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=3000) | awkward.map(lambda s: (s * 30).encode("utf-8", "surrogatepass")))
def test_any_document_loads_or_is_skipped_by_name(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "doc.txt").write_bytes(content)
        try:
            corpus = load_corpus(Path(folder))
        except CorpusError as exc:
            assert "doc.txt" in str(exc)
            return
        for chunk in corpus.chunks():
            assert len(chunk.text) <= MAX_CHARS and chunk.text == strip_controls(chunk.text)


# Issue 23: the shapes that crashed or stalled — long digit runs (OverflowError, int-string
# limit), one character repeated (exponential compound split), huge numbers in batch lines.
digit_runs = st.builds(
    lambda head, digits, tail: (head + digits + tail)[:500],
    st.text(max_size=20),
    st.integers(1, 9).flatmap(lambda d: st.integers(300, 480).map(lambda n: str(d) * n)),
    st.sampled_from(["", "亩", ".5亩", "年", "e9", "个孩子？"]),
)
repeats = st.builds(
    lambda ch, n: ch * n, st.sampled_from(["a", "种", "区", "了", "9", "ab"]), st.integers(30, 240)
)


@settings(max_examples=60, deadline=None)
@given(digit_runs | repeats)
def test_question_analysis_survives_long_digit_runs_and_repeats(engine, question: str) -> None:
    query = engine.query(question)  # the compound split ran on every focus word
    assert all(isinstance(w, float) for w in query.weights.values())


@settings(max_examples=30, deadline=None)
@given(digit_runs | repeats | st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)))
def test_asking_long_digit_runs_and_repeats_answers_or_is_a_usage_error(
    engine, question: str
) -> None:
    try:
        answer = engine.ask(question)  # the whole way: retrieval, composing, refusal
    except UsageError as exc:
        assert exc.exit_code == 2 and "\n" not in str(exc)
        return
    assert answer.question == validate_question(question)
    json.dumps(answer.to_dict(), ensure_ascii=False).encode("utf-8")


huge_numbers = st.integers(1, 6000).map(lambda n: "9" * n) | st.sampled_from(
    ["1e400", "-1e400", "1" + "0" * 5000 + ".5", "0." + "1" * 5000]
)


@settings(max_examples=60, deadline=None)
@given(huge_numbers, st.sampled_from(["id", "district", "question", "k"]))
def test_batch_lines_with_huge_numbers_are_one_error_each(number: str, field: str) -> None:
    line = f'{{"question": "北辰区种了多少亩春小麦？", "{field}": {number}}}'
    _check_batch(b"\n".join([line.encode(), b'{"question": "x"}']))


COMMANDS = [":k", ":district", ":json", ":help", ":h", ":?", ":", ":kk", ":K"]
ODD_ARGUMENTS = ["", "0", "-1", "+3", " 3 ", "3.0", "51", "0003", "all", "北辰", "Beichen"]


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(COMMANDS),
    awkward | st.from_regex(r"[0-9²①٣]{1,5000}", fullmatch=True) | st.sampled_from(ODD_ARGUMENTS),
)
def test_repl_commands_print_a_line_and_keep_the_session(engine, command: str, arg: str) -> None:
    out = io.StringIO()
    arg = arg.replace("\n", " ")
    Repl(engine, stdin=io.StringIO(f"{command} {arg}\n:k 4\n:quit\n"), stdout=out).run()
    assert out.getvalue().splitlines()[-1] == "k = 4"


@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.builds(
            "{} {}".format,
            st.sampled_from(COMMANDS),
            st.sampled_from([*ODD_ARGUMENTS, "²", "①", "9" * 5000]),
        )
        | digit_runs
        | repeats,
        max_size=5,
    )
)
def test_a_repl_session_of_commands_and_odd_questions_goes_on(engine, lines: list[str]) -> None:
    out = io.StringIO()
    session = "".join(line.replace("\n", " ") + "\n" for line in lines)
    Repl(engine, stdin=io.StringIO(f"{session}:k 4\n:quit\n"), stdout=out).run()
    assert out.getvalue().splitlines()[-1] == "k = 4"
