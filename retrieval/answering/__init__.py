"""Answer composition: cited extractive answers, abstention, follow-ups and the optional LLM mode."""

from .abstention import AbstentionPolicy, AnswerFeatures
from .citations import verify_citations
from .extractive import answer_features, compose_extractive
from .followup import is_followup, resolve_followup
from .language import detect_language
from .llm import LLMAnswerer, make_chat_model

__all__ = [
    "AbstentionPolicy",
    "AnswerFeatures",
    "LLMAnswerer",
    "answer_features",
    "compose_extractive",
    "detect_language",
    "is_followup",
    "make_chat_model",
    "resolve_followup",
    "verify_citations",
]
