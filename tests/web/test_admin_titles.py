"""The admin speaks the users' language (issue 13 §8): titled 工单系统管理, and every menu entry in Chinese."""

import re

import pytest
from django.contrib import admin
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_admin_is_titled_for_its_users(admin_client):
    page = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "工单系统管理" in page
    assert "Django" not in re.sub(r"<[^>]+>", "", page.split("<body", 1)[1].split('id="content"', 1)[0])


def test_every_admin_menu_entry_is_translated():
    # A menu entry is in Chinese when it holds a CJK character (the English msgid has none).
    cjk = re.compile(r"[\u4e00-\u9fff]")
    with translation.override("zh-hans"):
        untranslated = [
            f"{model._meta.app_label}: {name}"
            for model in admin.site._registry
            for name in (str(model._meta.app_config.verbose_name), str(model._meta.verbose_name_plural))
            if not cjk.search(name)
        ]
    assert untranslated == []
