"""The results screens over HTTP: the results list (by rank, Vietnamese labels and decimal
commas, filters, export), who sees which rows, the "recompute" action, each unit's result
page, the organiser's publication screen (publish, withdraw with a reason) and the public
pages (published rounds only, ranking with ties in Vietnamese order, each unit's page).

The demo's last-year commune round is published; tests/web/secret_world.py adds a finalised
round whose results are computed and not published (removed after this module)."""

import pytest
from sqlalchemy import select

from app.models import Round, Unit, UnitResult, UnitType
from app.models.criteria import GradeBand
from app.views.public import index_text
from tests.vietnamese import catalogue
from tests.vietnamese import install as install_vietnamese
from tests.web.appraisal_web import action, alerts, text_of
from tests.web.secret_world import secret_world_fixture  # noqa: F401  (secret_world)
from tests.web.test_exports import csv_rows

RESULTS = "unitresultview"
PUBLICATION = "publicationroundview"


@pytest.fixture(autouse=True)
def vietnamese(monkeypatch):
    install_vietnamese(monkeypatch)


def vi(msgid, **values):
    text = catalogue().get(msgid, msgid)
    return text % values if values else text


def said(response, msgid, **values):
    wanted = " ".join(vi(msgid, **values).split()).rstrip(".")
    return any(wanted in message for message in alerts(response))


def _published(session):
    return session.query(Round).filter(Round.published_at.is_not(None), Round.year == 2025).one()


def _ranked(session, round_id):
    """(unit name, index, rank, grade) by rank, then the Vietnamese order of the names."""
    return session.execute(
        select(Unit.name, UnitResult.index, UnitResult.rank, GradeBand.name)
        .join(Unit, UnitResult.unit_id == Unit.id)
        .outerjoin(GradeBand, UnitResult.grade_band_id == GradeBand.id)
        .where(UnitResult.round_id == round_id)
        .order_by(UnitResult.rank, Unit.name_sort)
    ).all()


def _export(client, query=""):
    return csv_rows(client.get(f"/{RESULTS}/export/csv?{query}"))


# --- the results list ---------------------------------------------------------------------------


def test_the_list_is_by_rank_with_vietnamese_labels_and_decimal_commas(session, organiser_client):
    round_ = _published(session)
    page = organiser_client.get(f"/{RESULTS}/list/?_flt_0_round={round_.id}")
    assert page.status_code == 200
    text = text_of(page)
    for label in ("Điểm tự chấm", "Điểm đã duyệt", "Điểm điều tra xã hội học", "Điểm thưởng",
                  "Điểm trừ", "Điểm đạt được", "Điểm tối đa áp dụng", "Xếp loại", "Xếp hạng",
                  "Thay đổi so với năm trước"):  # fmt: skip
        assert label in text, label
    rows = _export(organiser_client, f"_flt_0_round={round_.id}")
    header, body = rows[0], rows[1:]
    ranked = _ranked(session, round_.id)
    assert [r[header.index("Đơn vị")] for r in body] == [name for name, *_ in ranked]
    assert [r[header.index("Xếp hạng")] for r in body] == [str(rank) for *_, rank, _g in ranked]
    indexes = [r[header.index("Chỉ số (%)")] for r in body]
    assert indexes == [index_text(index) for _n, index, *_ in ranked]
    assert all("," in i and "." not in i for i in indexes)  # 97,71, never 97.71
    # Equal indexes share a rank; the names then follow the Vietnamese alphabet.
    ranks = [rank for *_, rank, _g in ranked]
    assert len(set(ranks)) < len(ranks)


def test_filters_by_grade_and_unit_type(session, organiser_client):
    round_ = _published(session)
    best = [row for row in _ranked(session, round_.id) if row[3] == "Xuất sắc"]
    rows = _export(organiser_client, f"_flt_0_round={round_.id}&_flt_0_grade_band=Xuất sắc")
    grade = rows[0].index("Xếp loại")
    assert len(rows) - 1 == len(best) > 0 and {r[grade] for r in rows[1:]} == {"Xuất sắc"}
    communes = session.query(UnitType).filter_by(code="XA").one()
    departments = session.query(UnitType).filter_by(code="SBN").one()
    query = f"_flt_0_round={round_.id}&_flt_0_unit_type="
    assert len(_export(organiser_client, query + str(communes.id))) - 1 == len(round_.units)
    assert len(_export(organiser_client, query + str(departments.id))) == 1  # header only


