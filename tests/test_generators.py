"""The generator contract (N completions per prompt, in input order, max_tokens honoured) for each
backend that runs without a GPU: fake, hf (a tiny random model built in-process), openai (a
loopback server). Real models are in test_real_models.py."""

from __future__ import annotations

import pytest

from factory.generators import Request, SamplingSettings
from factory.generators.fake import FakeGenerator
from factory.models import ModelNotFoundError
from tests.openai_server import OpenAIStub


def requests(*prompts: str, n: int = 2) -> list[Request]:
    return [Request(({"role": "user", "content": p},), n, seed=i) for i, p in enumerate(prompts)]


def test_fake_returns_n_per_prompt_in_order():
    generator = FakeGenerator(responder=lambda messages, i: f"{messages[0]['content']}#{i}")
    out = generator.generate(requests("a", "b", n=3), SamplingSettings(n=3))
    assert [[c.text for c in row] for row in out] == [["a#0", "a#1", "a#2"], ["b#0", "b#1", "b#2"]]


@pytest.fixture(scope="module")
def tiny(tiny_model_dir):
    from factory.generators.hf import HFGenerator

    generator = HFGenerator(model=str(tiny_model_dir), dtype="float32", device="cpu", max_batch_sequences=3)
    yield generator
    generator.close()


def test_hf_returns_n_completions_per_prompt_within_max_tokens(tiny):
    out = tiny.generate(requests("1 plus 2", "what is 3", "7", n=2), SamplingSettings(n=2, max_tokens=5))
    assert [len(row) for row in out] == [2, 2, 2]
    assert all(1 <= c.tokens <= 5 for row in out for c in row)
    assert all(c.tokens == 5 for row in out for c in row if c.finish_reason == "length")


def test_hf_keeps_input_order_across_batches_and_padding(tiny):
    greedy = SamplingSettings(n=1, temperature=0.0, max_tokens=6)
    alone = tiny.generate(requests("what is 3"), greedy)[0][0].text
    mixed = tiny.generate(requests("1 plus 2 plus 3 plus 4 plus 5", "7", "what is 3", n=1), greedy)
    assert mixed[2][0].text == alone


def test_hf_same_seed_same_samples(tiny):
    sampling = SamplingSettings(n=2, temperature=1.0, max_tokens=6)
    assert tiny.generate(requests("7"), sampling) == tiny.generate(requests("7"), sampling)


def test_missing_model_path_is_a_plain_error():
    from factory.generators.hf import HFGenerator

    with pytest.raises(ModelNotFoundError, match="does not exist"):
        HFGenerator(model="/no/such/model")


def echo_seed(body):
    return f"{body['messages'][0]['content']}|seed={body['seed']}", 3, "stop"


def test_openai_one_request_per_sample_in_order():
    from factory.generators.openai import OpenAIGenerator

    with OpenAIStub(echo_seed) as server:
        generator = OpenAIGenerator(model="m", base_url=server.base_url, concurrency=4)
        out = generator.generate(requests("a", "b", n=2), SamplingSettings(n=2, max_tokens=7))
        generator.close()
    assert [[c.text for c in row] for row in out] == [["a|seed=0", "a|seed=1"], ["b|seed=1", "b|seed=2"]]
    assert {r["max_tokens"] for r in server.requests} == {7} and len(server.requests) == 4


def test_openai_retries_transport_errors():
    from factory.generators.openai import OpenAIGenerator

    with OpenAIStub(echo_seed, drop_first=2) as server:
        generator = OpenAIGenerator(model="m", base_url=server.base_url, concurrency=1, retry_backoff_s=0.01)
        out = generator.generate(requests("a", n=1), SamplingSettings(n=1))
        generator.close()
    assert out[0][0].text == "a|seed=0" and len(server.requests) == 3


def test_openai_does_not_retry_http_errors():
    import openai

    from factory.generators.openai import OpenAIGenerator

    with OpenAIStub(echo_seed, status=500) as server:
        generator = OpenAIGenerator(model="m", base_url=server.base_url, retry_backoff_s=0.01)
        with pytest.raises(openai.InternalServerError):
            generator.generate(requests("a", n=1), SamplingSettings(n=1))
        generator.close()
    assert len(server.requests) == 1


def test_vllm_on_a_gpu_sends_one_request_per_sample_with_its_own_seed(monkeypatch):
    """With per-request seeds (GPUs), sample k of a problem is its own vLLM request seeded
    `seed + k`, so a resumed problem's remaining samples are the ones first drawn. vLLM itself is
    faked here (`SamplingParams` and `LLM.chat`): the real engine is tested where it installs."""
    import sys
    import types

    from factory.generators import Request, SamplingSettings
    from factory.generators.vllm import VLLMGenerator

    class Params:
        def __init__(self, **kwargs):
            self.__dict__.update(kwargs)

    fake_vllm = types.ModuleType("vllm")
    fake_vllm.SamplingParams = Params
    monkeypatch.setitem(sys.modules, "vllm", fake_vllm)
    sent = []

    class Engine:
        def chat(self, conversations, sampling_params, use_tqdm):
            sent.extend((c[0]["content"], p.n, p.seed) for c, p in zip(conversations, sampling_params))
            output = types.SimpleNamespace(text="", token_ids=[1], finish_reason="stop")
            return [types.SimpleNamespace(outputs=[output] * p.n) for p in sampling_params]

    generator = VLLMGenerator.__new__(VLLMGenerator)
    generator._llm, generator._per_request_seeds = Engine(), True
    out = generator.generate(
        [Request(({"role": "user", "content": "p"},), 2, seed=100, first_index=2)], SamplingSettings(n=4)
    )
    assert sent == [("p", 1, 102), ("p", 1, 103)] and [len(row) for row in out] == [2]


def test_the_fake_generator_answers_with_the_problems_own_sample_indices():
    from factory.generators import Request, SamplingSettings
    from factory.generators.fake import FakeGenerator

    generator = FakeGenerator(responder=lambda messages, index: str(index))
    out = generator.generate(
        [Request(({"role": "user", "content": "q"},), 2, seed=0, first_index=5)], SamplingSettings()
    )
    assert [c.text for c in out[0]] == ["5", "6"]
