"""Training rows teach the answer, not the prompt: TRL's prompt-completion rows with the loss on the
completion only, checked token by token on what the trainer would compute the loss on."""

from __future__ import annotations

import pytest

from factory.star.train import TrainSettings, prompt_completion, sft_trainer, steps_for

ROW = {
    "messages": [
        {"role": "user", "content": "what is 3 plus 4"},
        {"role": "assistant", "content": "3 plus 4 is 7 the answer is boxed 7"},
    ]
}


def _labels(model, tokenizer, tmp_path):
    trainer = sft_trainer(
        model, tokenizer, [ROW], TrainSettings(max_steps=1, batch_size=1), tmp_path, "float32", lora=False
    )
    example = trainer.train_dataset[0]
    batch = trainer.data_collator([example])
    return batch["input_ids"][0].tolist(), batch["labels"][0].tolist()


def _check_masking(model, tokenizer, tmp_path):
    input_ids, labels = _labels(model, tokenizer, tmp_path)
    prompt = tokenizer.apply_chat_template(
        ROW["messages"][:1], add_generation_prompt=True, tokenize=True, return_dict=True
    )["input_ids"]
    assert input_ids[: len(prompt)] == list(prompt)  # the prompt as the model will see it at generation
    assert all(label == -100 for label in labels[: len(prompt)]), "a prompt token carries a label"
    assert labels[len(prompt) :] == input_ids[len(prompt) :], "a completion token is masked"
    assert len(input_ids) > len(prompt)


def test_every_prompt_token_is_masked_and_no_completion_token_is(tiny_model_dir, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _check_masking(
        AutoModelForCausalLM.from_pretrained(tiny_model_dir),
        AutoTokenizer.from_pretrained(tiny_model_dir),
        tmp_path,
    )


@pytest.mark.slow
def test_the_same_holds_with_the_embedded_models_real_tokenizer_and_chat_template(tiny_model_dir, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from factory.models import resolve_model

    tokenizer = AutoTokenizer.from_pretrained(resolve_model("embedded"))  # Qwen2.5's own template
    _check_masking(AutoModelForCausalLM.from_pretrained(tiny_model_dir), tokenizer, tmp_path)


def test_a_row_must_end_with_the_assistants_turn():
    with pytest.raises(ValueError, match="must end with the assistant's turn"):
        prompt_completion({"messages": ROW["messages"][:1]})


def test_steps_follow_the_data_when_epochs_are_set():
    assert steps_for(10, TrainSettings(max_steps=60)) == 60
    assert steps_for(10, TrainSettings(epochs=2, batch_size=4)) == 5  # ceil(2 * 10 / 4)
    assert steps_for(1, TrainSettings(epochs=0.1, batch_size=4)) == 1
