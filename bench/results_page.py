"""Bench: the results pages of a national-scale round (3,321 communes), paginated.

    .venv/bin/python -m bench.results_page [--units 3321] [--lines 140] [--requests 200]
                                           [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Builds the round with bench.open_round (3,321 units x 140 lines), gives every line approved
points (bench.results), has the council finalise it, computes the results through the domain
(compute_results) and publishes them (publish_round). Then, through the real Flask app, it
asks for pages spread over the whole ranking and times each request:

- the public ranking /cong-bo/<round>/?page=N (no login; 50 units a page with grade and the
  10 fields' indexes);
- a unit's public page /cong-bo/<round>/<unit>;
- the back office's results list (FAB, 50 rows a page, filtered on the round, default order
  by rank) as the organiser, and as the Viewer (its rows scoped to published rounds).

Prints p50, p95 and the worst wall time per kind (target: p95 at most 100 ms), the CPU time
per request (it does not depend on what else the machine runs) and the SQL statements per
request.
"""

import argparse
import datetime
import os
import random
import statistics
import tempfile
import time

from sqlalchemy import event


def _account(session, username, role_name):
    from flask_appbuilder.security.sqla.models import Role
    from werkzeug.security import generate_password_hash

    from app.models import AppUser

    role = session.query(Role).filter_by(name=role_name).one()
    user = AppUser(username=username, first_name="Bench", last_name=role_name, active=True,
                   email=f"{username}@example.vn", roles=[role])  # fmt: skip
    user.password = generate_password_hash("pw")
    session.add(user)
    session.commit()
    return user


def _prepare(session, units, lines):
    """The published national round: returns (round id, unit ids)."""
    from app.domain.publication import publish_round
    from app.domain.results import compute_results
    from app.domain.rounds import open_round
    from app.models import Unit
    from app.security import roles
    from bench.open_round import build
    from bench.results import _arrange

    round_ = build(session, units, lines)
    round_.self_start = datetime.datetime(2000, 1, 1)
    round_.self_end = datetime.datetime(2000, 2, 1)
    open_round(session, round_, None, now=round_.self_start)
    session.commit()
    _arrange(session, round_)
    organiser = _account(session, "bench.tochuc", roles.ORGANISER)
    _account(session, "bench.xem", roles.VIEWER)
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    round_.phase, round_.finalised_at = "finalised", now - datetime.timedelta(minutes=2)
    summary = compute_results(session, round_, organiser, now=now - datetime.timedelta(minutes=1))
    publish_round(session, round_, organiser, now=now)
    session.commit()
    unit_ids = [u for (u,) in session.query(Unit.id).filter(Unit.code.like("XA%"))]
    return round_.id, unit_ids, summary.units


def _time(client, paths, statements):
    walls, cpus, counts = [], [], []
    for path in paths:
        statements["n"] = 0
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        counts.append(statements["n"])
        assert response.status_code == 200, (path, response.status_code)
    return walls, cpus, counts


def _p95(values):
    return statistics.quantiles(values, n=20)[-1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=3321)
    parser.add_argument("--lines", type=int, default=140)
    parser.add_argument("--requests", type=int, default=200)
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

    started = time.perf_counter()
    with app.app_context():
        round_id, unit_ids, computed = _prepare(db.session, args.units, args.lines)
        engine = db.engine
    print(f"built, computed and published {computed:,} unit results"
          f" in {time.perf_counter() - started:.0f} s")  # fmt: skip
    statements = {"n": 0}
    event.listen(
        engine, "before_cursor_execute", lambda *a, **k: statements.update(n=statements["n"] + 1)
    )
    pages = -(-computed // 50)
    rng = random.Random(5)
    chosen = [rng.randint(1, pages) for _ in range(args.requests)]
    anonymous = app.test_client()
    organiser, viewer = app.test_client(), app.test_client()
    organiser.post("/login/", data={"username": "bench.tochuc", "password": "pw"})
    viewer.post("/login/", data={"username": "bench.xem", "password": "pw"})
    listing = f"/unitresultview/list/?_flt_0_round={round_id}&page_UnitResultView="
    kinds = [
        ("public ranking page  ", anonymous, [f"/cong-bo/{round_id}/?page={p}" for p in chosen]),
        ("public unit page     ", anonymous,
         [f"/cong-bo/{round_id}/{rng.choice(unit_ids)}" for _ in chosen]),
        ("results list, organiser", organiser, [f"{listing}{p - 1}" for p in chosen]),
        ("results list, viewer   ", viewer, [f"{listing}{p - 1}" for p in chosen]),
    ]  # fmt: skip
    backend = url.split(":")[0].split("+")[0]
    print(f"{backend}: {computed:,} units, {pages} pages of 50, {args.requests} requests each")
    for label, client, paths in kinds:
        _time(client, paths[:5], statements)  # warm the caches, untimed
        walls, cpus, counts = _time(client, paths, statements)
        ms = [w * 1000 for w in walls]
        print(f"  {label}: p50 {statistics.median(ms):6.1f} ms  p95 {_p95(ms):6.1f} ms"
              f"  worst {max(ms):6.1f} ms  CPU p95 {_p95([c * 1000 for c in cpus]):6.1f} ms"
              f"  statements {min(counts)}-{max(counts)}  (target p95 <= 100 ms)")  # fmt: skip
    with app.app_context():
        db.engine.dispose()
    if drop:
        drop()


if __name__ == "__main__":
    main()
