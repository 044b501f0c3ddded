"""Names in the order their language writes them (issue 13 §8)."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("given", "surname", "shown"),
    [("晓", "林", "林晓"), ("晓明", "欧阳", "欧阳晓明"), ("Xiao", "Lin", "Xiao Lin"), ("", "林", "林"), ("", "", "")],
)
def test_full_name_in_the_names_own_order(given, surname, shown):
    user = get_user_model().objects.create_user(
        username=f"u{len(given)}{len(surname)}", first_name=given, last_name=surname
    )
    assert user.get_full_name() == shown
