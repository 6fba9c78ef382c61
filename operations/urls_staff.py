urlpatterns = []  # appraisals and suggestions (H7)
