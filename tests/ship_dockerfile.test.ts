/**
 * The Dockerfile, `.dockerignore` and the `compile` task, read as text: Docker cannot run on the
 * build machines, so these tests check that what the Space needs is there and that the three
 * agree with each other and with `start.sh`. `docker build` / `docker run` (README, "Deploy") is
 * the manual check.
 */

import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { compileTask, denoTasks, permissionFlags, REPO } from "./support/compile_task.ts";

/** One Dockerfile instruction: `COPY`, and the rest of its line (continuations joined). */
interface Instruction {
  keyword: string;
  args: string;
}

/** A build stage: its `FROM` image, its name, and its instructions after `FROM`. */
interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** The Dockerfile's stages, in order. */
function readStages(): Stage[] {
  const text = Deno.readTextFileSync(join(REPO, "Dockerfile"));
  const lines = text.split("\n").filter((line) => !/^\s*(#|$)/.test(line));
  const instructions = lines.join("\n").replaceAll(/\\\n\s*/g, " ").split("\n")
    .map((line) => line.trim().match(/^(\w+)\s+(.*)$/)!)
    .map(([, keyword, args]) => ({ keyword: keyword.toUpperCase(), args }));
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") {
      const [image, , name] = instruction.args.split(/\s+/);
      stages.push({ image, name, instructions: [] });
    } else {
      assert.ok(stages.length > 0, `${instruction.keyword} before the first FROM`);
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

/** The arguments of every `keyword` instruction of `stage`. */
function argsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** Variables set by the `ENV` instructions of `stage`. */
function envOf(stage: Stage): Record<string, string> {
  const pairs = argsOf(stage, "ENV").flatMap((args) => [...args.matchAll(/(\w+)=(\S+)/g)]);
  return Object.fromEntries(pairs.map(([, name, value]) => [name, value]));
}

/** Position of the first `keyword` instruction of `stage` whose args match `pattern`. */
function indexOf(stage: Stage, keyword: string, pattern: RegExp): number {
  const index = stage.instructions.findIndex((i) => i.keyword === keyword && pattern.test(i.args));
  assert.ok(index >= 0, `no ${keyword} matching ${pattern}`);
  return index;
}

/** `start.sh`'s default for `variable` (`: "${VARIABLE:-default}"`). */
function startShDefault(variable: string): string {
  const script = Deno.readTextFileSync(join(REPO, "start.sh"));
  const match = script.match(new RegExp(`\\$\\{${variable}:-([^}]*)\\}`));
  assert.ok(match, `start.sh has no default for ${variable}`);
  return match[1];
}

const stages = readStages();
const build = stages[0];
const space = stages.at(-1)!;
const compile = compileTask();

Deno.test("the compile task builds main.ts into dist/ollamaspace with the start task's permissions and static/ embedded", () => {
  assert.equal(compile.entry, "main.ts");
  assert.equal(compile.output, "dist/ollamaspace");
  assert.deepEqual(compile.includes, ["static"]);
  assert.ok(Deno.statSync(join(REPO, "static", "chat.html")).isFile);
  assert.ok(compile.permissionFlags.length > 0, "no permission flags");
  assert.deepEqual(compile.permissionFlags, permissionFlags(denoTasks().start));
});

Deno.test("the Dockerfile compiles the binary with the compile task in Deno's image of the CI's version", () => {
  const ciDenoVersion = Deno.readTextFileSync(join(REPO, ".ci", "run"))
    .match(/DENO_VERSION=(\S+)/)?.[1];
  assert.equal(build.image, `denoland/deno:${ciDenoVersion}`);
  assert.equal(build.name, "build");
  assert.deepEqual(argsOf(build, "WORKDIR"), ["/app"]);
  assert.deepEqual(argsOf(build, "RUN"), ["deno task compile"]);
});

Deno.test("the Space stage runs start.sh on ollama/ollama with the compiled binary where start.sh looks", () => {
  assert.ok(stages.length >= 2, "not a multi-stage build");
  assert.match(space.image, /^ollama\/ollama:\d+\.\d+\.\d+$/, "ollama/ollama, pinned");
  const gatewayBin = startShDefault("GATEWAY_BIN");
  assert.ok(
    argsOf(space, "COPY").includes(`--from=build /app/${compile.output} ${gatewayBin}`),
    `the binary is not copied to ${gatewayBin}`,
  );
  assert.ok(argsOf(space, "COPY").includes("--chmod=0755 start.sh /app/start.sh"));
  assert.deepEqual(argsOf(space, "ENTRYPOINT"), ['["/app/start.sh"]']);
  assert.deepEqual(argsOf(space, "EXPOSE"), ["7860"]);
  assert.equal(startShDefault("PORT"), "7860");
  const [healthcheck] = argsOf(space, "HEALTHCHECK");
  assert.match(healthcheck, new RegExp(`CMD \\["${gatewayBin}", "healthcheck"\\]$`));
});

Deno.test("behind Hugging Face's proxy, the brute-force guard counts the client, not the proxy", () => {
  assert.equal(envOf(space).TRUST_PROXY, "true");
});

Deno.test("Ollama listens on loopback only, and the model is pulled at build time", () => {
  assert.equal(envOf(space).OLLAMA_HOST, "127.0.0.1:11434");
  assert.equal(startShDefault("OLLAMA_HOST"), "127.0.0.1:11434");
  assert.ok(!("OLLAMA_ORIGINS" in envOf(space)), "OLLAMA_ORIGINS is opt-in, not a default");

  const model = stages.find((stage) => stage.name === "model");
  assert.ok(model, "no model stage");
  assert.ok(argsOf(model, "ARG").includes("OLLAMA_MODEL=qwen3:4b"));
  const pulls = argsOf(model, "RUN").filter((run) => run.includes('ollama pull "$OLLAMA_MODEL"'));
  assert.equal(pulls.length, 1, "no RUN pulls $OLLAMA_MODEL");
  assert.match(pulls[0], /^ollama serve &/, "the pull needs ollama serve in the same RUN");
  assert.match(pulls[0], /exit "\$pulled"$/, "a failed pull must fail the build");

  // The Space checks for the model it was built with (start.sh pulls it only when missing).
  assert.ok(argsOf(space, "ARG").includes("OLLAMA_MODEL=qwen3:4b"));
  assert.equal(envOf(space).OLLAMA_MODEL, "${OLLAMA_MODEL}");
  assert.equal(startShDefault("OLLAMA_MODEL"), "qwen3:4b");
});

Deno.test("the Space runs as uid 1000 with a writable HOME and models directory", () => {
  const { HOME: home, OLLAMA_MODELS: models } = envOf(space);
  assert.ok(home, "HOME is not set");
  assert.equal(models, `${home}/.ollama/models`);
  const makeDirs = indexOf(space, "RUN", /^install -d -o 1000 -g 1000 /);
  const created = space.instructions[makeDirs].args.split(/\s+/).slice(6);
  assert.deepEqual(created, ['"$HOME"', '"$HOME/.ollama"', '"$OLLAMA_MODELS"']);
  const copyModels = indexOf(
    space,
    "COPY",
    /^--from=model --chown=1000:1000 \/models \$\{OLLAMA_MODELS\}$/,
  );
  const user = indexOf(space, "USER", /^1000(:1000)?$/);
  assert.ok(makeDirs < copyModels && copyModels < user, "USER 1000 must come after the setup");
  assert.equal(argsOf(space, "USER").length, 1);
});

Deno.test(".dockerignore keeps everything the binary imports or embeds, and leaves the rest out", async () => {
  const ignored = Deno.readTextFileSync(join(REPO, ".dockerignore")).split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"));
  for (const entry of ignored) assert.match(entry, /^[\w.-]+$/, `not a plain name: ${entry}`);

  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--config", join(REPO, "deno.json"), join(REPO, compile.entry)],
    stderr: "inherit",
  }).output();
  const modules = JSON.parse(new TextDecoder().decode(stdout)).modules
    .map((module: { specifier: string }) => module.specifier)
    .filter((specifier: string) => specifier.startsWith("file:"))
    .map((specifier: string) => relative(REPO, fileURLToPath(specifier)));
  assert.ok(modules.includes("main.ts") && modules.includes("lib/commands.ts"), modules);

  const needed = [...modules, ...compile.includes, "deno.json", "deno.lock", "start.sh"];
  for (const path of needed) {
    assert.ok(!ignored.includes(path.split("/")[0]), `${path} is left out of the build`);
  }
  for (const name of [".git", "dist", "tests", "node_modules"]) {
    assert.ok(ignored.includes(name), `${name} goes into the build context`);
  }
});
