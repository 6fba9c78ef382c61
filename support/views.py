"""User-facing customer-service pages (P2.2, S5.2, E6.2). Being written."""

from django.contrib.auth.decorators import login_required
from django.http import Http404


@login_required
def ticket_list(request):
    raise Http404


@login_required
def ticket_new(request):
    raise Http404


@login_required
def ticket_detail(request, pk: int):
    raise Http404


def faq(request):
    raise Http404
