"""Messages people understand (issue 21): Django's stock texts say which limit was broken in
plain Chinese (no "变量"), a refused state change says what happened and what to do next, and
the accepted upload types are listed with one separator."""

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from applications.models import ApplicationStatus
from core.errors import InvalidTransition, InvalidUpload
from core.transitions import lock_row, run_transition
from core.uploads import IMAGE, PDF, clean_upload
from tests.factories.applications import ApplicationFactory


class _Description(forms.Form):
    description = forms.CharField(max_length=4000)
    pay = forms.DecimalField(max_digits=6, decimal_places=2, min_value=0)


def test_i21_a_text_over_its_limit_is_refused_naming_the_limit_in_plain_chinese():
    with translation.override("zh-hans"):
        form = _Description({"description": "字" * 10000, "pay": "1.234"})
        assert not form.is_valid()
        text = form.errors["description"][0]
        assert text == "此项最多可填写 4000 个字，现在有 10000 个字。请删减后再提交，您填写的内容已保留。"
        assert form.errors["pay"] == ["此项最多保留 2 位小数。"]
        assert "变量" not in str(form.errors) and "确保" not in str(form.errors)


@pytest.mark.django_db
def test_i21_a_refused_state_change_says_what_happened_and_to_reload():
    # given an offer the student already accepted (e.g. in another tab)
    application = ApplicationFactory(status=ApplicationStatus.ACCEPTED)
    # when the accept is sent again, it is refused naming the state it is now in
    with translation.override("zh-hans"), pytest.raises(InvalidTransition) as refused:
        run_transition(lock_row(type(application), application.pk), "accept_offer")
    assert str(refused.value.message) == "该兼职申请当前为「已录用」，无法执行此操作。请刷新页面查看最新情况。"
    with translation.override("zh-hans"):
        assert "刷新页面" in str(InvalidTransition().message) and "不允许" not in str(InvalidTransition().message)


def test_i21_accepted_upload_types_use_one_separator():
    text = SimpleUploadedFile("a.txt", b"plain text, not a document")
    with translation.override("zh-hans"), pytest.raises(InvalidUpload) as refused:
        clean_upload(text, allowed=(IMAGE, PDF))
    assert str(refused.value.message) == "仅支持 JPEG、PNG、WebP、PDF 格式的文件。"
    with translation.override("en"), pytest.raises(InvalidUpload) as refused:
        clean_upload(SimpleUploadedFile("a.txt", b"plain text"), allowed=(IMAGE,))
    assert str(refused.value.message) == "Only JPEG, PNG, WebP files are accepted."
