"""Campaigns (issue 18): eligibility, preview = generate, reruns, roles, bad input."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import Assistance, AuditLog, db
from models.base import DomainError
from models.campaign import Campaign
from models.campaign_figures import preview, progress
from models.campaign_rules import generate
from portal.audit import log_created_since
from tests.conftest import flashes
from tests.factories import make_assistance, make_fund, make_worker, user
from tests.factories_campaigns import make_campaign
from tests.factories_inventory import make_item


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def households():
    """Files that show every reason of exclusion, and two that are aided."""
    return {
        "deep": make_worker(name="深度户", category="deep", base_union="机床厂工会"),
        "relative": make_worker(name="相对户", category="relative", base_union="纺织厂工会"),
        "pending": make_worker(name="待审户", category="deep", status="pending"),
        "migrant": make_worker(name="农民工户", category="migrant"),
        "elsewhere": make_worker(name="外单位户", category="deep", base_union="化工厂工会"),
        "by_hand": make_worker(name="已申请户", category="deep", base_union="机床厂工会"),
    }


def test_eligibility_and_the_reasons_households_are_left_out(app):
    with app.app_context():
        files = households()
        campaign = make_campaign(base_unions=["机床厂工会", "纺织厂工会"])
        # An application made by hand for the same kind, year and campaign name: the
        # one-grant rule keeps the household out.
        make_assistance(worker=files["by_hand"], kind="festival", year=campaign.year,
                        campaign=campaign.name, cash_amount=Decimal("1000"))
        figures = preview(campaign)
        assert figures.households == 2
        assert figures.excluded == {"not_active": 1, "no_standard": 1, "base_union": 1,
                                    "aided": 1}
        assert figures.samples["base_union"] == ["外单位户"]
        assert figures.samples["aided"] == ["已申请户"]
        assert figures.cash_total == Decimal("1600.00")


def test_causes_and_a_child_in_school_at_the_level(app):
    with app.app_context():
        student = make_worker(name="大学生家", category="deep", main_cause="schooling",
                              members=[{"name": "张小明", "relation": "child",
                                        "school_or_work": "山东大学 大二"}])
        pupil = make_worker(name="小学生家", category="deep", main_cause="schooling",
                            members=[{"name": "张小红", "relation": "child",
                                      "school_or_work": "实验小学"}])
        make_worker(name="病户", category="deep", main_cause="illness",
                    secondary_causes=["disaster"])
        second = make_worker(name="次因户", category="relative", main_cause="illness",
                             secondary_causes=["schooling"],
                             members=[{"name": "李小军", "relation": "child",
                                       "school_or_work": "济南职业技术学院"}])
        campaign = make_campaign(name="2026年金秋助学", kind="education",
                                 causes=["schooling"], school_levels=["university", "college"],
                                 standards={"deep": "2000", "relative": "1000"})
        assert campaign.needs_child_in_school  # school aid always asks for the student
        figures = preview(campaign)
        assert figures.households == 2 and figures.cash_total == Decimal("3000.00")
        assert figures.excluded == {"cause": 1, "no_child": 1}
        assert figures.samples["no_child"] == [pupil.name]
        assert generate(campaign, user("staff")) == 2
        made = {a.worker_id: a for a in db.session.scalars(
            select(Assistance).where(Assistance.campaign_id == campaign.id))}
        assert (made[student.id].student_name, made[student.id].school,
                made[student.id].school_level) == ("张小明", "山东大学 大二", "university")
        assert (made[second.id].student_name, made[second.id].school_level) == (
            "李小军", "college")


def test_preview_equals_generate_and_a_rerun_adds_nobody(app):
    with app.app_context():
        for n in range(7):
            make_worker(category="deep" if n % 3 == 0 else "relative")
        make_worker(status="exited")
        rice, oil = make_item("大米 5kg", stock=100, price="25"), make_item("花生油 5L", stock=3,
                                                                         price="80")
        campaign = make_campaign(goods=[(rice, 1), (oil, 1)])
        audits, records = count(AuditLog), count(Assistance)
        figures = preview(campaign)
        db.session.commit()
        assert (count(AuditLog), count(Assistance)) == (audits, records)  # nothing written
        assert figures.households == 7
        assert figures.cash_total == 3 * Decimal("1000") + 4 * Decimal("600")
        assert figures.goods_value_each == Decimal("105.00")
        assert [(g.item, g.needed, g.short) for g in figures.goods] == [
            ("大米 5kg", 7, 0), ("花生油 5L", 7, 4)]
        staff = user("staff")
        made = generate(campaign, staff, audit=log_created_since)
        db.session.commit()
        rows = db.session.scalars(select(Assistance).where(
            Assistance.campaign_id == campaign.id)).all()
        assert made == len(rows) == figures.households
        assert sum(a.cash_amount for a in rows) == figures.cash_total
        assert sum(a.goods_value for a in rows) == figures.goods_value_total
        first = rows[0]
        assert (first.state, first.applied_by_id, first.kind, first.year, first.campaign,
                first.fund_id) == ("applied", staff.id, "festival", 2026, campaign.name,
                                   campaign.fund_id)
        assert first.goods == "大米 5kg×1袋、花生油 5L×1袋"
        assert first.unit_id == first.worker.unit_id
        # One audit row per record, as the user who generated.
        logged = db.session.scalars(select(AuditLog).where(
            AuditLog.record_type == "assistance", AuditLog.action == "create")).all()
        assert len(logged) == made and {r.username for r in logged} == {"staff"}
        assert logged[0].changes["campaign"] == [None, campaign.name]
        # A rerun adds nobody; a file that came on record since is added alone.
        assert generate(campaign, staff, audit=log_created_since) == 0
        make_worker(category="deep")
        assert preview(campaign).households == 1
        assert generate(campaign, staff) == 1
        again = preview(campaign)
        assert again.households == 0 and again.excluded["aided"] == 8
        assert again.already_cash == figures.cash_total + Decimal("1000")
        db.session.commit()
        assert progress(campaign).totals.counts == {"applied": 8}


def test_preview_names_what_the_fund_and_budget_lack(app):
    with app.app_context():
        make_worker(category="deep")
        make_worker(category="deep")
        fund = make_fund(name="小额资金", balance="1999.00")
        campaign = make_campaign(fund=fund, budget=Decimal("1500"))
        figures = preview(campaign)
        assert figures.cash_total == Decimal("2000.00")
        assert figures.fund_short == Decimal("1.00")
        assert figures.over_budget == Decimal("500.00")


def test_the_database_keeps_one_application_per_household_and_campaign(app):
    with app.app_context():
        worker = make_worker(category="deep")
        campaign = make_campaign()
        generate(campaign, user("staff"))
        db.session.commit()
        db.session.add(Assistance(worker=worker, kind="festival", year=2026,
                                  campaign=campaign.name, campaign_id=campaign.id,
                                  cash_amount=Decimal("1"), state="applied"))
        with pytest.raises(IntegrityError, match="campaign"):
            db.session.commit()
        db.session.rollback()


@pytest.mark.parametrize("role", ["clerk", "manager"])
def test_roles_without_create_cannot_generate(app, role):
    with app.app_context():
        make_worker(category="deep")
        campaign = make_campaign()
        with pytest.raises(DomainError):
            generate(campaign, user(role))
        db.session.rollback()
        assert count(Assistance) == 0


def test_medical_and_standardless_campaigns_are_refused(app):
    with app.app_context():
        with pytest.raises(DomainError, match="医疗救助"):
            make_campaign(kind="medical")
        db.session.rollback()
        with pytest.raises(DomainError, match="至少为一个困难类别"):
            make_campaign(standards={})
        db.session.rollback()
        with pytest.raises(DomainError, match="现金或有价值的物资包"):
            make_campaign(standards={"deep": "0"})
        db.session.rollback()


# --- the pages --------------------------------------------------------------------------
def test_staff_previews_and_generates_from_the_campaign_page(app, client, auth):
    with app.app_context():
        for _n in range(3):
            make_worker(category="deep")
        campaign_id = make_campaign().id
    auth.login("staff")
    page = client.get(f"/admin/campaign/details/?id={campaign_id}").get_data(as_text=True)
    assert "预览" in page and "尚未生成申请" in page
    page = client.get(f"/admin/campaign/preview/?id={campaign_id}").get_data(as_text=True)
    assert 'id="preview-households"><strong>3</strong>' in page and "生成 3 条申请" in page
    with app.app_context():
        assert count(Assistance) == 0
    token = auth.token(f"/admin/campaign/preview/?id={campaign_id}")
    done = client.post(f"/admin/campaign/generate/?id={campaign_id}",
                       data={"csrf_token": token}, follow_redirects=True)
    assert "已生成 3 条帮扶申请" in flashes(done.get_data(as_text=True))
    with app.app_context():
        assert count(Assistance, Assistance.campaign_id == campaign_id) == 3
    again = client.post(f"/admin/campaign/generate/?id={campaign_id}",
                        data={"csrf_token": token}, follow_redirects=True)
    assert "已生成 0 条帮扶申请" in flashes(again.get_data(as_text=True))
    # Without the form's token nothing is made.
    assert client.post(f"/admin/campaign/generate/?id={campaign_id}").status_code == 400


@pytest.mark.parametrize("role, read, generates", [
    ("admin", 200, 302), ("staff", 200, 302), ("manager", 200, 403), ("clerk", 403, 403)])
def test_roles_on_the_campaign_pages(app, client, auth, role, read, generates):
    with app.app_context():
        make_worker(category="deep")
        campaign_id = make_campaign().id
    auth.login(role)
    token = auth.token("/admin/")
    assert client.get("/admin/campaign/").status_code == read
    assert client.get(f"/admin/campaign/details/?id={campaign_id}").status_code == read
    assert client.get(f"/admin/campaign/preview/?id={campaign_id}").status_code == read
    response = client.post(f"/admin/campaign/generate/?id={campaign_id}",
                           data={"csrf_token": token})
    assert response.status_code == generates
    with app.app_context():
        assert count(Assistance) == (1 if generates == 302 else 0)


def _form(fund_id, **fields):
    data = {"name": "2027年元旦春节送温暖", "kind": "festival", "year": "2027",
            "starts_on": "2026-12-15", "ends_on": "2027-02-10", "fund": str(fund_id or ""),
            "budget": "800000", "notes": "", "standards-0-category": "deep",
            "standards-0-cash_amount": "1000", "standards-1-category": "relative",
            "standards-1-cash_amount": "600"}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def test_the_form_saves_standards_and_goods(app, client, auth):
    with app.app_context():
        fund_id = make_fund(name="送温暖资金").id
        item_id = make_item("大米 5kg", stock=10).id
    auth.login("staff")
    data = _form(fund_id, **{"goods-0-item": str(item_id), "goods-0-quantity": "2",
                             "causes": "illness"})
    data["csrf_token"] = auth.token("/admin/campaign/new/")
    response = client.post("/admin/campaign/new/", data=data)
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        assert {s.category: s.cash_amount for s in campaign.standards} == {
            "deep": Decimal("1000.00"), "relative": Decimal("600.00")}
        assert [(g.item_id, g.quantity) for g in campaign.goods] == [(item_id, 2)]
        assert campaign.causes == ["illness"] and campaign.created_by_id == user("staff").id


@pytest.mark.parametrize("change, message", [
    ({"fund": ""}, "该字段是必填字段"),
    ({"standards-0-category": None, "standards-0-cash_amount": None,
      "standards-1-category": None, "standards-1-cash_amount": None}, "至少为一个困难类别"),
    ({"standards-1-category": "deep"}, "每个困难类别只能设一个标准"),
    ({"kind": "medical"}, "逐户申请"),
    ({"ends_on": "2026-12-01"}, "结束日期早于开始日期"),
    ({"budget": "0"}, "数值必须大于"),
])
def test_bad_input_is_refused_in_chinese(app, client, auth, change, message):
    with app.app_context():
        fund_id = make_fund(name="送温暖资金").id
    auth.login("staff")
    data = _form(fund_id, **change)
    data["csrf_token"] = auth.token("/admin/campaign/new/")
    response = client.post("/admin/campaign/new/", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 422)
    # A rule's message is flashed; a field's own is shown beside the field.
    assert message in page, flashes(page)
    with app.app_context():
        assert count(Campaign) == 0


def test_a_stations_campaign_reaches_its_own_households_only(app, client, auth):
    from tests.units import make_tree

    with app.app_context():
        tree = make_tree()
        ours = make_worker(name="东街户", category="deep", unit_id=tree.a)
        make_worker(name="西乡户", category="deep", unit_id=tree.b)
        campaign = make_campaign(unit_id=tree.a)
        figures = preview(campaign)
        assert figures.households == 1 and figures.excluded == {}
        assert generate(campaign, user("staff")) == 1
        made = db.session.scalar(select(Assistance).where(
            Assistance.campaign_id == campaign.id))
        assert made.worker_id == ours.id and made.unit_id == tree.a
        db.session.commit()
        other = make_campaign(unit_id=tree.b).id
    # A user of station A does not see station B's campaign at all.
    auth.login(username="a_staff", role="staff")
    assert client.get(f"/admin/campaign/details/?id={other}").status_code == 404
    assert client.post(f"/admin/campaign/generate/?id={other}",
                       data={"csrf_token": auth.token()}).status_code == 404


def test_what_generated_applications_carry_is_fixed(app, client, auth):
    with app.app_context():
        make_worker(category="deep")
        campaign = make_campaign()
        campaign_id, fund_id, name = campaign.id, campaign.fund_id, campaign.name
        generate(campaign, user("staff"))
        db.session.commit()
    auth.login("staff")
    data = _form(fund_id, name="改名后的活动", year="2026", starts_on="2026-01-01",
                 ends_on="2026-02-28")
    data["csrf_token"] = auth.token(f"/admin/campaign/edit/?id={campaign_id}")
    page = client.post(f"/admin/campaign/edit/?id={campaign_id}", data=data).get_data(
        as_text=True)
    assert "已生成申请" in flashes(page)
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).name == name


def test_generate_by_chunks_makes_and_audits_every_household_once(app, monkeypatch):
    import models.campaign_rules

    monkeypatch.setattr(models.campaign_rules, "CHUNK", 2)
    with app.app_context():
        for _n in range(5):
            make_worker(category="deep")
        make_worker(status="pending")
        campaign = make_campaign()
        assert generate(campaign, user("staff"), audit=log_created_since) == 5
        db.session.commit()
        ids = db.session.scalars(select(Assistance.id).where(
            Assistance.campaign_id == campaign.id)).all()
        logged = db.session.scalars(select(AuditLog.record_id).where(
            AuditLog.record_type == "assistance")).all()
        assert sorted(logged) == sorted(str(i) for i in ids) and len(ids) == 5
