# OnnxKto: `make demo` and `make test` are the whole set-up on a machine with the .NET 10 SDK.
DOTNET ?= dotnet
CONFIG ?= Release
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.PHONY: all build test demo bench clean

all: build

# The command line, runnable as bin/onnx-kto.
build:
	$(DOTNET) publish src/OnnxKto.Cli/OnnxKto.Cli.csproj -c $(CONFIG) -o bin -v quiet
	@echo "built bin/onnx-kto"

test:
	$(DOTNET) test OnnxKto.sln -c $(CONFIG) -v quiet

demo: build
	bin/onnx-kto demo

bench:
	$(DOTNET) run --project tools/OnnxKto.Bench -c Release

clean:
	rm -rf bin src/*/bin src/*/obj tests/*/bin tests/*/obj tools/*/bin tools/*/obj
