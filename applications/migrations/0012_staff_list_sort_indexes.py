"""An index for every order of the staff applications list (applications.selectors.STAFF_LIST_SORTS), PostgreSQL
only, like migration 0005's two.

Each holds the list's order and the id, and leaves drafts out as the list does, so a page is found by reading index
entries alone (core.pagination: the late row lookup) and descending reads the same index backwards. Sorting by
organisation walks the organisations in name order and, for each, its applications in id order: the index on the
organisations' names and the one on (organisation, id); by round, the same with the rounds' names and (round, id).
Areas may be missing (counted lowest), which the database cannot read that way from the areas' side: sorting by area
joins the few areas' names to the (area, id) index's entries and sorts the ids.
"""

from django.db import migrations

from core.migration_operations import run_sql_on_postgresql

LISTED = "WHERE NOT status = 'draft'"
INDEXES = {
    "application_reference_sort_idx": f"applications_application (reference NULLS FIRST, id) {LISTED}",
    "application_status_sort_idx": f"applications_application (status, id) {LISTED}",
    "application_amount_sort_idx": f"applications_application (amount_requested NULLS FIRST, id) {LISTED}",
    "application_organisation_sort_idx": f"applications_application (organisation_id, id) {LISTED}",
    "application_round_sort_idx": f"applications_application (round_id, id) {LISTED}",
    "application_area_sort_idx": f"applications_application (area_id, id) {LISTED}",
    "organisation_name_idx": "applications_organisation (name, id)",
    "round_name_idx": "applications_round (name, id)",
}


class Migration(migrations.Migration):
    dependencies = [("applications", "0011_award_signatures_and_cancellation")]

    operations = [
        run_sql_on_postgresql(f"CREATE INDEX {name} ON {definition}", f"DROP INDEX {name}")
        for name, definition in INDEXES.items()
    ]
