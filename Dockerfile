# syntax=docker/dockerfile:1
# piaudit container image: a multi-stage build (Rust builder, then a small
# Debian runtime), running as a non-root user with `piaudit` as entrypoint.
# The rules, taxonomy and report templates are embedded in the binary
# (build.rs), so the image holds nothing else of piaudit's. git is there for
# `scan --diff-base`.
#
#   docker build -t piaudit .
#   docker run --rm -u "$(id -u):$(id -g)" -v "$PWD:/src" piaudit scan . --out piaudit-report
#
# The binary is built by scripts/release.sh (locked dependencies, remapped
# paths, SOURCE_DATE_EPOCH), as the release archives are.

ARG RUST_VERSION=1.95
ARG DEBIAN=bookworm

FROM rust:${RUST_VERSION}-slim-${DEBIAN} AS build
ARG SOURCE_DATE_EPOCH=0
WORKDIR /build/piaudit
# Dependencies first, so a source change does not fetch them again.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo fetch --locked \
    && rm -rf src
COPY . .
RUN SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" PIAUDIT_DIST=/build/dist \
      CARGO_TARGET_DIR=/build/target scripts/release.sh "$(uname -m)" \
    && mkdir /out \
    && tar -xzf /build/dist/piaudit-*.tar.gz -C /out --strip-components=1 \
    && /out/piaudit --version

FROM debian:${DEBIAN}-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*' \
    && groupadd --system --gid 10001 piaudit \
    && useradd --system --uid 10001 --gid piaudit --home-dir /nonexistent \
         --no-create-home --shell /usr/sbin/nologin piaudit
COPY --from=build /out/piaudit /usr/local/bin/piaudit
LABEL org.opencontainers.image.title="piaudit" \
      org.opencontainers.image.description="Personal-information data-flow compliance auditor for China's PIPL, DSL and CSL" \
      org.opencontainers.image.licenses="Apache-2.0"
USER 10001:10001
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/piaudit"]
CMD ["--help"]
