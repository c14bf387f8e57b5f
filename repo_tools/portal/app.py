"""`oa portal`: the reading portal, a Starlette application served by uvicorn.

Why Starlette + uvicorn: both are maintained by the Encode team, small, typed and widely run in
production; Starlette gives routing, form parsing, cookies and file responses (sendfile where the
server has it) without a framework's ORM or session model we would have to work around: sessions
here are server-side rows (accounts.py) that the server must be able to end at once.

Paths (ARCHITECTURE.md): GET /login (form with a hidden `csrf_token`), POST /login (`user`,
`password`, `csrf_token`), GET/POST /password (`old`, `new`, `csrf_token`), POST /logout; the
internal GET /_portal/auth answers nginx's `auth_request`; every other path is the reader's site:
their personal overlay, their unit's overlay, then the base (files.py), any other file 404 with
the site's 404 page.
"""
from __future__ import annotations

import hashlib
import hmac
import mimetypes
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from repo_tools.city import City
from repo_tools.messages import Refused, say
from repo_tools.portal import auth, files
from repo_tools.portal.accounts import Accounts, Session, portal_dir
from repo_tools.portal.headers import page_headers, response_headers
from repo_tools.portal.waiting import waiting_work
from repo_tools.site.headers import is_repository_file
from repo_tools.site.overlays import reader_overlays

TEMPLATES = Path(__file__).parent / "templates"
SESSION_COOKIE = "oa_session"
LOGIN_COOKIE = "oa_login"
ABSOLUTE_MAX = 12 * 3600      # a signed cookie older than this is refused even if the session lives
LOGIN_FORM_MAX = 3600          # a login form older than this must be reloaded
TOUCH_EVERY = 15               # seconds: how often a request refreshes the session's last use
AUTH_PATH = "/_portal/auth"
PUBLIC_PREFIX = "/assets/"      # the base's styles and scripts: no content, needed by the login form
for suffix, kind in {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
                     ".json": "application/json", ".wasm": "application/wasm", ".svg": "image/svg+xml",
                     ".pf_fragment": "application/octet-stream", ".pf_index": "application/octet-stream",
                     ".pf_meta": "application/octet-stream", ".pagefind": "application/octet-stream"}.items():
    mimetypes.add_type(kind, suffix)


def _secret(city_root: Path) -> bytes:
    """The key that signs cookies, kept with the service (0600), made once."""
    path = portal_dir(city_root) / "secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(32))
    return path.read_bytes()


class RegistryCache:
    """The registry, read again only when its `main` moved (a stat per request, not a git call),
    so a disable takes effect on the next request."""

    def __init__(self, city: City) -> None:
        self.city = city
        self._key: tuple[int, ...] | None = None
        self._registry: Any = None

    def _stamp(self) -> tuple[int, ...]:
        repo = self.city.registry_repo
        out = []
        for name in ("refs/heads/main", "packed-refs"):
            try:
                info = os.stat(repo / name)
                out += [info.st_mtime_ns, info.st_size, info.st_ino]
            except OSError:
                out += [0, 0, 0]
        return tuple(out)

    def get(self) -> Any:
        stamp = self._stamp()
        if stamp != self._key or self._registry is None:
            self._registry = self.city.registry()
            self._key = stamp
        return self._registry


@dataclass
class Reader:
    session: Session
    user: str
    name: str
    unit: str
    must_change: bool


