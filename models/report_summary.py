"""The year's work summary as a paragraph (工作总结), built from the year-end figures.

Each sentence is a translatable template filled with figures of ``models.report``; a
sentence whose figures are all nothing is left out. Counts are written as they are,
amounts in 万元 to two decimals (yuan ÷ 10,000, rounded half up), as a summary quotes
them; every number is one the tables show (in yuan there), so the paragraph and the
tables cannot disagree.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask_babel import get_locale
from flask_babel import gettext as _

from models.choices import ASSISTANCE_KINDS, FUND_SOURCES, SCHOOL_LEVELS
from models.report_employment import employment_sentences

TEN_THOUSAND = Decimal(10000)


def wan(yuan) -> str:
    """Return an amount of yuan in 万元 with two decimals: 123456.78 → "12.35"."""
    return str((Decimal(yuan) / TEN_THOUSAND).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _listing(parts: list[str]) -> str:
    return _("; ").join(parts) if parts else ""


def _aid(f: dict) -> list[str]:
    aid = f["assistance"]
    kinds = [_("%(kind)s %(times)d times, %(amount)s ten-thousand yuan", kind=label,
               times=g["count"], amount=wan(g["cash"] + g["goods"]))
             for kind, label in ASSISTANCE_KINDS.items()
             if (g := aid["by_kind"].get(kind)) and g["count"]]
    total = aid["total"]
    sentences = [_("In the year, workers in hardship were aided %(times)d times, with cash and "
                   "goods worth %(amount)s ten-thousand yuan in all, of which: %(kinds)s.",
                   times=total["count"], amount=wan(total["cash"] + total["goods"]),
                   kinds=_listing(kinds)) if kinds else
                 _("In the year, no aid was paid.")]
    levels = [_("%(level)s %(times)d times, %(amount)s ten-thousand yuan",
                level=SCHOOL_LEVELS.get(code, _("level not set")), times=g["count"],
                amount=wan(g["amount"]))
              for code in [*SCHOOL_LEVELS, None] if (g := f["education"].get(code))]
    if levels:
        sentences.append(_("By school level, the school aid went to: %(levels)s.",
                           levels=_listing(levels)))
    return sentences


def _money(f: dict) -> list[str]:
    funds, gifts = f["funds"], f["donations"]["total"]
    sentences = []
    if funds["total"]:
        sources = [_("%(source)s %(amount)s ten-thousand yuan", source=label,
                     amount=wan(funds["by_source"][code]))
                   for code, label in FUND_SOURCES.items() if funds["by_source"][code]]
        sentences.append(_("Money raised for assistance: %(amount)s ten-thousand yuan, of "
                           "which %(sources)s.", amount=wan(funds["total"]),
                           sources=_listing(sources)))
    if gifts["count"]:
        sentences.append(_("Donations received: %(count)d, money %(money)s ten-thousand yuan "
                           "and goods worth %(goods)s ten-thousand yuan.", count=gifts["count"],
                           money=wan(gifts["money"]), goods=wan(gifts["goods"])))
    return sentences


def _files(f: dict) -> list[str]:
    w, d = f["workers"], f["dibao"]
    return [_("At the year's end %(on_file)d households were on file; %(new)d were newly "
              "filed in the year, %(dibao)d of them households on minimum living allowance "
              "(%(persons)d persons); %(exited)d got out of hardship.",
              on_file=w["on_file"], new=w["new"], exited=w["exited"],
              dibao=d["new_households"], persons=d["new_persons"])]


def _services(f: dict) -> list[str]:
    shop, train, loans = f["redemptions"], f["training"]["total"], f["loans"]
    sentences = []
    if shop["count"]:
        sentences.append(_("The love supermarket served %(count)d redemptions worth %(amount)s "
                           "ten-thousand yuan.", count=shop["count"], amount=wan(shop["points"])))
    if train["classes"]:
        sentences.append(_("%(classes)d training classes were held for %(trainees)d trainees, "
                           "%(found)d of whom found work or started a business.",
                           classes=train["classes"], trainees=train["total"],
                           found=train["found_work"]))
    if loans["disbursed"]:
        sentences.append(_("%(count)d micro-loans of %(amount)s ten-thousand yuan were "
                           "disbursed.", count=loans["disbursed"], amount=wan(loans["amount"])))
    if f["notices"]["published"]:
        sentences.append(_("%(count)d public notices were published.",
                           count=f["notices"]["published"]))
    return sentences


def _desk(f: dict) -> list[str]:
    desk = f.get("desk")
    if not desk or not desk["contacts"]["cases"]:
        return []
    c, rate = desk["contacts"], desk["resolution"]["rate"]
    return [_("The service desk received %(visitors)d visitors, %(calls)d phone calls (%(hotline)d "
              "on the 12351 hotline), %(letters)d letters and %(online)d online requests; "
              "%(resolved)d of its %(cases)d cases were resolved (%(rate)s per cent), and "
              "%(migrants)d migrant workers were served.", visitors=c["visitors"],
              calls=c["calls"], hotline=c["hotline"], letters=c["letters"], online=c["online"],
              resolved=desk["resolution"]["done"], cases=c["cases"],
              rate=rate if rate is not None else "—", migrants=desk["migrants"])]


def _legal(f: dict) -> list[str]:
    legal = f.get("legal")
    if not legal or not (legal["by_type"] or legal["by_outcome"]):
        return []
    return [_("%(opened)d legal aid and mediation cases were opened and %(closed)d closed, "
              "recovering %(amount)s ten-thousand yuan for %(workers)d workers, of which "
              "%(wages)s ten-thousand yuan of wage arrears for %(wage_workers)d workers.",
              opened=sum(legal["by_type"].values()), closed=sum(legal["by_outcome"].values()),
              amount=wan(legal["recovered"]), workers=legal["workers_benefited"],
              wages=wan(legal["wages_recovered"]), wage_workers=legal["wage_workers"])]


def summary_paragraph(figures: dict) -> str:
    """Return the year's work summary paragraph from ``figures`` (``year_figures``)."""
    sentences = [*_aid(figures), *_money(figures), *_files(figures), *_services(figures),
                 *_desk(figures), *_legal(figures), *employment_sentences(figures)]
    # Chinese runs sentences on after their 。; English puts a space between them.
    glue = "" if getattr(get_locale(), "language", "") == "zh" else " "
    return _("%(year)d: ", year=figures["year"]) + glue.join(sentences)
