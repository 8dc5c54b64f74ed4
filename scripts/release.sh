#!/usr/bin/env bash
# Reproducible release build of piaudit: one archive per Linux target plus
# SHA256SUMS, in dist/ (or $PIAUDIT_DIST).
#
#   scripts/release.sh                 # x86_64 and aarch64, musl where possible
#   scripts/release.sh x86_64-unknown-linux-gnu   # only the targets named
#
# Per architecture the static musl target is preferred; when its standard
# library is not installed (`rustup target list --installed`) the script
# falls back to the glibc target of that architecture and says so. It never
# downloads a toolchain: a target that cannot be built here is skipped with
# the command that would make it buildable. The archives are
#   piaudit-<version>-<target>.tar.gz   (piaudit-<version>-<target>/piaudit,
#                                        README.md, docs/ci.md)
# the names the CI templates (`piaudit init --ci`) and action.yml look for.
#
# Reproducible: `cargo build --locked`, SOURCE_DATE_EPOCH from the last
# commit (or the environment), build paths remapped (--remap-path-prefix) so
# neither the checkout nor the cargo home ends up in the binary, symbols
# stripped, and archives with sorted names, fixed owner and mtime and no
# gzip timestamp. Two runs from the same commit with the same toolchain give
# the same SHA256SUMS.
#
# 可复现的发布构建：每个目标一个压缩包及 SHA256SUMS；优先静态 musl 目标，缺失时退回
# glibc 目标并给出提示；不下载任何工具链。
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

say() { printf 'release: %s\n' "$*" >&2; }

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[ -n "$version" ] || { say "cannot read the version from Cargo.toml"; exit 2; }

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || echo 0)
fi
export SOURCE_DATE_EPOCH
dist=${PIAUDIT_DIST:-$root/dist}
target_dir=${CARGO_TARGET_DIR:-$root/target}
cargo_home=${CARGO_HOME:-$HOME/.cargo}
rustup_home=${RUSTUP_HOME:-$HOME/.rustup}

installed=$(rustup target list --installed 2>/dev/null || rustc -vV | sed -n 's/^host: //p')
host=$(rustc -vV | sed -n 's/^host: //p')
has_target() { printf '%s\n' "$installed" | grep -qx "$1"; }

# The C compiler/linker a cross target needs (none for the host's own arch).
linker_for() {
  case "$1" in
    "$host") return 0 ;;
    x86_64-*-linux-*) [ "${host%%-*}" = x86_64 ] && return 0; echo x86_64-linux-gnu-gcc ;;
    aarch64-*-linux-*) [ "${host%%-*}" = aarch64 ] && return 0; echo aarch64-linux-gnu-gcc ;;
  esac
}

# Which target to build for one requested target or architecture.
resolve() {
  local want=$1 arch musl gnu
  case "$want" in
    *-unknown-linux-*) arch=${want%%-*} ;;
    *) arch=$want ;;
  esac
  musl="$arch-unknown-linux-musl"
  gnu="$arch-unknown-linux-gnu"
  if [ "$want" = "$gnu" ]; then
    has_target "$gnu" && echo "$gnu"
    return 0
  fi
  if has_target "$musl"; then
    echo "$musl"
  elif has_target "$gnu"; then
    say "$musl is not installed (rustup target add $musl); building $gnu instead:" \
        "dynamically linked against glibc, runs on glibc distributions only"
    echo "$gnu"
  fi
}

requested=("$@")
[ ${#requested[@]} -gt 0 ] || requested=(x86_64 aarch64)

mkdir -p "$dist"
rm -f "$dist"/piaudit-"$version"-*.tar.gz "$dist/SHA256SUMS"
built=()
missing=()
for want in "${requested[@]}"; do
  target=$(resolve "$want")
  if [ -z "$target" ]; then
    say "skipped $want: no Rust standard library for it here" \
        "(rustup target add ${want%%-*}-unknown-linux-musl)"
    missing+=("$want")
    continue
  fi
  linker=$(linker_for "$target")
  env_linker=()
  if [ -n "$linker" ]; then
    if ! command -v "$linker" >/dev/null 2>&1; then
      say "skipped $target: cross linker $linker not found" \
          "(Debian: apt-get install gcc-${linker%-gcc})"
      missing+=("$target")
      continue
    fi
    var=$(printf '%s' "$target" | tr 'a-z-' 'A-Z_')
    env_linker=("CARGO_TARGET_${var}_LINKER=$linker" "CC_${target//-/_}=$linker")
  fi
  say "building $target (version $version, SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH)"
  rustflags="--remap-path-prefix=$root=/build/piaudit"
  rustflags+=" --remap-path-prefix=$cargo_home=/cargo"
  rustflags+=" --remap-path-prefix=$rustup_home=/rustup"
  rustflags+=" --remap-path-prefix=$target_dir=/build/target"
  case "$target" in
    *-musl) rustflags+=" -C target-feature=+crt-static" ;;
  esac
  env "${env_linker[@]}" \
    RUSTFLAGS="$rustflags" \
    CARGO_TARGET_DIR="$target_dir" \
    CARGO_PROFILE_RELEASE_STRIP=symbols \
    CARGO_PROFILE_RELEASE_DEBUG=0 \
    CARGO_INCREMENTAL=0 \
    cargo build --release --locked --target "$target" --bin piaudit

  name="piaudit-$version-$target"
  stage=$(mktemp -d)
  mkdir -p "$stage/$name/docs"
  cp "$target_dir/$target/release/piaudit" "$stage/$name/piaudit"
  cp README.md "$stage/$name/"
  cp docs/ci.md "$stage/$name/docs/"
  chmod 0755 "$stage/$name/piaudit"
  chmod 0644 "$stage/$name/README.md" "$stage/$name/docs/ci.md"
  tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
      --mode='u+rwX,go+rX,go-w' \
      --format=gnu -C "$stage" -cf - "$name" | gzip -9n > "$dist/$name.tar.gz"
  rm -rf "$stage"
  built+=("$name.tar.gz")
done

if [ ${#built[@]} -eq 0 ]; then
  say "nothing built"
  exit 1
fi
(cd "$dist" && sha256sum "${built[@]}" > SHA256SUMS)
say "wrote $dist/SHA256SUMS:"
cat "$dist/SHA256SUMS" >&2
if [ ${#missing[@]} -gt 0 ]; then
  say "not built here: ${missing[*]}"
fi
