/**
 * Bridge ADD: pure decisions first, then effects in the reference's order, each pushing its undo.
 * A failed ADD undoes them all, IPAM included (the reference keeps most: docs/REFERENCE.md gap 3);
 * the bridge, forwarding and promiscuous mode are shared node state and stay.
 */
import { logStep } from "../../src/debug-log/debug-log.ts";
import { IpamError } from "../../src/errors.ts";
import { assertDelegable, delegateIpam } from "../../src/delegation/delegate.ts";
import { faultPoint } from "../../src/fault-injection.ts";
import { setupMasquerade, teardownMasquerade } from "../../src/netfilter/masquerade.ts";
import { setupMacSpoofCheck, teardownMacSpoofCheck } from "../../src/netfilter/spoofcheck.ts";
import { deleteLink, getLinkByIndex, getLinkByName, listLinks, setLinkUp, type Link } from "../../src/netlink/link.ts";
import { RtnlSocket } from "../../src/netlink/socket.ts";
import { withNetns, type NetnsHandle } from "../../src/netns/netns.ts";
import type { CmdArgs, RawConf } from "../../src/skel/types.ts";
import type { IpConfig, Result, Route } from "../../src/types/result.ts";
import { calcGateways } from "./calc-gateways.ts";
import { loadAddSettings } from "./config.ts";
import { configureIface, podSysctls, writePodSysctls } from "./configure-iface.ts";
import { enableForwarding, ensureGatewayAddrs, ensureVlanGatewayIface } from "./gateway-addr.ts";
import { assertMasqToolsInstalled } from "./masq-tools.ts";
import { buildResult } from "./result.ts";
import { UndoList } from "./undo.ts";
import { configureHostPort, ensureBridge, kernel, openPodNetns, planPortVlans, setupVeth, waitForPortUp } from "./links.ts";

/**
 * @returns the 1.1.0 result (the skeleton prints it in the config's version)
 * @throws {CniError} from any step, after rolling back what was done
 */
