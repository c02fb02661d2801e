"""Anonymous public pages, rendered once and served from memory until something changes.

Every state change that can alter a public page writes an audit event in the same
transaction, so the audit head (its newest event: sequence number and chain hash) is a
version of everything the public sees. The hash matters after a restore or on a fresh
database, where the same sequence number can come back with other data. A cached page is keyed by path and query string, language, the day (pages say
"closes in N days") and that head. Each request reads the head first, with one indexed
query, so every app server serves a page only while it is still current: a change on one
server is seen by the next request on any other, with no shared cache to invalidate.
A page that quotes the head shows that same read (`request_head`), so its copy is kept under
the very anchor it shows.

Only the allow-listed endpoints are cached, and only for visitors with nothing personal in
their session (no account, no flash message, no voting or kiosk state). A page that made a
CSRF token or touched the session is not stored, so no form token is ever shared.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from flask import Flask, Response, current_app, g, has_app_context, request, session
from flask.globals import request_ctx
from flask_babel import get_locale, get_timezone
from sqlalchemy import event
from sqlalchemy.orm import Session

from pb import clock
from pb.audit.services import Anchor, head

CACHED_ENDPOINTS = frozenset({
    "cycles.home", "cycles.detail", "cycles.project", "cycles.accessibility",
    "proposals.index", "proposals.detail", "results.public_results", "audit.index",
})
# Session keys that change nothing on a public page: the language (part of the key), the
# browser's CSRF secret (pages rendered with a token are never stored, so none is served) and
# the rate-limit device key; and Flask-Login's own bookkeeping for visitors with no account
# ("_user_id" is what marks a signed-in session). Any other key (an account, a flash, a
# ballot) bypasses the cache.
ANONYMOUS_SESSION_KEYS = frozenset({"locale", "csrf_token", "device", "_remember", "_fresh", "_id"})
MAX_PAGES = 2048


class PageCache:
    """A bounded least-recently-used map, safe for a threaded server."""

    def __init__(self, size: int = MAX_PAGES):
        self.size, self.pages, self.lock = size, OrderedDict(), Lock()

    def get(self, key):
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key, page) -> None:
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)


def register_page_cache(app: Flask) -> None:
    cache = PageCache()
    app.extensions["pb_page_cache"] = cache

    @app.before_request
    def _serve_cached_page():
        # g belongs to the app context, which a request shares when one was pushed before it
        # (test_request_context, a plain test client): never take an earlier request's head.
        g.pop("audit_head", None)
        if not _cacheable_request():
            return None
        # The head is read before anything else, so a page stored under it can only be older
        # than or equal to the data it shows, never newer (see the module docstring).
        anchor = g.audit_head = head()
        today = clock.now().astimezone(get_timezone()).date()  # the site's day: pages say "today", "in 2 days"
        # script_root: one process may serve the site under two path prefixes (links differ).
        g.page_cache_key = (request.script_root, request.full_path, str(get_locale()), today.isoformat(), anchor)
        page = cache.get(g.page_cache_key)
        if page is None:
            return None
        body, mimetype = page
        g.page_cache_hit = True
        return Response(body, mimetype=mimetype)

    @app.after_request
    def _store_page(response):
        key = g.pop("page_cache_key", None)
        # Never store a page that showed a one-time message or made a form token, or whose
        # request left anything personal in the session. (session.modified is no guide:
        # Flask-Login touches it on every request of a visitor who has a session at all.)
        if (key is not None and not g.get("page_cache_hit") and response.status_code == 200
                and not request_ctx.flashes and "csrf_token" not in g
                and set(session.keys()) <= ANONYMOUS_SESSION_KEYS):
            cache.put(key, (response.get_data(), response.mimetype))
        return response

    @app.teardown_request
    def _forget_head(_error):
        g.pop("audit_head", None)


def request_head() -> Anchor:
    """The audit head as this request read it before anything else (a cacheable page's
    request), or read now. Only a page that writes nothing may quote the earlier read: a flush
    (every audited change flushes its event) drops it, so a request never quotes a head from
    before its own change."""
    anchor = g.get("audit_head")
    return head() if anchor is None else anchor


@event.listens_for(Session, "after_flush")
def _drop_request_head(_session, _flush_context):
    if has_app_context():
        g.pop("audit_head", None)


def _cacheable_request() -> bool:
    return (current_app.config["PAGE_CACHE"]
            and request.method == "GET" and request.endpoint in CACHED_ENDPOINTS
            and set(session.keys()) <= ANONYMOUS_SESSION_KEYS)
