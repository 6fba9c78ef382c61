"""The text registry: every free-text form field is screened or declared private here.

`tests/security/test_screened_texts.py` walks every form class of the project's
apps; a CharField that another user will read must go through the one gate
(`core.screening.ScreenedFormMixin`, listed in `screened_fields`). Anything else
is declared here with the reason no other user reads it unscreened — as
`routes.py` declares every URL (G2, J1.4). Keys are "module.Class" (every text
field of the form) or "module.Class.field"."""

STAFF = "written by staff for the user or for other staff; the screen guards users' text (G2)"
STAFF_ONLY = "read by staff only (moderators, customer service, finance), never by another user"
STUDENT_TO_EMPLOYER = (
    "written by a student for the employer or the staff: the screen protects students from employers' "
    "text (G2), and a student describing or quoting an unlawful demand must never be refused (S3.3)")
OWN = "the user's own account data, credentials or codes; no other user reads it as free text"
NOT_TEXT = "a number, date, identifier or choice parsed from text, not free text"

NOT_SCREENED: dict[str, str] = {
    # core, accounts
    "core.forms.DecisionNoteForm": STAFF,
    "core.forms.DecisionReasonForm": STAFF,
    "accounts.forms.AccountDeleteForm": OWN,
    "accounts.forms.BaseSignupForm": OWN,
    "accounts.forms.RevealForm": STAFF_ONLY,
    "accounts.forms.SecondFactorResetForm": STAFF,
    "accounts.forms.StudentProfileForm": STUDENT_TO_EMPLOYER + "; the profile is reviewed by staff (S1.2)",
    "accounts.forms.StudentSignupForm": OWN,
    "accounts.forms.StudentVerificationForm": OWN,
    "accounts.forms.VerificationDecisionForm": STAFF,
    # a minor's guardian (docs/minors.md): the student's own declaration, read by staff only
    "accounts.forms.GuardianConsentForm.guardian_name": OWN + "; " + STAFF_ONLY,
    "accounts.forms.GuardianConsentForm.guardian_mobile": NOT_TEXT,
    # the job's insurance cover (docs/insurance.md): the insurer is screened by the form
    "jobs.forms_employer.InsuranceForm.policy_number": NOT_TEXT,
    # a minor's health check and registration (arts. 6, 9): kept as the employer's confirmation for staff
    "applications.forms_employer.MinorChecksForm": STAFF_ONLY,
    # employers
    "employers.forms.EmployerForm.uscc": NOT_TEXT,
    "employers.forms.EmployerForm.city": "a city name the matching and minimum-wage table read; staff review it (E1.2)",
    "employers.forms.EmployerForm.district": "a district name; staff review it (E1.2)",
    "employers.forms.EmployerForm.contact_name": STAFF_ONLY + "; students see it only after hire, reviewed (E1.2)",
    "employers.forms.EmployerForm.contact_mobile": NOT_TEXT,
    "employers.forms.EmployerSignupForm": OWN,
    "employers.forms.EmployerVerificationForm": STAFF_ONLY,
    # jobs: the posting is screened by the job services with the same registered screener
    # (jobs.compliance.screen → screen_text), live as the employer types and again on submit
    # and on every revision; flags go to the moderator's job queue (J1.4, E2.2).
    "jobs.forms_employer.JobForm": "screened by jobs.services.job_submit / job_revise (same screener, J1.4)",
    "jobs.forms.ApproveJobForm": STAFF,
    "jobs.forms.JobReasonForm": STAFF,
    # applications
    "applications.forms.CaseDecisionForm": STAFF,
    "applications.forms.HoursResolutionForm": STAFF,
    "applications.forms.LossClaimDecisionForm": STAFF,
    "applications.forms.NoShowContestDecisionForm": STAFF,
    "applications.forms_employer.LossClaimForm.amount": NOT_TEXT,
    "applications.forms_student.ApplyForm": STUDENT_TO_EMPLOYER,
    "applications.forms_student.DemandReportForm": STUDENT_TO_EMPLOYER,
    "applications.forms_student.ExplanationForm": STUDENT_TO_EMPLOYER,
    "applications.forms_student.IntentionForm": "the student's own search preferences; nobody else reads them",
    "applications.forms_student.LossClaimAnswerForm": STUDENT_TO_EMPLOYER,
    "applications.forms_student.ReasonForm": STUDENT_TO_EMPLOYER,
    # settlements
    "settlements.forms.DisputeDecisionForm": STAFF,
    "settlements.forms.PaymentDisputeForm": STUDENT_TO_EMPLOYER,
    "settlements.forms.PayoutMethodForm": OWN,
    # finance, operations: the back office
    "finance.forms.LineIgnoreForm": STAFF_ONLY,
    "finance.forms.LineMatchForm": STAFF_ONLY,
    "finance.forms.RefundReasonForm": STAFF,
    "finance.forms.RefundRequestForm": OWN,
    "finance.forms.SandboxPaymentForm": NOT_TEXT,
    "backoffice.forms.AdjustmentForm": STAFF_ONLY,
    "backoffice.forms.BankClosingForm": STAFF_ONLY,
    "backoffice.forms.ExpenseClaimForm": STAFF_ONLY,
    "backoffice.forms.ReasonForm": STAFF_ONLY,
    "backoffice.forms.SignOffForm": STAFF_ONLY,
    "backoffice.forms_invoices.InvoiceIssueForm.invoice_number": NOT_TEXT,  # issue 18 invoices
    "backoffice.forms_invoices.InvoiceIssueForm.amount": NOT_TEXT,
    "backoffice.forms_invoices.InvoiceRefuseForm": STAFF,  # finance's reason, shown to the employer
    "operations.forms_health.SignOffForm": STAFF_ONLY,
    "operations.forms_staff.AppraisalForm": STAFF_ONLY,
    "operations.forms_staff.RewardOrPenaltyForm": STAFF_ONLY,
    "operations.forms_staff.SuggestionDecisionForm": STAFF_ONLY,
    "operations.forms_staff.SuggestionForm": STAFF_ONLY,
    "operations.forms_staff.SuggestionRewardForm": STAFF_ONLY,
    # reviews: the decision and the reports go to moderators; the review and the answer are screened
    # risk, moderation, support: appeals, reports and tickets go to staff; staff write the replies
    "risk.forms.AppealDecisionForm": STAFF,
    "risk.forms.AppealForm": STAFF_ONLY,
    "risk.forms.ViolationForm": STAFF,
    "moderation.forms.ReportConfirmForm": STAFF,
    "moderation.forms.ReportDismissForm": STAFF,
    "moderation.forms.ReportForm": STAFF_ONLY,
    "moderation.forms.ReportJobForm": STAFF_ONLY,
    "support.forms.EscalateForm": STAFF_ONLY,
    "support.forms.LogContactForm": STAFF_ONLY,
    "support.forms.LogMessageForm": STAFF,
    "support.forms.MessageForm": STAFF_ONLY + " (a user writing to customer service)",
    "support.forms.NoteForm": STAFF_ONLY,
    "support.forms.RatingForm": STAFF_ONLY,
    "support.forms.ReopenForm": STAFF_ONLY,
    "support.forms.ReplyForm": STAFF,
    "support.forms.TicketAnswerForm": STAFF,
    "support.forms.TicketForm": STAFF_ONLY + " (a user writing to customer service)",
    "support.forms.TicketNoteForm": STAFF_ONLY,
}

# Services that write text another user reads (the gate of record for the doors that
# hold flagged text): service → the function of its module that calls
# core.screening.gate_check (itself, or its screening helper). The test reads their source.
SCREENED_SERVICES = {
    "applications.services.schedule_changes.schedule_change_propose": "_screen_change",
    "applications.services.applying.job_invite_student": "job_invite_student",
    "reviews.services.review_reply": "review_reply",
}
