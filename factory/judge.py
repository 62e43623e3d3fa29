"""A critic verifier: an LLM judges the problem and the response (`verifier=judge`), alone for
tasks with no checkable answer, or after another verifier (`verifier=math_judge`) to reject right
answers reached by wrong reasoning.

Any generator backend judges (the run's own model, or a stronger one behind an OpenAI-compatible
server). Confidence is a vote: `samples` judge samples at `temperature`, each ending in CORRECT or
INCORRECT; the confidence is the share of parseable votes for CORRECT. Standalone, the verdict is
`correct` at confidence >= `threshold`, `incorrect` at <= 1 - `threshold`, and otherwise
`unverifiable` (`judge_unsure`, with the votes in `detail`), never a silent "wrong"; no parseable
vote is `unverifiable: judge_no_verdict`. After another verifier, only its `correct` verdicts go to
the judge, and the judge can only take them away, when confident (`incorrect: judge_rejects`);
an unsure judge leaves the verdict as it was, with its votes in `detail`.

Judgments are batched: `submit` queues, one worker thread owns the generator and hands it up to
`batch` problems a call. Not covered: token log-probabilities as confidence (the generator seam
returns text only), judging code by running it (that is the code verifier's job).
"""

from __future__ import annotations

import hashlib
import queue
import re
import threading
from concurrent.futures import Future
from dataclasses import dataclass

from factory.generators import Request, SamplingSettings
from verifiers import Problem, Verdict, settings_hash

JUDGE_PROMPT = (
    "You are grading a solution to a problem. Check the reasoning step by step and the final "
    "answer.\n\nProblem:\n{question}\n\nSolution:\n{response}\n\n{gold}Is the solution correct? "
    "Reply with one word: CORRECT or INCORRECT."
)
_VOTE_RE = re.compile(r"\b(INCORRECT|CORRECT)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Votes:
    correct: int
    incorrect: int

    @property
    def confidence(self) -> float | None:
        total = self.correct + self.incorrect
        return self.correct / total if total else None

    def __str__(self) -> str:
        return f"{self.correct} of {self.correct + self.incorrect} judge votes say correct"


def vote(text: str) -> bool | None:
    """True for CORRECT, False for INCORRECT, None when the judge said neither (first word wins)."""
    found = _VOTE_RE.search(text)
    return None if found is None else found.group(1).upper() == "CORRECT"


class JudgeVerifier:
    name = "judge"
    version = "0.1.0"
    kind = "math"

    def __init__(
        self,
        generator,
        samples: int = 5,
        threshold: float = 0.95,
        temperature: float = 0.7,
        max_tokens: int = 8,
        show_gold: bool = False,
        after=None,
        kind: str = "math",
        batch: int = 16,
        seed: int = 0,
    ):
        self.generator, self.after, self.kind = generator, after, kind
        self.samples, self.threshold, self.show_gold, self._batch = samples, threshold, show_gold, batch
        self.sampling = SamplingSettings(n=samples, temperature=temperature, max_tokens=max_tokens, seed=seed)
        settings = {
            "model": generator.model_id,
            "samples": samples,
            "threshold": threshold,
            "temperature": temperature,
            "max_tokens": max_tokens,
            "show_gold": show_gold,
            "prompt": hashlib.sha256(JUDGE_PROMPT.encode()).hexdigest()[:12],
            "after": f"{after.name}@{after.version}:{after.settings_hash}" if after else None,
        }
        self.settings_hash = settings_hash(self.version, settings)
        if after is not None:
            self.name = f"{after.name}+judge"
        self._queue: queue.Queue = queue.Queue()
        self._worker = threading.Thread(target=self._serve, name="judge", daemon=True)
        self._worker.start()

    def submit(self, problem: Problem, response: str) -> Future[Verdict]:
        future: Future[Verdict] = Future()
        if self.after is None:
            self._queue.put((problem, response, None, future))
            return future
        first = self.after.submit(problem, response)
        first.add_done_callback(lambda done: self._then_judge(problem, response, done, future))
        return future

    def _then_judge(self, problem: Problem, response: str, first: Future, future: Future) -> None:
        verdict = first.result()
        if verdict.correct:
            self._queue.put((problem, response, verdict, future))
        else:
            future.set_result(verdict)

    def _serve(self) -> None:
        closing = False
        while not closing:
            jobs = [self._queue.get()]
            while len(jobs) < self._batch and not self._queue.empty():
                jobs.append(self._queue.get_nowait())
            closing = None in jobs
            if jobs := [job for job in jobs if job is not None]:
                self._judge(jobs)

    def _judge(self, jobs: list) -> None:
        requests = [
            Request(
                ({"role": "user", "content": self._prompt(problem, response)},),
                self.samples,
                self.sampling.seed,
            )
            for problem, response, _, _ in jobs
        ]
        try:
            completions = self.generator.generate(requests, self.sampling)
        except Exception as exc:  # a judge that fails is undecided, never a crash of the run
            for job in jobs:
                job[3].set_result(
                    Verdict("unverifiable", "judge_failed", detail=f"{type(exc).__name__}: {exc}")
                )
            return
        for (_, _, first, future), texts in zip(jobs, completions):
            votes = [vote(c.text) for c in texts]
            future.set_result(self._verdict(Votes(votes.count(True), votes.count(False)), first))

    def _seed(self, problem: Problem, response: str) -> int:
        """Each judgment draws its own votes (the same ones on every run): seeded by what it judges."""
        key = f"{self.sampling.seed}:{problem.id}:{response}".encode()
        return int.from_bytes(hashlib.sha256(key).digest()[:4], "big") >> 1

    def _prompt(self, problem: Problem, response: str) -> str:
        gold = (
            f"Reference answer: {problem.gold}\n\n"
            if self.show_gold and isinstance(problem.gold, str)
            else ""
        )
        return JUDGE_PROMPT.format(question=problem.question, response=response, gold=gold)

    def _verdict(self, votes: Votes, first: Verdict | None) -> Verdict:
        confidence = votes.confidence
        if first is not None:  # after another verifier: the judge can only take a `correct` away
            if confidence is not None and confidence <= 1 - self.threshold:
                return Verdict("incorrect", "judge_rejects", first.extracted, "judge", str(votes))
            return Verdict(first.status, first.reason, first.extracted, first.mode, str(votes))
        if confidence is None:
            return Verdict("unverifiable", "judge_no_verdict", detail=str(votes))
        if confidence >= self.threshold:
            return Verdict("correct", "judge_accepts", mode="judge", detail=str(votes))
        if confidence <= 1 - self.threshold:
            return Verdict("incorrect", "judge_rejects", mode="judge", detail=str(votes))
        return Verdict("unverifiable", "judge_unsure", mode="judge", detail=str(votes))

    def close(self) -> None:
        self._queue.put(None)
        self._worker.join(timeout=60)
        self.generator.close()
        if self.after is not None:
            self.after.close()
