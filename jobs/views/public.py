"""Public job browsing and search (S2.1, J2.1): anyone may browse published
jobs; applying needs a signed-in, approved student (S2.2, a later issue).

Thin views: the search form validates the query string, the selectors in
`jobs.selectors` read, the templates render."""


from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from core.forms import YuanField

from ..cards import render_job_cards
from ..geo import campus_choices, campuses, round_position
from ..models import Job, JobCategory, PayUnit
from ..selectors import (
    MAX_PAGE,
    WITHIN_KM_CHOICES,
    JobFilters,
    JobSort,
    job_cities_popular,
    job_get_published,
    job_list_published,
)

# Filters that live behind the collapsible "More filters" panel on phones.
PANEL_FIELDS = ("city", "district", "category", "pay_unit", "min_pay", "date_from", "date_to", "remote")


# The choices are functions, evaluated only when a select is rendered or a chosen value
# checked: the form is built on every list request, and copying and normalizing ~100
# campus and city options per request cost more than the list's query (S2.1).
def _category_choices():
    return [("", _("Any category")), *JobCategory.choices]


def _pay_unit_choices():
    return [("", _("Any pay unit")), *PayUnit.choices]


def _campus_choices():
    english = (get_language() or "").startswith("en")
    return [("", _("Choose your campus")), *campus_choices(english=english)]


def _within_choices():
    return [("", _("Any distance")), *((str(km), _("within %(km)s km") % {"km": km}) for km in WITHIN_KM_CHOICES)]


