"""The change log speaks Vietnamese: every action the app records has a name, the list shows
names instead of raw action names, and the search offers them in a list."""

import ast
import html
import json
import pathlib
import re

import pytest
from flask_appbuilder.models.sqla.filters import FilterEqual

from app.domain.clock import utcnow
from app.models import AuditEvent, ScoreLine
from app.views.audit import ACTION_LABELS, ENTITY_LABELS
from tests.vietnamese import ROOT
from tests.vietnamese import install as install_vietnamese


@pytest.fixture()
def vietnamese(monkeypatch):
    install_vietnamese(monkeypatch)


def _constants(tree):
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _strings(node, constants):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body, constants) | _strings(node.orelse, constants)
    if isinstance(node, ast.Name) and node.id in constants:
        return {constants[node.id]}
    return None


def logged_actions():
    """Every action name app/ passes to audit.record, including through a function that takes
    the action as a parameter (round_state.move_phase): its default and every caller's value."""
    actions, relayed, calls = set(), {}, []
    for path in sorted(pathlib.Path(ROOT, "app").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
            params = [p.arg for p in function.args.args]
            with_default = params[len(params) - len(function.args.defaults) :]
            defaults = dict(zip(with_default, function.args.defaults, strict=True))
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "record":
                    if len(node.args) < 3:
                        continue
                    found = _strings(node.args[2], constants)
                    if found is not None:
                        actions |= found
                        continue
                    name = getattr(node.args[2], "id", None)
                    assert name in params, f"{path}: cannot tell the action of {ast.unparse(node)}"
                    relayed[function.name] = name
                    actions |= _strings(defaults[name], constants) or set()
        calls.extend((n, constants) for n in ast.walk(tree) if isinstance(n, ast.Call))
    for node, constants in calls:
        name = getattr(node.func, "attr", getattr(node.func, "id", None))
        for keyword in node.keywords:
            if name in relayed and keyword.arg == relayed[name]:
                actions |= _strings(keyword.value, constants) or set()
    return actions


def test_every_logged_action_has_a_vietnamese_name():
    actions = logged_actions()
    assert {"score", "approve", "phase", "verify", "finalise", "mail_failed"} <= actions
    missing = sorted(actions - set(ACTION_LABELS))
    assert not missing, f"add these to ACTION_LABELS in app/views/audit.py: {missing}"
    from tests.vietnamese import catalogue

    names = catalogue()
    untranslated = [
        str(label._args[0]) for label in [*ACTION_LABELS.values(), *ENTITY_LABELS.values()]
        if label._args[0] not in names
    ]  # fmt: skip
    assert not untranslated, f"no Vietnamese for: {untranslated}"


def _filter_index(app, column, kind):
    view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == "AuditEventView")
    return next(i for i, f in enumerate(view._filters._all_filters[column]) if type(f) is kind)


@pytest.fixture()
def events(session):
    at = utcnow()
    line_id = session.query(ScoreLine.id).first()[0]
    made = [
        AuditEvent(
            at=at, action="approve", entity="score_line", entity_id=line_id, new_value="8,5"
        ),
        AuditEvent(at=at, action="mail_failed", entity="user", entity_id=1, new_value="Thư"),
    ]
    session.add_all(made)
    session.commit()
    yield made
    session.query(AuditEvent).filter(AuditEvent.id.in_([e.id for e in made])).delete()
    session.commit()


def test_the_change_log_shows_and_searches_vietnamese_names(app, client_as, events, vietnamese):
    client = client_as("tochuc")
    index = _filter_index(app, "action", FilterEqual)
    page = client.get(f"/auditeventview/list/?_flt_{index}_action=approve")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    cells = re.findall(r"<td>\s*(.*?)\s*</td>", text, flags=re.S)
    assert "Phê duyệt" in cells and "Dòng chấm điểm" in cells
    assert "approve" not in cells and "Gửi thư thất bại" not in cells  # filtered out
    # The search lists the names; the value searched is the action's own. (FAB hands the
    # search form's fields to its script as JSON strings.)
    found = re.search(r'"action": ("\\u003cselect(?:[^"\\]|\\.)*")', page.get_data(as_text=True))
    select = json.loads(found.group(1))
    assert '<option value="approve">Phê duyệt</option>' in select
    assert '<option value="mail_failed">Gửi thư thất bại</option>' in select
    everything = html.unescape(client.get("/auditeventview/list/").get_data(as_text=True))
    assert "Gửi thư thất bại" in re.findall(r"<td>\s*(.*?)\s*</td>", everything, flags=re.S)
