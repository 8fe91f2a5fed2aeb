# OnnxKto: `make demo` and `make test` are the whole set-up on a machine with the .NET 10 SDK.
DOTNET ?= dotnet
CONFIG ?= Release
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

# GPU=1: the CUDA flavour (Microsoft.ML.OnnxRuntime.Gpu.Linux, CUDA 13) for `make build`; `make test` stays CPU.
GPU ?=
GPU_FLAGS := $(if $(filter 1 true yes,$(GPU)),-p:OnnxKtoGpu=true,)

.PHONY: all build test demo bench clean gpu-bundle mpi tokenizer-goldens

all: build

# The command line, runnable as bin/onnx-kto.
build:
	$(DOTNET) publish src/OnnxKto.Cli/OnnxKto.Cli.csproj -c $(CONFIG) -o bin -v quiet $(GPU_FLAGS)
	@echo "built bin/onnx-kto$(if $(GPU_FLAGS), (GPU: CUDA execution provider),)"

test: mpi
	$(DOTNET) test OnnxKto.sln -c $(CONFIG) -v quiet --logger "console;verbosity=minimal"

# Open MPI 4.1 (Debian's openmpi-bin, libopenmpi-dev) for data-parallel runs and their tests (mpirun -np 2), when missing.
mpi:
	@(command -v mpirun >/dev/null && /sbin/ldconfig -p | grep -q libmpi.so.40) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openmpi-bin libopenmpi-dev)

demo: build
	bin/onnx-kto demo

# Self-contained linux-x64 GPU build for a machine with no .NET, packed and split into <= 56 MiB parts
# under gpu-bundle/ (see tools/gpu/README.md).
gpu-bundle:
	DOTNET=$(DOTNET) CONFIG=$(CONFIG) bash tools/gpu/make-bundle.sh

# Regenerates the tokenizer tests' golden models and ids with Google's sentencepiece (Debian's python3-sentencepiece).
tokenizer-goldens:
	@/usr/bin/python3 -c "import sentencepiece" 2>/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-sentencepiece)
	/usr/bin/python3 tests/OnnxKto.Tests/Models/Tokenizers/Golden/make_sentencepiece_goldens.py

# Installs Debian's PyTorch (CPU, OpenBLAS) for the side-by-side comparison and time (/usr/bin/time -v for the
# whole-process rows) when missing. BASELINE=<commit> also builds that commit beside this checkout (a git worktree in
# /tmp) and runs the whole-process rows against it, e.g. make bench BASELINE=910c896 (the first wave).
BASELINE ?=
BASELINE_DIR := /tmp/onnxkto-baseline-$(BASELINE)
bench: mpi build
	@/usr/bin/python3 -c "import torch" 2>/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-pthread)
	@test -x /usr/bin/time || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time)
	$(if $(BASELINE),test -x $(BASELINE_DIR)/bin/onnx-kto || (git worktree add --detach $(BASELINE_DIR) $(BASELINE) && \
		$(DOTNET) publish $(BASELINE_DIR)/src/OnnxKto.Cli/OnnxKto.Cli.csproj -c Release -o $(BASELINE_DIR)/bin -v quiet))
	ONNXKTO_BASELINE=$(if $(BASELINE),$(BASELINE_DIR)/bin/onnx-kto,) $(DOTNET) run --project tools/OnnxKto.Bench -c Release

clean:
	rm -rf bin gpu-bundle src/*/bin src/*/obj src/*/bin-gpu src/*/obj-gpu tests/*/bin tests/*/obj tools/*/bin tools/*/obj
