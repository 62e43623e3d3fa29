"""Every config option composes through real Hydra, and the cheap ones instantiate."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from factory.tasks import Task
from tests.conftest import REPO

CONF = REPO / "conf"


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def composed(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose("config", overrides=["run_dir=/tmp/unused", *overrides])


GROUPS = ["generator", "verifier", "task", "sandbox", "embedder", "prompting", "experiment"]


@pytest.mark.parametrize("group", GROUPS)
def test_every_option_composes(group):
    assert options(group), f"conf/{group} is empty"
    for option in options(group):
        cfg = composed(f"{group}={option}")
        if group != "experiment":
            assert cfg[group]["_target_"], f"{group}/{option} names no _target_"


def test_defaults_instantiate_task_and_verifier():
    cfg = composed()
    task = instantiate(cfg.task)
    assert isinstance(task, Task) and len(task.problems) == cfg.task.limit
    verifier = instantiate(cfg.verifier)
    try:
        assert verifier.verify("\\boxed{72}", "72").correct
    finally:
        verifier.close()


def test_the_personas_instantiate_as_distinct_styles():
    from hydra.utils import instantiate

    prompting = instantiate(composed("prompting=personas").prompting, _convert_="all")
    assert len(prompting.styles) >= 4 and prompting.style("p", 0) != prompting.style("p", 1)


def test_fake_generator_instantiates():
    generator = instantiate(composed("generator=fake").generator)
    assert generator.model_id == "fake"


def test_experiment_overrides_the_task():
    cfg = composed("experiment=math500")
    assert cfg.task._target_ == "factory.tasks.math" and cfg.sampling.max_tokens == 1024


def test_unknown_key_is_hydras_error():
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException, match="sampling.temprature"):
        composed("sampling.temprature=0.5")


def test_code_verifier_instantiates_with_the_process_sandbox():
    cfg = composed("verifier=code", "task=mbpp")
    task = instantiate(cfg.task)
    verifier = instantiate(cfg.verifier)
    try:
        assert verifier.sandbox.name == "process"
        verdict = verifier.verify("```python\ndef f(x):\n    return x\n```", task.problems[0].gold)
        assert verdict.status == "incorrect"  # a real run in the real sandbox: the wrong function
    finally:
        verifier.close()


def test_the_sandbox_group_switches_the_backend():
    assert (
        composed("verifier=code", "sandbox=bwrap").verifier.sandbox._target_ == "sandboxes.bwrap.BwrapSandbox"
    )


@pytest.mark.parametrize(
    "overrides,expected",
    [
        ((), True),  # GSM8K's integer golds: the task asks for the last-number fallback
        (("task=math",), False),
        (("verifier.last_number_fallback=false",), False),  # the user's explicit choice wins
    ],
)
def test_the_task_decides_the_fallback_the_config_leaves_open(overrides, expected):
    from factory.app import _task_verifier_settings

    cfg = composed(*overrides)
    if "task=math" in overrides:
        task = Task("math", (), "{question}")  # MATH's files are not embedded: a task of its kind
    else:
        task = instantiate(cfg.task)
    verifier = instantiate(cfg.verifier, **_task_verifier_settings(cfg.verifier, task))
    try:
        assert verifier.settings.last_number_fallback is expected
        assert verifier.verify("She earns 18 dollars a day.", "18").correct is expected
    finally:
        verifier.close()
