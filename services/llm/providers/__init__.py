"""Model providers behind one interface, chosen by TABLEMESH_LLM_PROVIDER."""

from __future__ import annotations

from services.llm.providers.base import ModelProvider
from services.runtime.clients import MeshClients
from services.runtime.config import Settings, llm_call_timeout, llm_provider

NOT_CONFIGURED = (
    "no language model is configured (TABLEMESH_LLM_PROVIDER is none): unset it for the "
    "mesh's local model, or set TABLEMESH_LLM_PROVIDER (openai or gemini), "
    "TABLEMESH_LLM_BASE_URL (the provider's URL, for example http://127.0.0.1:11434/v1 for "
    "Ollama), TABLEMESH_LLM_API_KEY (if the provider needs one) and TABLEMESH_LLM_MODEL"
)


def missing_setting(cfg: Settings) -> str | None:
    """Why the configured provider cannot work, or None when it can."""
    if llm_provider(cfg) == "none":
        return NOT_CONFIGURED
    if llm_provider(cfg) == "local":
        return None
    key = cfg.llm_api_key.get_secret_value() if cfg.llm_api_key else ""
    if not cfg.llm_base_url and not key:
        return (
            f"TABLEMESH_LLM_PROVIDER is {cfg.llm_provider} but neither TABLEMESH_LLM_API_KEY "
            "nor TABLEMESH_LLM_BASE_URL is set: set TABLEMESH_LLM_API_KEY for the hosted API, "
            "or TABLEMESH_LLM_BASE_URL for a local server (and TABLEMESH_LLM_MODEL)"
        )
    return None


def provider_from_settings(
    cfg: Settings, clients: MeshClients | None = None
) -> ModelProvider | None:
    """The configured provider, or None when `missing_setting` says what is missing."""
    if missing_setting(cfg):
        return None
    if llm_provider(cfg) == "local":
        from services.llm.providers.local import LocalModel

        return LocalModel(
            clients or MeshClients(cfg.client_load_balancing, cfg.peers), llm_call_timeout(cfg)
        )
    key = cfg.llm_api_key.get_secret_value() if cfg.llm_api_key else None
    # Only the configured provider's client library loads (the OpenAI SDK is ~20 MB).
    if cfg.llm_provider == "gemini":
        from services.llm.providers.gemini import Gemini

        return Gemini(cfg.llm_base_url, key, llm_call_timeout(cfg))
    from services.llm.providers.openai_compatible import OpenAICompatible

    return OpenAICompatible(cfg.llm_base_url, key, llm_call_timeout(cfg))
