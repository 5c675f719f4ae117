"""The workshop's web application: three pages and a small JSON API, behind access tokens.

Who may do what:

* The **facilitator's link** (``/?token=F``) opens everything.  When the
  server also listens on a network address (``--host``), the facilitator's
  page and API answer only requests from this computer (loopback), whatever
  token they carry.
* The **presenter link** (``/present?token=S``) opens only the projector page
  and ``/api/present``: weights, grade distribution, cost against budget,
  means of groups of at least ``privacy.min_group`` people, the tally from
  ``min_group`` ballots on, and the voting link's QR code.  No names, no
  individual figures.
* **Participant links** (``/vote?token=P``) open only the voting page and its
  two API calls (``/api/ballot``, ``/api/vote``), which carry weights and
  nothing about any employee.  Who gets one is the session's mode
  (:mod:`.voting`): a signed link per roster member, one shared link plus
  one-time codes for a secret ballot, or ad-hoc links issued by the
  facilitator (``--links N``, "New participant link").  A link holds one
  ballot (see :mod:`.voting` for changing a vote).
* Pages take their token from the query string; every API call must carry it
  in the ``X-Appraise-Token`` header (the pages' script sends it).  No token is
  ever kept in a cookie: cookies are shared by every port of a host, so any
  other local server a browser visits would receive them, and a page from it
  could use them.
* Requests must name a loopback host (``Host: 127.0.0.1:<port>``,
  ``localhost`` or ``[::1]``) or the address given to ``--host`` (DNS rebinding), API calls from a browser must be
  same-origin (``Origin`` and ``Sec-Fetch-Site``, when sent), every POST must
  be ``Content-Type: application/json`` with a body of at most
  :data:`MAX_BODY` bytes, nested at most :data:`MAX_DEPTH` levels, without
  ``NaN`` or ``Infinity``.  Anything else is refused with a 4xx and a message.

The server listens on 127.0.0.1, and on another address only when ``--host``
says so (see :func:`serve`); pages load nothing from the network (CSS,
JavaScript and the QR code's SVG are inline, fonts are the system's).
"""
from __future__ import annotations

import asyncio
import json
import math
import re
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from appraise.i18n import normalize_locale
from appraise.tools.workshop import sheet, texts, voting
from appraise.tools.workshop.qr import qr
from appraise.tools.workshop.session import SaveConflict, SaveRefused, Workshop
from appraise.tools.workshop.voting import VoteRefused

TEMPLATES = Path(__file__).parent / "templates"
PARTICIPANT_PATHS = {"/vote", "/api/ballot", "/api/vote"}
PRESENTER_PATHS = {"/present", "/api/present"}
LOOPBACK_CLIENTS = {"127.0.0.1", "::1"}
TOKEN_HEADER = "x-appraise-token"
MAX_BODY = 256 * 1024          # bytes of one request body (a ruleset's every weight fits many times over)
MAX_DEPTH = 16                 # nesting of a request's JSON (the API needs 2)
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
FACILITATOR_VOTER = "facilitator"


@dataclass
class Tokens:
    """The secrets of one workshop (new ones every time the server starts).

    ``facilitator`` opens everything; ``links`` maps each issued participant
    token to its label ("1", "2", ...), which is also that link's voter id.
    """

    facilitator: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    links: dict[str, str] = field(default_factory=dict)
    presenter: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def issue(self) -> str:
        """A new participant link's token (one ballot per link)."""
        token = secrets.token_urlsafe(24)
        self.links[token] = str(len(self.links) + 1)
        return token

    def role(self, given: str, workshop: Workshop | None = None) -> tuple[str | None, str | None]:
        """("facilitator" | "presenter" | "participant" | None, the participant's voter id).

        With ``workshop``: its roster members' signed links (voter ``person:<id>``) and, for a secret ballot,
        the shared voting link (voter ``ballot``) are participants too."""
        if not given:
            return None, None
        raw = given.encode()
        if secrets.compare_digest(raw, self.facilitator.encode()):
            return "facilitator", None
        if secrets.compare_digest(raw, self.presenter.encode()):
            return "presenter", None
        if workshop is not None and workshop.mode == "roster" and given.startswith("r."):
            person = voting.verify(workshop.secret, workshop.session_id, given)
            return ("participant", voting.PERSON + person) if person in workshop.roster else (None, None)
        if workshop is not None and workshop.mode == "codes" and secrets.compare_digest(
                raw, ballot_token(workshop).encode()):
            return "participant", voting.BALLOT_VOTER
        label = None
        for token, name in self.links.items():  # compare with every link, in constant time each
            if secrets.compare_digest(raw, token.encode()):
                label = name
        return ("participant", label) if label is not None else (None, None)