def test_a_unit_account_sees_its_own_published_result_only(session, client_as, secret_world):
    leader = client_as("lanhdao.xa")
    rows = _export(leader)
    published = session.query(Round).filter(Round.published_at.is_not(None)).count()
    # Its own unit, once per published round (2025, 2024): never another unit's.
    assert [r[rows[0].index("Đơn vị")] for r in rows[1:]] == ["Phường Lam Giang"] * published
    assert [r[0] for r in rows[1:]] == sorted((r[0] for r in rows[1:]), reverse=True)
    round_ = _published(session)
    own = session.query(UnitResult).join(Unit).filter(
        UnitResult.round_id == round_.id, Unit.code == "XA001").one()  # fmt: skip
    other = session.query(UnitResult).join(Unit).filter(
        UnitResult.round_id == round_.id, Unit.code == "XA002").one()  # fmt: skip
    page = leader.get(f"/ket-qua/{own.id}")
    assert page.status_code == 200
    text = text_of(page)
    assert "Điểm và chỉ số thành phần theo lĩnh vực" in text
    assert f"{own.rank}/{len(round_.units)}" in text and index_text(own.index) in text
    assert leader.get(f"/ket-qua/{other.id}").status_code == 404
    assert leader.get(f"/ket-qua/{secret_world.result_ids[0]}").status_code == 404


def test_the_viewer_sees_published_results_and_the_organiser_all(
    session, client_as, organiser_client, secret_world
):
    viewer_units = {r[1] for r in _export(client_as("xem"))[1:]}
    assert "Phường Lam Giang" in viewer_units and "Xã Bí Mật 1" not in viewer_units
    assert client_as("xem").get(f"/ket-qua/{secret_world.result_ids[0]}").status_code == 404
    everything = {r[1] for r in _export(organiser_client)[1:]}
    assert {"Phường Lam Giang", "Xã Bí Mật 1", "Xã Bí Mật 2"} <= everything
    page = organiser_client.get(f"/ket-qua/{secret_world.result_ids[0]}")
    assert page.status_code == 200
    assert vi("Not published: these figures may still change.") in text_of(page)
    assert client_as("xem").get(f"/{PUBLICATION}/list/").status_code in (302, 403)


def test_recompute_is_refused_after_publication_and_for_unit_accounts(
    session, organiser_client, client_as, secret_world
):
    round_ = _published(session)
    result = session.query(UnitResult).filter_by(round_id=round_.id).first()
    before = (result.computed_at, round_.results_computed_at)
    refused = action(organiser_client, RESULTS, "recompute", [result.id])
    assert said(refused, "The results of this round have been published; they can no longer "
                "change.")  # fmt: skip
    session.expire_all()
    assert (session.get(UnitResult, result.id).computed_at,
            session.get(Round, round_.id).results_computed_at) == before  # fmt: skip
    secret = session.get(Round, secret_world.round_id)
    computed = secret.results_computed_at
    leader = client_as("lanhdao.xa")
    action(leader, RESULTS, "recompute", [secret_world.result_ids[0]])
    session.expire_all()
    assert session.get(Round, secret.id).results_computed_at == computed
    done = action(organiser_client, RESULTS, "recompute", [secret_world.result_ids[0]])
    assert said(done, "Results computed for %(count)s rounds", count=1)
    session.expire_all()
    assert session.get(Round, secret.id).results_computed_at > computed  # computed now


# --- publication --------------------------------------------------------------------------------


