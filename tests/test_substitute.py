from hypothesis import given
from hypothesis import strategies as st
from infometis.model.substitute import substitute


def test_forms_of_reference():
    variables = {"domain": "dev.example", "empty": ""}
    outcome = substitute(
        "a=${domain} b=${missing:=x} c=${empty:-y} d=${empty=z} e=$${domain}", variables
    )
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


@given(
    st.text(alphabet="${}:=-ab_$ \n", max_size=60),
    st.dictionaries(st.sampled_from(["a", "b", "ab"]), st.text(alphabet="${}ab", max_size=5)),
)
def test_never_raises_and_terminates(text, variables):
    outcome = substitute(text, variables)
    assert isinstance(outcome.text, str)
    if "${" not in text:
        assert outcome.text == text.replace("$$", "\0").replace("\0", "$")


def test_string_functions_of_flux_envsubst():
    variables = {"name": "infometis", "path": "a/b/c.tar.gz", "empty": ""}
    cases = {
        "${#name}": "9",
        "${name^}": "Infometis",
        "${name^^}": "INFOMETIS",
        "${name,}": "infometis",
        "${name:2}": "fometis",
        "${name:2:3}": "fom",
        "${name:20}": "",
        "${path#*/}": "b/c.tar.gz",
        "${path##*/}": "c.tar.gz",
        "${path%.*}": "a/b/c.tar",
        "${path%%.*}": "a/b/c",
        "${name/i/I}": "Infometis",
        "${name//i/I}": "InfometIs",
        "${name/#info/data}": "datametis",
        "${name/%metis/graphic}": "infographic",
        "${#empty}": "0",
    }
    for reference, expected in cases.items():
        outcome = substitute(reference, variables)
        assert (outcome.text, outcome.missing, outcome.invalid) == (expected, [], []), reference


def test_string_function_of_a_missing_variable_is_missing():
    outcome = substitute("${nope^^} ${#nope}", {})
    assert outcome.missing == ["nope", "nope"] and outcome.invalid == []


def test_a_double_dollar_is_one_dollar_anywhere_and_a_bare_dollar_stays():
    outcome = substitute("$$HOME $$5 $${domain} $PATH $ end$ ${domain}$$", {"domain": "d"})
    assert (outcome.text, outcome.missing) == ("$HOME $5 ${domain} $PATH $ end$ d$", [])
