urlpatterns = []  # daily check, weekly report, campaigns (H6)
