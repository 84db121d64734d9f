#!/usr/bin/env bash
# Installs iotrace-native under PREFIX: the binary, its man page and its shell completions, the last two
# generated from the command's own definitions (swift-argument-parser), so they cannot drift from it.
#
#   Scripts/install.sh PREFIX          e.g. Scripts/install.sh /usr/local  or  Scripts/install.sh ~/.local
#
#   PREFIX/bin/iotrace-native
#   PREFIX/share/man/man1/iotrace-native.1                         (swift package plugin generate-manual)
#   PREFIX/share/bash-completion/completions/iotrace-native        (--generate-completion-script bash)
#   PREFIX/share/zsh/site-functions/_iotrace-native                (... zsh)
#   PREFIX/share/fish/vendor_completions.d/iotrace-native.fish     (... fish)
#
# IOTRACE_BINARY=PATH installs that binary (say dist/iotrace-native from Scripts/build-static.sh) instead of
# building one; IOTRACE_CONFIGURATION (release) is the build the man page is generated from.
# IOTRACE_GENERATE_MANUAL=PATH runs that generate-manual tool (what the plugin runs, built as
# .build/CONFIG/generate-manual-tool) on the binary directly, without SwiftPM (the tests do, inside `swift test`,
# which holds the package's lock).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: Scripts/install.sh PREFIX" >&2; exit 2; }
prefix=$1
cd "$(dirname "$0")/.."
configuration=${IOTRACE_CONFIGURATION:-release}

binary=${IOTRACE_BINARY:-}
if [ -z "$binary" ]; then
    swift build -c "$configuration" --product iotrace-native
    binary=$(swift build -c "$configuration" --show-bin-path)/iotrace-native
fi
[ -x "$binary" ] || { echo "install: $binary is not an executable" >&2; exit 1; }

if [ -n "${IOTRACE_GENERATE_MANUAL:-}" ]; then
    manuals=$(mktemp -d)
    "$IOTRACE_GENERATE_MANUAL" "$binary" --output-directory "$manuals"
else
    manuals=.build/plugins/GenerateManual/outputs/iotrace-native
    swift package plugin generate-manual --configuration "$configuration" >/dev/null
fi
[ -f "$manuals/iotrace-native.1" ] || { echo "install: the man page was not generated" >&2; exit 1; }

install -D -m 0755 "$binary" "$prefix/bin/iotrace-native"
install -D -m 0644 "$manuals/iotrace-native.1" "$prefix/share/man/man1/iotrace-native.1"
completions=$(mktemp -d)
trap 'rm -rf "$completions"' EXIT
for shell in bash zsh fish; do
    "$prefix/bin/iotrace-native" --generate-completion-script "$shell" > "$completions/$shell"
done
install -D -m 0644 "$completions/bash" "$prefix/share/bash-completion/completions/iotrace-native"
install -D -m 0644 "$completions/zsh" "$prefix/share/zsh/site-functions/_iotrace-native"
install -D -m 0644 "$completions/fish" "$prefix/share/fish/vendor_completions.d/iotrace-native.fish"
echo "install: iotrace-native $("$prefix/bin/iotrace-native" --version) in $prefix (binary, man page, bash/zsh/fish completions)"
