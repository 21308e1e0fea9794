/**
 * The Dockerfile, `.dockerignore` and the `compile` task, read as text: Docker cannot run on the
 * build machines, so these tests check that what the Space needs is there and that the three
 * agree with each other and with `start.sh`. `docker build` / `docker run` (README, "Deploy") is
 * the manual check.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { fromFileUrl, join, relative } from "@std/path";
import { compileTask, denoTasks, permissionFlags, REPO } from "../../testing/compile_task.ts";
import { startFakeOllama } from "../../testing/fake_ollama/mod.ts";

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
      assert(stages.length > 0, `${instruction.keyword} before the first FROM`);
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
  assert(index >= 0, `no ${keyword} matching ${pattern}`);
  return index;
}

/** `start.sh`'s default for `variable` (`: "${VARIABLE:-default}"`). */
function startShDefault(variable: string): string {
  const script = Deno.readTextFileSync(join(REPO, "start.sh"));
  const match = script.match(new RegExp(`\\$\\{${variable}:-([^}]*)\\}`));
  assert(match, `start.sh has no default for ${variable}`);
  return match[1];
}

const stages = readStages();
const build = stages[0];
const space = stages.at(-1)!;
const compile = compileTask();

Deno.test("the compile task builds main.ts into dist/ollamaspace with the start task's permissions and static/ embedded", () => {
  assertEquals(compile.entry, "main.ts");
  assertEquals(compile.output, "dist/ollamaspace");
  assertEquals(compile.includes, ["static"]);
  assert(Deno.statSync(join(REPO, "static", "chat.html")).isFile);
  assert(compile.permissionFlags.length > 0, "no permission flags");
  assertEquals(compile.permissionFlags, permissionFlags(denoTasks().start));
});

Deno.test("the Dockerfile compiles the binary with the compile task in Deno's image of the CI's version", () => {
  const ciDenoVersion = Deno.readTextFileSync(join(REPO, ".ci", "run"))
    .match(/DENO_VERSION=(\S+)/)?.[1];
  assertEquals(build.image, `denoland/deno:${ciDenoVersion}`);
  assertEquals(build.name, "build");
  assertEquals(argsOf(build, "WORKDIR"), ["/app"]);
  assertEquals(argsOf(build, "RUN"), ["deno task compile"]);
});

Deno.test("the Space stage runs start.sh on ollama/ollama with the compiled binary where start.sh looks", () => {
  assert(stages.length >= 2, "not a multi-stage build");
  assertMatch(space.image, /^ollama\/ollama:\d+\.\d+\.\d+$/, "ollama/ollama, pinned");
  const gatewayBin = startShDefault("GATEWAY_BIN");
  assert(
    argsOf(space, "COPY").includes(`--from=build /app/${compile.output} ${gatewayBin}`),
    `the binary is not copied to ${gatewayBin}`,
  );
  assert(argsOf(space, "COPY").includes("--chmod=0755 start.sh /app/start.sh"));
  assertEquals(argsOf(space, "ENTRYPOINT"), ['["/app/start.sh"]']);
  assertEquals(argsOf(space, "EXPOSE"), ["7860"]);
  assertEquals(startShDefault("PORT"), "7860");
  const [healthcheck] = argsOf(space, "HEALTHCHECK");
  assertMatch(healthcheck, new RegExp(`CMD \\["${gatewayBin}", "healthcheck"\\]$`));
});

Deno.test("TRUST_PROXY is start.sh's choice (1 on a Space, 0 elsewhere), not baked into the image", () => {
  assert(!("TRUST_PROXY" in envOf(space)), "a fixed TRUST_PROXY trusts forged headers off a Space");
  assertEquals(startShDefault("TRUST_PROXY"), "$space_proxies");
});

Deno.test("Ollama listens on loopback only, and the model is pulled at build time", () => {
  assertEquals(envOf(space).OLLAMA_HOST, "127.0.0.1:11434");
  assertEquals(startShDefault("OLLAMA_HOST"), "127.0.0.1:11434");
  assert(!("OLLAMA_ORIGINS" in envOf(space)), "OLLAMA_ORIGINS is opt-in, not a default");

  const model = stages.find((stage) => stage.name === "model");
  assert(model, "no model stage");
  assert(argsOf(model, "ARG").includes("OLLAMA_MODEL=qwen3:4b"));
  const pulls = argsOf(model, "RUN").filter((run) => run.includes('ollama pull "$OLLAMA_MODEL"'));
  assertEquals(pulls.length, 1, "no RUN pulls $OLLAMA_MODEL");
  assertMatch(pulls[0], /^ollama serve &/, "the pull needs ollama serve in the same RUN");
  assertMatch(pulls[0], /exit "\$pulled"$/, "a failed pull must fail the build");

  // The Space checks for the model it was built with (start.sh pulls it only when missing).
  assert(argsOf(space, "ARG").includes("OLLAMA_MODEL=qwen3:4b"));
  assertEquals(envOf(space).OLLAMA_MODEL, "${OLLAMA_MODEL}");
  assertEquals(startShDefault("OLLAMA_MODEL"), "qwen3:4b");
});