def test_the_organiser_publishes_then_withdraws_with_a_reason(
    session, organiser_client, anon_client, secret_world
):
    rid = secret_world.round_id
    assert anon_client.get(f"/cong-bo/{rid}/").status_code == 404
    done = action(organiser_client, PUBLICATION, "publish", [rid])
    assert said(done, "%(count)s rounds published", count=1)
    session.expire_all()
    assert session.get(Round, rid).phase == "published"
    public = anon_client.get(f"/cong-bo/{rid}/")
    assert public.status_code == 200 and "Xã Bí Mật 1" in text_of(public)
    again = action(organiser_client, PUBLICATION, "publish", [rid])
    assert any(vi("The results of this round have already been published.").rstrip(".") in a
               for a in alerts(again))  # fmt: skip
    # Withdrawing asks for the reason first, and keeps asking while it is empty.
    form = action(organiser_client, PUBLICATION, "unpublish", [rid])
    assert form.status_code == 200 and vi("Why the publication is withdrawn") in text_of(form)
    empty = action(organiser_client, PUBLICATION, "unpublish", [rid], step="apply", text="  ")
    assert vi("Write why the publication is withdrawn.").rstrip(".") in text_of(empty)
    session.expire_all()
    assert session.get(Round, rid).phase == "published"
    withdrawn = action(organiser_client, PUBLICATION, "unpublish", [rid], step="apply",
                       text="Sai số liệu điều tra")  # fmt: skip
    assert said(withdrawn, "%(count)s publications withdrawn", count=1)
    session.expire_all()
    assert session.get(Round, rid).phase == "finalised"
    assert anon_client.get(f"/cong-bo/{rid}/").status_code == 404


def test_a_round_the_council_has_not_finalised_is_not_published(session, organiser_client):
    this_year = session.query(Round).filter(Round.name.contains("cấp xã năm 2026")).one()
    refused = action(organiser_client, PUBLICATION, "publish", [this_year.id])
    assert said(refused, "%(count)s rounds refused: %(reasons)s", count=1, reasons="")
    assert any(vi("The council has not finalised this round yet: its results cannot be "
                  "published.").rstrip(".") in a for a in alerts(refused))  # fmt: skip
    session.expire_all()
    assert session.get(Round, this_year.id).published_at is None


def test_unit_accounts_cannot_publish_with_a_forged_post(session, client_as, secret_world):
    action(client_as("lanhdao.xa"), PUBLICATION, "publish", [secret_world.round_id])
    session.expire_all()
    assert session.get(Round, secret_world.round_id).published_at is None


# --- the public pages ---------------------------------------------------------------------------


def test_the_public_pages_show_published_rounds_only(session, anon_client, secret_world):
    round_ = _published(session)
    listing = text_of(anon_client.get("/cong-bo/"))
    assert round_.name in listing and "Đợt thử bảo mật" not in listing
    ranking = anon_client.get(f"/cong-bo/{round_.id}/")
    assert ranking.status_code == 200
    text = text_of(ranking)
    names = [name for name, *_ in _ranked(session, round_.id)]
    positions = [text.index(name) for name in names]
    assert positions == sorted(positions)  # by rank, ties in Vietnamese order
    assert "Lĩnh vực 1" in text and "Xuất sắc" in text
    # Out-of-range or garbled page numbers give a page, never an error.
    assert anon_client.get(f"/cong-bo/{round_.id}/?page=99").status_code == 200
    assert anon_client.get(f"/cong-bo/{round_.id}/?page=abc").status_code == 200
    own = session.query(UnitResult).join(Unit).filter(
        UnitResult.round_id == round_.id, Unit.code == "XA001").one()  # fmt: skip
    unit = text_of(anon_client.get(f"/cong-bo/{round_.id}/{own.unit_id}"))
    assert "Phường Lam Giang" in unit and f"{own.rank}/{len(round_.units)}" in unit
    assert index_text(own.index) + "%" in unit
    # A unit without a result in the round, an unknown round: nothing there.
    department = session.query(Unit).filter_by(code="SNV").one()
    assert anon_client.get(f"/cong-bo/{round_.id}/{department.id}").status_code == 404
    assert anon_client.get("/cong-bo/999999/").status_code == 404
    assert anon_client.get(f"/ket-qua/{own.id}").status_code == 302  # the back office: log in
