"""The portal for a WSGI server started by hand: ``gunicorn 'portal.wsgi:app'``.

The same as ``portal serve --prod``: it refuses to start without SECRET_KEY in the
environment, and gunicorn sends no ``Server`` header.
"""
from __future__ import annotations

from portal import create_app
from portal.serving import drop_server_banner, secret_key_problem

drop_server_banner()
app = create_app()
with app.app_context():
    problem = secret_key_problem()
if problem:
    raise SystemExit(problem)
