"""A small async REST client of the Kubernetes API server, on kr8s, speaking raydeck's errors.

kr8s finds the credentials (kubeconfig, context, in-cluster service account)
and keeps the HTTP session; this module builds the REST paths, streams watch
and log lines, and translates every failure into ``raydeck.errors`` at this
edge. It knows nothing about the store or about RayClusters.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import kr8s
import kr8s.asyncio

from raydeck.errors import (
    AlreadyExists,
    BadRequest,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    PlatformUnavailable,
    RaydeckError,
    StaleResourceVersion,
)
from raydeck.platforms.kubernetes.convert import ApiType
from raydeck.settings import KubernetesSettings

#: Seconds for one ordinary API request; watches and followed logs have no read timeout.
REQUEST_TIMEOUT = 30.0
JSON = "application/json"
#: Query parameters of a request; those set to None are left out.
Query = Mapping[str, str | int | None]


def _query(params: Query | None) -> dict[str, str | int]:
    return {k: v for k, v in (params or {}).items() if v is not None}


class KubeClient:
    def __init__(self, api: kr8s.asyncio.Api) -> None:
        self._api = api
        self._forwarding: httpx.AsyncClient | None = None
        self._forwarding_token: str | None = None
        self._retired: list[httpx.AsyncClient] = []

    @classmethod
    async def connect(cls, settings: KubernetesSettings) -> KubeClient:
        """Credentials from the settings' kubeconfig and context, else kr8s' defaults."""
        kubeconfig = str(settings.kubeconfig.expanduser()) if settings.kubeconfig else None
        if settings.kubeconfig is not None and not settings.kubeconfig.expanduser().is_file():
            raise InvalidInput(
                "the kubernetes platform cannot be used",
                [FieldError("kubeconfig", f"{kubeconfig} is not a file")],
            )
        where = kubeconfig or "the default kubeconfig or in-cluster config"
        try:
            # An Api of our own rather than kr8s' per-loop shared one: each platform opens and
            # closes its own HTTP session. Awaiting it loads the credentials and asks /version.
            with warnings.catch_warnings():
                # kr8s warns about API server versions newer than it lists as tested; raydeck
                # uses only stable REST paths through it, so a newer server is fine.
                warnings.filterwarnings("ignore", "Kubernetes version", UserWarning)
                api = await kr8s.asyncio.Api(
                    kubeconfig=kubeconfig, context=settings.context, bypass_factory=True
                )
        except (ValueError, KeyError, OSError, kr8s.NotFoundError) as e:
            raise PlatformUnavailable(f"cannot use {where}: {e}") from e
        except Exception as e:
            raise PlatformUnavailable(f"cannot reach the API server of {where}: {e}") from e
        return cls(api)

    @property
    def server(self) -> str:
        return str(self._api.auth.server)

    async def request(
        self,
        method: str,
        api: ApiType | str,
        *,
        namespace: str | None = None,
        url: str = "",
        params: Query | None = None,
        body: dict[str, Any] | None = None,  # an API object or patch: Kubernetes JSON out
        content_type: str | None = None,
    ) -> dict[str, Any]:  # the API server's answer: Kubernetes JSON in, read by convert.py
        version = api.api_version if isinstance(api, ApiType) else api
        try:
            async with self._api.call_api(
                method,
                version=version,
                namespace=namespace,
                url=url,
                timeout=REQUEST_TIMEOUT,
                params=_query(params),
                content=None if body is None else json.dumps(body),
                headers=None if body is None else {"Content-Type": content_type or JSON},
            ) as response:
                result: dict[str, Any] = response.json()  # Kubernetes JSON in, as it came
                return result
        except Exception as e:
            raise translate(e) from e

    async def lines(
        self,
        api: ApiType | str,
        *,
        namespace: str | None = None,
        url: str = "",
        params: Query | None = None,
    ) -> AsyncIterator[str]:
        """A streaming GET (watch, follow logs), line by line, with no read timeout."""
        version = api.api_version if isinstance(api, ApiType) else api
        try:
            async with self._api.call_api(
                "GET",
                version=version,
                namespace=namespace,
                url=url,
                params=_query(params),
                stream=True,
                timeout=httpx.Timeout(10.0, read=None),
            ) as response:
                async for line in response.aiter_lines():
                    yield line
        except RaydeckError:
            raise
        except Exception as e:
            raise translate(e) from e

    async def forwarding_client(self) -> httpx.AsyncClient:
        """An HTTP client of the API server with raydeck's credentials, for passing requests
        through it as they are (the service proxy): redirects come back, no default headers."""
        auth = self._api.auth
        if self._forwarding is not None and self._forwarding_token != auth.token:
            # kr8s renewed its credentials (a 401 on its own requests): follow it. The old
            # client may still stream a response; it is closed with this one.
            self._retired.append(self._forwarding)
            self._forwarding = None
        if self._forwarding is None:
            self._forwarding_token = auth.token
            headers = {"Authorization": f"Bearer {auth.token}"} if auth.token else {}
            try:
                verify = await auth.ssl_context()  # type: ignore[no-untyped-call]
            except Exception as e:
                raise translate(e) from e
            self._forwarding = httpx.AsyncClient(
                base_url=self.server,
                headers=headers,
                verify=verify,
                proxy=auth.proxy,
                follow_redirects=False,
                timeout=httpx.Timeout(60.0, connect=5.0),
            )
        return self._forwarding

    async def close(self) -> None:
        session = getattr(self._api, "_session", None)
        if session is not None and not session.is_closed:
            await session.aclose()
        for client in [*self._retired, *([self._forwarding] if self._forwarding else [])]:
            await client.aclose()
        self._retired.clear()
        self._forwarding = None


def translate(error: Exception) -> RaydeckError:
    """A kr8s/httpx failure as the raydeck error a user should see (with field paths for 422)."""
    if isinstance(error, RaydeckError):
        return error
    if isinstance(error, kr8s.ServerError) and error.response is not None:
        # The API server's Status (Kubernetes JSON), when it sent one.
        status: dict[str, Any] = error.status if isinstance(error.status, dict) else {}
        return _from_status(error.response.status_code, status, str(error))
    if isinstance(error, httpx.HTTPError | kr8s.APITimeoutError | OSError):
        return PlatformUnavailable(f"the Kubernetes API server cannot be reached: {error}")
    return PlatformUnavailable(f"the Kubernetes API server failed: {error}")


def _from_status(code: int, status: dict[str, Any], fallback: str) -> RaydeckError:
    """The error of a failed request, from its code and the Status JSON the server answered."""
    message = str(status.get("message") or fallback)
    reason = status.get("reason")
    if code == 404:
        return NotFound(message)
    if code == 409:
        return (
            AlreadyExists(message) if reason == "AlreadyExists" else StaleResourceVersion(message)
        )
    if code == 422:
        causes = (status.get("details") or {}).get("causes") or []
        errors = [
            FieldError(_field(c.get("field")), str(c.get("message") or c.get("reason") or ""))
            for c in causes
        ]
        return InvalidInput("the Kubernetes API server rejected the object", errors or None)
    if code in (400, 410, 413, 415):
        return BadRequest(message)
    if code == 403 and WEBHOOK_DENIAL.match(message):
        return InvalidInput(
            "an admission webhook of the Kubernetes API server rejected the object",
            webhook_field_errors(message),
        )
    if code in (401, 403):
        return Forbidden(f"the Kubernetes API server refused: {message}")
    return PlatformUnavailable(f"the Kubernetes API server answered {code}: {message}")


#: How the API server words a validating webhook's refusal (a 403 that is about the object,
#: not about who sent it).
WEBHOOK_DENIAL = re.compile(r'admission webhook "([^"]+)" denied the request: ')
#: One error of a Kubernetes field.ErrorList as it prints: ``path: Invalid value: …``.
_FIELD_ERROR = re.compile(
    r"(?:^|\[|, )([A-Za-z][\w.\[\]/-]*): (?=(?:Invalid value|Required value|Unsupported value|"
    r"Forbidden|Duplicate value|Not found|Too long|Too many|Internal error))"
)


def webhook_field_errors(message: str) -> list[FieldError]:
    """The fields a webhook's refusal names, each with its part of the message; one error
    about no field when it names none."""
    denial = WEBHOOK_DENIAL.match(message)
    text = message[denial.end() :] if denial else message
    starts = list(_FIELD_ERROR.finditer(text))
    if not starts:
        return [FieldError("", text)]
    errors = []
    for i, found in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        detail = text[found.end() : end].rstrip("], ")
        errors.append(FieldError(found.group(1), detail))
    return errors


def _field(value: object) -> str:
    """A cause's field path; the API server writes ``<nil>`` for a cause about no one field."""
    return "" if value in (None, "", "<nil>") else str(value)
