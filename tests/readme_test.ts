/**
 * Keeps the README and docs/*.md honest: every fenced block that follows a
 * marker comment `<!-- tested: NAME -->` in any of them is checked here (run,
 * parsed, or compared with what the hook prints), wherever the block lives.
 * `README_PATH` names another file to check in place of README.md (a draft);
 * `DOCS_DIR` another docs directory.
 *
 * Shell blocks run with `sh`, with `npx --yes deno@2.9.6` replaced by this
 * Deno, and with an `nvidia-container-runtime-hook` on `PATH` that runs this
 * checkout (or `HOOK_BIN`). The built-in config paths point at an empty temp
 * dir, so nothing reads the real /etc.
 */

import assert from "node:assert/strict";
import { parse as parseToml } from "smol-toml";
import { hookCommand, launcherEnv, repoDir } from "./_hook.ts";
import { ociHook } from "../lib/oci_hook.ts";

const README = Deno.env.get("README_PATH") ?? `${repoDir()}/README.md`;
const DOCS = Deno.env.get("DOCS_DIR") ?? `${repoDir()}/docs`;

/** README.md, then docs/*.md in name order. */
function documents(): string[] {
  const docs = [...Deno.readDirSync(DOCS)]
    .filter((e) => e.isFile && e.name.endsWith(".md"))
    .map((e) => `${DOCS}/${e.name}`)
    .sort();
  return [README, ...docs];
}

/** Where the README's sample output puts the clone. */
const CLONE = "/home/you/nvidia-container-runtime-hook";

/** Every marker the README must carry, and nothing else. */
const MARKERS = [
  "quick-start",
  "explain-run",
  "explain-output",
  "check-config-run",
  "check-config-typo",
  "check-config-typo-output",
  "check-config-refused-output",
  "runc-hooks",
  "runc-jq",
  "print-oci-hook",
  "docker-daemon-json",
  "hook-config-legacy",
  "containerd-v2",
  "containerd-v3",
  "ci-make-bundle",
  "ci-stand-in",
  "ci-script",
  "ci-deno-test",
] as const;

type Marker = typeof MARKERS[number];

interface Block {
  name: string;
  lang: string;
  text: string;
  /** The file that holds it. */
  file: string;
  /** 1-based line of the marker. */
  line: number;
}

/** The fenced blocks that follow a `<!-- tested: NAME -->` marker. */
function testedBlocks(markdown: string, file: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    // A marker inside a list item is indented, and so is its block.
    const m = /^( *)<!-- tested: ([a-z0-9-]+) -->\s*$/.exec(lines[i] as string);
    if (m === null) continue;
    const indent = m[1] as string;
    let j = i + 1;
    while (j < lines.length && (lines[j] as string).trim() === "") j++;
    const open = lines[j] ?? "";
    const fence = open.startsWith(indent) ? /^```(\S*)\s*$/.exec(open.slice(indent.length)) : null;
    if (fence === null) throw new Error(`${file}:${i + 1}: no fenced block after the marker`);
    const end = lines.findIndex((l, k) => k > j && l === `${indent}\`\`\``);
    if (end < 0) throw new Error(`${file}:${j + 1}: unterminated fenced block`);
    const body = lines.slice(j + 1, end);
    const outdented = body.find((l) => l !== "" && !l.startsWith(indent));
    if (outdented !== undefined) {
      throw new Error(`${file}:${i + 1}: a block line is not indented as its marker`);
    }
    blocks.push({
      name: m[2] as string,
      lang: fence[1] as string,
      text: body.map((l) => l.slice(indent.length)).join("\n") + "\n",
      file,
      line: i + 1,
    });
    i = end;
  }
  return blocks;
}

function blocksOf(all: Block[], name: Marker): Block[] {
  return all.filter((b) => b.name === name);
}

function only(all: Block[], name: Marker): Block {
  const found = blocksOf(all, name);
  assert.equal(found.length, 1, `exactly one "${name}" block: ${found.map(where).join(", ")}`);
  return found[0] as Block;
}

