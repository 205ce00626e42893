"""`portal report YEAR FILE.xlsx [--unit U]`: the year-end statistics, from the command line."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from models import DomainError, db
from models.report_units import find_unit, report_of_unit
from portal.audit import log_event
from portal.report_xlsx import write_report


@click.command("report")
@click.argument("year", type=click.IntRange(1900, 2999))
@click.argument("target", type=click.Path(dir_okay=False))
@click.option("--unit", "unit_key", default=None,
              help="Org unit (id or exact name) whose figures to write; default the whole tree.")
@with_appcontext
def report_command(year, target, unit_key):
    """Write the year-end statistics of YEAR to an .xlsx file."""
    # A request context gives the catalogue's locale, as the web page has.
    with current_app.test_request_context("/admin/report/"):
        try:
            unit = find_unit(unit_key) if unit_key is not None else None
        except DomainError as error:
            raise click.BadParameter(str(error), param_hint="--unit") from None
        figures = report_of_unit(year, unit)
        write_report(figures, target)
        log_event("export", record_type="report",
                  note=f"cli xlsx year={year} unit={figures['unit'] or ''}")
        db.session.commit()
        aid = figures["assistance"]["total"]
        click.echo(_("Year-end statistics %(year)d written to %(file)s: %(workers)d workers "
                     "on file, aid paid %(times)d times (%(amount)s yuan), %(loans)d loans "
                     "disbursed.", year=year, file=target,
                     workers=figures["workers"]["on_file"], times=aid["count"],
                     amount=f"{aid['cash'] + aid['goods']:,.2f}",
                     loans=figures["loans"]["disbursed"]))
        if figures["unit"]:
            click.echo(_("Unit: %(unit)s", unit=figures["unit"]))
