urlpatterns = []  # the sanction and appeal pages (H2)
