"""The ``portal`` command: database, demo data, users and the server."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_babel import gettext as _
from sqlalchemy import func, select

from models import User, Worker, db
from models.choices import ROLES
from models.user import password_problem
from portal import headers
from portal.config import DEFAULT_KEEP_ALIVE


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or upgrade the database schema to the newest migration."""
    from portal.database import upgrade

    upgrade(current_app)
    click.echo(_("Database is up to date."))


@click.command("seed")
@click.option("--workers", default=2000, show_default=True, help="Number of worker files.")
@click.option("--seed", "seed_value", default=20261129, show_default=True,
              help="Random seed, for reproducible data.")
@click.option("--if-empty", is_flag=True, help="Do nothing when files already exist.")
@with_appcontext
def seed_command(workers, seed_value, if_empty):
    """Fill the database with realistic, reproducible demo data."""
    from seed import demo

    if if_empty and db.session.scalar(select(func.count()).select_from(Worker)):
        click.echo(_("The database already has data; demo data not loaded."))
    else:
        def progress(files, members):
            click.echo(_("Worker files written: %(files)s of %(total)s (%(members)s household "
                         "members)", files=f"{files:,}", total=f"{workers:,}",
                         members=f"{members:,}"))

        def stage(label, seconds):
            click.echo(_("%(stage)s: done in %(seconds)s s", stage=label,
                         seconds=f"{seconds:,.1f}"))

        counts = demo.load(workers=workers, seed=seed_value, progress=progress, stage=stage)
        click.echo(", ".join(f"{name}: {n}" for name, n in counts.items()))
    click.echo(_("Demo logins (username / password):"))
    for username, password, role, station in demo.demo_logins():
        where = f" · {station}" if station else ""
        click.echo(f"  {username} / {password}  ({ROLES[role]}{where})")


@click.command("create-user")
@click.argument("name")
@click.option("--role", type=click.Choice(list(ROLES)), required=True)
@click.option("--password", required=True)
@click.option("--temporary", is_flag=True,
              help="The user must change the password at the first login.")
@with_appcontext
def create_user_command(name, role, password, temporary):
    """Create a user, or reset the role and password of an existing one."""
    problem = password_problem(password, name)
    if problem:
        raise click.BadParameter(problem, param_hint="--password")
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None:
        user = User(username=name, full_name=name)
        db.session.add(user)
    user.role, user.active = role, True
    user.set_password(password, temporary=temporary)
    db.session.commit()
    click.echo(_("User %(name)s saved with role %(role)s.", name=name, role=ROLES[role]))


def report_differences() -> bool:
    """Recompute every balance from its ledger, print each difference; tell if all agree."""
    from models.employment_rules import vacancy_differences
    from models.inventory_rules import stock_differences
    from models.ledger import ledger_differences
    from models.loan_queries import loan_differences
    from models.lovecard_rules import card_differences
    from models.training_rules import place_differences

    differences = ledger_differences()
    for fund, shown, ledger in differences:
        click.echo(_("Fund %(name)s: shown %(shown)s, ledger %(ledger)s", name=fund.name,
                     shown=f"{shown:,.2f}", ledger=f"{ledger:,.2f}"), err=True)
    # Stock of items and lots, points of cards, loans and class places, against their ledgers.
    others = (stock_differences() + card_differences() + loan_differences()
              + place_differences() + vacancy_differences())
    for what, shown, ledger in others:
        click.echo(_("%(what)s: shown %(shown)s, ledger %(ledger)s", what=what, shown=shown,
                     ledger=ledger), err=True)
    if differences or others:
        return False
    click.echo(_("All balances agree with their ledgers."))
    return True


@click.command("verify")
@with_appcontext
def verify_command():
    """Recompute every balance from its ledger and report any difference."""
    if not report_differences():
        raise SystemExit(1)


@click.command("backup")
@click.argument("target", metavar="FILE", type=click.Path())
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@with_appcontext
def backup_command(target, force):
    """Copy the whole database to FILE, safely while the portal serves."""
    from portal.backup import BackupError, backup

    try:
        size = backup(target, force=force)
    except BackupError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    click.echo(_("Database backed up to %(file)s (%(size)s MB).", file=target,
                 size=f"{size / 1048576:,.1f}"))


@click.command("restore")
@click.argument("source", metavar="FILE", type=click.Path())
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(source, force):
    """Replace the database with the backup in FILE, then check every balance."""
    from portal.backup import BackupError, restore

    try:
        restore(source, force=force)
    except BackupError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    click.echo(_("Database restored from %(file)s.", file=source))
    if not report_differences():
        raise SystemExit(1)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--prod", is_flag=True,
              help="Serve with gunicorn worker processes (needs SECRET_KEY in the environment).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="gunicorn worker processes with --prod [default: 2 per CPU core + 1].")
@click.option("--threads", type=click.IntRange(min=1), default=4, show_default=True,
              help="Threads per worker with --prod.")
@click.option("--timeout", type=click.IntRange(min=10), default=300, show_default=True,
              help="Seconds a request may take with --prod (a large import takes minutes).")
@click.option("--keep-alive", type=click.IntRange(min=0), default=DEFAULT_KEEP_ALIVE,
              show_default=True,
              help="Seconds a connection is kept for its next request with --prod (0: one "
                   "request a connection).")
@with_appcontext
def serve_command(host, port, prod, workers, threads, timeout, keep_alive):
    """Serve the portal: werkzeug's server, or gunicorn with --prod."""
    app = current_app._get_current_object()
    if prod:
        from portal.serving import default_workers, secret_key_problem, serve

        if problem := secret_key_problem():
            click.echo(problem, err=True)
            raise SystemExit(2)
        workers = workers or default_workers()
        click.echo(_("Serving on http://%(host)s:%(port)d/ with %(n)d worker processes "
                     "(Ctrl+C stops)", host=host, port=port, n=workers))
        serve(app, host, port, workers=workers, threads=threads, timeout=timeout,
              keep_alive=keep_alive)
        return
    from werkzeug.serving import run_simple

    # app.run() refuses to start inside a Flask CLI command, so start the server directly.
    click.echo(_("Serving on http://%(host)s:%(port)d/ (Ctrl+C stops)", host=host, port=port))
    # The handler leaves out werkzeug's "Server: Werkzeug/x Python/y" banner.
    run_simple(host, port, app, threaded=True, request_handler=headers.RequestHandler)


def init_app(app: Flask) -> None:
    """Register the portal's commands on ``app``."""
    from portal.excel.cli import export_command, import_command

    app.cli.add_command(export_command)
    app.cli.add_command(import_command)
    from portal.report_cli import report_command

    app.cli.add_command(report_command)
    for command in (init_db_command, seed_command, create_user_command, verify_command,
                    backup_command, restore_command, serve_command):
        app.cli.add_command(command)


def main() -> None:
    """Run the ``portal`` console script."""
    from portal import create_app

    FlaskGroup(create_app=create_app, add_default_commands=False)(prog_name="portal")
