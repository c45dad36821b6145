"""Model layer of evoflux: one async chat client for OpenAI-compatible servers, the `ChatModel` protocol it
satisfies (with `ScriptedChat`, the fake for tests), usage accounting, record/replay cassettes and the
embedded local model. Knows nothing about MCP or workflows."""

from evoflux.llm.cassette import Cassette, CassetteMode, RecordedResponse, RequestSummary, request_key
from evoflux.llm.chat_model import ChatModel
from evoflux.llm.client import ChatClient
from evoflux.llm.config import ModelConfig
from evoflux.llm.connect import open_client
from evoflux.llm.errors import (
    CassetteError,
    CassetteMiss,
    InvalidRequest,
    LLMError,
    LocalServerError,
    ModelAuthFailed,
    ModelFileError,
    ModelNotConfigured,
    ModelReplyUnreadable,
    ModelRequestFailed,
    ModelTimeout,
    ModelUnreachable,
    PromptTooLong,
)
from evoflux.llm.local_server import LocalModelServer, available_cores
from evoflux.llm.model_files import (
    MODEL_SPECS,
    AssemblyProgress,
    ModelSpec,
    ProgressCallback,
    ResolvedModel,
    assemble_model,
    default_cache_dir,
    model_spec,
    resolve_model_file,
)
from evoflux.llm.reply import ChatMessage, FailureKind, ModelReply, Purpose, ReplyFailure
from evoflux.llm.scripted import ScriptedCall, ScriptedChat
from evoflux.llm.usage import CallRecord, UsageLedger, UsageTotals

__all__ = [
    "MODEL_SPECS",
    "AssemblyProgress",
    "CallRecord",
    "Cassette",
    "CassetteError",
    "CassetteMiss",
    "CassetteMode",
    "ChatClient",
    "ChatMessage",
    "ChatModel",
    "FailureKind",
    "InvalidRequest",
    "LLMError",
    "LocalModelServer",
    "LocalServerError",
    "ModelAuthFailed",
    "ModelConfig",
    "ModelFileError",
    "ModelNotConfigured",
    "ModelReply",
    "ModelReplyUnreadable",
    "ModelRequestFailed",
    "ModelSpec",
    "ModelTimeout",
    "ModelUnreachable",
    "ProgressCallback",
    "PromptTooLong",
    "Purpose",
    "RecordedResponse",
    "ReplyFailure",
    "RequestSummary",
    "ResolvedModel",
    "ScriptedCall",
    "ScriptedChat",
    "UsageLedger",
    "UsageTotals",
    "assemble_model",
    "available_cores",
    "default_cache_dir",
    "model_spec",
    "open_client",
    "request_key",
    "resolve_model_file",
]
