"""Intake defaults from the user's unit (issue 13 §2): at a hall the channel is 来人来访 (its confirmation then
shown at once) and a new customer's home city is the hall's; elsewhere (the hotline centre) the channel stays 来电
and nothing is guessed for the city."""

import re

import pytest

pytestmark = pytest.mark.django_db


def channel(html: str) -> str:
    return re.search(r'<select name="channel".*?<option value="(\w+)" selected', html, re.S).group(1)


def home_city(html: str) -> str:
    return re.search(r'name="customer_home_city"[^>]*value="([^"]*)"', html, re.S).group(1)


def test_a_hall_employee_starts_with_a_visit_and_the_halls_city(world, login):
    page = login(world.clerk).get("/orders/new/").content.decode()
    assert channel(page) == "visit"
    assert home_city(page) == world.hall_south.city != ""


def test_the_hotline_starts_with_a_call(world, login):
    world.cs_centre.city = ""
    world.cs_centre.save(update_fields=["city"])
    page = login(world.dispatcher).get("/orders/new/").content.decode()
    assert channel(page) == "phone"
    assert home_city(page) == ""
