import assert from "node:assert/strict";
import { modeCheck, type Wiring } from "../../lib/doctor/checks_mode.ts";
import { CONFIG, configFacts } from "./_facts.ts";

const HOOK_ONLY: Wiring = { hook: ["hooks.d"], runtime: [] };
const BOTH: Wiring = { hook: ["docker --gpus"], runtime: ["containerd"] };
const RUNTIME_ONLY: Wiring = { hook: [], runtime: ["docker"] };

Deno.test("modeCheck() passes the modes the hook serves, whatever is wired", async (t) => {
  for (const mode of ["auto", "legacy", ""]) {
    await t.step(JSON.stringify(mode), () => {
      const c = modeCheck(configFacts(`[nvidia-container-runtime]\nmode = "${mode}"\n`), HOOK_ONLY);
      assert.deepEqual(c, {
        id: "mode.wiring",
        status: "ok",
        message: `nvidia-container-runtime.mode ${JSON.stringify(mode)}: the hook serves it`,
        fix: "",
      });
    });
  }
});

Deno.test("modeCheck() judges cdi and csv by the wiring", async (t) => {
  const table: [string, Wiring, string, string][] = [
    [
      "cdi",
      HOOK_ONLY,
      "fail",
      `nvidia-container-runtime.mode "cdi" and only the hook is wired (hooks.d): every GPU container fails with 'Cannot serve nvidia-container-runtime.mode "cdi"'`,
    ],
    [
      "csv",
      BOTH,
      "warn",
      `nvidia-container-runtime.mode "csv": GPU containers that reach the hook (docker --gpus) fail with 'Cannot serve nvidia-container-runtime.mode "csv"'; the NVIDIA runtime (containerd) serves those run with it`,
    ],
    [
      "cdi",
      RUNTIME_ONLY,
      "ok",
      'nvidia-container-runtime.mode "cdi": the hook is not wired (no hooks.d entry, no dockerd finding it); the NVIDIA runtime serves this mode',
    ],
  ];
  for (const [mode, wiring, status, message] of table) {
    await t.step(`${mode} ${status}`, () => {
      const c = modeCheck(configFacts(`[nvidia-container-runtime]\nmode = "${mode}"\n`), wiring);
      assert.deepEqual([c.status, c.message], [status, message]);
    });
  }
  await t.step("the fix names the config file", () => {
    const c = modeCheck(configFacts('[nvidia-container-runtime]\nmode = "cdi"\n'), HOOK_ONLY);
    assert.ok(c.fix.startsWith(`set nvidia-container-runtime.mode = "auto" in ${CONFIG}, `), c.fix);
  });
  await t.step("skip-mode-detection lets the hook run", () => {
    const toml =
      '[nvidia-container-runtime]\nmode = "cdi"\n[nvidia-container-runtime-hook]\nskip-mode-detection = true\n';
    const c = modeCheck(configFacts(toml), HOOK_ONLY);
    assert.deepEqual([c.status, c.message], [
      "ok",
      'nvidia-container-runtime.mode "cdi", and nvidia-container-runtime-hook.skip-mode-detection is true: the hook runs in any mode',
    ]);
  });
});
