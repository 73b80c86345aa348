"""Bench: the dashboard on a province-sized round (170 units x 140 lines = 23,800 lines).

    .venv/bin/python -m bench.dashboard [--units 170] [--lines 140] [--database-url URL]

Builds the round with bench.open_round, a team holding every field of every unit (support
member and appraiser), a third of the lines scored, a sixth approved, half the units
submitted, the results computed; then times the organiser's overview (`round_overviews`),
the support member's work (`member_progress`), the results' figures (`results_figures`) and
the whole home page over HTTP for the organiser, the support member and a unit leader
(median of 5 requests). Prints wall and CPU seconds and SQL statements per operation.
"""

import argparse
import os
import statistics
import tempfile
import time

from sqlalchemy import event, insert, update

from bench.appraisal import Counter

PASSWORD = "Bench@12345"


def _accounts(session, organiser_unit, unit_id):
    from flask_appbuilder.security.sqla.models import Role
    from werkzeug.security import generate_password_hash

    from app.models import AppUser
    from app.security import roles

    hashed = generate_password_hash(PASSWORD)
    made = {}
    for name, role, unit in (("organiser", roles.ORGANISER, organiser_unit.id),
                             ("leader", roles.TEAM_LEADER, organiser_unit.id),
                             ("support", roles.SUPPORT_MEMBER, organiser_unit.id),
                             ("appraiser", roles.APPRAISER, organiser_unit.id),
                             ("unit", roles.UNIT_LEADER, unit_id)):  # fmt: skip
        made[name] = AppUser(username=f"bench.{name}", first_name=name, last_name="Bench",
                             active=True, email=f"bench.{name}@example.vn", password=hashed,
                             unit_id=unit,
                             roles=[session.query(Role).filter_by(name=role).one()])  # fmt: skip
        session.add(made[name])
    session.flush()
    return made


def build(session, units, lines):
    from app.domain.results import compute_results
    from app.domain.rounds import open_round
    from app.models import AppraisalTeam, Assessment, Assignment, Criterion, ScoreLine, TeamMember
    from bench.open_round import build as build_round

    round_ = build_round(session, units, lines)
    open_round(session, round_, None)
    unit_ids = sorted(u.id for u in round_.units)
    people = _accounts(session, round_.organiser_unit, unit_ids[0])
    team = AppraisalTeam(round=round_, name="Bench team")
    team.members = [TeamMember(user=people["leader"], role="leader"),
                    TeamMember(user=people["support"], role="support"),
                    TeamMember(user=people["appraiser"], role="appraiser")]  # fmt: skip
    session.add(team)
    session.flush()
    fields = session.query(Criterion.id).filter_by(framework_id=round_.framework_id,
                                                   parent_id=None).all()  # fmt: skip
    session.execute(insert(Assignment), [
        {"round_id": round_.id, "team_id": team.id, "unit_id": u, "criterion_id": f,
         "kind": kind, "user_id": people[kind].id}
        for u in unit_ids for (f,) in fields for kind in ("support", "appraiser")
    ])  # fmt: skip
    round_.phase = "appraisal"
    round_.appraisal_start, round_.appraisal_end = round_.self_end, round_.self_end.replace(2099)
    line_ids = [i for (i,) in session.query(ScoreLine.id).order_by(ScoreLine.id)]
    session.execute(update(ScoreLine).where(ScoreLine.id.in_(line_ids[::3])).values(
        appraisal_state="scored", support_points=1))  # fmt: skip
    session.execute(update(ScoreLine).where(ScoreLine.id.in_(line_ids[::6])).values(
        appraisal_state="approved", approved_points=1))  # fmt: skip
    session.execute(update(Assessment).where(Assessment.unit_id.in_(unit_ids[::2])).values(
        status="submitted"))  # fmt: skip
    session.commit()
    compute_results(session, round_, people["organiser"])
    session.commit()
    return round_, people


def run(session, counter, units, lines):
    from app.domain import dashboard, dashboard_results, dashboard_work
    from app.domain.clock import utcnow
    from app.models import Round

    round_, people = build(session, units, lines)
    figures = []

    def timed(label, func):
        counter.count = 0
        started, cpu = time.perf_counter(), time.process_time()
        func()
        figures.append((label, time.perf_counter() - started, time.process_time() - cpu,
                        counter.count))  # fmt: skip

    now = utcnow()
    session.expire_all()
    rounds = dashboard.working_rounds(session, people["organiser"])
    timed("round_overviews (organiser)", lambda: dashboard.round_overviews(session, rounds, now))
    timed("member_progress (support member)",
          lambda: dashboard_work.member_progress(session, people["support"], now))  # fmt: skip
    round_ = session.get(Round, round_.id)
    timed("results_figures", lambda: dashboard_results.results_figures(
        session, round_, people["organiser"]))  # fmt: skip
    session.commit()
    return figures


def http(app, counter):
    """The home page over HTTP, outside any app context (else requests would share `g`)."""
    figures = []
    for key in ("organiser", "support", "unit"):
        client = app.test_client()
        client.post("/login/", data={"username": f"bench.{key}", "password": PASSWORD})
        client.get("/")
        times = []
        counter.count = 0
        for _ in range(5):
            started = time.perf_counter()
            assert client.get("/").status_code == 200
            times.append(time.perf_counter() - started)
        figures.append((f"GET / as {key} (median of 5)", statistics.median(times), 0.0,
                        counter.count // 5))  # fmt: skip
    return figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=170)
    parser.add_argument("--lines", type=int, default=140)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from tests.conftest import _postgres_database, make_app, prepare_database

    drop = None
    if args.database_url:
        url, drop = _postgres_database(args.database_url)
    else:
        url = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "bench.db")
    app = make_app(url)
    prepare_database(app, demo=False)
    from app.extensions import db

    with app.app_context():
        counter = Counter(db.engine)
        figures = run(db.session, counter, args.units, args.lines)
        db.session.remove()
        engine = db.engine
    figures += http(app, counter)
    event.remove(engine, "before_cursor_execute", counter._on)
    engine.dispose()
    print(f"{url.split(':')[0]}, {args.units} units x {args.lines} lines:")
    print(f"  {'operation':<40} {'wall s':>8} {'CPU s':>8} {'SQL':>6}")
    for label, seconds, cpu, statements in figures:
        print(f"  {label:<40} {seconds:8.3f} {cpu:8.3f} {statements:6d}")
    if drop:
        drop()


if __name__ == "__main__":
    main()