class Portal:
    """The application's state: one city, its accounts, the cookie signer and the site roots."""

    def __init__(self, city: City, site: Path | None = None, idle_minutes: float = 30.0,
                 secure_cookies: bool = False) -> None:
        self.city = city
        self.site = Path(site) if site else city.site_dir
        self.accounts = Accounts(city.root)
        self.secret = _secret(city.root)
        self.signer = URLSafeTimedSerializer(self.secret, salt="oa-portal-session")
        self.login_signer = URLSafeTimedSerializer(self.secret, salt="oa-portal-login")
        self.idle = idle_minutes * 60
        self.idle_minutes = idle_minutes
        self.secure = secure_cookies
        self.registry = RegistryCache(city)
        self.env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))

    # Roots ------------------------------------------------------------------------------
    def roots(self, reader: Reader) -> list[Path]:
        return [*reader_overlays(self.site, reader.user, reader.unit), self.site]

    # Sessions ---------------------------------------------------------------------------
    def reader(self, request: Request) -> Reader | Refused:
        """The reader of a request, or why there is none (the refusal says what to do)."""
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return Refused("portal-session-ended")
        try:
            sid = self.signer.loads(cookie, max_age=ABSOLUTE_MAX)
        except SignatureExpired:
            return Refused("portal-session-expired", hours=int(ABSOLUTE_MAX // 3600))
        except BadSignature:
            return Refused("portal-session-ended")
        session = self.accounts.session(str(sid))
        if session is None:
            return Refused("portal-session-ended")  # logged out, replaced, locked: a replay finds nothing
        now = time.time()
        if now - session.created > ABSOLUTE_MAX:  # the server's own clock, whatever the cookie says
            self.accounts.end_session(session.sid)
            self.city.log("portal-session-expired", person=session.user)
            return Refused("portal-session-expired", hours=int(ABSOLUTE_MAX // 3600))
        if now - session.seen > self.idle:
            self.accounts.end_session(session.sid)
            self.city.log("portal-session-idle", person=session.user)
            return Refused("portal-session-idle", minutes=int(self.idle_minutes))
        registry = self.registry.get()
        refusal = auth.account_refusal(self.city, registry, session.user)
        if refusal is not None:
            ended = self.accounts.end_sessions(session.user)  # a lock or a disable ends every session
            self.city.log("portal-sessions-ended", person=session.user, rule=refusal.rule, sessions=ended)
            return refusal
        if now - session.seen > TOUCH_EVERY:
            self.accounts.touch(session.sid)
        person = registry.person(session.user)
        return Reader(session, session.user, person.name, person.unit, self.accounts.must_change(session.user))

    def set_session(self, response: Response, session: Session) -> None:
        response.set_cookie(SESSION_COOKIE, self.signer.dumps(session.sid), httponly=True, samesite="strict",
                            secure=self.secure, path="/")

    def login_token(self, nonce: str) -> str:
        return hmac.new(self.secret, f"login|{nonce}".encode(), hashlib.sha256).hexdigest()

    # Pages ------------------------------------------------------------------------------
    def page(self, template: str, status: int = 200, reader: Reader | None = None, **context: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(
            user=reader.user if reader else None, user_name=reader.name if reader else "",
            csrf=context.pop("csrf", reader.session.csrf if reader else ""), **context)
        return HTMLResponse(html, status_code=status, headers=page_headers())

    def not_found(self) -> Response:
        page = self.site / "404.html"
        title = say("portal.app.not_found.1")
        body = page.read_bytes() if page.is_file() else f"<!doctype html><title>{title}</title><h1>{title}</h1>".encode()
        return Response(body, status_code=404, media_type="text/html; charset=utf-8", headers=page_headers())


def _head(path: Path) -> bytes:
    """The first bytes of a file (a text file's charset is named from them)."""
    with open(path, "rb") as handle:
        return handle.read(4096)


def _safe_next(value: str | None) -> str:
    """Only a path of this site (no scheme, no `//host`, no backslash) may follow the login."""
    value = (value or "/").strip()
    if not value.startswith("/") or value.startswith("//") or "\\" in value or any(ord(c) < 32 for c in value):
        return "/"
    return value


def _login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


class OriginForm:
    """An absolute-form request target (`GET http://host/p HTTP/1.1`, which servers must accept)
    is routed by its path, as nginx does; a target that is no path at all (`*`) reaches no route
    and gets the site's Chinese 404."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not str(scope.get("path", "")).startswith("/"):
            raw = files.origin_form(scope.get("raw_path") or str(scope.get("path", "")).encode("latin-1", "replace"))
            scope = {**scope, "raw_path": raw, "path": unquote(raw.decode("latin-1")) if raw else "*"}
        await self.app(scope, receive, send)


def create_app(city: City, site: Path | None = None, idle_minutes: float = 30.0,
               secure_cookies: bool = False) -> Starlette:
    """The portal as an ASGI application (uvicorn serves it; tests start it on a free port)."""
    portal = Portal(city, site, idle_minutes, secure_cookies)

    async def login_form(request: Request) -> Response:
        current = portal.reader(request)
        if isinstance(current, Reader):
            return RedirectResponse("/password" if current.must_change else "/", status_code=303)
        return _login_page(request, None, 200)

    def _login_page(request: Request, refusal: Refused | None, status: int, user_value: str = "",
                    next_value: str | None = None) -> Response:
        # One nonce per browser while its form cookie lives: a second tab (or any GET of the
        # form) must not invalidate the form already shown.
        try:
            nonce = str(portal.login_signer.loads(request.cookies.get(LOGIN_COOKIE, ""), max_age=LOGIN_FORM_MAX // 2))
        except BadSignature:
            nonce = secrets.token_urlsafe(24)
        notice = say("portal.app._login_page.1") if request.query_params.get("bye") else None
        response = portal.page("login.html", status, title=say("portal.app._login_page.2"), csrf=portal.login_token(nonce), refusal=refusal,
                               notice=notice, user_value=user_value,
                               next=_safe_next(next_value or request.query_params.get("next")))
        response.set_cookie(LOGIN_COOKIE, portal.login_signer.dumps(nonce), httponly=True, samesite="strict",
                            secure=portal.secure, path="/login", max_age=LOGIN_FORM_MAX)
        return response

    async def login_submit(request: Request) -> Response:
        form = await request.form()
        token = str(form.get("csrf_token") or "")
        try:
            nonce = portal.login_signer.loads(request.cookies.get(LOGIN_COOKIE, ""), max_age=LOGIN_FORM_MAX)
            valid = bool(token) and hmac.compare_digest(token, portal.login_token(str(nonce)))
        except BadSignature:
            valid = False
        if not valid:
            return _csrf_refused("/login")
        user, password = str(form.get("user") or ""), str(form.get("password") or "")
        # argon2 is slow on purpose: off the event loop, so other readers are not held up.
        outcome = await run_in_threadpool(auth.login, city, portal.registry.get(), portal.accounts, user, password)
        if outcome.session is None:
            return _login_page(request, outcome.refusal, 401, user_value=user[:64], next_value=str(form.get("next") or ""))
        previous = portal.reader(request)
        if isinstance(previous, Reader):  # one browser, one session: the one it had ends here
            portal.accounts.end_session(previous.session.sid)
        target = "/password" if outcome.must_change else _safe_next(str(form.get("next") or "/"))
        response = RedirectResponse(target, status_code=303)
        portal.set_session(response, outcome.session)
        response.delete_cookie(LOGIN_COOKIE, path="/login", httponly=True, samesite="strict")
        return response

    def _csrf_refused(back: str) -> Response:
        return portal.page("refusal.html", 403, title=say("portal.app._csrf_refused.1"), refusal=Refused("portal-csrf"), back=back)

    def _checked(reader: Reader, form: Any) -> bool:
        token = str(form.get("csrf_token") or "")
        return bool(token) and hmac.compare_digest(token, reader.session.csrf)

    async def password_form(request: Request) -> Response:
        reader = portal.reader(request)
        if not isinstance(reader, Reader):
            return _login_redirect(request)
        return portal.page("password.html", reader=reader, title=say("portal.app.password_form.1"), must_change=reader.must_change)

    async def password_submit(request: Request) -> Response:
        reader = portal.reader(request)
        form = await request.form()
        if not isinstance(reader, Reader):
            return _login_page(request, reader, 401, next_value="/password")
        if not _checked(reader, form):
            return _csrf_refused("/password")
        try:
            session = await run_in_threadpool(auth.change_password, city, portal.accounts, reader.user,
                                              str(form.get("old") or ""), str(form.get("new") or ""))
        except Refused as refusal:
            return portal.page("password.html", 400, reader=reader, title=say("portal.app.password_submit.1"), refusal=refusal,
                               must_change=reader.must_change)
        response = RedirectResponse("/?password=changed", status_code=303)
        portal.set_session(response, session)
        return response

    async def logout(request: Request) -> Response:
        reader = portal.reader(request)
        form = await request.form()
        if isinstance(reader, Reader):
            if not _checked(reader, form):
                return _csrf_refused("/")
            portal.accounts.end_session(reader.session.sid)
            city.log("portal-logout", person=reader.user)
        response = RedirectResponse("/login?bye=1", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
        return response

    def _decoded_path(request: Request) -> str | None:
        """The request path decoded exactly once from the raw bytes, as nginx reads it
        (files.target_path: an encoded `%2F` is a slash and is then judged as one)."""
        raw = request.scope.get("raw_path")
        return files.target_path(raw if raw is not None else request.url.path.encode("utf-8"))

    def _home(reader: Reader, found: files.Found, request: Request) -> Response:
        """The base's home page with the reader's waiting work (Art. 16) in front of it."""
        html = found.real.read_text(encoding="utf-8")
        waiting = waiting_work(city, portal.registry.get(), reader.user)
        notice = say("portal.app._home.1") if request.query_params.get("password") else ""
        block = Markup(portal.env.get_template("waiting.html").render(waiting=waiting))
        user_bar = Markup(
            '<div class="portal-bar"><span class="portal-user">{who}</span> <a href="/password">{password}</a> '
            '<form class="portal-logout" method="post" action="/logout"><input type="hidden" name="csrf_token" value="{csrf}">'
            '<button type="submit">{logout}</button></form>{notice}</div>').format(
                who=say("portal.app._home.2", name=reader.name, user=reader.user), password=say("portal.app._home.password"),
                logout=say("portal.app._home.logout"), csrf=reader.session.csrf,
                                     notice=Markup('<p class="portal-notice">{}</p>').format(notice) if notice else "")
        marker = '<main class="site-main">'
        html = html.replace(marker, marker + user_bar + block, 1) if marker in html else user_bar + block + html
        return HTMLResponse(html, headers=page_headers())

    async def site_file(request: Request) -> Response:
        reader = portal.reader(request)
        if not isinstance(reader, Reader):
            public = _public_asset(_decoded_path(request))
            return public if public is not None else _login_redirect(request)
        if reader.must_change:
            return RedirectResponse("/password", status_code=303)
        path = _decoded_path(request)
        roots = portal.roots(reader)
        found = files.resolve(roots, path) if path is not None else None
        if found is None:
            redirect = files.directory_redirect(roots, path) if path is not None else None
            if redirect is not None:
                return RedirectResponse(quote(redirect, safe="/"), status_code=301)
            return portal.not_found()
        if found.relative == "index.html" and found.root == portal.site:  # HEAD answers as GET does
            return await run_in_threadpool(_home, reader, found, request)  # reads the repositories
        media = mimetypes.guess_type(found.real.name)[0] or "application/octet-stream"
        if media.startswith("text/") or media in ("application/json", "text/javascript"):
            media += "; charset=utf-8"
        headers = {**response_headers(found.relative, _head(found.real)), "Cache-Control": "private, no-cache"}
        return FileResponse(found.real, media_type=media, headers=headers)  # headers' Content-Type wins

    def _public_asset(path: str | None) -> Response | None:
        """The site's own styles and scripts (assets/, no content) are served before login, so
        the login form has its style; everything else waits for the login."""
        if path is None or not path.startswith(PUBLIC_PREFIX):
            return None
        found = files.resolve([portal.site], path)
        if found is None:
            return portal.not_found()
        media = mimetypes.guess_type(found.real.name)[0] or "application/octet-stream"
        return FileResponse(found.real, media_type=media + ("; charset=utf-8" if media.startswith("text/") else ""),
                            headers=response_headers(found.relative, _head(found.real)))

    async def nginx_auth(request: Request) -> Response:
        """For nginx's `auth_request`: 204 with the root that holds the file (X-OA-Root, relative
        to the site's parent folder; ids are ASCII) and, for a directory URL, X-OA-Index; 401 with
        where to go (X-OA-Location) without a valid session or before the initial password is
        changed; 403 when the reader may not see the file, which nginx answers with the site's
        404 page. nginx serves `/$root$uri$index` itself: the portal accepts only plain paths
        (files.py), for which nginx's decoded `$uri` is the very path judged here."""
        original = request.headers.get("x-original-uri", "")
        reader = portal.reader(request)
        if not isinstance(reader, Reader):
            return Response(status_code=401, headers={
                "X-OA-Location": f"/login?next={quote(_safe_next(original), safe='/')}"})
        if reader.must_change:
            return Response(status_code=401, headers={"X-OA-Location": "/password"})
        path = files.target_path(original)  # the path nginx serves as `$uri` (files.py)
        if path is None:
            return Response(status_code=403)
        roots = portal.roots(reader)
        found = files.resolve(roots, path)
        if found is None:
            redirect = files.directory_redirect(roots, path)
            if redirect is not None:
                return Response(status_code=401, headers={"X-OA-Location": quote(redirect, safe="/")})
            return Response(status_code=403)
        headers = {"X-OA-Root": os.path.relpath(found.root, portal.site.parent),
                   "X-OA-Index": "index.html" if path.endswith("/") else ""}
        # nginx sends these as they are (nginx.py): the same type, policy and download as here.
        served = response_headers(found.relative, _head(found.real) if is_repository_file(found.relative) else b"")
        headers["X-OA-Content-Type"] = served["Content-Type"]
        headers["X-OA-CSP"] = served.get("Content-Security-Policy", "")
        if served.get("Content-Disposition"):
            headers["X-OA-Disposition"] = served["Content-Disposition"]
        return Response(status_code=204, headers=headers)

    async def other_method(request: Request) -> Response:
        return portal.page("refusal.html", 405, title=say("portal.app.other_method.1"), back="/", refusal=Refused(
            "usage", detail=say("portal.app.other_method.2", method=request.method), remedy=say("portal.app.other_method.3")))

    routes = [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/password", password_form, methods=["GET"]),
        Route("/password", password_submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route(AUTH_PATH, nginx_auth, methods=["GET"]),
        Route("/{path:path}", site_file, methods=["GET", "HEAD"]),
        Route("/{path:path}", other_method, methods=["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
    ]
    async def http_error(request: Request, exc: Exception) -> Response:
        """What the framework itself refuses (no route, a method no route takes, a malformed
        form) answers like the portal: the site's 404 page, or a Chinese page saying what to do."""
        status = getattr(exc, "status_code", 400)
        if status == 404:
            return portal.not_found()
        if status == 405:
            return await other_method(request)
        return portal.page("refusal.html", status, title=say("portal.app.http_error.1"), back="/", refusal=Refused(
            "portal-bad-request", detail=say("portal.app.http_error.2", status=status)))

    async def server_error(request: Request, exc: Exception) -> Response:
        return portal.page("refusal.html", 500, title=say("portal.app.server_error.1"), back="/", refusal=Refused(
            "portal-unavailable", detail=say("portal.app.server_error.2")))

    app = Starlette(routes=routes, middleware=[Middleware(OriginForm)],
                    exception_handlers={HTTPException: http_error, Exception: server_error})
    app.state.portal = portal
    return app
