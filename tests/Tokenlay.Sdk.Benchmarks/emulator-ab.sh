#!/usr/bin/env bash
# Interleaved A/B of two emulator builds on loopback: this tree and an earlier commit (default
# e8c96aa, before the emulator core was rebuilt). Builds both tools in Release, starts an upstream,
# and a simulated and a --forward emulator of each build, then sends the same bounded load to each
# in turn (EmulatorAbTest). Everything listens on 127.0.0.1 and is stopped on exit.
#   bash tests/Tokenlay.Sdk.Benchmarks/emulator-ab.sh [old-commit] [rounds] [requests] [concurrency]
set -euo pipefail
cd "$(dirname "$0")/../.."
old=${1:-e8c96aa}; rounds=${2:-10}; requests=${3:-3000}; concurrency=${4:-16}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; git worktree remove --force "$work/old" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

git worktree add --detach "$work/old" "$old" >/dev/null
tool() { # dir -> path of the built tool dll
  local dir=$1 tfm
  dotnet build "$dir/src/Tokenlay.Emulator.Tool" -c Release -v quiet --nologo >/dev/null
  for tfm in net10.0 net8.0; do
    [ -f "$dir/src/Tokenlay.Emulator.Tool/bin/Release/$tfm/Tokenlay.Emulator.Tool.dll" ] && { echo "$dir/src/Tokenlay.Emulator.Tool/bin/Release/$tfm/Tokenlay.Emulator.Tool.dll"; return; }
  done
  echo "no tool build in $dir" >&2; exit 1
}
old_tool=$(tool "$work/old"); new_tool=$(tool "$PWD")

start() { # name dll args... -> prints its base URL
  local name=$1 dll=$2; shift 2
  DOTNET_gcServer=0 dotnet "$dll" --urls http://127.0.0.1:0 "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 150); do
    url=$(grep -Eo 'listening on http://127\.0\.0\.1:[0-9]+' "$work/$name.log" | head -1 | sed 's/listening on //') || true
    [ -n "$url" ] && { echo "$url"; return; }
    sleep 0.1
  done
  cat "$work/$name.log" >&2; exit 1
}
upstream=$(start upstream "$new_tool" --key sk-load-upstream)
old_sim=$(start old-sim "$old_tool"); new_sim=$(start new-sim "$new_tool")
old_fwd=$(start old-fwd "$old_tool" --forward); new_fwd=$(start new-fwd "$new_tool" --forward)
echo "old $old: sim $old_sim, forward $old_fwd; new $(git rev-parse --short HEAD): sim $new_sim, forward $new_fwd; upstream $upstream"
dotnet run -c Release --project tests/Tokenlay.Sdk.Benchmarks -- emulator-ab "$rounds" "$requests" "$concurrency" "$upstream" "$old_sim" "$new_sim" "$old_fwd" "$new_fwd"
