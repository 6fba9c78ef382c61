"""Error pages (issue 21): 400, 403, 404, 500 and a refused CSRF check are the site's own pages,
in the user's language, each saying what happened and what to do next; the 500 page needs
neither the database nor the context processors; `make run` shows them too (DEBUG off)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import BadRequest, PermissionDenied
from django.test import Client, RequestFactory
from django.urls import path

from config.urls import *  # noqa: F403 (the handlers and every route)
from config.urls import urlpatterns as site_patterns
from core import error_views


def _bad(request):
    raise BadRequest("developer text")


def _forbidden(request):
    raise PermissionDenied("developer text")


def _boom(request):
    raise RuntimeError("developer text")


urlpatterns = [path("t/bad/", _bad), path("t/forbidden/", _forbidden), path("t/boom/", _boom), *site_patterns]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def zh(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.ROOT_URLCONF = __name__


def _page(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url,status,heading,next_step", [
    ("/t/bad/", 400, "无法识别此请求", "请返回上一页，刷新后再试一次。"),
    ("/t/forbidden/", 403, "您无权打开此页面", "登录后重新打开此页面"),
    ("/no-such-page/", 404, "找不到此页面", "查看正在招聘的岗位"),
])
def test_i21_error_pages_are_the_sites_own_in_chinese_with_a_next_step(zh, url, status, heading, next_step):
    response = Client().get(url)
    assert response.status_code == status
    page = _page(response)
    assert heading in page and next_step in page and "您可以这样做" in page
    assert 'class="site-header"' in page and "返回首页" in page  # the site's layout and a way on
    assert "developer text" not in page and "Forbidden" not in page and "Not Found" not in page


@pytest.mark.django_db
def test_i21_error_pages_follow_the_users_language(zh):
    client = Client()
    client.cookies["jianzhi_language"] = "en"
    page = _page(client.get("/no-such-page/"))
    assert "We cannot find this page" in page and "找不到此页面" not in page


@pytest.mark.django_db
def test_i21_a_signed_in_user_refused_a_page_is_told_why_and_sent_to_their_dashboard(zh, student_client):
    page = _page(student_client.get("/t/forbidden/"))
    assert "此页面属于其他账号，或不在您的角色权限之内" in page
    assert "/me/" in page and "登录后重新打开此页面" not in page


@pytest.mark.django_db
def test_i21_a_refused_csrf_check_says_the_form_expired_and_saved_nothing(zh):
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"login": "a@b.cn", "password": "x"})
    assert response.status_code == 403
    page = _page(response)
    assert "此表单已失效" in page and "未保存任何内容" in page and "重新填写表单" in page
    assert "CSRF verification failed" not in page


@pytest.mark.django_db
def test_i21_the_500_page_explains_in_chinese_without_touching_the_database(zh, student, django_assert_num_queries):
    client = Client(raise_request_exception=False)
    client.force_login(student)
    response = client.get("/t/boom/")
    assert response.status_code == 500
    page = _page(response)
    assert "我们这边出了问题" in page and "这是我们的问题" in page and "developer text" not in page
    request = RequestFactory().get("/")
    request.user = student
    with django_assert_num_queries(0):  # no inbox count, no session: the database may be what failed
        assert error_views.server_error(request).status_code == 500


def test_i21_make_run_shows_the_product_error_pages_not_djangos_debug_pages(tmp_path):
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings; assert not settings.DEBUG\n"
        "from django.test import Client\n"
        "r = Client(HTTP_HOST='127.0.0.1').get('/no-such-page/')\n"
        "page = r.content.decode()\n"
        "assert r.status_code == 404 and '找不到此页面' in page and 'URLconf' not in page, page[:500]\n"
        "assert Client(HTTP_HOST='127.0.0.1').get('/static/css/site.css').status_code == 200\n"
        "print('ok')\n")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "CELERY_BROKER_URL": "memory://"}
    env.pop("DJANGO_DEBUG", None)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr[-3000:]
