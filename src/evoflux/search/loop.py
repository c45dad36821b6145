"""The evolutionary repair loop: plan a population, run it, repair and edit the strongest, stop when done.

Children come from rules first, model edits second, random exploration with an adaptive chance, and a
fresh redesign when the search stalls; every model call, tool call and second is held to the budget.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import anyio

from evoflux.plan.edits import EditProposer
from evoflux.plan.planner import Planner, output_samples
from evoflux.repair import repair_workflow
from evoflux.scoring.candidate import Candidate, assessed
from evoflux.search.intensity import AdaptiveIntensity
from evoflux.search.operators import apply_proposed, explore
from evoflux.search.population import distance, prune, signature, tournament
from evoflux.strategy import RunContext, StopReason, StrategyLoop
from evoflux.workflow.edits import Edit
from evoflux.workflow.graph import Workflow

# Rough token cost of one planning or edit call, to keep the next call inside the token budget.
_PLAN_TOKENS = 1_600
_EDIT_TOKENS = 2_000
_NOVEL = 0.34  # structural distance at which a worse child still earns a place, for diversity


@dataclass(frozen=True)
class SearchSettings:
    """The search's shape and its ablation switches; defaults suit a 1.5B model on a CPU."""

    population: int = 6
    initial: int = 2
    temperature: float = 0.7
    stall_for_redesign: int = 2
    rule_repair: bool = True
    model_edits: bool = True
    redesign: bool = True
    adaptive: bool = True
    diversity: bool = True
    answer_check: bool = True  # the answer check as a fitness tier and as shortfalls
    seed: int = 0


@dataclass
class SearchOutcome:
    best: Candidate | None
    candidates: list[Candidate]
    stop_reason: str
    spent: dict[str, float]
    history: list[float] = field(default_factory=list)
    model_errors: list[str] = field(default_factory=list)


