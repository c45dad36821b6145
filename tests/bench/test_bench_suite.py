"""The bundled suite: unique ids, coverage and step spread, and every expected answer reproduced by executing
its reference workflow against the in-process bundled servers."""

from collections import Counter

import anyio
import pytest

from evoflux.bench import BUNDLED_REFERENCES, BUNDLED_SUITE, load_references, load_tasks, matches
from evoflux.environment import ToolEnvironment
from evoflux.servers import BUNDLED_SERVERS
from tests.support import bundled_config

TASKS = load_tasks(BUNDLED_SUITE)
REFERENCES = load_references(BUNDLED_REFERENCES)
SERVABLE = [t for t in TASKS if "impossible" not in t.tags]
DIFFICULTIES = {"easy", "medium", "hard"}
UNREPEATABLE_TOOLS = {"shop:random_product_pick", "calendar:create_event"}


def steps_tag(task) -> int:
    (tag,) = [t for t in task.tags if t.startswith("steps:")]
    return int(tag.removeprefix("steps:"))


def test_suite_size_ids_and_tags():
    assert len(TASKS) >= 36
    assert len({t.id for t in TASKS}) == len(TASKS)
    assert all(len(DIFFICULTIES & set(t.tags)) == 1 for t in TASKS)
    assert all(set(t.tags) & set(BUNDLED_SERVERS) for t in SERVABLE)


def test_every_server_is_covered():
    used = Counter(s for t in SERVABLE for s in set(t.tags) & set(BUNDLED_SERVERS))
    assert set(used) == set(BUNDLED_SERVERS) and min(used.values()) >= 5, used


def test_step_distribution():
    steps = Counter(t.steps for t in SERVABLE)
    assert set(steps) <= set(range(1, 7)), steps
    assert steps[1] >= 7
    assert steps[2] + steps[3] >= 12
    assert steps[4] + steps[5] + steps[6] >= 9 and steps[6] >= 1
    assert 2 <= len(TASKS) - len(SERVABLE) <= 3
    assert sum("cross-server" in t.tags for t in SERVABLE) >= 10
    assert sum("parallel" in t.tags for t in SERVABLE) >= 5
    assert sum("units" in t.tags for t in SERVABLE) >= 5


def test_impossible_tasks_have_no_answer_or_reference():
    for task in TASKS:
        if task not in SERVABLE:
            assert task.expected is None and task.steps is None and task.id not in REFERENCES, task.id


def test_each_servable_task_matches_its_reference_workflow():
    assert set(REFERENCES) == {t.id for t in SERVABLE}
    for task in SERVABLE:
        workflow = REFERENCES[task.id]
        nodes = workflow.tool_nodes
        assert task.expected is not None, task.id
        assert task.steps == steps_tag(task) == len(nodes), task.id
        assert {n.server for n in nodes} == set(task.tags) & set(BUNDLED_SERVERS), task.id
        assert not {n.tool_key for n in nodes} & UNREPEATABLE_TOOLS, task.id
        assert workflow.task == task.query and workflow.answer is not None, task.id


@pytest.mark.anyio
async def test_reference_answers_meet_the_expected_values():
    executions = {}
    async with ToolEnvironment(bundled_config()) as env:

        async def run(task_id: str) -> None:
            executions[task_id] = await env.execute(REFERENCES[task_id])

        async with anyio.create_task_group() as group:
            for task in SERVABLE:
                group.start_soon(run, task.id)

    for task in SERVABLE:
        execution = executions[task.id]
        assert execution.ok, (task.id, [f"{f.node}: {f.error}" for f in execution.failures()])
        result = matches(task.expected, execution.answer)
        assert result.ok, (task.id, result.detail, execution.answer)
