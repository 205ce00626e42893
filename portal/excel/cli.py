"""`portal export` and `portal import`: the web engine, from the command line."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from models import User, db
from portal.audit import log_event


class Refused(click.ClickException):
    """Bad input, said in the user's language alone (Click would add "Error:" in English)."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True, file=file)


def _view(endpoint: str):
    admin = current_app.extensions["admin"][0]
    for view in admin._views:
        if getattr(view, "endpoint", None) == endpoint and hasattr(view, "model"):
            return view
    raise click.BadParameter(_("No such list: %(name)s", name=endpoint), param_hint="ENDPOINT")


@click.command("export")
@click.argument("endpoint")
@click.argument("target", type=click.Path(dir_okay=False))
@click.option("--search", default="", help="Search text, as in the list's search box.")
@click.option("--filter", "filters", multiple=True,
              help="A list filter as in its URL, e.g. flt0_3=deep (repeatable).")
@click.option("--columns", default="", help="Comma-separated column keys.")
@with_appcontext
def export_command(endpoint, target, search, filters, columns):
    """Export a list to an .xlsx file, with its search and filters, showing progress."""
    from portal.excel.export import count_rows, list_query, rows_statement, write_xlsx
    from portal.excel.spec import UnknownColumns
    from portal.excel.specs import spec_for

    args = [("search", search)] if search else []
    args += [tuple(f.split("=", 1)) for f in filters if "=" in f]
    with current_app.test_request_context(f"/admin/{endpoint}/?{urlencode(args)}"):
        view = _view(endpoint)
        spec, joins = spec_for(view)
        try:
            spec = spec.select([k.strip() for k in columns.split(",") if k.strip()])
        except UnknownColumns as exc:  # refused before the file is even opened
            raise Refused(str(exc)) from None
        query, _args = list_query(view)
        total = count_rows(query)
        children = None
        if spec.children:
            from portal.excel.export import child_statement
            children = child_statement(spec, query)
        with open(target, "wb") as out, click.progressbar(length=total,
                                                          label=_("Exporting")) as bar:
            rows = write_xlsx(spec, rows_statement(spec, joins, query), out, children,
                              progress=bar.update)
        log_event("export", record_type=endpoint, note=f"cli {urlencode(args)}"[:500],
                  changes={"rows": [None, rows]})
        db.session.commit()
    click.echo(_("%(n)d row(s) written to %(file)s", n=rows, file=target))


@click.command("import")
@click.argument("endpoint")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
@click.option("--user", "username", default="", help="Record the import as this user.")
@with_appcontext
def import_command(endpoint, source, dry_run, username):
    """Import an .xlsx file into a list: the whole file is checked, then written or not."""
    from portal.excel.importer import run_import
    from portal.excel.reader import FileRefused
    from portal.excel.specs import spec_for

    with current_app.test_request_context(f"/admin/{endpoint}/"):
        spec, _joins = spec_for(_view(endpoint))
        if spec.importer is None:
            raise click.BadParameter(_("This list cannot be imported."), param_hint="ENDPOINT")
        query = select(User).where(User.active.is_(True))
        query = query.where(User.username == username) if username else query.where(
            User.role == "admin")
        user = db.session.scalars(query.order_by(User.id)).first()
        if user is None:
            raise click.BadParameter(_("No such active user."), param_hint="--user")
        data = Path(source).read_bytes()
        try:
            with click.progressbar(length=0, label=_("Checking")) as bar:
                report = run_import(spec, data, user, dry_run=dry_run, filename=source,
                                    progress=bar.update)
        except FileRefused as exc:
            raise click.ClickException(str(exc)) from None
        for sheet, row, column, message in report.errors[:200]:
            click.echo(f"{sheet} {row} {column}: {message}", err=True)
        click.echo(_("Rows: %(rows)d — to create: %(created)d, to update: %(updated)d, "
                     "unchanged: %(unchanged)d.", rows=report.rows, created=report.created,
                     updated=report.updated, unchanged=report.unchanged))
        for warning in report.warnings:
            click.echo(warning, err=True)
        if report.errors:
            raise click.ClickException(_("%(n)d error(s) found; nothing will be written. "
                                         "Correct the file and upload it again.",
                                         n=len(report.errors)))
        click.echo(_("Written.") if report.written else _("Dry run: nothing written."))
