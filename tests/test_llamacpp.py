"""The llama.cpp backend through the real llama-cpp-python: the embedded GGUF as it is, N samples
of a prompt decoded together, per-sample seeds, the GGUF's chat template, and a STaR round whose
trained folder is converted with llama.cpp's own converter and served by the same backend."""

from __future__ import annotations

import pytest

from factory import tasks
from factory.generators import Request, SamplingSettings

pytestmark = pytest.mark.slow
llama_cpp = pytest.importorskip(
    "llama_cpp", reason="llama-cpp-python is not installed (the `llamacpp` extra)"
)

PROMPTS = ["Compute 17 * 23 - 100. Reason step by step.", "Name three prime numbers."]


def requests(n: int, seed: int = 7) -> list[Request]:
    return [Request(({"role": "user", "content": p},), n, seed + 10 * i) for i, p in enumerate(PROMPTS)]


@pytest.fixture(scope="module")
def embedded():
    from factory.generators.llamacpp import LlamaCppGenerator

    generator = LlamaCppGenerator(model="embedded", max_sequences=8, context_per_sequence=256)
    yield generator
    generator.close()


def test_n_samples_per_prompt_in_order_with_counts_and_finish_reasons(embedded):
    out = embedded.generate(requests(3), SamplingSettings(n=3, temperature=0.7, max_tokens=24))
    assert [len(row) for row in out] == [3, 3]
    assert all(0 < c.tokens <= 24 and c.finish_reason in ("stop", "length") for row in out for c in row)
    assert all(c.tokens == 24 for row in out for c in row if c.finish_reason == "length")
    assert len({c.text for c in out[0]}) == 3, "each sample has its own seed"


def test_the_same_seeds_give_the_same_samples(embedded):
    sampling = SamplingSettings(n=2, temperature=1.0, max_tokens=16)
    first = embedded.generate(requests(2), sampling)
    again = embedded.generate(requests(2), sampling)
    other = embedded.generate(requests(2, seed=1000), sampling)
    assert [[c.text for c in row] for row in first] == [[c.text for c in row] for row in again]
    assert [[c.text for c in row] for row in first] != [[c.text for c in row] for row in other]


def test_greedy_answers_a_question_from_the_ggufs_chat_template(embedded):
    out = embedded.generate(
        [Request(({"role": "user", "content": "What is 2 + 3? Answer with the number only."},), 1, 0)],
        SamplingSettings(n=1, temperature=0.0, max_tokens=8),
    )
    assert "5" in out[0][0].text and out[0][0].finish_reason == "stop"


def test_a_missing_model_path_is_named():
    from factory.generators.llamacpp import LlamaCppGenerator
    from factory.models import ModelNotFoundError

    with pytest.raises(ModelNotFoundError, match="model path '/no/such/model' does not exist"):
        LlamaCppGenerator(model="/no/such/model")


def test_greedy_text_equals_llama_cpp_pythons_own_chat_completion(embedded):
    """The batched decoding is llama.cpp's decoding: the same tokens as `Llama.create_chat_completion`."""
    from factory.models import embedded_gguf

    messages = list(tasks.gsm8k(limit=1).messages(tasks.gsm8k(limit=1).problems[0]))
    ours = embedded.generate(
        [Request(tuple(messages), 1, 0)], SamplingSettings(n=1, temperature=0.0, max_tokens=48)
    )
    reference = llama_cpp.Llama(model_path=str(embedded_gguf()), n_ctx=512, verbose=False)
    try:
        theirs = reference.create_chat_completion(messages=messages, max_tokens=48, temperature=0.0)
    finally:
        reference.close()
    assert ours[0][0].text == theirs["choices"][0]["message"]["content"]


def test_more_requests_than_sequences_refill_the_batch(embedded):
    many = [Request(({"role": "user", "content": f"Count to {i}."},), 3, i) for i in range(5)]  # 15 > 8
    out = embedded.generate(many, SamplingSettings(n=3, temperature=0.7, max_tokens=8))
    assert [len(row) for row in out] == [3] * 5


def test_a_prompt_that_does_not_fit_is_a_clear_error(embedded):
    with pytest.raises(ValueError, match="context_per_sequence=256"):
        embedded.generate(requests(1), SamplingSettings(n=1, max_tokens=400))


def test_a_star_round_trained_on_cpu_is_served_by_llamacpp(smollm2_gguf, tmp_path):
    """Round 0 samples the SmolLM2 GGUF as it is; round 1 samples the folder round 0's real
    fine-tune wrote, converted to GGUF by llama.cpp's converter."""
    from factory.generators.llamacpp import LlamaCppGenerator
    from factory.models import resolve_model
    from factory.star.loop import StarLoop, StarSettings
    from factory.star.train import TrainSettings, finetune
    from verifiers.math import MathVerifier

    served: list[str] = []

    def make_generator(model):
        served.append(model)
        return LlamaCppGenerator(model=model, max_sequences=8, context_per_sequence=512)

    def train(rows, output_dir):
        settings = TrainSettings(max_steps=2, batch_size=2, lora_rank=4, max_length=256)
        result = finetune(resolve_model(str(smollm2_gguf)), rows, output_dir, settings)
        return {"train_loss": result.train_loss}

    verifier = MathVerifier(workers=1)
    try:
        summaries = StarLoop(
            tasks.gsm8k(limit=2), None, make_generator, verifier, train,
            SamplingSettings(n=4, max_tokens=96), StarSettings(rounds=2, train=True), tmp_path,
        ).run(str(smollm2_gguf))  # fmt: skip
    finally:
        verifier.close()
    if summaries[0]["selected_rows"] == 0:
        pytest.skip("SmolLM2 solved nothing, even with the hint: no rows to train on (seeded, rare)")
    assert served == [str(smollm2_gguf), str(tmp_path / "round-0" / "model")]
    attempts = (tmp_path / "round-1" / "sample" / "attempts.jsonl").read_text()
    assert attempts.count('"model": "' + served[1]) == 8
