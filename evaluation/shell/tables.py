"""Every room's tables, imported in one place so that Alembic and create_all() see them all."""

from analysis import models as analysis_models  # noqa: F401
from assessment import models as assessment_models  # noqa: F401
from ballots import models as ballot_models  # noqa: F401
from evaluation.campaign import models as campaign_models  # noqa: F401
from evaluation.campaign.reports import models as report_models  # noqa: F401
from evaluation.core import models as core_models  # noqa: F401
from questionnaires import models as questionnaire_models  # noqa: F401
from rectification import models as rectification_models  # noqa: F401
from representatives import models as representative_models  # noqa: F401
from suggestions import models as suggestion_models  # noqa: F401
from suggestions import selection_models  # noqa: F401
