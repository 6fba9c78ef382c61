"""The access registry: every URL pattern is declared public or protected here.

`tests/security/test_access_matrix.py` fails on any route not declared, so a
new route cannot ship without someone deciding who may see it. Add your
route's name (namespace:name) to PUBLIC or PROTECTED.

- PUBLIC: anyone, signed in or not, may use it (pages, sign-in, health).
- CAPABILITY: public, but only works with an unguessable secret in the URL
  (e-mail confirmation keys, password-reset keys, invitation tokens).
- PROTECTED: needs a signed-in user; object routes are probed by every other
  principal in the matrix.
- STAFF: the protected routes for staff outside the admin (J3). Each is guarded
  by `core.access.staff_page` (the matrix checks both ways) and, like every
  admin route, refuses staff who passed only the password stage or have no
  authenticator.
Routes under the admin site are protected by `JianzhiAdminSite` (staff + MFA)
and listed by the rule ADMIN_PREFIX; their object routes are probed too."""

PUBLIC = {
    "core:home", "core:healthz", "core:robots", "core:favicon", "core:privacy_policy", "core:user_agreement",
    "core:licences",  # 《网络招聘服务管理规定》: the operator's licences are on public display
    "set_language",
    "account_login", "account_logout", "account_signup", "account_inactive",
    "account_email_verification_sent", "account_reset_password", "account_reset_password_done",
    "account_reset_password_from_key_done", "account_confirm_login_code",
    "account_request_login_code",  # J3: the owner's way in past the per-account limit (a code by e-mail)
    "mfa_authenticate",
    # issue 20: the SMS code page of sign-up (a pending sign-up in the session, else back to sign-in)
    # and, signed in, of a number change
    "account_verify_phone",
    "employers:signup",
    "jobs:list", "jobs:detail",
    # credit (issue 7, K3.1, H1): the published formula
    "risk:credit_how_it_works",
    # issue 8 support (P2.2): the FAQ and its suggestions while a user writes a ticket are public
    "support:faq", "support:faq_suggest",
}

CAPABILITY = {
    "account_confirm_email",             # <key>: allauth's signed e-mail confirmation key
    "account_reset_password_from_key",   # <uidb36>-<key>: allauth's password reset token
    "employers:invitation_accept",       # <token>: 256-bit invitation token sent by e-mail
    "applications:calendar_feed",        # <token>: 256-bit secret of the student's iCalendar feed (issue 20)
    "core:metrics",                      # issue 22: only with the METRICS_TOKEN bearer token, else 404
}

# Protected routes that take an object id yet serve any signed-in user for any
# object a visitor can see (reporting a published job): the matrix checks that
# anonymous visitors are sent to sign in, and does not probe for an owner.
SIGNED_IN_ANY = {
    "moderation:report_job",
    "applications:apply",     # any signed-in student may apply to a published job (others: 403)
    "applications:checkin",   # <token>: a 90-second signed code; the service admits only the hired student
    # --- H3 (issue 7, G3): false-information reports of an approved employer and of a published review
    "moderation:report_employer", "moderation:report_review",
    # --- end H3
}

