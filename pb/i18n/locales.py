"""Which UI languages we ship, how each names itself, and how a request's locale is chosen."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_request_context, request, session
from flask_login import current_user


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # the language's name for itself, as the picker shows it
    direction: str = "ltr"

    @property
    def tag(self) -> str:
        """The BCP 47 tag for lang= attributes ("zh-Hans", not Babel's "zh_Hans")."""
        return self.code.replace("_", "-")


SHIPPED = {
    lang.code: lang
    for lang in (
        Language("en", "English"),
        Language("es", "Español"),
        Language("zh_Hans", "中文（简体）"),
        Language("vi", "Tiếng Việt"),
        Language("ko", "한국어"),
        Language("fil", "Tagalog"),  # Babel files Tagalog (tl) under Filipino
        Language("so", "Soomaali"),
        Language("ar", "العربية", "rtl"),
    )
}


def enabled_languages() -> list[Language]:
    return [SHIPPED[c] for c in current_app.config["LANGUAGES"] if c in SHIPPED]


def select_locale() -> str:
    """Explicit choice (session, then account), then the browser, then the default."""
    if not has_request_context():  # CLI and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    enabled = [lang.code for lang in enabled_languages()]
    chosen = session.get("locale")
    if chosen in enabled:
        return chosen
    if current_user.is_authenticated and current_user.locale in enabled:
        return current_user.locale
    return request.accept_languages.best_match(enabled) or current_app.config["BABEL_DEFAULT_LOCALE"]


def direction(code: str) -> str:
    lang = SHIPPED.get(code)
    return lang.direction if lang else "ltr"
