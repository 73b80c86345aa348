"""REST API (FAB ModelRestApi, JWT): explicit columns, policy-scoped rows, domain checks."""


def register_apis(appbuilder):
    from app.api.appraisal import APPRAISAL_APIS
    from app.api.approvals import AppraisalApprovalApi
    from app.api.openapi import register_openapi
    from app.api.resources import API_CLASSES
    from app.api.round_actions import CouncilRoundApi
    from app.api.scoring import SCORING_APIS
    from app.api.teams import TEAM_APIS

    more = TEAM_APIS + [AppraisalApprovalApi, CouncilRoundApi]
    for api_class in API_CLASSES + SCORING_APIS + APPRAISAL_APIS + more:
        appbuilder.add_api(api_class)
    register_openapi(appbuilder)


def init_app(app):
    """Request checks and JSON errors for every API call (app/api/guards.py)."""
    from app.api.guards import init_guards

    init_guards(app)