PROTECTED = SIGNED_IN_ANY | {
    # --- H3 (issue 7, G3): a student's profile, reported only by an employer the student applied to
    "moderation:report_student",
    # --- end H3
    "core:inbox", "core:inbox_mark_read",
    "core:alert_preferences",  # issue 20: the signed-in user's own alert channels
    "account_reauthenticate", "account_request_reauthentication_code", "account_confirm_reauthentication_code",
    "account_email", "account_change_password", "account_set_password",
    "account_change_phone",  # issue 20: add or change the mobile number (password again, code to the new one)
    "mfa_index", "mfa_reauthenticate", "mfa_activate_totp", "mfa_deactivate_totp", "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes", "mfa_download_recovery_codes",
    "accounts:dashboard", "accounts:profile_edit", "accounts:verification", "accounts:own_document",
    "accounts:privacy", "accounts:data_export", "accounts:account_delete",
    "accounts:guardian_consent",  # issue 19: a student aged 16–17 records the guardian's consent
    "employers:dashboard", "employers:organisation", "employers:members", "employers:verification",
    "employers:document", "employers:account_delete",
    "jobs:employer_jobs", "jobs:employer_job_new", "jobs:employer_job_screen", "jobs:employer_job",
    "jobs:employer_job_edit", "jobs:employer_job_submit", "jobs:employer_job_pause", "jobs:employer_job_resume",
    "jobs:employer_job_close", "jobs:employer_job_confirm",
    "jobs:employer_job_delete",  # issue 21: the employer deletes a draft
    "jobs:employer_job_insurance",  # issue 19: the job's insurance cover (docs/insurance.md)
    # applications (issue 5): the student's side …
    "applications:student_home", "applications:student_application", "applications:application_withdraw",
    "applications:offer_accept", "applications:offer_decline", "applications:student_engagement",
    "applications:student_cancel", "applications:demand_report", "applications:no_show_contest",
    "applications:hours_dispute", "applications:change_answer", "applications:loss_claim_answer",
    "applications:intentions", "applications:recommended",
    "applications:student_agreement", "applications:student_agreement_accept",  # issue 19
    "applications:calendar_settings",  # issue 20: the student's own feed address and its reset
    "applications:shift_ics",  # issue 20: "Add to calendar" for one shift, the engaged student only
    # … and the employer's
    "applications:employer_applicants", "applications:employer_candidates", "applications:invite",
    "applications:employer_application", "applications:application_hire", "applications:application_reject",
    "applications:employer_engagements", "applications:employer_shift", "applications:shift_qr",
    "applications:attendance_mark", "applications:hours_confirm", "applications:employer_engagement",
    "applications:employer_cancel", "applications:loss_claim_new", "applications:change_propose",
    "applications:employer_agreement", "applications:employer_agreement_accept",  # issue 19
    "applications:minor_checks",  # issue 19: a minor's health check and registration (docs/minors.md)
    "applications:change_withdraw",
    # settlements (issue 6): the student's pay and payout methods, the employer's statements
    "settlements:student_home", "settlements:student_statement", "settlements:payout_methods",
    "settlements:payout_method_default", "settlements:payout_method_remove",
    "settlements:student_tax_statement",  # issue 18: the student's own yearly income and tax statement
    "settlements:employer_home", "settlements:employer_statement",
    # payment disputes (issue 6, S4.3): the student's dispute, withdrawal and evidence; the employer's side
    "settlements:student_dispute_open", "settlements:student_dispute_withdraw", "settlements:student_dispute_evidence",
    "settlements:employer_disputes", "settlements:employer_dispute", "settlements:employer_dispute_evidence",
    # money in (issue 6, E5.1): the employer's funding page and its sandbox payment
    "funding:page", "funding:sandbox",
    # refunds of unused prefunding (issue 6, E5.1): the employer's requests
    "finance:refunds",
    # reviews (issue 7, S5.1, E6.1): each side's reviews, the review form, the reviewee's answer
    "reviews:student_home", "reviews:student_write", "reviews:employer_home", "reviews:employer_write",
    "reviews:reply",
    # credit (issue 7, K3.1, H1): my score and history (students; employer members: their organisation's)
    "risk:credit_home",
    # sanctions (issue 7, E4.2, H2): the user's sanctions (students; employer members: their organisation's)
    # and the appeal form of one of them
    "risk:sanctions", "risk:appeal_file",
    # issue 8 support (P2.2, S5.2, E6.2): the user's tickets, a new ticket, one ticket (owner only)
    "support:tickets", "support:ticket_new", "support:ticket",
    # issue 8 staff (P3): the managers' staff list and appraisal form (appraise permission), one's own
    # appraisals, rewards and penalties, one's suggestions and the suggestion form (any staff member with MFA)
    "operations:staff_list", "operations:staff_appraise", "operations:my_appraisals",
    "operations:suggestions", "operations:suggestion_new",
    # issue 8 operations (P2.1): the daily check (run, sign-off), weekly reports and their XLSX, campaigns'
    # effect — staff pages for operations and managers who signed in with MFA; object routes are probed
    # with both roles as the entitled principals (a tuple in the world's `files`).
    "operations:health", "operations:health_run", "operations:health_sign_off", "operations:reports",
    "operations:report", "operations:report_xlsx", "operations:campaigns", "operations:campaign",
    # --- issue 9 expenses (F1, F2; H10): staff pages (MFA): any staff member's claims and the claim form; a
    # claim and its receipts (the claimant, approvers, finance, auditors); deciding (managers, finance); paying
    # (finance); budgets and the income and expenses report (finance, auditors, managers). Admin screens:
    # expense claims, budgets, adjusting transactions, monthly reconciliations (ADMIN_PREFIX).
    "backoffice:expenses", "backoffice:expense_new", "backoffice:expense_budgets", "backoffice:expense_report",
    "backoffice:expense_claim", "backoffice:expense_approve", "backoffice:expense_reject", "backoffice:expense_pay",
    "backoffice:expense_receipt",
    # --- end issue 9 expenses
    # --- issue 9 risk register (K1; H12): the heat map and register, for managers, finance and auditors (MFA).
    # Admin screens: risks, indicators and readings, legal opinions (+ document download), contingency plans,
    # backup records (ADMIN_PREFIX).
    "risk:register",
    # --- end issue 9 risk register
    # --- issue 18 invoices (F1, E5): the employer's fees and invoice requests, the fee statement, and the
    # list of fees of one of its requests (members of that employer only). Admin: invoice requests (ADMIN_PREFIX).
    "backoffice:employer_fees", "backoffice:employer_fee_statement", "backoffice:employer_invoice_statement",
    # --- end issue 18 invoices
}

ADMIN_PREFIX = "admin:"

# J3: staff pages outside the admin (all guarded by core.access.staff_page).
STAFF = {
    "operations:staff_list", "operations:staff_appraise", "operations:my_appraisals",
    "operations:suggestions", "operations:suggestion_new",
    "operations:health", "operations:health_run", "operations:health_sign_off", "operations:reports",
    "operations:report", "operations:report_xlsx", "operations:campaigns", "operations:campaign",
    "backoffice:expenses", "backoffice:expense_new", "backoffice:expense_budgets", "backoffice:expense_report",
    "backoffice:expense_claim", "backoffice:expense_approve", "backoffice:expense_reject",
    "backoffice:expense_pay", "backoffice:expense_receipt",
    "risk:register",
}
