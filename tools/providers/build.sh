#!/usr/bin/env bash
# Builds the real Terraform providers the tests validate and plan the synthesized stacks with, from the Go module
# proxy (the machines have no access to the Terraform registry), and installs them as a filesystem mirror:
#   GitHub  integrations/github 6.6.0  from ./github (requires the provider's v6 module at v6.6.0)
#   Docker  kreuzwerker/docker  4.6.0  from ./docker (the v4.6 line's commit, through a replace: see its go.mod)
# plus OpenTofu when no `terraform` is on PATH. Binaries are cached outside the repository, keyed by version and by
# the wrapper module's go.sum, so a second run skips the builds. Writes the test-only Terraform CLI config the tests
# read (TF_CLI_CONFIG_FILE): the mirror for these two providers, direct installation for the rest.
# What users get does not change: their stacks name the registry sources and the same exact versions.
#
# Environment: WTFB_CACHE_DIR (default ~/.cache/wtfb-deploy), WTFB_PROVIDER_MIRROR (default $WTFB_CACHE_DIR/providers),
# WTFB_TERRAFORM_CLI_CONFIG (default $WTFB_CACHE_DIR/terraform-test.tfrc), WTFB_BUILD_OPENTOFU=1 to build OpenTofu
# even when terraform is on PATH.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cache="${WTFB_CACHE_DIR:-$HOME/.cache/wtfb-deploy}"
mirror="${WTFB_PROVIDER_MIRROR:-$cache/providers}"
cli_config="${WTFB_TERRAFORM_CLI_CONFIG:-$cache/terraform-test.tfrc}"
stamps="$cache/stamps"
bin="$cache/bin"

readonly GITHUB_VERSION=6.6.0
readonly DOCKER_VERSION=4.6.0
readonly OPENTOFU_VERSION=1.12.6

# The wrapper modules need Go 1.24 (github), 1.25.8 (docker), 1.26.6 (OpenTofu); Go 1.21 or later fetches a newer
# toolchain itself when a module needs one. (Debian 12's golang-go is 1.19.)
if ! command -v go >/dev/null 2>&1; then
  echo "tools/providers/build.sh: go is not installed; install Go 1.26 (or 1.21 or later, which fetches it) to build the Terraform providers" >&2
  exit 1
fi
go_minor="$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
if ! [ "$go_minor" -ge 21 ] 2>/dev/null; then
  echo "tools/providers/build.sh: $(go env GOVERSION) is too old; install Go 1.26 (or 1.21 or later, which fetches it) to build the Terraform providers" >&2
  exit 1
fi
platform="$(go env GOOS)_$(go env GOARCH)"
mkdir -p "$mirror" "$stamps" "$bin" "$(dirname "$cli_config")"
# The wrapper modules' go.sum files are the only source of module versions: never update them while building.
export GOFLAGS="-mod=readonly -trimpath"

# Builds one Go main package of a wrapper module into a file, unless that file exists and was built from the same
# go.sum (the cache key besides the version in the path).
build() {
  local label="$1" module="$2" package="$3" target="$4"
  local key stamp
  key="$(sha256sum "$here/$module/go.sum" | cut -d' ' -f1)"
  stamp="$stamps/$(basename "$target").sha256"
  if [ -x "$target" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ]; then
    echo "$label: cached at $target"
    return
  fi
  local started=$SECONDS
  mkdir -p "$(dirname "$target")"
  (cd "$here/$module" && go build -ldflags="-s -w" -o "$target.partial" "$package")
  mv "$target.partial" "$target"
  echo "$key" >"$stamp"
  echo "$label: built in $((SECONDS - started)) s into $target"
}

provider_dir() {
  echo "$mirror/registry.terraform.io/$1/$2/$platform"
}

build "github provider $GITHUB_VERSION" github github.com/integrations/terraform-provider-github/v6 \
  "$(provider_dir integrations/github "$GITHUB_VERSION")/terraform-provider-github_v$GITHUB_VERSION"
build "docker provider $DOCKER_VERSION" docker github.com/terraform-providers/terraform-provider-docker \
  "$(provider_dir kreuzwerker/docker "$DOCKER_VERSION")/terraform-provider-docker_v$DOCKER_VERSION"
# OpenTofu resolves the same sources on its own registry's host name: the mirror answers for both (with hard links:
# neither tool follows a symbolic link while scanning a mirror).
for built in "$mirror"/registry.terraform.io/*/*/*/"$platform"/terraform-provider-*; do
  twin="$mirror/registry.opentofu.org/${built#"$mirror"/registry.terraform.io/}"
  mkdir -p "$(dirname "$twin")"
  ln -f "$built" "$twin" 2>/dev/null || cp -f "$built" "$twin"
done

if ! command -v terraform >/dev/null 2>&1 || [ "${WTFB_BUILD_OPENTOFU:-}" = 1 ]; then
  build "opentofu $OPENTOFU_VERSION" opentofu github.com/opentofu/opentofu/cmd/tofu "$bin/tofu-$OPENTOFU_VERSION"
  ln -sfn "tofu-$OPENTOFU_VERSION" "$bin/tofu"
fi

mirrored=(integrations/github kreuzwerker/docker)
addresses=""
for source in "${mirrored[@]}"; do
  for host in registry.terraform.io registry.opentofu.org; do
    addresses+="\"$host/$source\", "
  done
done
addresses="[${addresses%, }]"
cat >"$cli_config.partial" <<EOF
# Written by tools/providers/build.sh for the tests only (TF_CLI_CONFIG_FILE): the providers built from the Go
# module proxy come from the mirror, every other provider from its registry.
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = $addresses
  }
  direct {
    exclude = $addresses
  }
}
EOF
mv "$cli_config.partial" "$cli_config"

# No plugin cache: from an unpacked mirror, terraform init links each provider's directory (0.2 s), and a shared plugin
# cache is rewritten by every init without a lock file, which broke the tests' concurrent plans. One init checks that
# the mirror serves both providers to the terraform (or tofu) the tests run.
terraform_binary="$(command -v terraform || echo "$bin/tofu")"
warm="$(mktemp -d)"
trap 'rm -rf "$warm"' EXIT
cat >"$warm/main.tf.json" <<EOF
{"terraform": {"required_providers": {
  "github": {"source": "integrations/github", "version": "$GITHUB_VERSION"},
  "docker": {"source": "kreuzwerker/docker", "version": "$DOCKER_VERSION"}}}}
EOF
(cd "$warm" && TF_CLI_CONFIG_FILE="$cli_config" CHECKPOINT_DISABLE=1 "$terraform_binary" init -backend=false -input=false -no-color >/dev/null)
echo "terraform CLI config for the tests: $cli_config (checked with $(basename "$terraform_binary") init)"
