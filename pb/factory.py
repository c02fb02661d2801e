"""create_app: config → extensions → i18n → blueprints → errors → cli, in one readable place."""

from __future__ import annotations

import os

from flask import Flask, g, request
from flask_migrate import Migrate

import pb.models  # noqa: F401  (every table known before anything queries)
from pb import __version__
from pb.accounts.cli import totp_reset_command
from pb.accounts.views import bp as accounts_bp
from pb.admin.cli import pb_cli
from pb.admin.views import bp as admin_bp
from pb.audit.views import bp as audit_bp
from pb.config import load_config
from pb.cycles.views import bp as cycles_bp
from pb.db import write_intent
from pb.deliberation.views import bp as deliberation_bp
from pb.extensions import babel, csrf, db, login_manager
from pb.health import bp as health_bp
from pb.i18n.catalog import Request, install_template_gettext
from pb.i18n.filters import register_filters
from pb.i18n.locales import direction, enabled_languages, select_locale
from pb.kiosk.views import bp as kiosk_bp
from pb.pagecache import register_page_cache
from pb.proposals.views import bp as proposals_bp
from pb.residents.views import bp as residents_bp
from pb.results.views import bp as results_bp
from pb.survey.views import bp as survey_bp
from pb.translations.views import bp as translations_bp
from pb.urls import IdConverter, remember_template_urls
from pb.voting.views import bp as voting_bp
from pb.web import register_error_handlers, register_request_hooks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        "pb",
        root_path=ROOT,
        instance_path=os.path.join(ROOT, "instance"),
        template_folder="templates",
        static_folder="static",
    )
    app.request_class = Request  # WTForms' messages in the reader's language, loaded once (pb.i18n.catalog)
    load_config(app, test_config)
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    Migrate(app, db, directory=os.path.join(ROOT, "pb", "migrations"))  # `flask db ...`
    csrf.init_app(app)
    login_manager.init_app(app)
    _init_i18n(app)

    app.url_map.converters["id"] = IdConverter  # before any blueprint adds its rules
    remember_template_urls(app)

    for bp in (cycles_bp, accounts_bp, proposals_bp, voting_bp, kiosk_bp, survey_bp, results_bp,
               translations_bp, deliberation_bp, audit_bp, admin_bp, health_bp, residents_bp):
        app.register_blueprint(bp)

    register_request_hooks(app)
    register_page_cache(app)  # after the hooks that refuse bad requests
    register_error_handlers(app)

    pb_cli.add_command(totp_reset_command)
    app.cli.add_command(pb_cli)
    app.jinja_env.globals["pb_version"] = __version__
    return app


def _init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=os.path.join(ROOT, "translations"))
    install_template_gettext(app)
    register_filters(app)

    @app.before_request
    def _mark_reads():
        # GET/HEAD never write: let SQLite run them concurrently (see pb.db.write_intent).
        g.write_token = write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))

    @app.context_processor
    def _languages():
        from flask_babel import get_locale

        code = str(get_locale())
        return {"languages": enabled_languages(), "locale": code, "text_direction": direction(code)}
