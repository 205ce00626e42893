"""The worker picker every form that names a worker shares (aid, loans, classes, cards, members).

What it shows and allows is decided in ``models.worker_pick``; a role that sees ID numbers
masked (``models.permissions``) sees them masked here and matches them by the last four
characters only, as in ``views.identity``.
"""
from __future__ import annotations

from flask import request
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.model.ajax import DEFAULT_PAGE_SIZE
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from models import Worker
from models.permissions import sees_masked_identity
from models.unit_scope import get_visible, scope
from models.worker_pick import not_on_file, picker_label, status_rank
from models.worker_search import matching, words_of


class ScopedLookup(QueryAjaxModelLoader):
    """Flask-Admin's ajax lookup, finding and accepting the records of the user's units only.

    Every ajax lookup of the portal is one (``SecuredModelView._create_ajax_loader``): the
    list it offers and the id a form posts back both go through ``models.unit_scope``, so
    a forged id of another unit's record is no choice at all.
    """

    def get_query(self):
        return scope(super().get_query(), self.model)

    def get_one(self, pk):
        return get_visible(self.model, pk)


class WorkerLookup(ScopedLookup):
    """Find worker files of any status by each typed word (name, initials, ID number, phone,
    employer or base union), each way through an index."""

    def __init__(self, view, name, session, **options):
        self.view = view
        options = {k: v for k, v in options.items() if k != "loader"}
        super().__init__(name, session, Worker, **options)

    def masked(self) -> bool:
        return sees_masked_identity(self.view.role, "worker")

    def format(self, model):
        return None if model is None else (model.id, picker_label(model))

    def get_list(self, term, offset=0, limit=DEFAULT_PAGE_SIZE):
        """Return a page of the files every typed word finds (``models.worker_search``)."""
        query = self.get_query().filter(*matching(words_of(term), self.masked()))
        return (query.order_by(status_rank(), Worker.name, Worker.id)
                .offset(offset).limit(limit).all())


def worker_picker() -> dict:
    """Return the ``form_ajax_refs`` entry of a worker field."""
    return {"fields": ("name", "id_number", "employer"), "page_size": 20,
            "placeholder": _l("Type a name, ID number or employer"), "loader": WorkerLookup}


class OnFile:
    """Refuse a worker whose file is not on record, saying why, beside the picker.

    ``keep``: the worker a record already has (editing it keeps what was allowed then).
    """

    def __init__(self, keep: int | None = None):
        self.keep = keep

    def __call__(self, form, field):
        worker = field.data
        if worker is not None and worker.id != self.keep:
            problem = not_on_file(worker)
            if problem:
                raise ValidationError(problem)


def requested_worker() -> Worker | None:
    """Return the worker the URL's ``worker_id`` names (a record made from a worker's page)."""
    worker_id = request.args.get("worker_id", type=int)
    if worker_id is None or not 0 < worker_id < 2**63:
        return None
    return get_visible(Worker, worker_id)


class PicksWorker:
    """A view whose form picks a worker on file: the shared picker, pre-filled from the URL.

    Mixed in before ``SecuredModelView``; ``on_file`` False for a form that may name any
    file (a household member).
    """

    form_ajax_refs = {"worker": worker_picker()}
    on_file = True

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if hasattr(form, "worker"):
            if self.on_file:
                form.worker.validators = [*form.worker.validators, OnFile()]
            if request.method == "GET" and form.worker.data is None:
                form.worker.data = requested_worker()
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if hasattr(form, "worker") and self.on_file:
            keep = getattr(obj, "worker_id", None)
            form.worker.validators = [*form.worker.validators, OnFile(keep)]
        return form

    def _create_ajax_loader(self, name, options):
        loader = options.get("loader")
        if loader is not None:
            return loader(self, name, self.session, **options)
        return super()._create_ajax_loader(name, options)
