// Crash injection for test/reliability: SIGKILL at a named step, as a runtime's timeout would.
// Setting the variable needs the privileges of running the plugin, so it grants nothing.

/** The environment variable naming the step to die at. */
const KILL_AT_ENV = "CNI_TS_TEST_KILL_AT";

/** @param step a stable `<plugin>:<where>` name, e.g. `"bridge:after-veth"` */
export function faultPoint(step: string): void {
  if (process.env[KILL_AT_ENV] === step) process.kill(process.pid, "SIGKILL");
}
