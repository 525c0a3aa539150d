"""The LLM client of aisci: one client over litellm for every model call.

Importing this package does not import litellm (it is loaded on first use, offline-safe;
see ``_litellm.py``), so front ends start fast and never touch the network at import.

    from aisci.llm import LLMClient, LLMSettings, Ledger
    client = LLMClient(LLMSettings(model="gpt-4o", max_cost_usd=5.0), Ledger("idea/cost.json"))
    ideas = client.complete_json(messages, IDEAS_SCHEMA, stage="ideas")
"""

from .answers import AnswerProblem, parse_answer
from .client import LLMClient, Reply
from .errors import (
    BudgetExceeded,
    Cancelled,
    ConfigError,
    LLMAuthError,
    LLMError,
    LLMFormatError,
    LLMRequestError,
    LLMUnavailableError,
    ReplayMissError,
)
from .ledger import CallRecord, Ledger, LedgerTotals, StageTotals
from .models import check_model, count_tokens
from .settings import LLMSettings, RetryPolicy

__all__ = [
    "AnswerProblem",
    "BudgetExceeded",
    "CallRecord",
    "Cancelled",
    "ConfigError",
    "LLMAuthError",
    "LLMClient",
    "LLMError",
    "LLMFormatError",
    "LLMRequestError",
    "LLMSettings",
    "LLMUnavailableError",
    "Ledger",
    "LedgerTotals",
    "ReplayMissError",
    "Reply",
    "RetryPolicy",
    "StageTotals",
    "check_model",
    "count_tokens",
    "parse_answer",
]
