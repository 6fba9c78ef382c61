"""allauth login stages adapted to accounts without an e-mail address (issue 20).

A student who signed up with a mobile number only has no e-mail address to verify:
once the number is verified (allauth's phone stage runs before this one), the
e-mail stage has nothing to do for them. Everyone with an address still verifies
it (ACCOUNT_EMAIL_VERIFICATION = "mandatory")."""

from allauth.account import stages
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress


class EmailVerificationStage(stages.EmailVerificationStage):
    def handle(self):
        user = self.login.user
        if user is not None and not user.email and not EmailAddress.objects.filter(user_id=user.pk).exists():
            phone = get_adapter(self.request).get_phone(user)
            if phone is not None and phone[1]:
                return None, True
        return super().handle()
