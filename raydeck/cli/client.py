"""An async REST client of raydeck's API; the CLI's commands are thin wrappers around it.

Every method is written once, async, and returns a typed answer (``replies.py``); an object
(a RayCluster, ...) comes back as the JSON the server sent, because the CLI prints it back.
Errors from the server come back as ``ApiError`` carrying the server's reason, message and
field causes. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from raydeck.cli.replies import (
    DeleteOutcome,
    Event,
    IssuedToken,
    Items,
    Namespace,
    NewUser,
    ObjectPage,
    Outcomes,
    PasswordChange,
    Pod,
    Status,
    Token,
    User,
    read,
)
from raydeck.errors import FieldError, RaydeckError

DEFAULT_URL = "http://127.0.0.1:8480"
M = TypeVar("M", bound=BaseModel)


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
    """A failure the server answered (or ``Unreachable``): its status, reason, message, causes."""

    def __init__(self, code: int, reason: str, message: str, causes: list[FieldError]) -> None:
        super().__init__(message)
        self.code, self.reason, self.message, self.causes = code, reason, message, causes

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        try:
            status = Status.model_validate_json(response.content)
        except ValidationError:
            return cls(response.status_code, "Error", response.text or response.reason_phrase, [])
        return cls(response.status_code, status.reason, status.message, status.field_errors())


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

    async def _read(self, shape: type[M], method: str, url: str, **kwargs: Any) -> M:
        response = await self._request(method, url, **kwargs)
        return read(shape, _json(response), what=f"the answer to {method} {url}")

    @staticmethod
    def _path(plural: str, namespace: str | None, name: str | None = None) -> str:
        base = f"/api/v1/namespaces/{namespace}/{plural}" if namespace else f"/api/v1/{plural}"
        return f"{base}/{name}" if name else base

    # An object body is Kubernetes JSON out (a true edge): the user's YAML document as written.
    async def create(self, plural: str, namespace: str, body: dict[str, Any]) -> str:
        """Create the object; the name it was given (``generateName`` makes one)."""
        response = await self._request("POST", self._path(plural, namespace), json=body)
        created = _json(response)
        metadata = created.get("metadata") if isinstance(created, dict) else None
        return str((metadata or {}).get("name") or body.get("metadata", {}).get("name") or "")

    async def replace(self, plural: str, namespace: str, name: str, body: dict[str, Any]) -> None:
        await self._request("PUT", self._path(plural, namespace, name), json=body)

    async def get(self, plural: str, namespace: str, name: str) -> dict[str, Any]:
        """The object as the server sent it (a true edge: ``get -o yaml|json`` prints it back)."""
        url = self._path(plural, namespace, name)
        body = _json(await self._request("GET", url))
        if not isinstance(body, dict):
            raise RaydeckError(f"the answer to GET {url} from raydeck is not an object")
        return body

    async def list_objects(
        self,
        plural: str,
        namespace: str | None,
        *,
        search: str = "",
        sort: str = "name",
        status: str = "",
        type: str | None = None,
        selector: str = "",
        limit: int = 0,
    ) -> ObjectPage:
        params: dict[str, str | int | None] = {"search": search, "sort": sort, "status": status}
        params |= {"type": type, "selector": selector, "limit": limit}
        query = {k: v for k, v in params.items() if v not in (None, "", 0)}
        return await self._read(ObjectPage, "GET", self._path(plural, namespace), params=query)

    async def delete_many(
        self, plural: str, namespace: str, names: list[str]
    ) -> list[DeleteOutcome]:
        url = self._path(plural, namespace)
        return (await self._read(Outcomes, "DELETE", url, params={"name": names})).results

    async def action(self, plural: str, namespace: str, name: str, verb: str) -> None:
        await self._request("POST", f"{self._path(plural, namespace, name)}/{verb}")

    async def pods(self, plural: str, namespace: str, name: str) -> list[Pod]:
        url = f"{self._path(plural, namespace, name)}/pods"
        return (await self._read(Items[Pod], "GET", url)).items

    async def events(self, plural: str, namespace: str, name: str) -> list[Event]:
        url = f"{self._path(plural, namespace, name)}/events"
        return (await self._read(Items[Event], "GET", url)).items

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

    async def namespaces(self) -> list[str]:
        listed = await self._read(Items[Namespace], "GET", "/api/v1/namespaces")
        return [n.metadata.name for n in listed.items]

    async def create_namespace(self, name: str) -> None:
        await self._request("POST", "/api/v1/namespaces", json={"name": name})

    async def delete_namespace(self, name: str) -> None:
        await self._request("DELETE", f"/api/v1/namespaces/{name}")

    async def login(self, username: str, password: str) -> IssuedToken:
        body = {"username": username, "password": password}
        return await self._read(IssuedToken, "POST", "/api/v1/login", json=body)

    async def logout(self) -> None:
        await self._request("POST", "/api/v1/logout")

    async def whoami(self) -> User:
        return await self._read(User, "GET", "/api/v1/whoami")

    async def tokens(self) -> list[Token]:
        return (await self._read(Items[Token], "GET", "/api/v1/tokens")).items

    async def create_token(self, description: str) -> IssuedToken:
        body = {"description": description}
        return await self._read(IssuedToken, "POST", "/api/v1/tokens", json=body)

    async def revoke_token(self, token_id: str) -> None:
        await self._request("DELETE", f"/api/v1/tokens/{token_id}")

    async def create_user(self, user: NewUser) -> None:
        await self._request("POST", "/api/v1/users", json=user.model_dump(by_alias=True))

    async def change_password(self, username: str, change: PasswordChange) -> None:
        body = change.model_dump(by_alias=True)
        await self._request("PATCH", f"/api/v1/users/{username}", json=body)


def _json(response: httpx.Response) -> object:
    try:
        body: object = response.json()
    except ValueError:
        return response.text
    return body
