# syntax=docker/dockerfile:1
# wabagate's container image:  docker build -t wabagate .
#
# Built in the Rust image, with the cargo registry and the target dir in BuildKit cache
# mounts, so a rebuild after a source change compiles only wabagate's own crates again; run
# from debian:bookworm-slim (the builder's glibc) as a non-root user. The HTTPS clients carry
# their own roots (webpki-roots); Redis over TLS (rediss://) checks the system's, so the image
# has Debian's CA bundle.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-bookworm AS builder
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --package wabagate \
    && install -D -m 0755 target/release/wabagate /out/wabagate

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
# A system user whose home is the data dir (0700: the master key and the SQLite database, when
# they are not elsewhere, live there).
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /var/lib/wabagate \
        --shell /usr/sbin/nologin wabagate \
    && install -d -m 0700 -o wabagate -g wabagate /var/lib/wabagate
COPY --from=builder /out/wabagate /usr/local/bin/wabagate
# Numeric, so Kubernetes' runAsNonRoot can check it.
USER 10001:10001
ENV WABAGATE_LISTEN=0.0.0.0:8080 \
    WABAGATE_DATA_DIR=/var/lib/wabagate \
    WABAGATE_LOG_FORMAT=json
VOLUME ["/var/lib/wabagate"]
EXPOSE 8080
# The binary is its own probe (the image has no curl): exit 0 when /healthz answers 200.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/wabagate", "healthcheck", "--url", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/local/bin/wabagate"]
CMD ["serve"]
