/**
 * Test-only crash injection. A named step calls `faultPoint("bridge:after-veth")`;
 * when the environment variable `CNI_TS_TEST_KILL_AT` names that step, the
 * process kills itself with SIGKILL right there, as a runtime's timeout
 * would. Inert (one env lookup) unless the variable is set; the crash tests
 * in test/reliability/ set it. Setting it needs the same privileges as
 * running the plugin, so it grants nothing.
 *
 * @module
 */

/** The environment variable naming the step to die at. */
const KILL_AT_ENV = "CNI_TS_TEST_KILL_AT";

/**
 * Die by SIGKILL if `CNI_TS_TEST_KILL_AT` equals `step`; otherwise do nothing.
 *
 * @param step a stable `<plugin>:<where>` name, e.g. `"bridge:after-veth"`
 * @example faultPoint("host-local:after-claim");
 */
export function faultPoint(step: string): void {
  if (process.env[KILL_AT_ENV] === step) process.kill(process.pid, "SIGKILL");
}
