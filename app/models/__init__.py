"""SQLAlchemy models, one module per aggregate. Importing this registers every table."""

from app.models.appraisal import (  # noqa: F401
    AppraisalTeam,
    Assignment,
    CouncilMember,
    TeamMember,
)
from app.models.audit import AuditEvent  # noqa: F401
from app.models.criteria import (  # noqa: F401
    Criterion,
    CriterionOption,
    CriterionTier,
    Framework,
    GradeBand,
)
from app.models.results import (  # noqa: F401
    SurveyImport,
    SurveyResult,
    UnitResult,
)
from app.models.rounds import Round, WindowGrant, round_unit  # noqa: F401
from app.models.scoring import Assessment, Evidence, ScoreLine  # noqa: F401
from app.models.sso import SsoMapping, sso_mapping_role  # noqa: F401
from app.models.supplement import SupplementRequest  # noqa: F401
from app.models.units import Unit, UnitType  # noqa: F401
from app.models.users import AppUser  # noqa: F401
