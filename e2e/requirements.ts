/** What the end-to-end runs need of the machine, checked before anything starts. */
import { spawnSync } from "child_process";
import { imageBuildMissing, REGISTRY } from "./images";
import { terraformMissing } from "./terraform";

/** Why the e2e runs cannot run here (naming what is missing), or undefined when they can. */
export function e2eMissing(): string | undefined {
  if (process.getuid?.() !== 0) return "the e2e runs need root (they drive the Docker engine and publish ports)";
  if (
    spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { stdio: "ignore", timeout: 20_000 }).status !== 0
  )
    return "no Docker engine answers on unix:///var/run/docker.sock (start dockerd)";
  if (spawnSync("curl", ["--version"], { stdio: "ignore" }).error) return "curl is missing (it checks the registry)";
  const registry = spawnSync("curl", ["-fsS", "--max-time", "5", `http://${REGISTRY}/v2/`], { stdio: "ignore" });
  if (registry.status !== 0) return `no registry answers on http://${REGISTRY}/v2/ (start docker-registry)`;
  return terraformMissing() ?? imageBuildMissing();
}
