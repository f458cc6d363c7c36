#!/usr/bin/env bash
# Interleaved A/B of two Tokenlay.Sdk builds in one process (SdkBuildAbTest): this tree and an
# earlier commit (default b26e32e, the single pipeline policy), with the raw client and the control.
# Builds the old SDK in Release in a temporary worktree and removes it on exit.
#   bash tests/Tokenlay.Sdk.Benchmarks/sdk-ab.sh [old-commit] [rounds] [batch]
set -euo pipefail
cd "$(dirname "$0")/../.."
old=${1:-b26e32e}; rounds=${2:-30}; batch=${3:-20000}
work=$(mktemp -d)
cleanup() { git worktree remove --force "$work/old" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

git worktree add --detach "$work/old" "$old" >/dev/null
dotnet build "$work/old/src/Tokenlay.Sdk" -c Release -f net8.0 -v quiet --nologo >/dev/null
dotnet build tests/Tokenlay.Sdk.Benchmarks -c Release -v quiet --nologo >/dev/null
dotnet tests/Tokenlay.Sdk.Benchmarks/bin/Release/net10.0/Tokenlay.Sdk.Benchmarks.dll ab-builds \
  "$work/old/src/Tokenlay.Sdk/bin/Release/net8.0/Tokenlay.Sdk.dll" "$rounds" "$batch"
