"""Numbers in notice text are found however they are written, masked, and refused at publishing.

Issue 12, finding 4: a bank card in groups, an ID with spaces or split by a tag or an
invisible character, a mobile with dots or full-width digits all went through unmasked.
"""
from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata

import pytest
from sqlalchemy import select, update

from models import Notice, db
from models.base import DomainError, today, utcnow
from models.masking import identity_numbers, mask_id_number, mask_text
from models.notice_rules import publish
from tests.conftest import flashes
from tests.factories import user
from tests.factories_notices import make_notice

ID = "370102199001011231"
ID_X = "11010519850630006X"
CARD = "6222020200001234567"
MOBILE = "13800138000"
KINDS = {ID: "身份证号", ID_X: "身份证号", CARD: "银行卡号", MOBILE: "手机号"}

# (label and number as typed into a notice, the number it is)
BYPASSES = [
    ("卡号 6222 0202 0000 1234 567", CARD),
    ("卡号 6222-0202-0000-1234-567", CARD),
    ("卡号 6222\u00a00202\u00a00000\u00a01234\u00a0567", CARD),          # NBSP
    ("卡号 6222&nbsp;0202&nbsp;0000&nbsp;1234&nbsp;567", CARD),
    ("卡号 6222\u30000202\u30000000\u30001234\u3000567", CARD),          # ideographic space
    ("卡号 ６２２２－０２０２－００００－１２３４－５６７", CARD),           # full width
    ("身份证 3701 0219 9001 0112 31", ID),
    ("身份证 370102 19900101 1231", ID),
    ("身份证 370102-19900101-1231", ID),
    ("身份证 3701<b></b>02199001011231", ID),
    ("身份证 3701<span></span>0219900101<span>1231</span>", ID),
    ("身份证 370102\u200b19900101\u200b1231", ID),                        # zero-width space
    ("身份证 370102\u200c1990\u200d0101\u20601231\ufeff", ID),            # ZWNJ, ZWJ, WJ, BOM
    ("身份证 370102\u00ad19900101\u00ad1231", ID),                        # soft hyphen
    ("身份证 370102&#8203;19900101&#x200B;1231", ID),
    ("身份证 370102<br>19900101<br>1231", ID),
    ("身份证 ３７０１０２１９９００１０１１２３１", ID),
    ("证号 11010519850630006x", ID_X),                                    # lower-case x
    ("证号 110105 19850630 006x", ID_X),
    ("证号 １１０１０５１９８５０６３０００６ｘ", ID_X),
    ("手机 １３８００１３８０００", MOBILE),
    ("手机 138.0013.8000", MOBILE),
    ("手机 138-0013-8000", MOBILE),
    ("手机 138·0013·8000", MOBILE),
    ("手机 138/0013/8000", MOBILE),
    ("手机 138\u00a00013\u00a08000", MOBILE),
    ("手机 138\u30000013\u30008000", MOBILE),
    ("手机 138<b>0013</b>8000", MOBILE),
    ("手机 138\u200b0013\u200b8000", MOBILE),
    ("手机 +86 138 0013 8000", MOBILE),
    ("手机 +86１３８００１３８０００", MOBILE),
]

# Amounts, dates, counts and the centre's landline are not personal: they stay as written.
ORDINARY = [
    "资助标准 1,000.00 元",
    "合计 12,345,678.90 元",
    "公示期 2026-11-30 至 2026-12-06",
    "公示期 2026.11.30-2026.12.06",
    "公示期 2026/11/30 - 2026/12/06",
    "2026年金秋助学",
    "共 23 户",
    "咨询电话：0531-86001234（工作日 9:00—17:00）",
    "电话 0531-86001234-801",
    "邮编 250001，文号 鲁工发〔2026〕12号",
    "1000.00 2000.00 3000.00 4000.00",
    "<table><tr><td>1000.00</td><td>2000.00</td><td>3000.00</td></tr></table>",
    "<table><tr><td>5000</td><td>4000</td><td>2000</td><td>3000</td><td>1000</td></tr>"
    "</table>",
]


def digits_seen(text: str) -> str:
    """Return ``text`` as a reader takes in its numbers: NFKC, without tags or invisible
    characters, and with whatever is not a letter, a digit or a word between two digits
    removed (so 138 0013 8000 and 370***1231 read as 13800138000 and 3701231)."""
    text = unicodedata.normalize("NFKC", html.unescape(re.sub(r"<[^>]*>", "", text)))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Mn", "Cc"))
    return re.sub(r"(?<=[0-9])[\W_]+(?=[0-9X])", "", text.upper())


def hidden_part(number: str) -> str:
    """Return the digits of ``number`` the public must never see."""
    return number[3:7] if number == MOBILE else number[3:-4]


def shown_as(number: str) -> str:
    return "138****8000" if number == MOBILE else mask_id_number(number)


