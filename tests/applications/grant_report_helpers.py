"""Set-up shared by the grant report tests: a round's report form and an award finance has approved."""

from dataclasses import dataclass

from applications.models import FormPurpose, Question, Section
from applications.services import approve_award
from tests.applications.factories import RoundFactory, approved_award, finance_officer


@dataclass
class ReportForm:
    section: Section
    young: Question
    difference: Question
    share: Question
    story: Question

    def answers(self, young="80", difference="Fewer calls about the shops.", share="No", story=None) -> dict:
        given = {
            str(self.young.pk): young,
            str(self.difference.pk): difference,
            str(self.share.pk): share,
            str(self.story.pk): story,
        }
        return {k: v for k, v in given.items() if v is not None}

    def posted(self, young="80", difference="Fewer calls about the shops.", share="No", story="") -> dict:
        return {
            f"q_{self.young.pk}": young,
            f"q_{self.difference.pk}": difference,
            f"q_{self.share.pk}": share,
            f"q_{self.story.pk}": story,
        }


def report_form(round_, output="Young people reached") -> ReportForm:
    """The demo's report form: a counted whole number, a long answer, a yes/no and a long answer asked only on Yes."""
    section = Section.objects.create(
        round=round_, purpose=FormPurpose.REPORT, order=1, title="What your project delivered"
    )

    def ask(order, kind, text, **fields):
        return Question.objects.create(
            round=round_, section=section, order=order, kind=kind, text=text, **fields
        )

    share = ask(3, "yes_no", "Would you like us to share your story?")
    return ReportForm(
        section=section,
        young=ask(1, "whole_number", "How many young people took part?", output=output),
        difference=ask(2, "long_text", "What difference did it make?", max_words=300),
        share=share,
        story=ask(
            4,
            "long_text",
            "Tell us the story you would like us to share",
            shown_if=share,
            shown_if_value="Yes",
        ),
    )


def committed_award(round_=None, **kwargs):
    """An award finance has approved (which sets its reports' due dates)."""
    round_ = round_ or RoundFactory()
    award = approved_award(round_=round_, **kwargs)
    approve_award(award_id=award.pk, by=finance_officer())
    award.refresh_from_db()
    return award
