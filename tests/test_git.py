import pytest
from infometis.load.git import normalize_url


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/infometis/infometis",
        "https://github.com/infometis/infometis.git",
        "ssh://git@github.com/infometis/infometis",
        "git@github.com:infometis/infometis.git",
        "ssh://git@GitHub.com:22/infometis/infometis/",
    ],
)
def test_remote_urls_normalize_to_one_form(url):
    assert normalize_url(url) == "github.com/infometis/infometis"


NAMES = ["ünï.yaml", "with space.yaml", 'quo"te.yaml', "tab\there.yaml", "README.md"]


def test_listings_read_names_git_would_quote(tmp_path):
    """git quotes non-ASCII and special names in its listings unless -z: each is read as written."""
    from conftest import git as run_git
    from infometis.load import git

    repo = tmp_path / "repo"
    repo.mkdir()
    run_git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("first\n")
    (repo / ".gitignore").write_text("ignored-ü.yaml\n")
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "base")
    for name in NAMES:
        (repo / name).write_text("changed\n")
    (repo / "ignored-ü.yaml").write_text("x\n")
    assert git.changed_since(repo, "HEAD") == set(NAMES)
    assert sorted(git.uncommitted(repo)) == sorted(NAMES)  # " M README.md": the first letter kept
    assert "ignored-ü.yaml" in git.ignored(repo)
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "all")
    run_git(
        repo, "mv", "README.md", "READ ME.md"
    )  # a rename: its old name follows it in the listing
    assert git.uncommitted(repo) == ["READ ME.md"]
