"""The campaign link middleware (P2.1): acts only when the query string carries
`c=` (a campaign's tagged link), so every other request costs a substring test
and no query."""

from .campaigns import QUERY_PARAMETER, campaign_visit_record

_MARKER = QUERY_PARAMETER + "="


class CampaignLinkMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _MARKER in request.META.get("QUERY_STRING", "") and request.method == "GET":
            code = request.GET.get(QUERY_PARAMETER)
            if code:
                campaign_visit_record(code=code, session=getattr(request, "session", None), request=request)
        return self.get_response(request)