class JobSearchForm(forms.Form):
    """The list's query string. Invalid fields are reported and ignored; the
    valid ones still filter, so a typo never costs the visitor their search."""

    # One character matches too broadly to help, and the trigram index needs three
    # to narrow the search; two-character words (家教, 咖啡) are common in Chinese.
    q = forms.CharField(
        label=_("Search"), required=False, min_length=2, max_length=50,
        widget=forms.TextInput(attrs={"inputmode": "search", "enterkeyhint": "search",
                                      "placeholder": _("Job title, work or employer")}),
        error_messages={"min_length": _("Type at least %(limit_value)d characters to search.")},
    )
    city = forms.CharField(label=_("City"), required=False, max_length=50)
    district = forms.CharField(label=_("District"), required=False, max_length=50)
    category = forms.ChoiceField(label=_("Category"), required=False, choices=_category_choices)
    pay_unit = forms.ChoiceField(label=_("Paid"), required=False, choices=_pay_unit_choices)
    min_pay = YuanField(
        label=_("Minimum pay (yuan)"), required=False, max_fen=100_000 * 100,
        help_text=_("Per hour; or per the chosen pay unit if you pick one."),
    )
    date_from = forms.DateField(label=_("Working between"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("and"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    remote = forms.BooleanField(label=_("Remote work only"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=JobSort.choices)
    # "Near me" (S2.1, docs/near-me.md): a campus from the list, or the position the browser
    # shares (rounded to about 110 m, sent in the query string, never stored).
    campus = forms.ChoiceField(label=_("Near my campus"), required=False, choices=_campus_choices)
    within = forms.TypedChoiceField(label=_("Distance"), required=False, coerce=int, empty_value=None,
                                    choices=_within_choices)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    page = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput,
        error_messages={
            "invalid": _("That page does not exist; showing the first page."),
            "min_value": _("That page does not exist; showing the first page."),
            "max_value": _("Only the first %(limit_value)s pages are shown; narrow the list with the filters."),
        },
    )

    def __init__(self, *args, cities: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        # A city that is not among the popular ones (typed into the URL) stays selectable.
        current = (self.data.get("city") or "").strip()
        extra = [current] if current and current not in cities and len(current) <= 50 else []
        self.fields["city"].widget = forms.Select(
            choices=lambda: [("", _("Any city")), *((c, c) for c in [*cities, *extra])]
        )

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("The end of the date range is before its start."))
        self._clean_origin(data)
        return data

    def _clean_origin(self, data):
        data["origin"] = origin_of(data)
        if data["origin"] is None:
            message = _("Share your position or choose your campus to see jobs by distance.")
            if data.get("within") and "within" not in self.errors:
                self.add_error("within", message)
            if data.get("sort") == JobSort.DISTANCE:
                self.add_error("sort", message)

    def uses_shared_position(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return bool(data.get("origin")) and not data.get("campus")

    def filters(self) -> JobFilters:
        """The valid part of the query as selector filters (call after is_valid())."""
        return filters_from(self.cleaned_data)

    def page_number(self) -> int:
        return self.cleaned_data.get("page") or 1

    def panel_is_open(self) -> bool:
        """Open the filter panel when it holds a choice or an error to see."""
        return any(self.data.get(name) for name in PANEL_FIELDS) or any(
            name in self.errors for name in PANEL_FIELDS)


def origin_of(data: dict) -> tuple[float, float] | None:
    """Where distances are measured from: the chosen campus, else the shared position."""
    campus = campuses().get(data.get("campus") or "")
    lat, lng = data.get("lat"), data.get("lng")
    if campus is not None:
        return campus.lat, campus.lng
    if lat is not None and lng is not None:
        return round_position(lat), round_position(lng)
    return None


def filters_from(data: dict) -> JobFilters:
    """Cleaned search values (with their "origin") as selector filters."""
    origin = data.get("origin")
    return JobFilters(
        q=data.get("q") or "",
        city=data.get("city") or "",
        district=data.get("district") or "",
        category=data.get("category") or "",
        pay_unit=data.get("pay_unit") or "",
        min_pay_fen=data.get("min_pay"),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        remote_only=bool(data.get("remote")),
        sort=data.get("sort") or JobSort.NEWEST,
        lat=origin[0] if origin else None,
        lng=origin[1] if origin else None,
        within_km=data.get("within") if origin else None,
    )


# The busiest requests: the plain list, a search-box query and "near me" (a campus or a shared
# position, a radius, nearest first).
BUSIEST_FIELDS = frozenset({"q", "campus", "lat", "lng", "within", "sort"})


def _busiest_query(request) -> JobFilters | None:
    """Filters for the busiest requests without building the whole form (copying its
    sixteen fields cost ~0.4 ms a request).

    Each value is checked by the form's own field, so the rules stay in one place; any
    other parameter, a repeated one or an invalid value goes through the full form,
    which says what is wrong."""
    if not request.GET:
        return JobFilters()
    if not BUSIEST_FIELDS.issuperset(request.GET) or any(len(values) != 1 for _, values in request.GET.lists()):
        return None
    try:
        data = {name: JobSearchForm.base_fields[name].clean(value) for name, value in request.GET.items()}
    except forms.ValidationError:
        return None
    data["origin"] = origin_of(data)
    if data["origin"] is None and (data.get("within") or data.get("sort") == JobSort.DISTANCE):
        return None
    return filters_from(data)


@require_safe
def job_list(request):
    filters = _busiest_query(request)
    if filters is None:
        form = JobSearchForm(request.GET, cities=job_cities_popular())
        form.is_valid()  # errors are shown next to their fields; the valid fields still apply
        filters, page_number = form.filters(), form.page_number()
        panel_open, page_errors = form.panel_is_open(), form.errors.get("page", [])
    else:
        # The form is usually served from the fragment cache, so it is only built if needed.
        form = SimpleLazyObject(lambda: JobSearchForm(request.GET, cities=job_cities_popular()))
        page_number, panel_open, page_errors = 1, False, []
    # Signed-in users pass their id: a high-tier student sees new jobs early (K3.1),
    # decided inside the same single query (jobs.selectors, "early access").
    viewer_id = request.user.pk if request.user.is_authenticated else None
    page = job_list_published(filters=filters, page=page_number, viewer_id=viewer_id)
    return render(request, "jobs/public/job_list.html", {
        "form": form,
        "page": page,
        "cards": render_job_cards(page.jobs),
        "panel_fields": SimpleLazyObject(lambda: [form[name] for name in PANEL_FIELDS]),
        "panel_open": panel_open,
        "page_errors": page_errors,
        "max_page": MAX_PAGE,
    })


@require_safe
def job_detail(request, pk: int):
    try:
        job, shifts = job_get_published(job_id=pk)
    except Job.DoesNotExist:
        raise Http404 from None
    return render(request, "jobs/public/job_detail.html", {"job": job, "shifts": shifts})
