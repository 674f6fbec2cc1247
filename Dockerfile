# sigmaforge container image: a static musl binary on an empty base.
#
# Used two ways:
#   * `runs.image: Dockerfile` in action.yml (the runner builds this on every job: slow, but
#     needs no registry), and
#   * the release pipeline, which builds it once, pushes it to GitHub's container registry and
#     pins `docker://<registry>/<owner>/sigmaforge@sha256:...` in action.yml (see docs/action.md).
#
# Do not add a USER instruction: docker actions must run as root to use the mounted workspace
# and file-command files.

# The build image is pinned by digest (of the multi-arch index), so a re-pushed tag cannot change
# what we build with. Tag and digest change together: run scripts/update-image-digest.sh (it
# resolves the tag's current digest with docker buildx, crane or skopeo and rewrites this line).
# Cargo's `rust-version` check stops a build whose image has another toolchain.
ARG BUILD_IMAGE=rust:1.95-slim-bookworm@sha256:d7482085ff5b415f84dba5647ae71606650bdef00db7aeb69f4b3d170c3e4082

FROM ${BUILD_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools file ca-certificates \
 && rm -rf /var/lib/apt/lists/*
RUN rustup target add x86_64-unknown-linux-musl
WORKDIR /src
# The whole source tree: the binary may embed data (configs, ATT&CK tables) from outside src/.
COPY . .
ENV CARGO_TARGET_DIR=/target \
    CC_x86_64_unknown_linux_musl=musl-gcc
# Builds with --locked, checks the binary is static and under its size budget, then lays out the
# image's file system (binary, CA bundle, /tmp with mode 1777) in /out/root.
RUN scripts/build-musl.sh \
 && scripts/image-rootfs.sh /target/x86_64-unknown-linux-musl/dist/sigmaforge \
        /etc/ssl/certs/ca-certificates.crt /out/root

# The final stage. scripts/image-smoke.sh (CI) builds exactly these lines from a prebuilt binary,
# replacing only the COPY source: keep it one COPY of the whole tree.
FROM scratch
# octocrab/rustls loads the system roots and fails without a bundle, even for http:// URLs.
# GHES with a private CA: mount or bake your bundle and point SSL_CERT_FILE at it.
COPY --from=build /out/root/ /
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    TMPDIR=/tmp
ENTRYPOINT ["/usr/local/bin/sigmaforge"]
CMD ["run"]
