"""The 帮扶中心 portal: the app factory."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, redirect, send_from_directory, url_for
from werkzeug.middleware.proxy_fix import ProxyFix

from models.choices import ROLES
from portal import config as portal_config
from portal.extensions import babel, csrf, db, login_manager, migrate

MIGRATIONS = str(Path(__file__).parent / "migrations")


def create_app(config: dict | None = None) -> Flask:
    """Create and configure an instance of the portal."""
    app = Flask(__name__, instance_relative_config=True)
    from portal.safety import BoundedInteger
    app.url_map.converters["int"] = BoundedInteger  # before any route is added
    portal_config.private_folder(app.instance_path)
    app.config.from_mapping(portal_config.from_environment(app.instance_path))
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = portal_config.instance_secret(app.instance_path)
    if app.config.get("PROXY_COUNT"):  # the client's address as the reverse proxies saw it
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)

    import models.listeners
    from portal import audit, auth, database, health, i18n, requestlog, safety

    requestlog.init_app(app)  # first, so that its clock covers the other hooks
    db.init_app(app)
    database.init_app(app)
    health.init_app(app)
    models.listeners.init_app(app)
    audit.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True)
    safety.init_app(app)  # before CSRF, whose check reads the form
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories=str(i18n.TRANSLATIONS))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.user_loader(auth.load_user)
    app.register_blueprint(auth.bp)

    from portal import admin, cli, errors, headers, public
    from portal.menu import cached_menu
    from views.base import local_time

    admin.init_admin(app)
    headers.init_app(app)  # after the Admin: its script tags take the CSP nonce
    cli.init_app(app)
    errors.init_app(app)
    app.register_blueprint(public.bp)  # the public notice board, /notices/
    app.add_url_rule("/", "home", lambda: redirect(url_for("admin.index")))
    app.add_url_rule("/favicon.ico", "favicon", lambda: send_from_directory(
        app.static_folder, "favicon.svg", mimetype="image/svg+xml"))
    app.jinja_env.globals["cached_menu"] = cached_menu
    app.jinja_env.globals["role_label"] = lambda role: ROLES.get(role, role)
    app.jinja_env.filters["localtime"] = local_time
    app.jinja_env.filters["localdate"] = lambda value: local_time(value)[:10]
    return app
