"""People the service desk serves (服务对象): their details, earlier contacts and file."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from models.desk_choices import CASE_STATES, CASE_TYPES, CHANNELS
from models.person import Person
from models.person_rules import CONSTRAINT_MESSAGES, check_person
from models.service_case_rules import earlier_contacts
from models.unit_scope import get_visible
from models.worker import Worker
from views.base import SecuredModelView
from views.forms import IdNumber


class PersonView(SecuredModelView):
    column_list = ("name", "phone", "id_number", "gender", "employer", "is_migrant", "worker",
                   "created_at")
    column_labels = {"worker": _l("Hardship file")}
    # Managers only read people: phone and ID number masked, searched by the last 4 only.
    identity_columns = {"phone": "person", "id_number": "person"}
    export_masks_identity = True  # the export shows them masked too (portal.excel.specs)
    column_searchable_list = ("name", "phone", "id_number")
    column_filters = ("is_migrant",)
    column_sortable_list = ("name", "created_at")
    column_default_sort = ("id", True)
    list_options = (joinedload(Person.worker),)
    column_details_list = ("name", "phone", "id_number", "gender", "employer", "is_migrant",
                           "address", "notes", "worker", "created_at")
    form_columns = ("name", "phone", "id_number", "gender", "employer", "is_migrant",
                    "address", "notes")
    form_args = {"id_number": {"validators": [IdNumber(optional=True)]},
                 "phone": {"render_kw": {"inputmode": "tel"}}}
    details_template = "admin/person_details.html"
    constraint_messages = CONSTRAINT_MESSAGES

    def scaffold_form(self):
        form_class = super().scaffold_form()
        # The rules say which person holds a number (check_person), not a bare "exists".
        field = form_class.id_number
        field.kwargs["validators"] = [v for v in field.kwargs.get("validators", [])
                                      if type(v).__name__ != "Unique"]
        return form_class

    def on_model_change(self, form, model, is_created):
        check_person(model)

    def render(self, template, **kwargs):
        kwargs.update(channels=CHANNELS, types=CASE_TYPES, states=CASE_STATES)
        return super().render(template, **kwargs)

    def contacts(self, person):
        """Return the person's cases the user may see, newest first."""
        return earlier_contacts(person)

    def linked_file(self, person):
        """Return the person's hardship file, if the user's units hold it."""
        return get_visible(Worker, person.worker_id)
