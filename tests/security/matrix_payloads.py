"""What the access matrix sends with a write it expects refused: a body the owner's request
could succeed with, so that a refusal comes from the access rules, not from a malformed
request. Endpoints not listed here are sent an empty form (FAB forms, deletes) or nothing."""

from app.security import roles

PAYLOADS = {
    "ScoreSheetView.autosave": lambda w, ids: {"json": {"value": "1"}},
    "ScoreSheetView.save_line": lambda w, ids: {"json": {"explanation": "Giải trình thử ma trận"}},
    "ScoreSheetView.assign": lambda w, ids: {
        "data": {"criterion_id": w.crit["1.1"], "user_id": w.users[roles.UNIT_STAFF]}
    },
    "EvidenceView.upload_evidence": lambda w, ids: {"data": {"url": "https://ma-tran.example/vb"}},
    "AppraisalSheetView.support_score": lambda w, ids: {"json": {"value": "1", "comment": "Thử"}},
    "AppraisalSheetView.appraise": lambda w, ids: {"json": {"accept": "1"}},
    "AppraisalSheetView.approve": lambda w, ids: {"json": {"comment": ""}},
    "AppraisalSheetView.return_line": lambda w, ids: {"json": {"comment": "Trả lại thử"}},
    "AppraisalSheetView.approve_field": lambda w, ids: {"data": {"criterion_id": w.crit["1"]}},
    "AssignmentScreenView.preview_assignment": lambda w, ids: {"data": _assignment_form(w)},
    "AssignmentScreenView.assign": lambda w, ids: {"data": _assignment_form(w)},
    "CouncilResultsView.request_lines": lambda w, ids: {
        "data": {"text": "Bổ sung quyết định", "line": [w.line_of(*ids, "2.1")]}
    },
    "UnitTypeApi.post": lambda w, ids: {"json": {"code": "MT-X", "name": "Loại thử"}},
    "UnitTypeApi.put": lambda w, ids: {"json": {"name": "Loại thử"}},
    "UnitApi.post": lambda w, ids: {"json": {"code": "MT-X", "name": "Xã thử"}},
    "UnitApi.put": lambda w, ids: {"json": {"name": "Xã thử đổi tên"}},
    "FrameworkApi.put": lambda w, ids: {"json": {"name": "Bộ tiêu chí đổi tên"}},
    "CriterionApi.put": lambda w, ids: {"json": {"title": "Tiêu chí đổi tên"}},
    "RoundApi.put": lambda w, ids: {"json": {"name": "Đợt đổi tên"}},
    "ScoreLineApi.put": lambda w, ids: {"json": {"explanation": "Giải trình qua API"}},
    "AppraisalLineApi.put": lambda w, ids: {"json": {"step": "approve", "comment": ""}},
    "AssignmentApi.post": lambda w, ids: {
        "json": {
            "round_id": w.p,
            "team_id": w.teams[0],
            "criterion_id": w.crit["1"],
            "user_id": w.users[roles.SUPPORT_MEMBER],
            "unit_ids": [w.units["A"]],
            "kind": "support",
            "preview": False,
        }
    },  # fmt: skip
    "SupplementRequestApi.post": lambda w, ids: {
        "json": {"score_line_id": w.lines[("P", "A", "2.1")], "reason": "Bổ sung qua API"}
    },
    "SupplementRequestApi.put": lambda w, ids: {"json": {"response": "Đơn vị trả lời"}},
    "AppraisalApprovalApi.approve_field": lambda w, ids: {"json": {"criterion_id": w.crit["1"]}},
    "CouncilRoundApi.reopen": lambda w, ids: {"json": {"reason": "Mở lại để thẩm định lại"}},
    "AppraisalTeamApi.post": lambda w, ids: {"json": {"round": w.p, "name": "Tổ ma trận"}},
    "AppraisalTeamApi.put": lambda w, ids: {"json": {"name": "Tổ ma trận đổi tên"}},
    "TeamMemberApi.post": lambda w, ids: {
        "json": {"team": w.teams[0], "user": w.users[roles.VIEWER], "role": "support"}
    },
    "TeamMemberApi.put": lambda w, ids: {"json": {"role": "appraiser"}},
    "CouncilMemberApi.post": lambda w, ids: {
        "json": {"round": w.p, "user": w.users[roles.VIEWER], "position": "Ủy viên"}
    },
    "CouncilMemberApi.put": lambda w, ids: {"json": {"position": "Phó Chủ tịch"}},
    "RoleApi.add_role_permissions": lambda w, ids: {"json": {"permission_view_menu_ids": [1]}},
    "RoleApi.update_role_groups": lambda w, ids: {"json": {"group_ids": []}},
    "RoleApi.update_role_users": lambda w, ids: {"json": {"user_ids": []}},
}


def _assignment_form(w):
    return {"team": w.teams[0], "criterion_id": w.crit["1"], "kind": "support",
            "member_id": w.users[roles.SUPPORT_MEMBER], "units": [w.units["A"]]}  # fmt: skip


def body_for(endpoint, world, action=None, ids=()):
    """The body of a write to `endpoint` on the row(s) `ids` (FAB's action_post: the action
    and the rows)."""
    make = PAYLOADS.get(endpoint)
    if make:
        return make(world, ids)
    if ".action" in endpoint:
        # Actions that ask for a comment or reason act on the second step ("apply").
        data = {"step": "apply", "text": "Lý do thử ma trận"}
        if endpoint.endswith(".action_post"):
            data.update(action=action, rowid=[str(i) for i in ids])
        return {"data": data}
    return {"json": {}} if endpoint.split(".")[0].endswith("Api") else {"data": {}}
