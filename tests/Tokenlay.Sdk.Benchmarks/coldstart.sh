#!/usr/bin/env bash
# Cold start of the emulator tool against the smallest ASP.NET Core app (CreateSlimBuilder, one
# MapPost), alternated 5 times in one run: milliseconds from process start to the first successful
# chat reply (polled every 5 ms with curl). Everything listens on 127.0.0.1 and is stopped on exit.
#   bash tests/Tokenlay.Sdk.Benchmarks/coldstart.sh [runs]
# TOKENLAY_TOOL=path/to/Tokenlay.Emulator.Tool.dll measures that build (for example a ReadyToRun
# publish) instead of the Release build; TOKENLAY_TOOL_B=another.dll alternates a second one too.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

if [ -n "${TOKENLAY_TOOL:-}" ]; then
  tool=$TOKENLAY_TOOL
else
  dotnet build src/Tokenlay.Emulator.Tool -c Release -v quiet --nologo >/dev/null
  tool=$(ls src/Tokenlay.Emulator.Tool/bin/Release/*/Tokenlay.Emulator.Tool.dll | head -1)
fi
tool_b=${TOKENLAY_TOOL_B:-}
mkdir -p "$work/minimal"
cat > "$work/minimal/minimal.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk.Web"><PropertyGroup><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings></PropertyGroup></Project>
XML
cat > "$work/minimal/Program.cs" <<'CS'
var builder = WebApplication.CreateSlimBuilder(args);
var app = builder.Build();
app.MapPost("/v1/chat/completions", () => Results.Text("""{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}""", "application/json"));
app.Run();
CS
dotnet build "$work/minimal" -c Release -v quiet --nologo >/dev/null
minimal="$work/minimal/bin/Release/net10.0/minimal.dll"
body='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}]}'

first_reply() { # name port cmd... -> ms to the first 200
  local name=$1 port=$2; shift 2
  local start end
  start=$(date +%s%N)
  "$@" >"$work/$name.log" 2>&1 &
  local pid=$!
  pids+=($pid)
  until curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/v1/chat/completions" -H 'Authorization: Bearer tl_local' -H 'Content-Type: application/json' -d "$body" 2>/dev/null | grep -q 200; do
    sleep 0.005
  done
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
port=$((20000 + RANDOM % 20000))
emu=(); app=(); emu_b=()
for i in $(seq 1 "$runs"); do
  emu+=("$(first_reply emulator $port dotnet "$tool" --urls "http://127.0.0.1:$port")")
  app+=("$(first_reply minimal $((port + 1)) env ASPNETCORE_URLS="http://127.0.0.1:$((port + 1))" dotnet "$minimal")")
  if [ -n "$tool_b" ]; then
    emu_b+=("$(first_reply emulator-b $((port + 2)) dotnet "$tool_b" --urls "http://127.0.0.1:$((port + 2))")")
  fi
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m_emu=$(median "${emu[@]}"); m_app=$(median "${app[@]}")
echo "process start to first chat reply, ms (runs: emulator ${emu[*]}; minimal app ${app[*]})"
echo "| app | median ms |"
echo "|---|---|"
echo "| tokenlay-emulator | $m_emu |"
echo "| smallest ASP.NET Core app | $m_app |"
awk -v a="$m_emu" -v b="$m_app" 'BEGIN { printf "ratio emulator/minimal: %.2f\n", a / b }'
if [ -n "$tool_b" ]; then
  m_b=$(median "${emu_b[@]}")
  echo "second build ($tool_b): runs ${emu_b[*]}, median $m_b ms"
  awk -v a="$m_b" -v b="$m_app" 'BEGIN { printf "ratio second build/minimal: %.2f\n", a / b }'
fi
