"""Optional generated answers from an OpenAI-compatible model, every sentence checked.

Modules, one concept each: :mod:`.config` (endpoint, model, key from the environment),
:mod:`.client` (the chat-completions protocol over httpx, plain and streamed),
:mod:`.breaker` (stop calling a failing endpoint), :mod:`.prompt` (the grounded prompt),
:mod:`.facts` (numbers, years, names, quotes of a sentence or passage), :mod:`.verify`
(sentence splitting and checking), :mod:`.generator` (the whole, with fallbacks) and
:mod:`.evaluate` (``qabot eval --llm``). See docs/generation.md.
"""

from qabot.generation.config import LLMConfig
from qabot.generation.generator import Generated, Generator

__all__ = ["Generated", "Generator", "LLMConfig"]