class Search(StrategyLoop):
    """One task's search over workflows made of the context's tools, planned and edited by its model."""

    def __init__(
        self,
        context: RunContext,
        *,
        settings: SearchSettings | None = None,
        on_candidate: Callable[[Candidate], None] | None = None,
        initial: Sequence[Workflow] = (),
    ):
        """`initial` workflows (e.g. a user's file) join the first population next to the planner's."""
        super().__init__(context)
        self.settings = settings or SearchSettings()
        self.planner = Planner(self.client)
        self.proposer = EditProposer(self.client)
        self.intensity = AdaptiveIntensity(enabled=self.settings.adaptive)
        self.rng = random.Random(self.settings.seed)
        self.on_candidate = on_candidate
        self.candidates: list[Candidate] = []
        self._seen: set[str] = set()
        self._given = list(initial)
        self.population: list[Candidate] = []
        self.history: list[float] = []

    # ------------------------------------------------------------ evaluation

    async def _evaluate(
        self, workflow: Workflow, origin: str, parent: Candidate | None, edits: Sequence[Edit]
    ) -> Candidate | None:
        """Check and run a new workflow; None when it was seen before or the budget has no room."""
        key = signature(workflow)
        if key in self._seen:
            return None
        self._seen.add(key)
        issues, execution = await self.tried(workflow, self.catalog)
        candidate = assessed(
            f"c{len(self.candidates) + 1}",
            workflow,
            issues,
            execution,
            self.task,
            self.tools,
            origin=origin,
            iteration=self.meter.iterations,
            parent=parent.id if parent else None,
            edits=edits,
            answer_check=self.settings.answer_check,
        )
        self.candidates.append(candidate)
        if self.on_candidate is not None:
            self.on_candidate(candidate)
        return candidate

    async def _evaluate_all(
        self, items: Sequence[tuple[Workflow, str, Candidate | None, Sequence[Edit]]]
    ) -> list[Candidate]:
        """Evaluate independent workflows concurrently."""
        results: list[Candidate | None] = [None] * len(items)

        async def one(index: int) -> None:
            results[index] = await self._evaluate(*items[index])

        async with anyio.create_task_group() as group:
            for index in range(len(items)):
                group.start_soon(one, index)
        return [c for c in results if c is not None]

    def _repaired(
        self, workflow: Workflow, candidate: Candidate | None = None
    ) -> tuple[Workflow, tuple[Edit, ...]]:
        if not self.settings.rule_repair:
            return workflow, ()
        repair = repair_workflow(
            workflow,
            self.catalog,
            task=self.task,
            issues=candidate.issues if candidate else None,
            execution=candidate.execution if candidate else None,
        )
        return repair.workflow, repair.edits

    # ------------------------------------------------------------ producing workflows

    async def _plan(self, temperature: float, seed: int, feedback: str | None = None) -> Workflow | None:
        if not self.meter.can_call_model(_PLAN_TOKENS):
            return None
        plan = await self.ask(
            lambda deadline_s: self.planner.plan(
                self.task,
                self.tools,
                temperature=temperature,
                seed=seed,
                feedback=feedback,
                deadline_s=deadline_s,
            )
        )
        return plan.workflow if plan is not None else None  # after a failed call the search goes on

    async def _initial(self) -> list[Candidate]:
        planned: list[tuple[Workflow, str]] = [(workflow, "given") for workflow in self._given]
        for index in range(self.settings.initial):
            temperature = 0.0 if index == 0 else self.settings.temperature
            workflow = await self._plan(temperature, self.settings.seed + index)
            if workflow is not None:
                planned.append((workflow, "plan"))
        firsts = await self._evaluate_all([(workflow, origin, None, ()) for workflow, origin in planned])
        repairs = []
        for first in firsts:
            repaired, edits = self._repaired(first.workflow, first)
            if edits:
                repairs.append((repaired, "repair", first, edits))
        return firsts + await self._evaluate_all(repairs)

    async def _child(
        self, parent: Candidate
    ) -> tuple[Workflow, str, Candidate | None, Sequence[Edit]] | None:
        """Rules first; then a random exploration edit with the adaptive chance (always, when no model edit can
        be made); else a model edit."""
        repaired, edits = self._repaired(parent.workflow, parent)
        if edits and signature(repaired) not in self._seen:
            return repaired, "repair", parent, edits
        can_edit = self._can_edit()
        if self.rng.random() < self.intensity.exploration or not can_edit:
            explored = explore(parent.workflow, self.catalog, self.tools, self.rng)
            if explored is not None:
                return explored[0], "explore", parent, (explored[1],)
        if not can_edit:
            return None
        seed = self.rng.randrange(1 << 30)
        proposal = await self.ask(
            lambda deadline_s: self.proposer.propose(
                self.task,
                self.tools,
                parent.workflow,
                parent.problems(),
                execution=parent.execution,
                seed=seed,
                deadline_s=deadline_s,
            )
        )
        if proposal is None:
            return None
        edited, applied = apply_proposed(parent.workflow, proposal[0], self.catalog)
        if not applied:
            return None
        repaired, repairs = self._repaired(edited)
        return repaired, "edit", parent, (*applied, *repairs)

    def _can_edit(self) -> bool:
        return self.settings.model_edits and self.meter.can_call_model(_EDIT_TOKENS)

    def _feedback(self, population: Sequence[Candidate]) -> str:
        best, worst = population[0], population[-1]
        lines = ["Earlier plans for this request failed. Write a DIFFERENT plan that avoids these errors."]
        for label, candidate in (("best so far", best), ("worst", worst)):
            steps = "; ".join(f"{n.id}={n.tool_key}" for n in candidate.workflow.tool_nodes)
            lines.append(f"{label}: {steps}")
            lines += [f"  - {p}" for p in candidate.problems(4)]
            lines += [f"  - {sample}" for sample in output_samples(candidate.execution)]
        return "\n".join(lines)

    # ------------------------------------------------------------ the loop

    async def run(self) -> SearchOutcome:
        self.population = prune(
            await self._initial(), self.settings.population, diversity=self.settings.diversity
        )
        self.history = [self.population[0].fitness.value] if self.population else []
        stop = await self.loop()
        return SearchOutcome(
            best=self.population[0] if self.population else None,
            candidates=self.candidates,
            stop_reason=stop,
            spent=self.meter.spent(),
            history=self.history,
            model_errors=self.model_errors,
        )

    async def step(self) -> str | None:
        """One iteration: a child of the best and of a tournament's pick, a redesign when stalled, then pruning."""
        population = self.population
        if not population or population[0].fitness.complete or not self.meter.can_iterate():
            return self._stop_reason()
        self.meter.iterations += 1
        before = population[0].fitness.value
        children = []
        # The best always has a child (elitism); the other parent is drawn by tournament.
        parents = [population[0], *(tournament(population, self.rng) for _ in population[1:2])]
        for parent in parents:
            made = await self._child(parent)
            if made is not None:
                children.append(made)
        if self.settings.redesign and self.intensity.stalled >= self.settings.stall_for_redesign:
            fresh = await self._plan(
                self.settings.temperature, self.rng.randrange(1 << 30), self._feedback(population)
            )
            if fresh is not None:
                children.append((fresh, "redesign", None, ()))
                self.intensity.stalled = 0
        evaluated = await self._evaluate_all(children)
        self.population = prune(
            population + [c for c in evaluated if self._accept(c, population)],
            self.settings.population,
            diversity=self.settings.diversity,
        )
        self.intensity.observe(before, self.population[0].fitness.value)
        self.history.append(self.population[0].fitness.value)
        # Without model calls or tokens left, rule repairs and exploration still cost nothing but time.
        if self.meter.tool_calls >= self.meter.budget.tool_calls or not (children or self._can_edit()):
            return self._stop_reason()
        return None

    def _stop_reason(self) -> str:
        if self.population and self.population[0].fitness.complete:
            return StopReason.SOLVED
        return self.meter.exhausted() or StopReason.STALLED

    def _accept(self, child: Candidate, population: Sequence[Candidate]) -> bool:
        """Keep a child that is no worse than its parent, or (with diversity on) unlike everyone kept."""
        parent = next((c for c in self.candidates if c.id == child.parent), None)
        if parent is None or child.fitness >= parent.fitness:
            return True
        return (
            self.settings.diversity
            and min(distance(child.workflow, c.workflow) for c in population) >= _NOVEL
        )
