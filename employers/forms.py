"""Forms for employer sign-up, registration (E1.1), invitations and verification (E1.3).

They check input and show field errors; the services check the rules again."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import BaseSignupForm, CnMobileField, UploadField
from core.identity import validate_resident_id, validate_uscc
from core.screening import ScreenedFormMixin
from core.uploads import IMAGE, PDF

from .models import Employer

DOCUMENT_TYPES = (IMAGE, PDF)


class EmployerSignupForm(BaseSignupForm):
    """allauth sign-up for a person acting for an employer; the organisation is registered next."""

    user_kind = "employer"
    email_required = True  # the organisation's registration decisions and agreements go there (issue 20)


def _document_widget() -> forms.FileInput:
    # A plain file input: an existing document can be replaced, not cleared.
    return forms.FileInput(attrs={"accept": UploadField._accept(DOCUMENT_TYPES)})


class EmployerForm(ScreenedFormMixin, forms.ModelForm):
    """The registration (E1.1). Documents are checked by content and re-encoded.

    Students read the organisation's name, address and business scope: the one
    gate refuses blocking text at the field (G2); flags wait for the staff, who
    vet every registration and change before it is approved (E1.2)."""

    screened_fields = ("name", "address", "business_scope")
    gate_door = "employers.organisation"

    contact_mobile = CnMobileField(label=_("Contact mobile number"))
    business_licence = UploadField(
        label=_("Business licence (photo, scan or PDF)"), allowed=DOCUMENT_TYPES, folder="employer-documents",
        widget=_document_widget(),
    )
    org_code_certificate = UploadField(
        label=_("Organisation code certificate (if you have one)"), allowed=DOCUMENT_TYPES,
        folder="employer-documents", required=False, widget=_document_widget(),
        help_text=_("Only organisations registered before the unified credit code need this."),
    )

    class Meta:
        model = Employer
        fields = ["name", "uscc", "address", "city", "district", "business_scope", "contact_name",
                  "contact_mobile", "business_licence", "org_code_certificate"]
        widgets = {
            "uscc": forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                           "spellcheck": "false", "maxlength": 18}),
            "business_scope": forms.Textarea(attrs={"rows": 4}),
        }

    def clean_uscc(self):
        return validate_uscc(self.cleaned_data["uscc"])

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if len(name) < 2:
            raise ValidationError(_("Enter the organisation's registered name."))
        return name

    def clean_contact_name(self):
        name = self.cleaned_data["contact_name"].strip()
        if len(name) < 2:
            raise ValidationError(_("Enter the contact person's full name."))
        return name


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's e-mail address"),
                             widget=forms.EmailInput(attrs={"autocomplete": "off"}))


class EmployerVerificationForm(forms.Form):
    """Real-name verification of the employer (E1.3)."""

    legal_rep_name = forms.CharField(label=_("Legal representative (as on the business licence)"), max_length=50)
    legal_rep_id_number = forms.CharField(
        label=_("Legal representative's ID number"), max_length=18, min_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    authorised = forms.BooleanField(
        label=_("The legal representative has authorised us to give their name and ID number to Jianzhi "
                "for verifying this employer (Personal Information Protection Law art. 13, 29)."),
        error_messages={"required": _("Please confirm that the legal representative authorised this verification.")},
    )

    def clean_legal_rep_name(self):
        name = self.cleaned_data["legal_rep_name"].strip()
        if len(name) < 2:
            raise ValidationError(_("Enter the legal representative's full name."))
        return name

    def clean_legal_rep_id_number(self):
        return validate_resident_id(self.cleaned_data["legal_rep_id_number"])
