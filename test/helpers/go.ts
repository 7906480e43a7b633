/**
 * Running Debian's Go offline: GOPATH mode over /usr/share/gocode (where
 * Debian's golang-*-dev packages put their sources), no module proxy, a
 * build cache outside the tree.
 */

/** The environment for `go build` / `go run` of a program in this repository. */
export function goEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/root",
    GO111MODULE: "off",
    GOPATH: "/usr/share/gocode",
    GOCACHE: "/tmp/cnits-gocache",
    GOFLAGS: "",
    CGO_ENABLED: "0",
  };
}
