"""postmortem.toml: reading, checking and merging with the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from postmortem.config import CONFIG_NAME, Config, expand_placeholders, load_config, merge
from postmortem.errors import UsageError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "postmortem.toml"


def write(folder: Path, text: str, name: str = CONFIG_NAME) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_defaults(tmp_path: Path) -> None:
    config = load_config(None, tmp_path)
    assert config == Config()
    assert config.target_s == 3600.0


def test_found_in_working_directory(tmp_path: Path) -> None:
    (tmp_path / "rules.toml").write_text("", encoding="utf-8")
    write(
        tmp_path,
        """
company = ["AcmeSupport", "@AcmeCo"]
target = "30m"
tz = "Europe/London"
sentiment = "vader"

[business_hours]
hours = "09:00-17:00"
weekdays = "mon-fri"

[branding]
title = "Acme monthly review"
accent = "#aa3300"
paper = "Letter"

[lessons]
rules = "rules.toml"

[output]
dir = "reviews/{month}"
mkdir = true
""",
    )
    config = load_config(None, tmp_path)
    assert config.source == tmp_path / CONFIG_NAME
    assert config.company == ("AcmeSupport", "@AcmeCo")
    assert config.target_s == 1800.0
    assert (config.tz, config.sentiment, config.business_hours, config.weekdays) == (
        "Europe/London",
        "vader",
        "09:00-17:00",
        "mon-fri",
    )
    assert (config.title, config.accent, config.paper) == ("Acme monthly review", "#aa3300", "Letter")
    assert config.rules == tmp_path / "rules.toml"  # relative to the file, not the working directory
    assert (config.output_dir, config.mkdir) == ("reviews/{month}", True)


def test_single_company_string(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, 'company = "Acme"', "x.toml"), Path("/")).company == ("Acme",)


def test_given_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="configuration file not found"):
        load_config(tmp_path / "missing.toml", tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 'red'", r"unknown key 'colour'"),
        ("[branding]\nfont = 'x'", r"unknown key 'branding.font'"),
        ("[brand]\ntitle = 'x'", r"unknown section \[brand\]"),
        ("target = 60", r"key 'target': expected a non-empty string"),
        ("company = [1, 2]", r"key 'company': expected a handle or a list"),
        ("[output]\nmkdir = 'yes'", r"key 'output.mkdir': expected true or false"),
        ("target = 'soon'", r"key 'target': .*cannot read duration"),
        ("tz = 'Mars/Olympus'", r"key 'tz': .*unknown time zone"),
        ("sentiment = 'bert'", r"key 'sentiment'"),
        ("[branding]\naccent = 'blue'", r"key 'branding.accent'"),
        ("[branding]\nlogo = 'nope.png'", r"key 'branding.logo': .*not found"),
        ("[business_hours]\nhours = '9 to 5'", r"key 'business_hours'"),
        ("[output]\ndir = 'r/{year}'", r"key 'output.dir': .*unknown placeholder \{year\}"),
        ("target = ", r"not valid TOML"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UsageError, match=message) as info:
        load_config(None, tmp_path)
    assert str(path) in str(info.value)


def test_command_line_wins(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'company = "Acme"\ntarget = "2h"\ntz = "Europe/Paris"'), tmp_path)
    merged = merge(config, {"target": "15m", "tz": None, "company": (), "title": "CLI title"})
    assert merged.target == "15m"
    assert merged.tz == "Europe/Paris"  # not given on the command line
    assert merged.company == ("Acme",)  # an empty list means "not given"
    assert merged.title == "CLI title"
    assert merge(config, {"company": ["Other"]}).company == ("Other",)


def test_bad_command_line_value_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="command line: key 'target'"):
        merge(Config(), {"target": "later"})


def test_unknown_override_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        merge(Config(), {"colour": "red"})


def test_placeholders() -> None:
    values = {"month": "2026-10", "date": "2026-11-01"}
    assert expand_placeholders("reviews/{month}/r-{date}.pdf", values) == "reviews/2026-10/r-2026-11-01.pdf"
    with pytest.raises(UsageError, match=r"unknown placeholder \{week\}"):
        expand_placeholders("{week}.pdf", values)


def test_shipped_example_is_valid(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    # The example points at a logo and a rules file beside it; drop those two lines here.
    kept = "\n".join(line for line in text.splitlines() if not line.startswith(("logo", "rules")))
    config = load_config(write(tmp_path, kept), tmp_path)
    assert config.company and config.business_hours and config.output_dir