export async function cmdAdd(args: CmdArgs, raw: RawConf): Promise<Result> {
  const s = loadAddSettings(args, raw);
  if (s.ipamType) assertDelegable(s.ipamType, args);
  if (s.ipMasq && s.ipamType) assertMasqToolsInstalled(s.ipMasqBackend);
  const portVlans = planPortVlans(s.vlan, s.trunkVids, s.preserveDefaultVlan);
  logStep("config", { bridge: s.bridgeName, ipam: s.ipamType, vlan: s.vlan });

  const undo = new UndoList();
  let completed = false;
  const host = RtnlSocket.open();
  let podNs: NetnsHandle | undefined;
  let pod: RtnlSocket | undefined;
  try {
    const bridge = ensureBridge(host, s).link;
    logStep("ensureBridge", { bridge: bridge.name, index: bridge.index });
    faultPoint("bridge:after-bridge");
    const podNetns = openPodNetns(args.netns);
    podNs = podNetns;
    // One visit to the pod: its socket, the veth (made over the host socket) and the sysctls
    // that do not depend on the addresses. Nothing in the window execs or waits.
    const earlySysctls = s.ipamType ? podSysctls(args.ifName, false, s.enableDad) : [];
    const { veth, podSocket } = withNetns(podNetns, () => {
      const podSocket = RtnlSocket.open();
      pod = podSocket;
      const veth = setupVeth(host, podSocket, {
        ifName: args.ifName,
        podNetns,
        bridgeIndex: bridge.index,
        mtu: s.mtu,
        mac: s.mac,
        onCreated: (hostName) =>
          undo.push(`delete veth ${hostName}`, () => {
            const l = getLinkByName(host, hostName);
            if (l) deleteLink(host, l.index);
          }),
      });
      writePodSysctls(earlySysctls);
      return { veth, podSocket };
    });
    configureHostPort(host, {
      index: veth.host.index,
      name: veth.host.name,
      hairpin: s.hairpinMode,
      isolated: s.portIsolation,
      vlans: portVlans,
    });
    logStep("setupVeth", { host: veth.host.name, container: args.ifName });
    faultPoint("bridge:after-veth");

    if (s.macspoofchk) {
      const target = { containerId: args.containerId, ifName: args.ifName };
      setupMacSpoofCheck({ ...target, hostVeth: veth.host.name, mac: veth.container.mac });
      undo.push("remove mac spoof check rules", () => teardownMacSpoofCheck(target));
      logStep("macSpoofCheck");
      faultPoint("bridge:after-spoofcheck");
    }

    let ips: IpConfig[] = [];
    let routes: Route[] = [];
    let ipamDns: Result["dns"];
    let vlanIface: Link | undefined;
    if (s.ipamType) {
      const ipamResult = await delegateIpam("ADD", s.ipamType, args, raw);
      logStep("ipam", { type: s.ipamType, ips: ipamResult?.ips?.map((ip) => ip.address) });
      faultPoint("bridge:after-ipam");
      undo.push("release the IPAM allocation", async () => {
        await delegateIpam("DEL", s.ipamType, args, raw);
      });
      if (!ipamResult?.ips?.length) throw new IpamError("IPAM plugin returned missing IP config");
      const plan = calcGateways(ipamResult.ips, ipamResult.routes ?? [], s);
      ips = plan.ips;
      routes = plan.routes;
      ipamDns = ipamResult.dns;

      configureIface(podSocket, {
        podNetns,
        ifName: args.ifName,
        index: veth.container.index,
        ips,
        routes,
        enableDad: s.enableDad,
        sysctlsWritten: new Set(earlySysctls.map((e) => e.key)),
      });
      logStep("configureIface", { routes: routes.length });
      faultPoint("bridge:after-pod-iface");

      if (plan.gateways.length > 0) {
        const target = s.vlan !== 0 ? ensureVlanGatewayIface(host, bridge, s.vlan, s.preserveDefaultVlan, undo) : bridge;
        if (s.vlan !== 0) vlanIface = target;
        // Other pods' ports (not ours, not the `<bridge>.<vlan>` pair's own port).
        const isVlanPeer = (l: Link) => target !== bridge && l.linkNetnsId === undefined && l.linkIndex === target.index;
        const inUseByOthers = () => listLinks(host).some((l) => l.masterIndex === bridge.index && l.index !== veth.host.index && !isVlanPeer(l));
        ensureGatewayAddrs(host, target, plan.gateways, s.forceAddress, undo, inUseByOthers);
        enableForwarding(new Set(plan.gateways.map((g) => g.family)));
        logStep("gateway", { on: target.name, gateways: plan.gateways.length });
        faultPoint("bridge:after-gateway");
      }

      if (s.ipMasq) {
        const target = { network: s.name, containerId: args.containerId, ifName: args.ifName };
        undo.push("remove masquerade rules", () => teardownMasquerade(target));
        setupMasquerade(
          target,
          s.ipMasqBackend,
          ips.map((ip) => ip.address),
        );
        logStep("masquerade", { backend: s.ipMasqBackend ?? "auto" });
        faultPoint("bridge:after-masquerade");
      }
    } else if (!s.disableContainerInterface) {
      try {
        setLinkUp(podSocket, veth.container.index);
      } catch (err) {
        throw kernel(`failed to set "${args.ifName}" up`, err);
      }
    }

    if (!s.disableContainerInterface) {
      waitForPortUp(host, veth.host.index);
      logStep("waitForPortUp");
    }

    const result = buildResult({
      bridge: { name: bridge.name, mac: (getLinkByIndex(host, bridge.index) ?? bridge).mac },
      // A veth's MAC is fixed at creation; the bridge's follows its ports, so it is read again.
      hostVeth: { name: veth.host.name, mac: veth.host.mac },
      container: { name: args.ifName, mac: veth.container.mac, sandbox: args.netns },
      vlanIface: vlanIface ? { name: vlanIface.name, mac: vlanIface.mac } : undefined,
      ips,
      routes,
      ipamDns,
      confDns: s.dns,
    });
    completed = true;
    faultPoint("bridge:before-result");
    return result;
  } finally {
    if (!completed) await undo.run();
    pod?.close();
    podNs?.close();
    host.close();
  }
}