@pytest.mark.parametrize("text,number", BYPASSES)
def test_numbers_are_masked_however_written_and_refused_at_publishing(ctx, text, number):
    masked = mask_text(text)
    assert hidden_part(number) not in digits_seen(masked), masked
    assert shown_as(number) in masked
    assert masked.startswith(text.split(" ")[0] + " ")  # the words around stay as written
    assert [found.masked[-len(shown_as(number)):] for found in identity_numbers(text)] == [
        shown_as(number)]

    for where, notice in (("正文", make_notice(kind="free", title="申请须知",
                                               body=f"<p>如有疑问请联系：{text}</p>")),
                          ("标题", make_notice(kind="free", title=f"公示 {text}",
                                               body="<p>申请办法见下。</p>"))):
        with pytest.raises(DomainError) as refused:
            publish(notice, user("manager"))
        reason = str(refused.value)
        assert "不能发布" in reason and f"{where}中的{KINDS[number]}" in reason, reason
        assert shown_as(number) in reason and hidden_part(number) not in digits_seen(reason)
        assert notice.state == "draft"


def test_the_public_page_masks_a_notice_published_before_the_check(app, client):
    """Text published before publishing checked it is still masked on the public pages."""
    with app.app_context():
        notice = make_notice(kind="free", title="联系人 138.0013.8000",
                             body="".join(f"<p>{text}</p>" for text, _ in BYPASSES)
                             + "".join(f"<p>{text}</p>" for text in ORDINARY))
        db.session.execute(update(Notice).where(Notice.id == notice.id).values(
            state="published", starts_on=today(), ends_on=today() + dt.timedelta(days=6),
            published_by_id=user("manager").id, published_at=utcnow()))
        db.session.commit()
        pk = notice.id
    page = client.get(f"/notices/{pk}").get_data(as_text=True)
    title = re.search(r'<h1 id="notice-title">(.*?)</h1>', page, re.S).group(1)
    assert "138****8000" in title and "0013" not in digits_seen(title)
    body = re.search(r'id="notice-body">(.*?)</div>', page, re.S).group(1)
    paragraphs = [p for p in re.findall(r"<p>(.*?)</p>", body, re.S) if p]
    assert len(paragraphs) == len(BYPASSES) + len(ORDINARY) - 2  # the tables are no <p>
    for (text, number), shown in zip(BYPASSES, paragraphs, strict=False):
        assert hidden_part(number) not in digits_seen(shown), (text, shown)
        assert shown_as(number) in shown
    for text in ORDINARY[:-2]:
        assert text in body
    assert "<td>1000.00</td><td>2000.00</td><td>3000.00</td>" in body
    index = client.get("/notices/").get_data(as_text=True)
    assert "联系人 138****8000" in index and "138.0013" not in index


@pytest.mark.parametrize("text", ORDINARY)
def test_amounts_dates_and_landlines_stay_and_publish(ctx, text):
    assert mask_text(f"{text}；联系人手机 138.0013.8000") == f"{text}；联系人手机 138****8000"
    assert identity_numbers(text) == []
    notice = make_notice(kind="free", title="2026年金秋助学申请指南", body=f"<p>{text}</p>")
    publish(notice, user("manager"))
    assert notice.state == "published"


def test_markup_stays_well_formed_and_links_are_masked(ctx):
    assert mask_text("<p>电话：<b>138</b>&nbsp;0013&#8203;8000。</p>") == (
        "<p>电话：<b>138****8000</b>。</p>")
    assert mask_text('<a href="tel:13800138000">联系 138 0013 8000</a>') == (
        '<a href="tel:138****8000">联系 138****8000</a>')
    # Two mobiles side by side are two numbers, not one long one.
    assert mask_text("138 0013 8000 139 0013 9000") == "138****8000 139****9000"


def test_refusal_names_at_most_three_numbers_and_counts_them(ctx):
    body = "".join(f"<p>{n}号 13{n}0013800{n}</p>" for n in range(5, 10))
    with pytest.raises(DomainError, match="（共 5 处）") as refused:
        publish(make_notice(kind="free", title="名单", body=body), user("manager"))
    assert str(refused.value).count("正文中的手机号") == 3


def test_manager_is_told_why_and_staff_may_still_draft(app, client, auth):
    """Saving a draft with a number is allowed; publishing it flashes the reason."""
    auth.login("staff")
    response = client.post("/admin/notice/new/", data={
        "csrf_token": auth.token(), "kind": "free", "title": "金秋助学申请指南",
        "body": "<p>联系人：王老师，手机 138\u00a00013\u00a08000。</p>"})
    assert response.status_code == 302
    with app.app_context():
        pk = db.session.scalar(select(Notice.id))
    auth.logout()
    auth.login("manager")
    page = client.post(f"/admin/notice/manage/?id={pk}", data={
        "csrf_token": auth.token(), "op": "publish"}, follow_redirects=True)
    shown = flashes(page.get_data(as_text=True))
    assert "不能发布" in shown and "正文中的手机号" in shown and "138****8000" in shown
    assert "0013" not in digits_seen(shown)
    with app.app_context():
        assert db.session.get(Notice, pk).state == "draft"
