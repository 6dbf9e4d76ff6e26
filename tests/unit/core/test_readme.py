"""The README is the newcomer's page: it must list every setting and start with the two commands."""

from pathlib import Path

from flowai.settings import Settings

README = (Path(__file__).parents[3] / "README.md").read_text()


def test_every_setting_is_documented() -> None:
    missing = [
        f"FLOWAI_{name.upper()}" for name in Settings.model_fields if f"`FLOWAI_{name.upper()}`" not in README
    ]
    assert not missing, f"add to the README's configuration table: {missing}"


def test_readme_starts_with_the_two_commands() -> None:
    head = README[: README.index("## Tour")]
    assert "make run" in head and "make test" in head
