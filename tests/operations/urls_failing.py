"""A URLconf with one view that raises, for the server-error counter's test."""

from django.urls import path


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", boom)]
