"""Every view declares who may use it; tests read the declarations from the URL map."""

from __future__ import annotations

from functools import wraps

from flask import abort, request, session
from flask_login import current_user

from pb.enums import Role
from pb.extensions import login_manager

PUBLIC = "public"
SIGNED_IN = "signed-in"


def public(view):
    """Anyone, signed in or not."""
    view.access = PUBLIC
    return view


def signed_in(view):
    """Any signed-in account."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    wrapper.access = SIGNED_IN
    return wrapper


def roles(*allowed: Role):
    """Only accounts with one of `allowed`; others get 403, anonymous users the login page."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapper.access = frozenset(allowed)
        return wrapper

    return decorator


staff_only = roles(Role.staff)


# Observers read; they write nothing. The only POSTs they may send manage their own sign-in.
OBSERVER_MAY_POST = frozenset({"accounts.login", "accounts.second_factor", "accounts.two_factor",
                               "accounts.logout"})


def observers_read_only():
    """before_request: 403 for any POST by an observer, whatever the view declares."""
    if request.method != "POST" or session.get("role") != Role.observer.value:
        return None
    if request.endpoint in OBSERVER_MAY_POST:
        return None
    if current_user.is_authenticated and current_user.role == Role.observer:
        abort(403)
    return None
