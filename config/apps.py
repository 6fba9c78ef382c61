from django.contrib.admin.apps import AdminConfig


class JianzhiAdminConfig(AdminConfig):
    default_site = "config.admin.JianzhiAdminSite"
