"""A small OpenAI-compatible chat client over httpx: timeouts, retries with backoff,
JSON-schema answers, and one plain sentence for each way a server can be unusable.

Servers differ in how they take a JSON schema: OpenAI, vLLM, ollama and llama.cpp's
own server take ``{"type": "json_schema", ...}``; llama-cpp-python's server takes
``{"type": "json_object", "schema": ...}``. The client tries them in that order (then
plain JSON mode) and remembers the first one the server accepts.
"""

from __future__ import annotations

import time
from typing import Any

from voicer.errors import LLMError

from .settings import LLMSettings


class ServerTrouble(Exception):
    """One answer could not be had (timeout, 5xx, refused request): the chapter falls back."""


def _formats(schema: dict[str, Any]) -> list[dict[str, Any] | None]:
    return [
        {"type": "json_schema", "json_schema": {"name": "voicer_plan", "schema": schema}},
        {"type": "json_object", "schema": schema},
        {"type": "json_object"},
        None,
    ]


def _detail(response: Any) -> str:
    try:
        body = response.json()
        err = body.get("error", body) if isinstance(body, dict) else body
        msg = err.get("message", err.get("detail", err)) if isinstance(err, dict) else err
    except ValueError:
        msg = response.text
    return " ".join(str(msg).split())[:200]


class ChatClient:
    """Talks to one server; the model is checked once, on first use."""

    def __init__(self, settings: LLMSettings) -> None:
        try:
            import httpx
        except ImportError:
            raise LLMError("The LLM writer needs httpx; run `pip install 'voicer[llm]'`.") from None

        self.settings = settings
        self.url = settings.base_url()
        headers = {"Accept": "application/json"}
        key = settings.key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        timeout = httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout))
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)
        self._format: int | None = None
        self._model: str | None = None
        self.calls = 0

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        """One request with retries; raises LLMError for what the user must fix.
        A 5xx answer that blames the response_format is returned at once, not retried
        (llama-cpp-python answers 500 to a format it does not know)."""
        import httpx

        s = self.settings
        delay = s.backoff
        for attempt in range(s.retries + 1):
            last = attempt == s.retries
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.TimeoutException:
                if last:
                    raise ServerTrouble(f"no answer within {s.timeout:g} s") from None
            except httpx.TransportError:
                if last:
                    raise LLMError(
                        f"Cannot reach the LLM server at {self.url}; start it or fix --llm-url."
                    ) from None
            else:
                code = response.status_code
                if code in (401, 403):
                    raise LLMError(
                        f"The LLM server at {self.url} refused the API key (HTTP {code}); "
                        "set VOICER_LLM_API_KEY or OPENAI_API_KEY."
                    )
                if (code != 429 and code < 500) or (code >= 500 and _refuses_format(response)):
                    return response
                if last:
                    if code == 429:
                        raise LLMError(
                            f"The LLM server at {self.url} kept rate-limiting (HTTP 429) after "
                            f"{s.retries} retries; wait a while and run the same command again."
                        )
                    raise ServerTrouble(f"server error HTTP {code}: {_detail(response)}")
                retry_after = response.headers.get("retry-after", "")
                if retry_after.replace(".", "", 1).isdigit():
                    delay = max(delay, min(float(retry_after), 60.0))
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    def models(self) -> list[str] | None:
        """Model ids the server lists, or None when it has no listing."""
        response = self._request("GET", "/models")
        if response.status_code != 200:
            return None
        try:
            data = response.json().get("data", [])
            return [str(m["id"]) for m in data if isinstance(m, dict) and "id" in m]
        except (ValueError, AttributeError, TypeError):
            return None

    def model(self) -> str:
        """The model to use: the one asked for (checked against the server's list) or the first listed."""
        if self._model is not None:
            return self._model
        wanted = self.settings.model_name()
        listed = self.models()
        if wanted is None:
            if not listed:
                raise LLMError(f"The LLM server at {self.url} lists no model; name one with --llm-model.")
            self._model = listed[0]
        elif listed is not None and not _matches(wanted, listed):
            raise LLMError(
                f"The LLM server at {self.url} has no model {wanted!r}; use one of: "
                + ", ".join(listed[:8])
                + "."
            )
        else:
            self._model = wanted
        return self._model

    def complete(
        self, messages: list[dict[str, str]], schema: dict[str, Any], *, max_tokens: int, seed: int
    ) -> str:
        """The answer's text, constrained by `schema` where the server can do it."""
        model = self.model()
        body: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": self.settings.temperature,
            "seed": seed,
            "stream": False,
        }
        formats = _formats(schema)
        start = self._format or 0
        problems: list[str] = []
        for index in range(start, len(formats)):
            fmt = formats[index]
            payload = dict(body, response_format=fmt) if fmt is not None else body
            self.calls += 1
            response = self._request("POST", "/chat/completions", json=payload)
            if response.status_code == 404:
                detail = _detail(response)
                if "model" in detail.lower():
                    raise LLMError(f"The LLM server at {self.url} has no model {model!r}; check --llm-model.")
                raise LLMError(
                    f"{self.url} has no /chat/completions endpoint; give an OpenAI-compatible base URL "
                    "(usually ending in /v1) with --llm-url."
                )
            refused = response.status_code in (400, 415, 422) or _refuses_format(response)
            if refused and index + 1 < len(formats):
                problems.append(_detail(response))
                continue  # the server does not take this response_format: try the next one
            if response.status_code != 200:
                raise ServerTrouble(f"HTTP {response.status_code}: {_detail(response)}")
            self._format = index
            return _content(response)
        raise ServerTrouble("the server refused every JSON mode: " + "; ".join(problems)[:300])


def _refuses_format(response: Any) -> bool:
    return response.status_code >= 400 and "response_format" in response.text


def _matches(wanted: str, listed: list[str]) -> bool:
    """ollama lists 'name:latest' for 'name'; llama.cpp lists the model file's path."""
    for name in listed:
        if wanted in (name, name.removesuffix(":latest"), name.replace("\\", "/").rsplit("/", 1)[-1]):
            return True
    return False


def _content(response: Any) -> str:
    try:
        message = response.json()["choices"][0]["message"]
        return str(message.get("content") or "")
    except (ValueError, KeyError, IndexError, TypeError):
        raise ServerTrouble("the answer is not an OpenAI chat completion") from None
