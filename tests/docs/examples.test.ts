/**
 * The worked examples of README's "Outgrow one Space" (`docs/examples/`), which cannot run here
 * (they need GPUs, Docker, a cluster): each must parse, use the fields its format has, fit
 * together (the gateway's URL names the engine's service and port; the Service selects the
 * Deployment's pods and targets its port), and give the gateway settings it accepts, in engine
 * mode.
 *
 * @module
 */

import { assert, assertEquals } from "@std/assert";
import { fromFileUrl } from "@std/path";
import { parse, parseAllDocuments } from "yaml";
import { loadConfig } from "../../config.ts";

const read = (name: string) =>
  Deno.readTextFileSync(fromFileUrl(new URL(`../../docs/examples/${name}`, import.meta.url)));

/** `${NAME:?…}`, `${NAME:-…}` and `${NAME}` replaced as compose would, with a stand-in value. */
const substitute = (value: string) =>
  value.replace(/\$\{([A-Z_]+)(:[?-][^}]*)?\}/g, (_, name) => `${name.toLowerCase()}-0123456789`);

// The service keys of the Compose specification that the example uses, and a few more.
const COMPOSE_SERVICE_KEYS = new Set([
  "image",
  "build",
  "command",
  "entrypoint",
  "environment",
  "volumes",
  "ports",
  "ipc",
  "deploy",
  "healthcheck",
  "depends_on",
  "restart",
  "shm_size",
  "networks",
]);

Deno.test("docs/examples/compose.yaml: a compose file of the gateway in front of vLLM", () => {
  const compose = parse(read("compose.yaml"));
  assertEquals(Object.keys(compose).sort(), ["name", "services", "volumes"]);
  assertEquals(Object.keys(compose.services).sort(), ["gateway", "vllm"]);
  for (const [name, service] of Object.entries<Record<string, unknown>>(compose.services)) {
    for (const key of Object.keys(service)) {
      assert(COMPOSE_SERVICE_KEYS.has(key), `services.${name}.${key} is not a compose key`);
    }
  }
  const { vllm, gateway } = compose.services;
  const port = vllm.command[vllm.command.indexOf("--port") + 1];
  assertEquals(gateway.environment.OPENAI_BASE_URL, `http://vllm:${port}/v1`);
  assertEquals(
    gateway.environment.OPENAI_API_KEY,
    vllm.command[vllm.command.indexOf("--api-key") + 1],
  );
  assertEquals(gateway.depends_on.vllm.condition, "service_healthy");
  assertEquals(gateway.build.target, "build");
  assert(
    Deno.readTextFileSync(fromFileUrl(new URL("../../Dockerfile", import.meta.url))).includes(
      "AS build",
    ),
    "the Dockerfile has the build stage the example builds",
  );
  assertEquals(gateway.ports, [`${gateway.environment.PORT}:${gateway.environment.PORT}`]);
  for (const volume of vllm.volumes) assert(volume.split(":")[0] in compose.volumes);

  const env = Object.fromEntries(
    Object.entries<string>(gateway.environment).map(([key, value]) => [key, substitute(value)]),
  );
  const config = loadConfig(env);
  assertEquals(config.engineUrl, "http://vllm:8000/v1");
  assertEquals(config.defaultModel, vllm.command[vllm.command.indexOf("--model") + 1]);
});

Deno.test("docs/examples/kubernetes.yaml: a Deployment and a Service that fit together", () => {
  const documents = parseAllDocuments(read("kubernetes.yaml")).map((document) => {
    assertEquals(document.errors, []);
    return document.toJS();
  });
  assertEquals(documents.map((d) => `${d.apiVersion} ${d.kind}`), [
    "apps/v1 Deployment",
    "v1 Service",
  ]);
  const [deployment, service] = documents;
  assertEquals(deployment.metadata.namespace, service.metadata.namespace);

  const labels = deployment.spec.template.metadata.labels;
  assertEquals(deployment.spec.selector.matchLabels, labels);
  for (const [key, value] of Object.entries(service.spec.selector)) {
    assertEquals(labels[key], value);
  }
  assert(deployment.spec.replicas > 1, "the point is several replicas");

  const [container] = deployment.spec.template.spec.containers;
  const env = Object.fromEntries(
    container.env.map((
      v: { name: string; value?: string },
    ) => [v.name, v.value ?? `${v.name.toLowerCase()}-0123456789`]),
  );
  const [port] = container.ports;
  assertEquals(String(port.containerPort), env.PORT);
  assertEquals(service.spec.ports[0].targetPort, port.name);
  assertEquals(container.livenessProbe.httpGet.port, port.name);
  assertEquals(container.readinessProbe.exec.command, [...container.command, "healthcheck"]);
  assert(
    deployment.spec.template.spec.terminationGracePeriodSeconds > Number(env.SHUTDOWN_GRACE_S),
    "Kubernetes waits longer than the gateway's grace",
  );

  const config = loadConfig(env);
  assertEquals(config.engineUrl, "http://qwen3-predictor.llm.svc.cluster.local/openai/v1");
  assertEquals(config.trustProxy, 1);
});
