"""Fine-tuning between STaR rounds: TRL's `SFTTrainer` on chat rows, LoRA through peft.

As in STaR and ReST-EM, every round trains from the BASE model on everything accepted so far,
never from the previous round's weights. The LoRA adapter is merged and the result saved as a plain
HF folder (bf16 safetensors + tokenizer), so every generator backend, vLLM included, loads it like
any model folder. `finetune` writes into the folder it is given; the run folder hands it a
scratch folder and renames that into place (`RoundFolder.place_model`), so a round killed
mid-training leaves nothing a resumed run would take for finished.

Precision follows the hardware as generation does (`factory.hardware`, `dtype=auto`): bfloat16
mixed precision only where the device computes it natively, float16 on a GPU without it, float32
elsewhere; the choice is returned with the result.

Covered: causal-LM SFT on TRL's conversational prompt-completion rows, the loss on the completion
(the assistant's turn) only, on CPU or one GPU; steps fixed (`max_steps`) or following the data
(`epochs` over the selection). Not covered:
multi-GPU training, full fine-tuning of large models (use LoRA), packing.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TrainSettings:
    max_steps: int = 60
    epochs: float | None = None  # set: steps follow the data (epochs over the selection), not max_steps
    learning_rate: float = 2e-4
    batch_size: int = 4
    lora_rank: int = 16
    lora_alpha: int = 32
    max_length: int = 768
    seed: int = 0
    dtype: str = "auto"


@dataclass(frozen=True)
class TrainResult:
    train_loss: float
    rows: int
    steps: int
    dtype: str


def finetune(base_model_dir: str, rows: list[dict], output_dir: Path, settings: TrainSettings) -> TrainResult:
    """Trains a LoRA on `rows` ({"messages": [...]}) from `base_model_dir`; saves the merged model
    into `output_dir`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from factory.hardware import Capabilities, choose_dtype

    if not rows:
        raise ValueError("no accepted rows to train on")
    precision = choose_dtype(settings.dtype, Capabilities.detect("auto")).dtype
    tokenizer = AutoTokenizer.from_pretrained(base_model_dir)
    model = AutoModelForCausalLM.from_pretrained(base_model_dir, dtype=torch.float32)
    output_dir.mkdir(parents=True, exist_ok=True)
    checkpoints = output_dir / "checkpoints"
    try:
        trainer = sft_trainer(model, tokenizer, rows, settings, checkpoints, precision)
        output = trainer.train()
        merged = trainer.model.merge_and_unload()
    finally:
        shutil.rmtree(checkpoints, ignore_errors=True)
    merged.to(torch.bfloat16).save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    return TrainResult(float(output.training_loss), len(rows), int(output.global_step), precision)


def prompt_completion(row: dict) -> dict:
    """A chat row as TRL's conversational prompt-completion: the prompt is every turn but the
    last (the assistant's), so the loss covers the completion only."""
    messages = row["messages"]
    if not messages or messages[-1]["role"] != "assistant":
        raise ValueError(f"a training row must end with the assistant's turn: {str(messages)[:120]}")
    return {"prompt": messages[:-1], "completion": messages[-1:]}


def steps_for(rows: int, settings: TrainSettings) -> int:
    """`max_steps`, or with `epochs` set, as many steps as that many passes over the rows take."""
    if settings.epochs is None:
        return settings.max_steps
    return max(1, math.ceil(settings.epochs * rows / settings.batch_size))


def sft_trainer(
    model,
    tokenizer,
    rows: list[dict],
    settings: TrainSettings,
    checkpoints: Path,
    precision: str,
    lora: bool = True,
):
    """TRL's SFTTrainer on prompt-completion rows with the loss on the completion only."""
    import torch
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    steps = steps_for(len(rows), settings)
    return SFTTrainer(
        model=model,
        processing_class=tokenizer,
        train_dataset=Dataset.from_list([prompt_completion(row) for row in rows]),
        peft_config=_lora(settings) if lora else None,
        args=SFTConfig(
            output_dir=str(checkpoints),
            max_steps=steps,
            learning_rate=settings.learning_rate,
            per_device_train_batch_size=settings.batch_size,
            max_length=settings.max_length,
            assistant_only_loss=False,
            completion_only_loss=True,  # prompt tokens get label -100 (tests/test_training.py)
            logging_steps=max(1, steps // 10),
            save_strategy="no",
            report_to="none",
            seed=settings.seed,
            use_cpu=not torch.cuda.is_available(),
            bf16=precision == "bfloat16",
            fp16=precision == "float16",
        ),
    )


def _lora(settings: TrainSettings):
    from peft import LoraConfig

    return LoraConfig(
        r=settings.lora_rank,
        lora_alpha=settings.lora_alpha,
        target_modules="all-linear",
        task_type="CAUSAL_LM",
    )
