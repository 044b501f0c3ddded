"""People's names in the order their language writes them (issue 13 §8): 林晓, not "晓 林".

Django's `get_full_name` is "first last" with a space, the Western order. Staff here are named surname first with
no space; a name in Latin letters keeps Django's order. Installed on the user model by `OrgConfig.ready`, so every
page, API field and notice that says who did something (`get_full_name()`) follows it without a change of its own."""

import re

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def full_name(user) -> str:
    given, surname = (user.first_name or "").strip(), (user.last_name or "").strip()
    if CJK.search(given + surname):
        return f"{surname}{given}"
    return f"{given} {surname}".strip()


def names_install(user_model) -> None:
    user_model.get_full_name = full_name
