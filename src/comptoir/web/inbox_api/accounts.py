"""Sign-in, sign-out, ``me``, password resets, invitations and members (``/inbox/api``)."""

from __future__ import annotations

from typing import Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection

from comptoir.bootstrap import Container
from comptoir.services import accounts
from comptoir.services.account_mail import deliver_link, inbox_link
from comptoir.services.inbox_json import iso
from comptoir.storage import accounts as store
from comptoir.web.api.errors import ApiError, NotFoundError, field_error
from comptoir.web.inbox_api.session import (
    DEVICE_COOKIE,
    Anonymous,
    Session,
    clear_session_cookie,
    client_address,
    forbidden,
    set_session_cookies,
)

MAX_EMAIL = 320
MAX_PASSWORD = 1024


class SignInIn(BaseModel):
    email: str = Field(max_length=MAX_EMAIL)
    password: str = Field(max_length=MAX_PASSWORD)


class EmailIn(BaseModel):
    email: str = Field(max_length=MAX_EMAIL)


class ResetConfirmIn(BaseModel):
    token: str = Field(max_length=200)
    password: str = Field(max_length=MAX_PASSWORD)


class TokenIn(BaseModel):
    token: str = Field(max_length=200)


class AcceptIn(BaseModel):
    token: str = Field(max_length=200)
    name: str = Field(default="", max_length=200)
    password: str = Field(max_length=MAX_PASSWORD)


class InviteIn(BaseModel):
    email: str = Field(max_length=MAX_EMAIL)
    role: Literal["agent", "admin"] = "agent"


