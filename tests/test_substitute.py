from hypothesis import given
from hypothesis import strategies as st
from infometis.substitute import substitute


def test_forms_of_reference():
    variables = {"domain": "dev.example", "empty": ""}
    outcome = substitute("a=${domain} b=${missing:=x} c=${empty:-y} d=${empty=z} e=$${domain}", variables)
    assert outcome.text == "a=dev.example b=x c=y d= e=${domain}"
    assert outcome.missing == [] and outcome.invalid == []


def test_nested_default_and_missing_variable():
    outcome = substitute('name: "${claim:-${app}}" size: ${size}', {"app": "atuin"})
    assert outcome.text == 'name: "atuin" size: '
    assert outcome.missing == ["size"]


def test_unterminated_and_invalid_references_are_reported():
    outcome = substitute("x: ${a.b} y: ${open", {})
    assert outcome.invalid == ["${a.b}", "${open (no closing '}')"]


def test_substituted_values_are_not_substituted_again():
    outcome = substitute("${a}", {"a": "${a}"})
    assert outcome.text == "${a}"


@given(st.text(alphabet="${}:=-ab_$ \n", max_size=60),
       st.dictionaries(st.sampled_from(["a", "b", "ab"]), st.text(alphabet="${}ab", max_size=5)))
def test_never_raises_and_terminates(text, variables):
    outcome = substitute(text, variables)
    assert isinstance(outcome.text, str)
    if "${" not in text:
        assert outcome.text == text
