"""URL converters, remembered URL building for templates, and pages of a long list."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from flask import Flask, current_app
from flask.globals import _cv_request
from werkzeug.routing import IntegerConverter

URLS_KEPT = 4096
LONGEST_KEPT = 200  # longer values (a visitor's query string in next=) are built, not kept


class IdConverter(IntegerConverter):
    """A database id: 1..2^31-1, so a huge number in a URL is a 404, not a database error."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**31 - 1)


def remember_template_urls(app: Flask) -> None:
    """Templates build the same URLs on every page (the menu, a link per language, a link per
    item), and building one walks the URL map. The URL depends only on the endpoint, the
    arguments (with their types: `1` and `True` are different URLs) and where the request came
    in (script root, host, scheme), so each is built once and then looked up. Calls with a
    relative endpoint, an option (`_external`, `_anchor`...) or an unhashable value are built
    every time."""
    build = app.url_for
    built: dict = {}

    def url_for(endpoint: str, **values) -> str:
        context = _cv_request.get(None)  # the request context itself: no proxy on this hot path
        adapter = None if context is None else context.url_adapter
        if adapter is None or endpoint[:1] == ".":  # no request (or a bad Host), or relative
            return build(endpoint, **values)
        try:
            key = (adapter.script_name, adapter.server_name, adapter.url_scheme, adapter.subdomain, endpoint,
                   *[(name, type(value), value) for name, value in values.items()])
            return built[key]
        except TypeError:  # an unhashable value (a list for a repeated query argument)
            return build(endpoint, **values)
        except KeyError:
            pass
        if any(name[:1] == "_" or (type(value) is str and len(value) > LONGEST_KEPT)
               for name, value in values.items()):  # an option, or a visitor's long text (next=...)
            return build(endpoint, **values)
        url = build(endpoint, **values)
        if len(built) >= URLS_KEPT:
            built.clear()
        built[key] = url
        return url

    url_for.kept = built  # for tests: what is remembered
    app.jinja_env.globals["url_for"] = app.extensions["pb_url_for"] = url_for


def url_for(endpoint: str, **values) -> str:
    """flask.url_for, remembered as templates do it: for views that build a URL per item."""
    return current_app.extensions["pb_url_for"](endpoint, **values)


def clamp_page(asked: int, total: int, per_page: int) -> int:
    """The page to show: 1 for junk or 0, the last page for a number past the end."""
    return min(max(asked, 1), max(ceil(total / per_page), 1))


@dataclass(frozen=True)
class Page:
    """One page of a list whose total was counted by the caller (the shape templates use from
    Flask-SQLAlchemy's Pagination, without its second count query)."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return ceil(self.total / self.per_page) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None
