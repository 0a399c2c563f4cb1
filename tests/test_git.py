import pytest
from infometis.git import normalize_url


@pytest.mark.parametrize("url", [
    "https://github.com/infometis/infometis",
    "https://github.com/infometis/infometis.git",
    "ssh://git@github.com/infometis/infometis",
    "git@github.com:infometis/infometis.git",
    "ssh://git@GitHub.com:22/infometis/infometis/",
])
def test_remote_urls_normalize_to_one_form(url):
    assert normalize_url(url) == "github.com/infometis/infometis"
