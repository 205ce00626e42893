import pytest
from tests.test_browser import test_staff_files_a_worker_with_a_household_member as _t
pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser
def test_patched(app, page, monkeypatch):
    from views.workers import WorkerView
    orig = WorkerView.build_new_instance
    def bni(self):
        m = orig(self); m.status = m.status or "pending"; return m
    monkeypatch.setattr(WorkerView, "build_new_instance", bni)
    _t(app, page)
