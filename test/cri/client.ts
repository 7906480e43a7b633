/**
 * A kubelet's view of a container runtime: the CRI v1 RuntimeService calls
 * that give a pod its network (run, status, stop, remove a pod sandbox), over
 * gRPC on the runtime's unix socket. Test tooling, not part of the plugins.
 */
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const PROTO = join(import.meta.dirname, "runtime-v1.proto");

type Protocol = "TCP" | "UDP" | "SCTP";

export interface PortMapping {
  protocol?: Protocol;
  containerPort: number;
  hostPort: number;
  hostIp?: string;
}

interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt?: number;
}

/** What kubelet sends in RunPodSandbox for one pod (the fields a network cares about). */
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname?: string;
  logDirectory?: string;
  portMappings?: PortMapping[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  linux?: { cgroupParent?: string; sysctls?: Record<string, string> };
}

interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata;
  state: "SANDBOX_READY" | "SANDBOX_NOTREADY";
  createdAt: string;
  network: { ip: string; additionalIps: { ip: string }[] } | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PodSandboxStatusResponse {
  status: PodSandboxStatus;
  /** Verbose only: runtime-specific JSON strings (containerd: key `info`). */
  info: Record<string, string>;
}

interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

export interface StatusResponse {
  status: { conditions: RuntimeCondition[] };
  info: Record<string, string>;
}

export interface VersionResponse {
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxStatus["state"];
  labels: Record<string, string>;
}

type Unary = (request: unknown, options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, response: any) => void) => void;

let serviceConstructor: grpc.ServiceClientConstructor | undefined;

function runtimeService(): grpc.ServiceClientConstructor {
  if (!serviceConstructor) {
    const definition = protoLoader.loadSync(PROTO, { longs: String, enums: String, defaults: true, oneofs: true });
    const root = grpc.loadPackageDefinition(definition) as any;
    serviceConstructor = root.runtime.v1.RuntimeService as grpc.ServiceClientConstructor;
  }
  return serviceConstructor;
}

/** A CRI RuntimeService client bound to one runtime socket. */
export class CriClient {
  readonly #client: grpc.Client;
  readonly socket: string;

  /** @param socket path of the runtime's gRPC unix socket. */
  constructor(socket: string) {
    this.socket = socket;
    const Service = runtimeService();
    this.#client = new Service(`unix://${socket}`, grpc.credentials.createInsecure());
  }

  #call<T>(method: string, request: unknown, timeoutMs = 60_000): Promise<T> {
    const fn = (this.#client as unknown as Record<string, Unary>)[method]!.bind(this.#client);
    return new Promise((resolve, reject) => {
      fn(request, { deadline: Date.now() + timeoutMs }, (err, response) => {
        if (err) reject(new Error(`CRI ${method}: ${err.details || err.message}`, { cause: err }));
        else resolve(response as T);
      });
    });
  }

  version(): Promise<VersionResponse> {
    return this.#call("Version", { version: "v1" });
  }

  status(verbose = false): Promise<StatusResponse> {
    return this.#call("Status", { verbose });
  }

  /** @returns the new sandbox's id. */
  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const response = await this.#call<{ podSandboxId: string }>("RunPodSandbox", { config });
    return response.podSandboxId;
  }

  podSandboxStatus(id: string, verbose = false): Promise<PodSandboxStatusResponse> {
    return this.#call("PodSandboxStatus", { podSandboxId: id, verbose });
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.#call("StopPodSandbox", { podSandboxId: id });
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.#call("RemovePodSandbox", { podSandboxId: id });
  }

  /** Every sandbox the runtime knows, ready or not. */
  async listPodSandbox(): Promise<PodSandbox[]> {
    const response = await this.#call<{ items: PodSandbox[] }>("ListPodSandbox", {});
    return response.items;
  }

  /** Resolves once the runtime answers Version (it is up), or rejects after `timeoutMs`. */
  async waitReady(timeoutMs = 20_000): Promise<VersionResponse> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await this.#call<VersionResponse>("Version", { version: "v1" }, 2_000);
      } catch (err) {
        if (Date.now() > until) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  close(): void {
    this.#client.close();
  }
}
