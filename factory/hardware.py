"""What this machine computes natively, and the dtype that follows from it (`dtype=auto`).

bfloat16 only where the device computes it natively: a CUDA GPU that supports it, or a CPU with
AVX512-BF16 or AMX-BF16. Elsewhere a CPU only emulates it: on an AVX2-only AMD EPYC the embedded
model sampled 11.3 new tokens/s in bfloat16 and 25.4 in float32 (8 sequences, issue 15), so such a
CPU gets float32, and a GPU without bfloat16 gets float16. A dtype other than `auto` is taken as
asked. Not covered: non-CUDA accelerators (MPS, XPU), which get float32 like a CPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

NATIVE_BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


@dataclass(frozen=True)
class Capabilities:
    device: str  # "cuda" | "cpu"
    cuda_bf16: bool = False
    cpu_flags: frozenset[str] = frozenset()
    cpu_model: str = ""

    @classmethod
    def detect(cls, device: str) -> Capabilities:
        """This machine's: `device` is "cuda", "cpu" or "auto" (a CUDA GPU where torch sees one)."""
        import torch

        cuda = torch.cuda.is_available() if device == "auto" else device.startswith("cuda")
        if cuda:
            return cls("cuda", cuda_bf16=torch.cuda.is_bf16_supported(), cpu_model=cpu_info("model name"))
        return cls("cpu", cpu_flags=frozenset(cpu_info("flags").split()), cpu_model=cpu_info("model name"))


@dataclass(frozen=True)
class DtypeChoice:
    dtype: str  # a torch dtype name: "bfloat16" | "float16" | "float32" | what was asked
    reason: str

    def as_record(self) -> dict:
        return {"dtype": self.dtype, "reason": self.reason}


def choose_dtype(requested: str, capabilities: Capabilities) -> DtypeChoice:
    if requested != "auto":
        return DtypeChoice(requested, "as configured")
    where = capabilities.cpu_model or "this CPU"
    if capabilities.device == "cuda":
        if capabilities.cuda_bf16:
            return DtypeChoice("bfloat16", "the GPU computes bfloat16 natively")
        return DtypeChoice("float16", "the GPU has no bfloat16")
    native = [flag for flag in NATIVE_BF16_CPU_FLAGS if flag in capabilities.cpu_flags]
    if native:
        return DtypeChoice("bfloat16", f"{where} computes bfloat16 natively ({', '.join(native)})")
    return DtypeChoice("float32", f"{where} has no native bfloat16 (no {' or '.join(NATIVE_BF16_CPU_FLAGS)})")


def cpu_info(field: str) -> str:
    """A field of the first processor in /proc/cpuinfo; empty where there is none (not Linux)."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return ""
    return next((line.split(":", 1)[1].strip() for line in lines if line.split(":")[0].strip() == field), "")
