"""The review workflow in git terms: the request templates with the 三审 record and
its check, CODEOWNERS for every section, and CI files for GitHub Actions and
GitLab CI that follow their schemas and run check, tests, review and deploy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import run, venv_command
from watersite.build import ROOT
from watersite.deploy.config import OPTIONAL, REQUIRED
from watersite.review import review_problems
from watersite.sections import SITE

GITHUB_TEMPLATE = ROOT / ".github" / "pull_request_template.md"
GITLAB_TEMPLATE = ROOT / ".gitlab" / "merge_request_templates" / "Default.md"
WORKFLOWS = ROOT / ".github" / "workflows"
GITLAB_CI = ROOT / ".gitlab-ci.yml"
CODEOWNERS = ROOT / "docs" / "CODEOWNERS"


def load(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def schema_check(schema: str, *files: Path) -> tuple[int, str]:
    result = run(venv_command("check-jsonschema"), "--builtin-schema", schema, *map(str, files))
    return result.returncode, result.stdout + result.stderr


def test_github_workflows_follow_github_schema() -> None:
    code, output = schema_check("vendor.github-workflows", *sorted(WORKFLOWS.glob("*.yml")))
    assert code == 0, output


def test_gitlab_ci_follows_gitlab_schema() -> None:
    code, output = schema_check("vendor.gitlab-ci", GITLAB_CI)
    assert code == 0, output


def test_the_schema_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    steps: run the tests\n", encoding="utf-8")
    code, _ = schema_check("vendor.github-workflows", broken)
    assert code != 0


def steps_of(workflow: dict, job: str) -> str:
    return "\n".join(
        step.get("run", step.get("uses", "")) for step in workflow["jobs"][job]["steps"]
    )


def test_github_runs_check_review_and_tests_on_pull_requests() -> None:
    ci = load(WORKFLOWS / "ci.yml")
    assert "pull_request" in ci["on"] and ci["on"]["push"]["branches"] == ["main"]
    assert "./run check" in steps_of(ci, "check")
    assert ".ci/run" in steps_of(ci, "test")
    assert "./run review --body-file" in steps_of(ci, "review")
    # The description reaches the shell through the environment, never spliced into it.
    review_env = ci["jobs"]["review"]["steps"][-1]["env"]
    assert review_env["BODY"] == "${{ github.event.pull_request.body }}"
    assert "github.event.pull_request.body" not in steps_of(ci, "review")


def test_github_deploys_on_main_and_every_15_minutes_with_every_setting() -> None:
    deploy = load(WORKFLOWS / "deploy.yml")
    assert deploy["on"]["push"]["branches"] == ["main"]
    assert deploy["on"]["schedule"] == [{"cron": "*/15 * * * *"}]
    assert deploy["concurrency"]["cancel-in-progress"] == "false", "never two deploys at once"
    job = deploy["jobs"]["deploy"]
    commands = steps_of(deploy, "deploy")
    assert commands.index("./run deploy") < commands.index("./run verify-live")
    assert set(job["env"]) == set(REQUIRED) | set(OPTIONAL)
    for name in ("AWS_SECRET_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"):
        secret = "${{ secrets." + name + " }}"
        assert job["env"][name] == secret, "credentials only from secrets"


def test_gitlab_runs_the_same_jobs() -> None:
    ci = load(GITLAB_CI)
    assert ci["check"]["script"] == ["./run check"]
    assert ci["test"]["script"] == [".ci/run"]
    assert "./run review --body-file" in ci["review"]["script"][0]
    assert ci["deploy"]["script"] == ["./run deploy", "./run verify-live"]
    assert "schedule" in ci["deploy"]["rules"][0]["if"], "scheduled pipelines deploy"
    assert "*/15 * * * *" in GITLAB_CI.read_text(encoding="utf-8"), "how to add the schedule"
    assert ci["deploy"]["resource_group"] == "production", "never two deploys at once"


def test_gitlab_and_github_request_templates_are_the_same() -> None:
    assert GITLAB_TEMPLATE.read_text(encoding="utf-8") == GITHUB_TEMPLATE.read_text(
        encoding="utf-8"
    )


def filled(template: str, names: tuple[str, str, str]) -> str:
    for level, name in zip(("初审", "复审", "终审"), names, strict=True):
        template = re.sub(
            rf"- \[ \] {level}(.*?)审核人：",
            rf"- [x] {level}\g<1>审核人：{name} 2026-11-27",
            template,
        )
    return template


def test_the_empty_template_asks_for_all_three_reviews() -> None:
    problems = review_problems(GITHUB_TEMPLATE.read_text(encoding="utf-8"))
    assert len(problems) == 3 and all("还没有打勾" in p for p in problems)


def test_a_filled_template_passes() -> None:
    body = filled(GITHUB_TEMPLATE.read_text(encoding="utf-8"), ("王芳", "李建国", "沈明远"))
    assert review_problems(body) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("- [x] 初审：审核人：王芳\n- [x] 复审：审核人：李建国\n", "缺少“终审”一行"),
        (
            "- [x] 初审：审核人：王芳\n- [x] 复审：审核人：\n- [x] 终审：审核人：沈明远",
            "没有写审核人",
        ),
        (
            "- [x] 初审：审核人：王芳\n- [x] 复审：审核人：王芳，2026-11-27\n- [x] 终审：审核人：沈明远",
            "不同的人",
        ),
    ],
    ids=["missing level", "no name", "same person twice"],
)
def test_an_incomplete_review_record_is_explained(body: str, message: str) -> None:
    assert any(message in problem for problem in review_problems(body))


def test_review_task_fails_on_an_incomplete_record(tmp_path: Path) -> None:
    body = tmp_path / "body.md"
    body.write_text(GITHUB_TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
    result = run(venv_command("invoke"), "review", "--body-file", str(body))
    assert result.returncode == 1 and "三审记录不完整" in result.stderr
    body.write_text(filled(body.read_text(encoding="utf-8"), ("甲", "乙", "丙")), encoding="utf-8")
    result = run(venv_command("invoke"), "review", "--body-file", str(body))
    assert result.returncode == 0, result.stderr


def owner_rules() -> list[tuple[str, list[str]]]:
    rules = []
    for line in CODEOWNERS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            pattern, *owners = line.split()
            rules.append((pattern, owners))
    return rules


def owners_of(path: str) -> list[str]:
    """The owners of a repository path: the last rule that matches wins."""
    found: list[str] = []
    for pattern, owners in owner_rules():
        if pattern in ("*", path) or (pattern.endswith("/") and path.startswith(pattern)):
            found = owners
    return found


def test_every_section_and_data_table_has_its_department_as_owner() -> None:
    default = owners_of("/pelicanconf.py")
    content = ROOT / "content"
    sections = [s for s in SITE.walk() if s.path]
    places = [f"/content/{s.path}/" for s in sections if (content / s.path).is_dir()]
    places += [f"/content/{s.path}.md" for s in sections if (content / f"{s.path}.md").is_file()]
    places += [f"/content/data/{p.name}" for p in (content / "data").glob("*.yml")]
    assert len(places) > 30
    for place in places:
        assert owners_of(place) != default, f"{place} has no department as owner"


def test_every_codeowners_rule_names_something_that_exists() -> None:
    for pattern, owners in owner_rules():
        assert owners and all(o.startswith("@") for o in owners)
        assert pattern == "*" or (ROOT / pattern.lstrip("/")).exists(), pattern
