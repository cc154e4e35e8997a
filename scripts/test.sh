#!/usr/bin/env bash
# The whole test suite, from a fresh clone: restores packages and runs every test project.
# Usage: scripts/test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet test KerasNet.sln -c Release --nologo "$@"
