#!/usr/bin/env bash
# The main job: trains the Fashion-MNIST CNN example from a fresh clone. Installs what it needs (Debian's
# dataset-fashion-mnist package, the NuGet restore), then runs the sample; its last line is a JSON result.
# Usage: scripts/main.sh [sample arguments, default: --model cnn --epochs 10 --threads 2]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if [ ! -d /usr/share/datasets/fashion-mnist ]; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist
  else
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist
  fi
fi
dotnet restore samples/FashionMnist/FashionMnist.csproj --nologo -v q
if [ $# -eq 0 ]; then set -- --model cnn --epochs 10 --threads 2; fi
exec dotnet run -c Release --project samples/FashionMnist -- "$@"
