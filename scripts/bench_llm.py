#!/usr/bin/env python
"""Generated-answer benchmark (issue 20): what verification adds per answer, against the local
fake model server (tests/fake_llm.py), on the real engine and the project's question set.

For every question the engine answers, the fake server replies with the extractive answer
line itself (sentences copied from the passages, each with its [n]): a reply that is faithful
by construction, so every sentence the verifier drops is a false alarm. Measured per answer:

* ``verify_ms``: splitting and checking the reply (passage facts computed afresh, no cache);
* ``verify_paraphrase_ms``: the same with every sentence name-tagged in full, the cost for a
  reply that copies no clause word for word (tagging is skipped for copied clauses);
* ``server_ms``: one plain request to the fake server (its own latency);
* ``generate_ms``: ``Generator.generate`` — request, parsing, verification; its median minus
  the server's is ``overhead_p50_ms``.

    .venv/bin/python scripts/bench_llm.py            # table
    .venv/bin/python scripts/bench_llm.py --json     # one JSON object
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import benchlib

ROOT = Path(__file__).resolve().parent.parent


def run(index: Path, questions_path: Path) -> dict:
    import httpx

    from qabot.engine import Engine
    from qabot.generation import LLMConfig
    from qabot.generation.evaluate import reason_kind
    from qabot.generation.facts import facts, source_facts
    from qabot.generation.generator import Generator
    from qabot.generation.prompt import build_messages
    from qabot.generation.verify import Verifier

    from fake_llm import FakeLLM, Reply

    engine = Engine.load(index)
    answers = [engine.ask(q).to_dict() for q in benchlib.load_question_texts(questions_path)]
    answers = [a for a in answers if not a["no_answer"]]
    verify, paraphrase, server, generate = [], [], [], []
    sentences, dropped, examples = 0, Counter(), []
    with FakeLLM().running() as fake:
        generator = Generator(LLMConfig(fake.base_url, "fake-model"))
        url = generator.config.endpoint
        with httpx.Client() as http:
            for answer in answers:
                fake.script(Reply(answer["answer"]))
                source_facts.cache_clear()
                started = time.perf_counter()
                verdicts = list(Verifier(answer).check_all(answer["answer"]))
                verify.append((time.perf_counter() - started) * 1000)
                sentences += len(verdicts)
                source_facts.cache_clear()
                started = time.perf_counter()
                for verdict in verdicts:
                    checker = Verifier(answer)
                    for rank in verdict.citations:
                        checker.source(rank)
                    facts(verdict.sentence)
                paraphrase.append((time.perf_counter() - started) * 1000)
                dropped.update(reason_kind(v.reason) for v in verdicts if not v.kept)
                examples += [f"{v.reason} | {v.sentence[:60]}" for v in verdicts if not v.kept]
                body = {"model": "fake-model", "messages": build_messages(answer)}
                started = time.perf_counter()
                http.post(url, json=body).raise_for_status()
                server.append((time.perf_counter() - started) * 1000)
                source_facts.cache_clear()
                started = time.perf_counter()
                generator.generate(answer)
                generate.append((time.perf_counter() - started) * 1000)
    ms = lambda values: {  # noqa: E731
        "p50": round(benchlib.pct(values, 50), 2),
        "p95": round(benchlib.pct(values, 95), 2),
        "max": round(max(values), 2),
    }
    return {
        "machine": benchlib.machine(),
        "answers": len(answers),
        "sentences": sentences,
        "false_drops": sum(dropped.values()),
        "false_drops_by_reason": dict(dropped.most_common()),
        "false_drop_examples": examples[:5],
        "verify_ms": ms(verify),
        "verify_paraphrase_ms": ms(paraphrase),
        "server_ms": ms(server),
        "generate_ms": ms(generate),
        "overhead_p50_ms": round(benchlib.pct(generate, 50) - benchlib.pct(server, 50), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / "embeddings")
    parser.add_argument("--questions", type=Path, default=benchlib.QUESTIONS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.index, args.questions)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    rows = [
        (name, result[name]["p50"], result[name]["p95"], result[name]["max"])
        for name in ("verify_ms", "verify_paraphrase_ms", "server_ms", "generate_ms")
    ]
    print(benchlib.table(("per answer", "p50", "p95", "max"), rows))
    print(
        f"{result['answers']} answers, {result['sentences']} sentences of the extractive line "
        f"sent back as the reply; false drops: {result['false_drops']} "
        f"{result['false_drops_by_reason']}; overhead p50 {result['overhead_p50_ms']} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
