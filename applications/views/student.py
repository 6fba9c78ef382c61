"""Placeholder views (being written)."""

from django.http import HttpResponse


def application_detail(request, *args, **kwargs):
    return HttpResponse(status=501)


def application_withdraw(request, *args, **kwargs):
    return HttpResponse(status=501)


def apply(request, *args, **kwargs):
    return HttpResponse(status=501)


def change_answer(request, *args, **kwargs):
    return HttpResponse(status=501)


def checkin(request, *args, **kwargs):
    return HttpResponse(status=501)


def demand_report(request, *args, **kwargs):
    return HttpResponse(status=501)


def engagement_cancel(request, *args, **kwargs):
    return HttpResponse(status=501)


def engagement_detail(request, *args, **kwargs):
    return HttpResponse(status=501)


def home(request, *args, **kwargs):
    return HttpResponse(status=501)


def hours_dispute(request, *args, **kwargs):
    return HttpResponse(status=501)


def intentions(request, *args, **kwargs):
    return HttpResponse(status=501)


def loss_claim_answer(request, *args, **kwargs):
    return HttpResponse(status=501)


def no_show_contest(request, *args, **kwargs):
    return HttpResponse(status=501)


def offer_accept(request, *args, **kwargs):
    return HttpResponse(status=501)


def offer_decline(request, *args, **kwargs):
    return HttpResponse(status=501)


def recommended(request, *args, **kwargs):
    return HttpResponse(status=501)