class MePatchIn(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    locale: Literal["en", "fr"] | None = None
    workspace_id: int | None = Field(default=None, ge=1, le=2**63 - 1)


def _error(exc: accounts.AccountError) -> ApiError:
    if isinstance(exc, accounts.ThrottledError):
        return ApiError(
            str(exc),
            code="throttled",
            status=429,
            headers={"Retry-After": str(exc.retry_after)},
            retry_after=exc.retry_after,
        )
    if isinstance(exc, accounts.InvalidCredentialsError):
        return ApiError(str(exc), code=exc.code, status=401)
    if isinstance(exc, accounts.WeakPasswordError):
        return ApiError(str(exc), code=exc.code, status=422, field="password")
    if isinstance(exc, accounts.AccountExistsError):
        return ApiError(str(exc), code=exc.code, status=409)
    return ApiError(str(exc), code=exc.code, status=400)


def me_json(conn: Connection, user_id: int, workspace_id: int, csrf: str) -> dict[str, Any]:
    user = store.user_by_id(conn, user_id)
    assert user is not None
    workspaces = store.memberships_of(conn, user_id)
    current = next(w for w in workspaces if w.workspace_id == workspace_id)
    return {
        "user": {"id": user.id, "email": user.email, "name": user.name},
        "workspace": {
            "id": current.workspace_id,
            "name": current.workspace_name,
            "role": current.role,
        },
        "workspaces": [
            {"id": w.workspace_id, "name": w.workspace_name, "role": w.role} for w in workspaces
        ],
        "csrf_token": csrf,
        "locale": user.locale,
    }


def accounts_router(container: Container) -> APIRouter:
    router = APIRouter()
    secret_key = container.settings.secret_key

    async def run(function: Any) -> Any:
        """``function(conn)`` in one transaction; an AccountError becomes its API error.

        Sign-in failures are counted, so the transaction commits before the error is raised.
        """

        def call() -> Any:
            with container.engine.begin() as conn:
                try:
                    return function(conn)
                except accounts.InvalidCredentialsError as exc:
                    return exc

        result = await anyio.to_thread.run_sync(call)
        if isinstance(result, accounts.InvalidCredentialsError):
            raise _error(result)
        return result

    def signed_in(request: Request, response: Response, sign_in: accounts.SignIn) -> Any:
        set_session_cookies(request, response, sign_in)
        return me_json_now(sign_in)

    def me_json_now(sign_in: accounts.SignIn) -> Any:
        with container.engine.connect() as conn:
            return me_json(conn, sign_in.user_id, sign_in.workspace_id, sign_in.csrf_token)

    @router.post("/sign-in", dependencies=[Anonymous])
    async def sign_in(body: SignInIn, request: Request, response: Response) -> Any:
        now = container.clock.now()
        address = client_address(request)
        device = request.cookies.get(DEVICE_COOKIE)
        try:
            result = await run(
                lambda conn: accounts.sign_in(
                    conn,
                    body.email,
                    body.password,
                    address=address,
                    device=device,
                    secret_key=secret_key,
                    now=now,
                )
            )
        except accounts.AccountError as exc:
            raise _error(exc) from None
        return await anyio.to_thread.run_sync(signed_in, request, response, result)

    @router.post("/sign-out", status_code=204)
    async def sign_out(session: Session, request: Request, response: Response) -> Response:
        def end() -> None:
            with container.engine.begin() as conn:
                accounts.sign_out(conn, session)

        await anyio.to_thread.run_sync(end)
        answer = Response(status_code=204)
        clear_session_cookie(request, answer)
        return answer

    @router.get("/me")
    async def me(session: Session) -> Any:
        def load() -> Any:
            with container.engine.connect() as conn:
                return me_json(conn, session.user_id, session.workspace_id, session.csrf_token)

        return await anyio.to_thread.run_sync(load)

    @router.patch("/me")
    async def patch_me(session: Session, body: MePatchIn) -> Any:
        fields = body.model_fields_set

        def apply() -> Any:
            with container.engine.begin() as conn:
                workspace_id = session.workspace_id
                if "workspace_id" in fields and body.workspace_id is not None:
                    if not accounts.switch_workspace(conn, session, body.workspace_id):
                        raise NotFoundError(f"no workspace {body.workspace_id} for you")
                    workspace_id = body.workspace_id
                values: dict[str, Any] = {}
                if "name" in fields and body.name is not None:
                    values["name"] = body.name.strip()
                if "locale" in fields:
                    values["locale"] = body.locale
                if values:
                    store.update_user(conn, session.user_id, **values)
                return me_json(conn, session.user_id, workspace_id, session.csrf_token)

        return await anyio.to_thread.run_sync(apply)

    @router.post("/password-reset", status_code=202, dependencies=[Anonymous])
    async def password_reset(body: EmailIn, request: Request) -> Any:
        now = container.clock.now()
        address = client_address(request)
        try:
            found = await run(lambda conn: accounts.request_reset(conn, body.email, now, address))
        except accounts.AccountError as exc:
            raise _error(exc) from None
        if found is not None:
            email, token = found
            await deliver_link(
                container.settings,
                email,
                "Password reset link",
                "Someone asked to reset your Comptoir inbox password. The link works once, "
                "for one hour. If it was not you, ignore this message.",
                inbox_link(container.settings, "reset", token),
            )
        return {"status": "sent_if_known"}

    @router.post("/password-reset/confirm", dependencies=[Anonymous])
    async def password_reset_confirm(
        body: ResetConfirmIn, request: Request, response: Response
    ) -> Any:
        now = container.clock.now()
        try:
            result = await run(
                lambda conn: accounts.confirm_reset(
                    conn, body.token, body.password, secret_key=secret_key, now=now
                )
            )
        except accounts.AccountError as exc:
            raise _error(exc) from None
        return await anyio.to_thread.run_sync(signed_in, request, response, result)

    @router.post("/invitations", status_code=201)
    async def invite(session: Session, body: InviteIn) -> Any:
        if session.role not in accounts.MANAGERS:
            raise forbidden("only owners and admins invite people")
        now = container.clock.now()
        try:
            invitation_id, token = await run(
                lambda conn: accounts.invite(
                    conn, session.workspace_id, body.email, body.role, session.user_id, now
                )
            )
        except accounts.InvalidEmailError:
            raise field_error("email", "not a valid e-mail address") from None
        await deliver_link(
            container.settings,
            body.email.strip(),
            "Invitation to a Comptoir inbox",
            f"{session.user_name or session.email} invites you to answer customers in their "
            "Comptoir inbox. The link works for seven days.",
            inbox_link(container.settings, "invite", token),
        )
        return {
            "id": invitation_id,
            "email": body.email.strip(),
            "role": body.role,
            "expires_at": iso(now + accounts.INVITATION_LIFETIME),
        }

    @router.get("/invitations")
    async def invitations(session: Session) -> Any:
        if session.role not in accounts.MANAGERS:
            raise forbidden("only owners and admins see invitations")

        def load() -> Any:
            with container.engine.connect() as conn:
                rows = store.invitations_of(conn, session.workspace_id)
            return {
                "data": [
                    {
                        "id": r["id"],
                        "email": r["email"],
                        "role": r["role"],
                        "expires_at": iso(r["expires_at"]),  # type: ignore[arg-type]
                        "accepted_at": iso(r["accepted_at"]),  # type: ignore[arg-type]
                    }
                    for r in rows
                ]
            }

        return await anyio.to_thread.run_sync(load)

    @router.post("/invitations/lookup", dependencies=[Anonymous])
    async def lookup_invitation(body: TokenIn) -> Any:
        now = container.clock.now()
        try:
            info = await run(lambda conn: accounts.lookup_invitation(conn, body.token, now))
        except accounts.AccountError as exc:
            raise _error(exc) from None
        return {
            "email": info.email,
            "workspace_name": info.workspace_name,
            "role": info.role,
            "existing_user": info.existing_user,
        }

    @router.post("/invitations/accept", dependencies=[Anonymous])
    async def accept_invitation(body: AcceptIn, request: Request, response: Response) -> Any:
        now = container.clock.now()
        try:
            result = await run(
                lambda conn: accounts.accept_invitation(
                    conn,
                    body.token,
                    name=body.name,
                    password=body.password,
                    secret_key=secret_key,
                    now=now,
                )
            )
        except accounts.AccountError as exc:
            raise _error(exc) from None
        return await anyio.to_thread.run_sync(signed_in, request, response, result)

    @router.get("/members")
    async def members(session: Session) -> Any:
        def load() -> Any:
            with container.engine.connect() as conn:
                return {"data": store.members(conn, session.workspace_id)}

        return await anyio.to_thread.run_sync(load)

    return router
