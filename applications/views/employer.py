"""Placeholder views (being written)."""

from django.http import HttpResponse


def applicants(request, *args, **kwargs):
    return HttpResponse(status=501)


def application_detail(request, *args, **kwargs):
    return HttpResponse(status=501)


def application_hire(request, *args, **kwargs):
    return HttpResponse(status=501)


def application_reject(request, *args, **kwargs):
    return HttpResponse(status=501)


def attendance_mark(request, *args, **kwargs):
    return HttpResponse(status=501)


def candidates(request, *args, **kwargs):
    return HttpResponse(status=501)


def change_propose(request, *args, **kwargs):
    return HttpResponse(status=501)


def change_withdraw(request, *args, **kwargs):
    return HttpResponse(status=501)


def engagement_cancel(request, *args, **kwargs):
    return HttpResponse(status=501)


def engagement_detail(request, *args, **kwargs):
    return HttpResponse(status=501)


def engagements(request, *args, **kwargs):
    return HttpResponse(status=501)


def hours_confirm(request, *args, **kwargs):
    return HttpResponse(status=501)


def invite(request, *args, **kwargs):
    return HttpResponse(status=501)


def loss_claim_new(request, *args, **kwargs):
    return HttpResponse(status=501)


def shift_detail(request, *args, **kwargs):
    return HttpResponse(status=501)


def shift_qr(request, *args, **kwargs):
    return HttpResponse(status=501)