class Refused(Exception):
    """A request refused before it reaches the workshop: HTTP ``status`` and a message key of :mod:`.texts`."""

    def __init__(self, status: int, key: str, **values):
        super().__init__(key)
        self.status, self.key, self.values = status, key, values


def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def _json_for_script(data) -> str:
    """JSON safe inside a ``<script type="application/json">`` element."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e") \
        .replace("&", "\\u0026")


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


def parse_body(raw: bytes) -> dict:
    """The JSON object of a request body; raises :class:`Refused` (400) saying what is wrong with it.

    Refused: bodies that are not UTF-8 or not JSON, nesting deeper than
    :data:`MAX_DEPTH` (checked by a linear scan before parsing), ``NaN``,
    ``Infinity`` and numbers too large to be finite, and anything but an object.
    """
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "err_not_json") from None
    depth = deepest = 0
    for ch in _STRING.sub(b"", raw):
        if ch in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in b"]}":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise Refused(400, "err_too_deep", depth=MAX_DEPTH)

    def non_finite(text):
        raise Refused(400, "err_non_finite", value=text)

    def number(text):
        value = float(text)
        if not math.isfinite(value):
            non_finite(text)
        return value

    try:
        body = json.loads(raw, parse_constant=non_finite, parse_float=number)
    except (ValueError, RecursionError):
        raise Refused(400, "err_not_json") from None
    if not isinstance(body, dict):
        raise Refused(400, "err_not_object")
    return body


def _host_name(host: str) -> str:
    return (host.rsplit(":", 1)[0] if not host.endswith("]") else host).lower()


def _loopback(host: str) -> bool:
    """``host`` (a Host header: name and port) names this machine's loopback interface."""
    return _host_name(host) in LOOPBACK_HOSTS


def ballot_token(workshop: Workshop) -> str:
    """The shared voting link's token of a secret ballot (one-time codes), the same after a restart."""
    return voting.derived_token(workshop.secret, workshop.session_id, "ballot")


def cards(workshop: Workshop, base: str, tokens: Tokens, codes: list[str] | None = None) -> list[sheet.Card]:
    """The voting cards of the printable sheet, for a server reached at ``base``: a roster member's signed link
    each; for a secret ballot the room's link with one of ``codes`` each (the codes this process issued: the store
    keeps only their hashes); else one per ad-hoc link."""
    if workshop.mode == "roster":
        return [sheet.Card(name, "card_personal", participant_link(base, voting.sign(
            workshop.secret, workshop.session_id, pid)), label=pid) for pid, name in workshop.roster.items()]
    if workshop.mode == "codes":
        room = participant_link(base, ballot_token(workshop))
        return [sheet.Card("", "card_secret", room, code=code) for code in codes or []] or \
            [sheet.Card("", "card_secret", room)]
    return [sheet.Card("", "card_adhoc", participant_link(base, token), label=label)
            for token, label in tokens.links.items()]


def print_sheet(workshop: Workshop, base: str, tokens: Tokens, codes: list[str] | None = None, *,
                locale: str | None = None, per_page: int = sheet.PER_PAGE, nonce: str = "") -> str:
    """The printable sheet of voting cards (:mod:`.sheet`) as one self-contained HTML document."""
    notice = "sheet_no_codes" if workshop.mode == "codes" and not codes else ""
    return sheet.render(cards(workshop, base, tokens, codes), locale or workshop.locale, per_page=per_page,
                        title=workshop.session_id, nonce=nonce, notice_key=notice)


