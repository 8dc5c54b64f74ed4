# piaudit: install the pinned release binary (cached, SHA-256 checked).
# Environment: PIAUDIT_VERSION (required, e.g. 0.1.0), PIAUDIT_SHA256 (the
# archive's SHA-256; recommended: pins it beyond the release's SHA256SUMS),
# PIAUDIT_RELEASE_URL (where the v<version>/ release folders are),
# PIAUDIT_HOME (cache, default ~/.cache/piaudit). Needs curl, sha256sum, tar.
# 安装固定版本的 piaudit 发布二进制文件（缓存，并校验 SHA-256）。
set -eu
: "${PIAUDIT_VERSION:?set PIAUDIT_VERSION to the release to use, e.g. 0.1.0}"
url="${PIAUDIT_RELEASE_URL:-https://github.com/piaudit/piaudit/releases/download}/v$PIAUDIT_VERSION"
home="${PIAUDIT_HOME:-$HOME/.cache/piaudit}/$PIAUDIT_VERSION"
if "$home/piaudit" --version >/dev/null 2>&1; then
  echo "piaudit: cached $home/piaudit"
else
  case "$(uname -m)" in
    x86_64|amd64) arch=x86_64 ;;
    aarch64|arm64) arch=aarch64 ;;
    *) echo "piaudit: no release binary for $(uname -m); use the container image" >&2; exit 2 ;;
  esac
  tmp="$(mktemp -d)"
  curl -fsSL --retry 3 -o "$tmp/SHA256SUMS" "$url/SHA256SUMS"
  archive=""
  for libc in musl gnu; do
    name="piaudit-$PIAUDIT_VERSION-$arch-unknown-linux-$libc.tar.gz"
    if awk -v n="$name" '$2 == n { found = 1 } END { exit !found }' "$tmp/SHA256SUMS"; then
      archive="$name"
      break
    fi
  done
  if [ -z "$archive" ]; then
    echo "piaudit: release v$PIAUDIT_VERSION has no Linux $arch archive in $url/SHA256SUMS" >&2
    exit 2
  fi
  curl -fsSL --retry 3 -o "$tmp/$archive" "$url/$archive"
  (cd "$tmp" && awk -v n="$archive" '$2 == n' SHA256SUMS | sha256sum -c -)
  if [ -n "${PIAUDIT_SHA256:-}" ]; then
    (cd "$tmp" && echo "$PIAUDIT_SHA256  $archive" | sha256sum -c -)
  fi
  tar -xzf "$tmp/$archive" -C "$tmp"
  mkdir -p "$home"
  mv "$tmp/${archive%.tar.gz}/piaudit" "$home/piaudit"
  rm -rf "$tmp"
fi
if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$home" >> "$GITHUB_PATH"
fi
export PATH="$home:$PATH"
piaudit --version
