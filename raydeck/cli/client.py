"""An async REST client of raydeck's API; the CLI's commands are thin wrappers around it.

Every method is written once, async. Errors from the server come back as
``ApiError`` carrying the server's reason, message and field causes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

DEFAULT_URL = "http://127.0.0.1:8480"


def warning_text(value: str) -> str:
    """The text of a ``Warning`` header (``299 - "text"``, RFC 7234 quoting); any other form
    as it came."""
    value = value.strip()
    prefix = '299 - "'
    if not (value.startswith(prefix) and value.endswith('"')):
        return value
    body, out, escaped = value[len(prefix) : -1], [], False
    for char in body:
        if escaped or char != "\\":
            out.append(char)
            escaped = False
        else:
            escaped = True
    return "".join(out)


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str, causes: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.code, self.reason, self.message, self.causes = code, reason, message, causes

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            return cls(response.status_code, "Error", response.text or response.reason_phrase, [])
        causes = (body.get("details") or {}).get("causes") or []
        return cls(
            response.status_code,
            str(body.get("reason", "Error")),
            str(body.get("message", "")),
            causes,
        )


class Client:
    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        on_warning: Callable[[str], None] | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        #: Called with the text of each ``Warning`` header an answer carries.
        self._on_warning = on_warning
        self._http = httpx.AsyncClient(
            base_url=base_url, timeout=30.0, transport=transport, headers=headers
        )

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._http.aclose()

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, url, **kwargs)
        except httpx.ConnectError as e:
            raise ApiError(
                0,
                "Unreachable",
                f"cannot reach raydeck at {self._http.base_url}: "
                "is it running? (start it with `raydeck up`)",
                [],
            ) from e
        self._warnings(response)
        if response.status_code >= 400:
            error = ApiError.from_response(response)
            if error.code == 401 and not url.endswith("/login"):
                error.message += " (log in with `raydeck login`)"
            raise error
        return response

    def _warnings(self, response: httpx.Response) -> None:
        if self._on_warning is None:
            return
        for value in response.headers.get_list("warning"):
            self._on_warning(warning_text(value))

    async def _json(self, method: str, url: str, **kwargs: Any) -> Any:
        return (await self._request(method, url, **kwargs)).json()

    @staticmethod
    def _path(plural: str, namespace: str | None, name: str | None = None) -> str:
        base = f"/api/v1/namespaces/{namespace}/{plural}" if namespace else f"/api/v1/{plural}"
        return f"{base}/{name}" if name else base

    async def create(self, plural: str, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self._json("POST", self._path(plural, namespace), json=body)
        return result

    async def replace(
        self, plural: str, namespace: str, name: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self._json(
            "PUT", self._path(plural, namespace, name), json=body
        )
        return result

    async def get(self, plural: str, namespace: str, name: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._json("GET", self._path(plural, namespace, name))
        return result

    async def list_objects(
        self, plural: str, namespace: str | None, **params: Any
    ) -> dict[str, Any]:
        query = {k: v for k, v in params.items() if v not in (None, "", 0)}
        result: dict[str, Any] = await self._json(
            "GET", self._path(plural, namespace), params=query
        )
        return result

    async def delete_many(
        self, plural: str, namespace: str, names: list[str]
    ) -> list[dict[str, Any]]:
        body = await self._json("DELETE", self._path(plural, namespace), params={"name": names})
        results: list[dict[str, Any]] = body["results"]
        return results

    async def action(self, plural: str, namespace: str, name: str, verb: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._json(
            "POST", f"{self._path(plural, namespace, name)}/{verb}"
        )
        return result

    async def sub(self, plural: str, namespace: str, name: str, what: str) -> Any:
        return await self._json("GET", f"{self._path(plural, namespace, name)}/{what}")

    async def export_yaml(self, plural: str, namespace: str, name: str) -> str:
        return (await self._request("GET", f"{self._path(plural, namespace, name)}/yaml")).text

    async def logs(
        self,
        plural: str,
        namespace: str,
        name: str,
        *,
        pod: str | None,
        tail: int | None,
        follow: bool,
    ) -> AsyncIterator[str]:
        params = {
            k: v for k, v in {"pod": pod, "tail": tail, "follow": follow}.items() if v is not None
        }
        url = f"{self._path(plural, namespace, name)}/logs"
        async with self._http.stream("GET", url, params=params, timeout=None) as response:
            if response.status_code >= 400:
                await response.aread()
                raise ApiError.from_response(response)
            async for chunk in response.aiter_text():
                yield chunk

    async def namespaces(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await self._json("GET", "/api/v1/namespaces"))["items"]
        return items

    async def create_namespace(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._json("POST", "/api/v1/namespaces", json={"name": name})
        return result

    async def delete_namespace(self, name: str) -> None:
        await self._request("DELETE", f"/api/v1/namespaces/{name}")

    async def login(self, username: str, password: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._json(
            "POST", "/api/v1/login", json={"username": username, "password": password}
        )
        return result

    async def logout(self) -> None:
        await self._request("POST", "/api/v1/logout")

    async def whoami(self) -> dict[str, Any]:
        result: dict[str, Any] = await self._json("GET", "/api/v1/whoami")
        return result

    async def tokens(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await self._json("GET", "/api/v1/tokens"))["items"]
        return items

    async def create_token(self, description: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._json(
            "POST", "/api/v1/tokens", json={"description": description}
        )
        return result

    async def revoke_token(self, token_id: str) -> None:
        await self._request("DELETE", f"/api/v1/tokens/{token_id}")

    async def create_user(self, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self._json("POST", "/api/v1/users", json=body)
        return result

    async def update_user(self, username: str, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self._json("PATCH", f"/api/v1/users/{username}", json=body)
        return result

    async def health(self) -> dict[str, Any]:
        result: dict[str, Any] = await self._json("GET", "/healthz")
        return result


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2)
