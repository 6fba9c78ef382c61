"""A student's PIPL rights over their payout methods (J3, PIPL art. 45/47):
the data export lists them masked; deleting the account erases the numbers."""

import pytest

from accounts.selectors import personal_data_export
from accounts.services import account_delete
from settlements.models import PayoutMethod
from tests.factories.settlements import PayoutMethodFactory

pytestmark = pytest.mark.django_db


def test_j3_the_data_export_lists_payout_methods_masked():
    # given
    method = PayoutMethodFactory()
    full = method.account_number
    # when
    export = personal_data_export(method.student)
    # then: the method is there, its number only as its last four digits
    (listed,) = export["payout_methods"]
    assert listed["account"].endswith(full[-4:]) and full not in str(export)
    assert listed["kind"] == "bank_card" and listed["default"] is True


def test_j3_deleting_the_account_erases_payout_account_numbers():
    # given: one method in use, one removed earlier
    method = PayoutMethodFactory()
    PayoutMethodFactory(student=method.student, is_default=False)
    # when
    account_delete(user=method.student, reason="leaving")
    # then: rows stay for the payouts that refer to them, the numbers and names are gone
    rows = PayoutMethod.objects.filter(student=method.student)
    assert rows.count() == 2
    assert all(r.account_number == "" and r.account_holder == "" and r.removed_at for r in rows)
    assert not rows.filter(is_default=True).exists()
