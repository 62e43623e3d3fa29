"""`dtype=auto`: the rule with the machine's capabilities injected, and what this machine gets."""

from __future__ import annotations

import pytest

from factory.hardware import Capabilities, choose_dtype

EPYC_AVX2 = frozenset({"avx", "avx2", "fma", "f16c"})  # an AMD EPYC without AVX-512 (issue 15)


@pytest.mark.parametrize(
    "capabilities,expected",
    [
        (Capabilities("cpu", cpu_flags=EPYC_AVX2, cpu_model="AMD EPYC"), "float32"),
        (Capabilities("cpu", cpu_flags=EPYC_AVX2 | {"avx512f", "avx512bw"}), "float32"),  # AVX-512, no BF16
        (Capabilities("cpu", cpu_flags=EPYC_AVX2 | {"avx512f", "avx512_bf16"}), "bfloat16"),
        (Capabilities("cpu", cpu_flags=EPYC_AVX2 | {"amx_tile", "amx_bf16"}), "bfloat16"),
        (Capabilities("cpu"), "float32"),  # no /proc/cpuinfo: nothing is assumed
        (Capabilities("cuda", cuda_bf16=True), "bfloat16"),
        (Capabilities("cuda", cuda_bf16=False), "float16"),  # a T4, a V100
    ],
)
def test_auto_takes_bfloat16_only_where_it_is_native(capabilities, expected):
    assert choose_dtype("auto", capabilities).dtype == expected


def test_the_reason_names_the_cpu_and_the_missing_flags():
    choice = choose_dtype("auto", Capabilities("cpu", cpu_flags=EPYC_AVX2, cpu_model="AMD EPYC"))
    assert choice.reason == "AMD EPYC has no native bfloat16 (no avx512_bf16 or amx_bf16)"


def test_an_explicit_dtype_is_taken_as_asked():
    assert choose_dtype("bfloat16", Capabilities("cpu", cpu_flags=EPYC_AVX2)).as_record() == {
        "dtype": "bfloat16",
        "reason": "as configured",
    }


def test_the_hf_backend_loads_the_weights_in_the_dtype_this_machine_gets(tiny_model_dir):
    from factory.generators import Request, SamplingSettings
    from factory.generators.hf import HFGenerator

    generator = HFGenerator(model=str(tiny_model_dir), device="cpu")  # dtype=auto, the default
    try:
        expected = choose_dtype("auto", Capabilities.detect("cpu")).dtype
        out = generator.generate(
            [Request(({"role": "user", "content": "hi"},), 1, 0)], SamplingSettings(n=1, max_tokens=4)
        )
        assert generator.dtype.dtype == expected == str(generator.model.dtype).removeprefix("torch.")
        assert len(out[0]) == 1
    finally:
        generator.close()
