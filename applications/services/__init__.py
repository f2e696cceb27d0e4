"""Every write with a rule. Views, admin actions, tasks and commands call these and repeat none of the checks."""

from .award_money import carry_award_forward, close_award, record_award_repayment, vary_award  # noqa: F401
from .awards import (  # noqa: F401
    AwardError,
    accept_award,
    approve_award,
    approve_awards,
    cancel_award,
    change_award_terms,
    check_line_is_rounds,
    create_award,
    mark_payment_made,
)
from .documents import UploadError, check_upload, save_document  # noqa: F401
from .drafting import (  # noqa: F401
    AlreadySubmitted,
    BudgetDoesNotAddUp,
    IncompleteApplication,
    RoundClosed,
    budget_mismatch,
    keep_form_version,
    respond_to_request,
    save_task,
    start_application,
    submission_problems,
    submit_application,
    withdraw_application,
)
from .forms import current_form_version, live_definition, version_in_use  # noqa: F401
from .information_requests import answer_information_request  # noqa: F401
from .organisations import accept_invitation, create_organisation, invite_member  # noqa: F401
from .references import (  # noqa: F401
    highest_number_used,
    note_references_used,
    reference_stem,
    reserve_reference,
    split_reference,
)
from .review import (  # noqa: F401
    ReviewError,
    decide,
    declare_conflict,
    recommend,
    request_information,
    score_application,
    screen,
)
from .rounds import RoundCopyError, copy_round  # noqa: F401
from .scoring import recompute_round_scores, recompute_score, recompute_scores, score_expression  # noqa: F401