Deno.test("the Space runs as uid 1000 with a writable HOME and models directory", () => {
  const { HOME: home, OLLAMA_MODELS: models } = envOf(space);
  assert(home, "HOME is not set");
  assertEquals(models, `${home}/.ollama/models`);
  const makeDirs = indexOf(space, "RUN", /^install -d -o 1000 -g 1000 /);
  const created = space.instructions[makeDirs].args.split(/\s+/).slice(6);
  assertEquals(created, ['"$HOME"', '"$HOME/.ollama"', '"$OLLAMA_MODELS"']);
  const copyModels = indexOf(
    space,
    "COPY",
    /^--from=model --chown=1000:1000 \/models \$\{OLLAMA_MODELS\}$/,
  );
  const user = indexOf(space, "USER", /^1000(:1000)?$/);
  assert(makeDirs < copyModels && copyModels < user, "USER 1000 must come after the setup");
  assertEquals(argsOf(space, "USER").length, 1);
});

Deno.test(".dockerignore keeps everything the binary imports or embeds, and leaves the rest out", async () => {
  const ignored = Deno.readTextFileSync(join(REPO, ".dockerignore")).split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"));
  for (const entry of ignored) assertMatch(entry, /^[\w.-]+$/, `not a plain name: ${entry}`);

  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--config", join(REPO, "deno.json"), join(REPO, compile.entry)],
    stderr: "inherit",
  }).output();
  const modules = JSON.parse(new TextDecoder().decode(stdout)).modules
    .map((module: { specifier: string }) => module.specifier)
    .filter((specifier: string) => specifier.startsWith("file:"))
    .map((specifier: string) => relative(REPO, fromFileUrl(specifier)));
  assert(modules.includes("main.ts") && modules.includes("cli.ts"), modules);

  const needed = [...modules, ...compile.includes, "deno.json", "deno.lock", "start.sh"];
  for (const path of needed) {
    assert(!ignored.includes(path.split("/")[0]), `${path} is left out of the build`);
  }
  for (const name of [".git", "dist", "tests", "testing", "node_modules"]) {
    assert(ignored.includes(name), `${name} goes into the build context`);
  }
});

Deno.test("the image pins the Ollama release the fake imitates, the same for the model and the Space", async () => {
  const model = stages.find((stage) => stage.name === "model")!;
  assertEquals(model.image, space.image, "the model is pulled by the Ollama that serves it");
  const fake = startFakeOllama();
  try {
    const { version } = await (await fetch(`${fake.url}/api/version`)).json();
    assertEquals(space.image, `ollama/ollama:${version}`);
  } finally {
    await fake.close();
  }
});

Deno.test("models stay loaded by default: start.sh sets OLLAMA_KEEP_ALIVE=-1 unless it is set", () => {
  assertEquals(startShDefault("OLLAMA_KEEP_ALIVE"), "-1");
  assert(!("OLLAMA_KEEP_ALIVE" in envOf(space)), "start.sh's default is the one place");
});

Deno.test("the build log gets the last state of each pull stage, not the redrawn progress bar", async () => {
  const model = stages.find((stage) => stage.name === "model")!;
  const [pull] = argsOf(model, "RUN").filter((run) => run.includes('ollama pull "$OLLAMA_MODEL"'));
  assertMatch(pull, /ollama pull "\$OLLAMA_MODEL" 2>\/tmp\/pull\.log;/);
  const filter = pull.match(/(sed '[^']*') \/tmp\/pull\.log( \| [^;]*);/);
  assert(filter, "no filter of /tmp/pull.log");

  // What `ollama pull` writes (its progress/progress.go): each redraw hides the cursor, moves up
  // over the lines it drew last time, and rewrites every line.
  const redraw = (states: string[], up: number) =>
    "\x1b[?2026h\x1b[?25l" + "\x1b[A".repeat(up) + "\x1b[1G" +
    states.map((state) => `${state}\x1b[K`).join("\n") + "\x1b[?25h\x1b[?2026l";
  const layer = (percent: number) => `pulling 3e4cb1417446: ${percent}% ▕██▏ 2.5 GB`;
  const written = [
    redraw(["pulling manifest"], 0),
    redraw(["pulling manifest", layer(10)], 0),
    redraw(["pulling manifest", layer(60)], 1),
    redraw(["pulling manifest", layer(100), "verifying sha256 digest"], 1),
    redraw(["pulling manifest", layer(100), "verifying sha256 digest", "success"], 2),
  ].join("") + "\n";
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "pull.log"), written);
    const { stdout, success } = await new Deno.Command("bash", {
      args: ["-c", `${filter[1]} ${join(dir, "pull.log")}${filter[2]}`],
    }).output();
    assert(success);
    assertEquals(
      new TextDecoder().decode(stdout),
      [
        "pulling manifest",
        layer(100),
        "verifying sha256 digest",
        "success",
        "",
      ].join("\n"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