/** Quotes a word for sh. */
function sh(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

function commandExists(name: string): boolean {
  try {
    return new Deno.Command("sh", { args: ["-c", `command -v ${name}`], stdout: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

interface Sandbox {
  tmp: string;
  env: Record<string, string>;
  run(script: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }>;
  done(): void;
}

/**
 * A temp dir with `bin/nvidia-container-runtime-hook` (this checkout), an
 * empty config prefix, and an environment for the README's commands.
 */
function sandbox(): Sandbox {
  const tmp = Deno.makeTempDirSync({ prefix: "hook-readme-" });
  Deno.mkdirSync(`${tmp}/bin`);
  Deno.writeTextFileSync(
    `${tmp}/bin/nvidia-container-runtime-hook`,
    `#!/bin/sh\nexec ${hookCommand().map(sh).join(" ")} "$@"\n`,
  );
  Deno.chmodSync(`${tmp}/bin/nvidia-container-runtime-hook`, 0o755);
  const env: Record<string, string> = {
    ...launcherEnv(),
    PATH: `${tmp}/bin:/usr/local/bin:/usr/bin:/bin`,
    NVIDIA_CONTAINER_RUNTIME_HOOK_CONFIG_PREFIX: `${tmp}/prefix`,
  };
  return {
    tmp,
    env,
    async run(script, cwd) {
      const text = script.replaceAll("npx --yes deno@2.9.6", sh(Deno.execPath()));
      const out = await new Deno.Command("sh", {
        args: ["-c", text],
        cwd,
        env,
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dec = new TextDecoder();
      return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    },
    done: () => Deno.removeSync(tmp, { recursive: true }),
  };
}

const blocks = documents().flatMap((f) => testedBlocks(Deno.readTextFileSync(f), f));

/** Where a block is, for step names and messages. */
function where(b: Block): string {
  return `${b.file.replace(`${repoDir()}/`, "")}:${b.line}`;
}

/**
 * A test of the blocks of `markers`; skipped when one is missing (the first
 * test then fails, naming it), so that a README without the sections fails
 * once, not once per block.
 */
function readmeTest(
  name: string,
  markers: readonly Marker[],
  fn: (t: Deno.TestContext) => void | Promise<void>,
  needs: readonly string[] = [],
): void {
  const missing = markers.some((m) => blocksOf(blocks, m).length === 0);
  Deno.test({
    name: `README and docs: ${name}`,
    ignore: missing || !needs.every(commandExists),
    fn,
  });
}

Deno.test("README and docs: every tested marker is known and present", () => {
  const names = new Set(blocks.map((b) => b.name));
  for (const b of blocks) {
    assert.ok((MARKERS as readonly string[]).includes(b.name), `unknown marker at ${where(b)}`);
  }
  assert.deepEqual(
    MARKERS.filter((m) => !names.has(m)),
    [],
    `missing markers in ${README} and ${DOCS}/*.md`,
  );
});

readmeTest("the quick start is the demo that tests/demo_test.ts runs, and the test task", [
  "quick-start",
], () => {
  const b = only(blocks, "quick-start");
  assert.equal(b.lang, "sh");
  const commands = b.text.trimEnd().split("\n").map((l) => l.replace(/\s+#.*$/, ""));
  assert.deepEqual(commands, [
    "npx --yes deno@2.9.6 task --no-lock demo",
    "npx --yes deno@2.9.6 task test",
  ]);
});

readmeTest("the explain commands run and exit 0", ["explain-run"], async (t) => {
  const s = sandbox();
  try {
    for (const b of blocksOf(blocks, "explain-run")) {
      await t.step(where(b), async () => {
        assert.equal(b.lang, "sh");
        const r = await s.run(b.text, repoDir());
        assert.equal(r.stderr, "");
        assert.equal(r.code, 0, r.stdout);
        assert.ok(r.stdout.length > 0);
      });
    }
  } finally {
    s.done();
  }
});

readmeTest("the explain output is what the first explain command prints", [
  "explain-run",
  "explain-output",
], async () => {
  const s = sandbox();
  try {
    const run = blocksOf(blocks, "explain-run")[0];
    assert.ok(run !== undefined);
    const r = await s.run(run.text, repoDir());
    assert.equal(r.code, 0, r.stderr);
    assert.equal(only(blocks, "explain-output").text, r.stdout.replaceAll(repoDir(), CLONE));
  } finally {
    s.done();
  }
});

readmeTest("the check-config command runs and exits 0", ["check-config-run"], async () => {
  const s = sandbox();
  try {
    const r = await s.run(only(blocks, "check-config-run").text, repoDir());
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0, r.stdout);
    assert.ok(r.stdout.endsWith("\nok\n"), r.stdout);
  } finally {
    s.done();
  }
});

readmeTest("the check-config example output is what check-config prints", [
  "check-config-typo",
  "check-config-typo-output",
], async () => {
  const s = sandbox();
  try {
    const toml = only(blocks, "check-config-typo");
    assert.equal(toml.lang, "toml");
    const etc = `${s.tmp}/prefix/etc/nvidia-container-runtime`;
    Deno.mkdirSync(etc, { recursive: true });
    Deno.writeTextFileSync(`${etc}/config.toml`, toml.text);
    const r = await s.run("nvidia-container-runtime-hook check-config", s.tmp);
    assert.equal(r.code, 0, r.stderr);
    const actual = r.stdout.replaceAll(`${s.tmp}/prefix`, "").split("\n");
    // The README leaves the settings out ("..."): the other lines, in order.
    const shown = only(blocks, "check-config-typo-output").text.trimEnd().split("\n");
    assert.ok(shown.includes("..."));
    const expected = shown.filter((l) => l !== "...");
    assert.deepEqual(actual.filter((l) => expected.includes(l)), expected);
    assert.equal(actual[0], shown[0]);
    assert.equal(actual.at(-2), shown.at(-1));
  } finally {
    s.done();
  }
});

readmeTest("the check-config refusal is what check-config prints without the feature", [
  "check-config-typo",
  "check-config-refused-output",
], async () => {
  const s = sandbox();
  try {
    const toml = only(blocks, "check-config-typo").text;
    const without = toml.replace("\n[features]\nallow-ldconfig-from-container = true\n", "");
    assert.notEqual(without, toml, "the example sets allow-ldconfig-from-container");
    const etc = `${s.tmp}/prefix/etc/nvidia-container-runtime`;
    Deno.mkdirSync(etc, { recursive: true });
    Deno.writeTextFileSync(`${etc}/config.toml`, without);
    const r = await s.run("nvidia-container-runtime-hook check-config", s.tmp);
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.stderr, "");
    const lines = r.stdout.replaceAll(`${s.tmp}/prefix`, "").split("\n");
    assert.deepEqual(lines, [
      "config file: /etc/nvidia-container-runtime/config.toml (built-in path)",
      only(blocks, "check-config-refused-output").text.trimEnd(),
      "",
    ]);
  } finally {
    s.done();
  }
});

readmeTest(
  "the hooks.d JSON is exactly what print-oci-hook prints",
  ["print-oci-hook"],
  async () => {
    const s = sandbox();
    try {
      const b = only(blocks, "print-oci-hook");
      assert.equal(b.lang, "json");
      const r = await s.run("nvidia-container-runtime-hook print-oci-hook", s.tmp);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(b.text), JSON.parse(r.stdout));
      assert.equal(b.text, r.stdout);
    } finally {
      s.done();
    }
  },
);

readmeTest("the runc hooks block is the hook print-oci-hook describes", ["runc-hooks"], () => {
  const b = only(blocks, "runc-hooks");
  assert.equal(b.lang, "json");
  const config = JSON.parse(b.text);
  assert.deepEqual(Object.keys(config), ["hooks"]);
  assert.deepEqual(Object.keys(config.hooks), ["prestart"]);
  assert.equal(config.hooks.prestart.length, 1);
  const hook = config.hooks.prestart[0];
  assert.deepEqual(hook, ociHook().hook);
  assert.ok(hook.path.startsWith("/"), "an OCI hook path must be absolute");
  assert.deepEqual(hook.args, ["nvidia-container-runtime-hook", "prestart"]);
});

readmeTest(
  "the jq command adds the hook to a config.json",
  ["runc-jq"],
  async () => {
    const s = sandbox();
    try {
      const b = only(blocks, "runc-jq");
      const bundle = `${s.tmp}/bundle`;
      Deno.mkdirSync(bundle);
      const spec = {
        ociVersion: "1.0.2",
        process: { args: ["sh"], env: ["PATH=/usr/bin:/bin"] },
        root: { path: "rootfs", readonly: true },
        hooks: { poststop: [{ path: "/bin/true" }] },
      };
      Deno.writeTextFileSync(`${bundle}/config.json`, JSON.stringify(spec));
      const r = await s.run(b.text, bundle);
      assert.equal(r.code, 0, r.stderr);
      const written = JSON.parse(Deno.readTextFileSync(`${bundle}/config.json`));
      assert.deepEqual(written, { ...spec, hooks: { ...spec.hooks, prestart: [ociHook().hook] } });
    } finally {
      s.done();
    }
  },
  ["jq"],
);

readmeTest(
  "the Docker daemon.json registers nvidia-container-runtime",
  ["docker-daemon-json"],
  () => {
    const b = only(blocks, "docker-daemon-json");
    assert.equal(b.lang, "json");
    assert.deepEqual(JSON.parse(b.text), {
      runtimes: { nvidia: { path: "nvidia-container-runtime", runtimeArgs: [] } },
    });
  },
);

readmeTest("the legacy-mode config loads without warnings", ["hook-config-legacy"], async () => {
  const s = sandbox();
  try {
    const b = only(blocks, "hook-config-legacy");
    Deno.writeTextFileSync(`${s.tmp}/c.toml`, b.text);
    const r = await s.run("nvidia-container-runtime-hook check-config --json c.toml", s.tmp);
    assert.equal(r.code, 0, r.stdout);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.warnings, []);
    const mode = report.settings.find((x: { key: string }) =>
      x.key === "nvidia-container-runtime.mode"
    );
    assert.deepEqual(mode, {
      key: "nvidia-container-runtime.mode",
      value: "legacy",
      isDefault: false,
    });
  } finally {
    s.done();
  }
});

readmeTest("the containerd runtime entries are valid TOML for their config version", [
  "containerd-v2",
  "containerd-v3",
], async (t) => {
  const table: [Marker, number, string][] = [
    ["containerd-v2", 2, "io.containerd.grpc.v1.cri"],
    ["containerd-v3", 3, "io.containerd.cri.v1.runtime"],
  ];
  for (const [name, version, plugin] of table) {
    await t.step(name, () => {
      const b = only(blocks, name);
      assert.equal(b.lang, "toml");
      const doc = parseToml(b.text) as Record<string, unknown>;
      assert.equal(doc["version"], version);
      // deno-lint-ignore no-explicit-any
      const nvidia = (doc as any).plugins[plugin].containerd.runtimes.nvidia;
      assert.deepEqual(JSON.parse(JSON.stringify(nvidia)), {
        runtime_type: "io.containerd.runc.v2",
        options: { BinaryName: "/usr/bin/nvidia-container-runtime" },
      });
    });
  }
});

readmeTest(
  "the CI recipe works end to end (bundle, stand-in, script, deno test)",
  ["ci-make-bundle", "ci-stand-in", "ci-script", "ci-deno-test"],
  async (t) => {
    const s = sandbox();
    const project = `${s.tmp}/project`;
    try {
      Deno.mkdirSync(project);
      // An image's environment as `docker image inspect` prints it.
      Deno.writeTextFileSync(
        `${project}/env.json`,
        JSON.stringify([
          "PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/bin:/bin",
          "NVIDIA_REQUIRE_CUDA=cuda>=12.2",
          "NVIDIA_DRIVER_CAPABILITIES=compute,utility",
          "CUDA_VERSION=12.2.2",
        ]),
      );
      // The hosts' config file, as the README says to copy it.
      Deno.mkdirSync(`${project}/ci`);
      Deno.copyFileSync(
        `${repoDir()}/tests/fixtures/bundles/host-config-toolkit-current/config.toml`,
        `${project}/ci/host-config.toml`,
      );
      await t.step("make the bundle", async () => {
        const r = await s.run(only(blocks, "ci-make-bundle").text, project);
        assert.equal(r.code, 0, r.stderr);
        const spec = JSON.parse(
          Deno.readTextFileSync(`${project}/ci/bundles/my-image/config.json`),
        );
        assert.deepEqual(spec, {
          ociVersion: "1.0.2",
          process: {
            env: [
              "PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/bin:/bin",
              "NVIDIA_REQUIRE_CUDA=cuda>=12.2",
              "NVIDIA_DRIVER_CAPABILITIES=compute,utility",
              "CUDA_VERSION=12.2.2",
              "NVIDIA_VISIBLE_DEVICES=all",
            ],
          },
          root: { path: "rootfs" },
        });
      });
      await t.step("install the stand-in CLI", async () => {
        const r = await s.run(only(blocks, "ci-stand-in").text, project);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(Deno.statSync(`${project}/ci/bin/nvidia-container-cli`).mode! & 0o111);
        // It answers --version as a 1.17.7 CLI, and nothing else.
        const version = await s.run("./ci/bin/nvidia-container-cli --version", project);
        assert.deepEqual(version, { code: 0, stdout: "cli-version: 1.17.7\n", stderr: "" });
        const configure = await s.run("./ci/bin/nvidia-container-cli configure", project);
        assert.deepEqual(configure, { code: 0, stdout: "", stderr: "" });
      });
      const expectedArgv = [
        "./ci/bin/nvidia-container-cli",
        "--load-kmods",
        "configure",
        "--cuda-compat-mode=ldconfig",
        "--ldconfig=@/sbin/ldconfig",
        "--device=all",
        "--compute",
        "--utility",
        "--require=cuda>=12.2",
        "--pid=PID",
        "./ci/bundles/my-image/rootfs",
      ];
      await t.step("the snapshot script", async () => {
        Deno.writeTextFileSync(`${project}/ci/gpu-snapshots.sh`, only(blocks, "ci-script").text);
        const r = await s.run("sh ci/gpu-snapshots.sh", project);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, "");
        const snapshot = JSON.parse(Deno.readTextFileSync(`${project}/ci/snapshots/my-image.json`));
        assert.equal(snapshot.error, null);
        assert.equal(snapshot.bundle, "./ci/bundles/my-image");
        assert.deepEqual(snapshot.config, { file: "ci/host-config.toml", origin: "-config flag" });
        assert.deepEqual(snapshot.devices, { request: "all", source: "NVIDIA_VISIBLE_DEVICES" });
        assert.deepEqual(snapshot.argv, expectedArgv);
        // Stable: a second run writes the same bytes.
        const before = Deno.readTextFileSync(`${project}/ci/snapshots/my-image.json`);
        assert.equal((await s.run("sh ci/gpu-snapshots.sh", project)).code, 0);
        assert.equal(Deno.readTextFileSync(`${project}/ci/snapshots/my-image.json`), before);
        Deno.removeSync(`${project}/ci/snapshots`, { recursive: true });
      });
      await t.step("the deno test with t.assertSnapshot", async () => {
        const b = only(blocks, "ci-deno-test");
        assert.equal(b.lang, "ts");
        Deno.writeTextFileSync(`${project}/ci/gpu_settings_test.ts`, b.text);
        const deno = `${
          sh(Deno.execPath())
        } test --quiet --no-check --allow-run --allow-read --allow-env`;
        const update = await s.run(`${deno} --update-snapshots ci/`, project);
        assert.equal(update.code, 0, update.stdout + update.stderr);
        const snap = Deno.readTextFileSync(`${project}/ci/__snapshots__/gpu_settings_test.ts.snap`);
        assert.ok(snap.includes("GPU settings of my-image"), snap);
        assert.ok(snap.includes('"./ci/bundles/my-image/rootfs"'), snap);
        assert.ok(snap.includes('"--cuda-compat-mode=ldconfig"'), snap);
        assert.ok(snap.includes("error: null"), snap);
        assert.ok(!snap.includes(project), "no machine-specific path in the snapshot");
        const check = await s.run(`${deno} ci/`, project);
        assert.equal(check.code, 0, check.stdout + check.stderr);
        // A changed image fails the check.
        const spec = `${project}/ci/bundles/my-image/config.json`;
        Deno.writeTextFileSync(
          spec,
          Deno.readTextFileSync(spec).replace("compute,utility", "utility"),
        );
        const changed = await s.run(`${deno} ci/`, project);
        assert.notEqual(changed.code, 0, "a changed image fails the snapshot test");
      });
    } finally {
      s.done();
    }
  },
  ["jq"],
);
