urlpatterns = []  # the credit pages (H1)