def create_app(workshop: Workshop, tokens: Tokens | None = None, *, hosts: frozenset[str] = frozenset(),
               public_base: str | None = None, codes: list[str] | None = None) -> Starlette:
    """The Starlette application serving ``workshop``; ``app.state.tokens`` holds the tokens.

    ``hosts``: names besides the loopback ones that requests may give as ``Host`` (the address of
    ``--host``); when there are any, the facilitator's page and API answer only loopback clients.
    ``public_base`` (``http://192.168.1.20:8765``): how participants reach the server, for their links and
    the QR code (default: the address the facilitator's page was requested on).  ``codes``: the one-time codes
    this process issued (a secret ballot), for the facilitator's printable sheet of cards (``/print``).
    """
    tokens = tokens or Tokens()
    extra_hosts = frozenset(h.lower() for h in hosts)
    env = _env()
    # read as text, not as Jinja templates: ``{#`` in CSS or JavaScript must not be template syntax
    assets = {name: (TEMPLATES / name).read_text(encoding="utf-8")
              for name in ("workshop.css", "common.js", "charts.js", "facilitator.js", "participant.js",
                           "presenter.js")}
    # One state change at a time, whatever the server's concurrency: ``lock`` guards the weights and the
    # scores, ``ballot_lock`` the ballots; whatever reads both takes ``lock`` first.  API handlers run off the
    # event loop on two worker threads of their own: ballots (a store write each) on one, everything else on
    # the other, so 50 phones voting never queue the facilitator's re-scores behind their database commits,
    # nor take every thread of a shared pool.
    lock = threading.Lock()
    ballot_lock = threading.Lock()
    ballot_worker = ThreadPoolExecutor(1, thread_name_prefix="workshop-ballots")
    state_worker = ThreadPoolExecutor(1, thread_name_prefix="workshop-state")
    only_ballots = {"vote", "ballot"}
    only_weights = {"weights", "reset", "check"}

    @contextmanager
    def locked(name: str):
        if name in only_ballots:
            with ballot_lock:
                yield
        elif name in only_weights:
            with lock:
                yield
        else:
            with lock, ballot_lock:
                yield

    def given_token(request: Request) -> str:
        # pages: the link's query string; the API: the header only (never a cookie, never the query)
        if request.url.path.startswith("/api/"):
            return request.headers.get(TOKEN_HEADER, "")
        return request.query_params.get("token", "")

    def role(request: Request) -> tuple[str | None, str | None]:
        return tokens.role(given_token(request), workshop)

    def allowed(request: Request) -> bool:
        r, _ = role(request)
        path = request.url.path
        return r == "facilitator" or (r == "participant" and path in PARTICIPANT_PATHS) \
            or (r == "presenter" and path in PRESENTER_PATHS)

    def locale_of(request: Request) -> str:
        lang = request.query_params.get("lang")
        return normalize_locale(lang, workshop.locale) if lang else workshop.locale

    def refusal(request: Request, exc: Refused) -> Response:
        locale = locale_of(request)
        message = texts.message(exc.key, locale, **exc.values)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message, "code": exc.key}, status_code=exc.status)
        both = " / ".join(dict.fromkeys(texts.message(exc.key, lang, **exc.values) for lang in texts.LOCALES))
        return Response(f"{exc.status} {both}\n", status_code=exc.status, media_type="text/plain; charset=utf-8")

    def check(request: Request) -> None:
        """Everything a request must pass before it reaches a page or the API; raises :class:`Refused`."""
        host = request.headers.get("host", "")
        if not (_loopback(host) or _host_name(host) in extra_hosts):
            raise Refused(403, "err_host", host=host[:100])
        if not allowed(request):  # also unknown paths: nothing is answered without a token
            raise Refused(403, "err_token")
        if extra_hosts and role(request)[0] == "facilitator" and \
                (request.client.host if request.client else "") not in LOOPBACK_CLIENTS:
            raise Refused(403, "err_facilitator_local")
        if not request.url.path.startswith("/api/"):
            return
        origin = request.headers.get("origin")
        if origin is not None and origin != f"http://{host}":
            raise Refused(403, "err_cross_site", origin=origin[:100])
        if request.headers.get("sec-fetch-site", "same-origin") != "same-origin":
            raise Refused(403, "err_cross_site", origin=request.headers.get("sec-fetch-site"))
        if request.method == "POST":
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media != "application/json":
                raise Refused(415, "err_content_type")
            length = request.headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
                raise Refused(413, "err_too_large", limit=MAX_BODY)

    def page(request: Request, template: str, boot: dict) -> Response:
        nonce = secrets.token_urlsafe(16)
        locale = locale_of(request)
        boot = {**boot, "lang": locale, "other_lang": texts.other(locale), "texts": texts.table(locale)}
        html = env.get_template(template).render(
            nonce=nonce, lang=locale, t=texts.table(locale), boot=_json_for_script(boot), css=assets["workshop.css"],
            common_js=assets["common.js"], charts_js=assets["charts.js"],
            page_js=assets[template.replace(".html", ".js")])
        return HTMLResponse(html, headers={
            "Content-Security-Policy": (f"default-src 'none'; script-src 'nonce-{nonce}'; "
                                        f"style-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self' data:; "
                                        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
        })

    def base_of(request: Request) -> str:
        return public_base or f"http://{request.headers.get('host')}"

    def links_view(request: Request) -> list[dict]:
        base = base_of(request)
        if workshop.mode == "roster":
            return [{"label": name, "id": pid, "url": participant_link(base, voting.sign(
                workshop.secret, workshop.session_id, pid)), "voted": voting.PERSON + pid in workshop.votes}
                for pid, name in workshop.roster.items()]
        if workshop.mode == "codes":
            return [{"label": "ballot", "url": participant_link(base, ballot_token(workshop)), "voted": False}]
        return [{"label": label, "url": participant_link(base, token), "voted": label in workshop.votes}
                for token, label in tokens.links.items()]

    def join_view(request: Request) -> dict | None:
        """The link the room joins by (a secret ballot's shared link) and its QR code, for the projector."""
        if workshop.mode != "codes":
            return None
        url = participant_link(base_of(request), ballot_token(workshop))
        code = qr(url)
        return {"url": url, "qr": {"size": code.size, "path": code.path}}

    async def facilitator_page(request: Request) -> Response:
        if role(request)[0] != "facilitator":
            return refusal(request, Refused(403, "err_token"))
        with locked("page"):
            boot = {"view": workshop.weights_view(locale_of(request)), "impact": workshop.impact(),
                    "votes": workshop.votes_view(), "links": links_view(request),
                    "file": workshop.path.name if workshop.path else "", "mode": workshop.mode,
                    "presenter": presenter_link(base_of(request) if public_base is None else
                                                f"http://{request.headers.get('host')}", tokens)}
        return page(request, "facilitator.html", boot)

    async def print_page(request: Request) -> Response:
        per_page = request.query_params.get("per_page", str(sheet.PER_PAGE))
        if per_page not in ("1", str(sheet.PER_PAGE)):
            return JSONResponse({"error": f"per_page is 1 or {sheet.PER_PAGE}"}, status_code=400)
        nonce = secrets.token_urlsafe(16)
        with locked("page"):
            html = print_sheet(workshop, base_of(request), tokens, codes, locale=locale_of(request),
                               per_page=int(per_page), nonce=nonce)
        return HTMLResponse(html, headers={
            "Content-Security-Policy": (f"default-src 'none'; style-src 'nonce-{nonce}'; img-src data:; "
                                        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")})

    async def participant_page(request: Request) -> Response:
        return page(request, "participant.html", {})

    async def presenter_page(request: Request) -> Response:
        with locked("page"):
            boot = {"present": workshop.presenter_view(locale_of(request)), "join": join_view(request)}
        return page(request, "presenter.html", boot)

    async def read_body(request: Request) -> dict:
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:  # a body sent without Content-Length (chunked) stops here
                raise Refused(413, "err_too_large", limit=MAX_BODY)
            chunks.append(chunk)
        return parse_body(b"".join(chunks))

    async def api(request: Request) -> Response:
        name = request.path_params["name"]
        locale = locale_of(request)
        try:
            body = await read_body(request) if request.method == "POST" else {}

            def run() -> dict:
                with locked(name):
                    return handle(request, name, body, locale)

            worker = ballot_worker if name in only_ballots else state_worker
            return JSONResponse(await asyncio.get_running_loop().run_in_executor(worker, run))
        except Refused as exc:
            return refusal(request, exc)
        except VoteRefused as exc:
            if exc.status == 429:  # slowed or refused for wrong codes: both languages, and when to try again
                both = " / ".join(dict.fromkeys(texts.message(exc.key, lang, **exc.values)
                                                for lang in (locale, texts.other(locale))))
                return JSONResponse({"error": both, "code": exc.key, **exc.values}, status_code=429,
                                    headers={"Retry-After": str(exc.values["seconds"])})
            return JSONResponse({"error": texts.message(exc.key, locale, **exc.values), "code": exc.key,
                                 **exc.values}, status_code=exc.status)
        except SaveConflict as exc:
            return JSONResponse({"error": "save_conflict", "messages": exc.messages}, status_code=409)
        except SaveRefused as exc:
            return JSONResponse({"error": "save_refused", "messages": exc.messages}, status_code=422)
        except (KeyError, ValueError, TypeError, ArithmeticError) as exc:
            message = exc.args[0] if exc.args else str(exc)
            return JSONResponse({"error": str(message)}, status_code=400)

    def voter_of(request: Request) -> str:
        r, label = role(request)  # a participant always has their link's label
        return label if r == "participant" and label is not None else FACILITATOR_VOTER

    def handle(request: Request, name: str, body: dict, locale: str) -> dict:
        if name == "state":
            return {"view": workshop.weights_view(locale), "impact": workshop.impact(),
                    "votes": workshop.votes_view()}
        if name == "weights":
            if request.method != "POST":
                raise ValueError("POST a weight: {\"key\": ..., \"value\": ...}")
            if "weights" in body:
                if not isinstance(body["weights"], dict):
                    raise ValueError("'weights' is an object of weight keys and numbers")
                # as exact decimals, written as the JSON number was (what the session makes of any number)
                workshop.set_all({str(k): Decimal(str(_number(v))) for k, v in body["weights"].items()})
            else:
                workshop.move(str(body["key"]), _number(body["value"]))
            return {"weights": workshop.weights_view(locale)["weights"], "impact": workshop.impact()}
        if name in ("reset", "adopt"):
            if request.method != "POST":
                raise ValueError(f"POST to /api/{name}")
            workshop.reset() if name == "reset" else workshop.adopt(str(body.get("precision", "whole")))
            return {"weights": workshop.weights_view(locale)["weights"], "impact": workshop.impact()}
        if name == "votes":
            return workshop.votes_view()
        if name == "present":
            return {"present": workshop.presenter_view(locale), "join": join_view(request)}
        if name == "links":
            if request.method == "POST":
                if workshop.mode != "links":
                    raise VoteRefused("no_new_links", 409)
                tokens.issue()
            return {"links": links_view(request), "mode": workshop.mode}
        if name == "qr":
            wanted = request.query_params.get("label", "")
            for link in links_view(request):
                if link["label"] == wanted or link.get("id") == wanted:
                    code = qr(link["url"])
                    return {"url": link["url"], "size": code.size, "path": code.path}
            raise KeyError(f"no link '{wanted[:60]}'")
        if name == "check":
            return {"problems": workshop.check()}
        if name == "save":
            if request.method != "POST":
                raise ValueError("POST to /api/save")
            return workshop.save()
        if name == "ballot":
            voter = voter_of(request)
            own = workshop.votes.get(voter)
            person = workshop.roster.get(voter[len(voting.PERSON):]) if voter.startswith(voting.PERSON) else None
            return {"view": workshop.weights_view(locale), "mode": workshop.mode,
                    "secret": voter == voting.BALLOT_VOTER, "person": person,
                    "revision": own.revision if own else 0,
                    "ballot": {"name": own.name, "weights": {k: float(v) for k, v in own.weights.items()},
                               "revision": own.revision} if own else None}
        if name == "vote":
            if request.method != "POST":
                raise ValueError("POST a vote: {\"name\": ..., \"weights\": {...}}")
            weights = body.get("weights") or {}
            if not isinstance(weights, dict):
                raise ValueError("'weights' is an object of weight keys and numbers")
            voter = voter_of(request)
            if voter == voting.BALLOT_VOTER:
                typed = str(body.get("code", ""))[:40]
                address = request.client.host if request.client else ""
                if voting.normal_code(typed) and (wait := workshop.guesses.wait(address, typed)):
                    raise VoteRefused("code_throttled", 429, seconds=wait)
                try:
                    workshop.vote_secret(typed, weights)
                except VoteRefused as exc:
                    if exc.key in ("code_unknown", "code_spent"):
                        workshop.guesses.failed(address, typed)
                    raise
                return {"name": "", "secret": True, "revision": 1}
            revision = body.get("revision")
            if revision is not None and (isinstance(revision, bool) or not isinstance(revision, int)):
                raise ValueError("'revision' is the whole number the ballot page was showing")
            if revision is None and voter.startswith(voting.PERSON):
                raise ValueError("'revision' is required: send the revision of the ballot the page shows (0: none)")
            ballot = workshop.vote(voter, body.get("name", ""), weights, revision)
            return {"name": ballot.name, "revision": ballot.revision}
        raise KeyError(f"no API '{name}'")

    routes = [Route("/", facilitator_page), Route("/vote", participant_page), Route("/present", presenter_page),
              Route("/print", print_page),
              Route("/api/{name}", api, methods=["GET", "POST"])]

    class Guard:
        """Pure ASGI middleware (a BaseHTTPMiddleware would stream every response in pieces)."""

        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] != "http":
                return await self.app(scope, receive, send)
            request = Request(scope)
            try:
                check(request)
            except Refused as exc:
                return await refusal(request, exc)(scope, receive, send)

            async def send_with_headers(message):
                if message["type"] == "http.response.start":
                    headers = MutableHeaders(scope=message)
                    headers.setdefault("Cache-Control", "no-store")
                    headers.setdefault("Referrer-Policy", "no-referrer")  # the URLs carry tokens
                    headers.setdefault("X-Content-Type-Options", "nosniff")
                await send(message)

            await self.app(scope, receive, send_with_headers)

    app = Starlette(routes=routes, middleware=[Middleware(Guard)])
    app.state.tokens = tokens
    app.state.workshop = workshop
    app.state.links = links_view  # (request) -> the participant links, for tests and the CLI
    return app


def _number(value) -> float:
    """A weight sent as a JSON number (or a numeric string): finite, never a boolean."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("a weight is a number")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise ValueError(f"a weight is a number, not {str(value)[:40]!r}") from None
    if not math.isfinite(number):
        raise ValueError("a weight is a finite number between 0 and 100")
    return number


def facilitator_link(base: str, tokens: Tokens) -> str:
    """The facilitator's link for a server at ``base`` (``http://127.0.0.1:8765``)."""
    return f"{base}/?{urlencode({'token': tokens.facilitator})}"


def presenter_link(base: str, tokens: Tokens) -> str:
    """The projector's link: the presenter view (no names, no individual figures)."""
    return f"{base}/present?{urlencode({'token': tokens.presenter})}"


def participant_link(base: str, token: str) -> str:
    """One participant's link (``token`` from :meth:`Tokens.issue`)."""
    return f"{base}/vote?{urlencode({'token': token})}"


def urls(base: str, tokens: Tokens) -> tuple[str, list[str]]:
    """The facilitator's link and every participant link issued so far."""
    return facilitator_link(base, tokens), [participant_link(base, t) for t in tokens.links]


def listen_socket(port: int = 0, address: str = "127.0.0.1"):
    """A TCP socket bound to ``address`` (127.0.0.1 unless ``--host`` says otherwise: the workshop holds everyone's
    results); ``port`` 0: a free one."""
    import socket

    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    # answers go out at once: with Nagle's algorithm uvicorn's header and body writes wait ~40 ms
    # for the client's delayed ACK (accepted connections inherit the option on Linux)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((address, port))
        sock.listen(128)  # connections wait in the backlog from now on, even before the server starts accepting
    except OSError:
        sock.close()
        raise
    return sock


@dataclass
class Listening:
    """Where the server listens: its sockets, the port, and how participants reach it."""

    sockets: list
    port: int
    public_host: str | None = None               # the --host address as participants reach it (None: loopback)
    hosts: frozenset[str] = frozenset()          # Host header names accepted besides the loopback ones
    warn: bool = True                            # reachable from beyond this computer (see host_warning)

    @property
    def local_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def public_base(self) -> str | None:
        return f"http://{self.public_host}:{self.port}" if self.public_host else None


def _own_address(version: int = 4) -> str | None:
    """This machine's address on its network, for links when listening on every interface (no packet is sent)."""
    import ipaddress
    import socket

    family, target = (socket.AF_INET, "192.0.2.1") if version == 4 else (socket.AF_INET6, "2001:db8::1")
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((target, 9))     # documentation prefixes: a UDP connect only picks the route's source
            found = ipaddress.ip_address(probe.getsockname()[0].split("%")[0])
    except (OSError, ValueError):
        return None
    if found.is_unspecified or found.is_link_local:
        return None
    return str(found) if version == 4 else f"[{found}]"


def listen(host: str = "127.0.0.1", port: int = 0) -> Listening:
    """Bind 127.0.0.1 and, when ``host`` is another address, that address too (the same port).

    ``host`` is an IP address: a loopback one changes nothing; ``0.0.0.0`` (or ``::``) is every interface
    (links then use this machine's own address); any other is bound as well as 127.0.0.1.  Raises ValueError
    for something that is not an IP address, OSError when the port is taken.
    """
    import ipaddress

    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise ValueError(f"--host takes an IP address of this computer (e.g. 192.168.1.20 or 0.0.0.0), "
                         f"not '{host}'") from None
    if str(address) == "127.0.0.1":
        sock = listen_socket(port)
        return Listening([sock], sock.getsockname()[1])
    if address.is_unspecified:
        sock = listen_socket(port, str(address))
        own = _own_address(address.version)
        bound = sock.getsockname()[1]
        socks = [sock]
        if address.version == 6:  # an IPv6-only wildcard does not cover 127.0.0.1
            socks.append(listen_socket(bound))
        names = {own} if own else set()
        import socket as _socket

        names |= {_socket.gethostname().lower()}
        # links never name the wildcard (0.0.0.0 reaches nothing): this machine's address, else its host name
        return Listening(socks, bound, own or _socket.gethostname(), frozenset(names))
    for _ in range(5):
        public = listen_socket(port, str(address))
        bound = public.getsockname()[1]
        try:
            local = listen_socket(bound)
        except OSError:
            public.close()
            if port:
                raise
            continue
        shown = f"[{address}]" if address.version == 6 else str(address)
        # ::1 reaches only this computer: no warning (other addresses, 127.0.0.2 in tests too, stand for a LAN's)
        return Listening([local, public], bound, shown, frozenset({shown}), warn=str(address) != "::1")
    raise OSError(f"no port free on both 127.0.0.1 and {address}")


def host_warning(listening: Listening) -> list[str]:
    """What is printed when the workshop listens beyond this computer, in English and Chinese."""
    if not listening.public_host or not listening.warn:
        return []
    where = f"{listening.public_host}:{listening.port}"
    return [
        f"WARNING: listening on {where} as well as 127.0.0.1. Anyone who can reach that address (the same Wi-Fi or "
        "LAN, a VPN) can connect; only links with a valid token open anything, and the facilitator's page answers "
        "only on this computer. The connection is plain HTTP: people on the same network could read links and "
        "votes in transit. Use a network you trust, and stop the workshop (Ctrl+C) when the room is done.",
        f"警告：除 127.0.0.1 外，还在 {where} 上监听。能访问该地址的任何人（同一 Wi-Fi 或局域网、VPN）都可以连接；"
        "只有带有效令牌的链接才能打开页面，主持人页面只在本机可用。"
        "连接是未加密的 HTTP：同一网络中的人可能截获链接和投票。"
        "请只在可信的网络中使用，会议结束后按 Ctrl+C 关闭工作坊。",
    ]


def serve(workshop: Workshop, port: int = 0, *, host: str = "127.0.0.1", open_browser: bool = False, echo=print,
          tokens: Tokens | None = None, links: int = 0, codes: list[str] | None = None,
          print_to: Path | None = None, per_page: int = sheet.PER_PAGE) -> None:
    """Run the app on 127.0.0.1 (and ``host``; ``port`` 0: a free one) until interrupted; print the links first.

    ``links`` ad-hoc participant links are issued at once (the facilitator's page issues more); a roster
    vote prints each member's signed link, a secret ballot the shared voting link and its one-time ``codes``.
    ``print_to``: also write the printable sheet of voting cards there (:func:`print_sheet`).
    """
    import uvicorn

    tokens = tokens or Tokens()
    for _ in range(links):
        tokens.issue()
    listening = listen(host, port)
    app = create_app(workshop, tokens, hosts=listening.hosts, public_base=listening.public_base, codes=codes)
    base = listening.local_base
    outside = listening.public_base or base
    if print_to is not None:
        from appraise.atomic import write_bytes

        try:  # links and codes are credentials: readable by the owner only
            write_bytes(print_to, print_sheet(workshop, outside, tokens, codes, per_page=per_page).encode("utf-8"),
                        mode=0o600)
        except OSError as exc:
            for sock in listening.sockets:
                sock.close()
            raise ValueError(f"cannot write the voting cards to {print_to}: {exc.strerror or exc}") from None
    echo(f"Workshop for {workshop.path.name if workshop.path else workshop.ruleset.id}: "
         f"{workshop.rescorer.height:,} employees, period {workshop.cycle_label}, session {workshop.session_id}")
    for line in host_warning(listening):
        echo(line)
    echo(f"  facilitator:  {facilitator_link(base, tokens)}")
    echo(f"  presenter:    {presenter_link(outside, tokens)}   (for the projector: no names, no individual figures)")
    if workshop.mode == "roster":
        for pid, name in workshop.roster.items():
            token = voting.sign(workshop.secret, workshop.session_id, pid)
            echo(f"  {name} ({pid}): {participant_link(outside, token)}")
    elif workshop.mode == "codes":
        echo(f"  voting link:  {participant_link(outside, ballot_token(workshop))}"
             "   (its QR code is on the presenter view)")
        if codes:
            echo("  one-time codes (print, cut, draw from a hat; each casts one secret ballot):")
            for i in range(0, len(codes), 6):
                echo("    " + "  ".join(codes[i:i + 6]))
    else:
        participants = [participant_link(outside, t) for t in tokens.links]
        for i, link in enumerate(participants, 1):
            echo(f"  participant {i}: {link}")
        if not participants:
            echo("  participants: one link per person, from the facilitator's page (or start with --links N)")
    if print_to is not None:
        echo(f"  voting cards to print: {print_to}   (also the facilitator's page, Print cards)")
    if workshop.box is not None:
        echo(f"  ballots are kept in the store (resume after a restart with --resume {workshop.session_id})")
    echo("Press Ctrl+C to stop.")
    if open_browser:
        import webbrowser

        threading.Timer(0.5, webbrowser.open, args=(facilitator_link(base, tokens),)).start()
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    uvicorn.Server(config).run(sockets=listening.sockets)
