#!/usr/bin/env bash
# Rewrites the declared public API of every shipped library from its code: for each target framework,
# PublicAPI/<tfm>/PublicAPI.Shipped.txt gets every public symbol and PublicAPI.Unshipped.txt is
# emptied. Run it after a deliberate public change, then review the diff like any other code: the
# build fails (RS0016/RS0017) whenever the code and these files disagree.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

projects=(Tokenlay.Sdk Tokenlay.Sdk.Extensions.DependencyInjection Tokenlay.Sdk.AspNetCore Tokenlay.Emulator)
for name in "${projects[@]}"; do
  dir="src/$name"
  tfms=$(dotnet msbuild "$dir/$name.csproj" -getProperty:TargetFrameworks)
  [ -n "$tfms" ] || tfms=$(dotnet msbuild "$dir/$name.csproj" -getProperty:TargetFramework)
  for tfm in ${tfms//;/ }; do
    api="$dir/PublicAPI/$tfm"
    mkdir -p "$api"
    : > "$api/PublicAPI.Shipped.txt"
    echo "#nullable enable" > "$api/PublicAPI.Unshipped.txt"
    log=$(mktemp)
    # Warnings stay warnings here, so one build lists every undeclared symbol.
    dotnet build "$dir/$name.csproj" -f "$tfm" -p:TreatWarningsAsErrors=false --no-incremental > "$log" 2>&1 || true
    {
      echo "#nullable enable"
      grep "RS0016" "$log" | grep -F "$dir/" | grep -o "Symbol '[^']*'" | sed "s/^Symbol '//; s/'\$//" | sort -u
    } > "$api/PublicAPI.Shipped.txt"
    echo "$name $tfm: $(($(wc -l < "$api/PublicAPI.Shipped.txt") - 1)) symbols"
    rm -f "$log"
  done
done
