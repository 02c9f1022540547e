app_name = "attachment"

urlpatterns: list = []
