/**
 * check-config and key spellings: keys in capitals are read (as NVIDIA's
 * go-toml v1 decoding reads them) and warned about; other case variants and
 * capitals shadowed by the documented spelling are ignored and warned about.
 */

import assert from "node:assert/strict";
import { checkConfig } from "../lib/check_config.ts";

const setting = (text: string, key: string) =>
  checkConfig(text, "/etc/c.toml", "test").settings.find((s) => s.key === key);

Deno.test("checkConfig() warns about every non-canonical spelling", async (t) => {
  const cases: [string, string[]][] = [
    [
      "DISABLE-REQUIRE = true\n",
      [
        'line 1: "DISABLE-REQUIRE" is read as "disable-require" (capitals are read, as' +
        ` NVIDIA's hook reads them); spell it "disable-require"`,
      ],
    ],
    [
      "[NVIDIA-CONTAINER-CLI]\nLOAD-KMODS = false\n",
      [
        'line 2: "NVIDIA-CONTAINER-CLI.LOAD-KMODS" is read as "nvidia-container-cli.load-kmods"' +
        ` (capitals are read, as NVIDIA's hook reads them); spell it` +
        ` "nvidia-container-cli.load-kmods"`,
      ],
    ],
    [
      "Disable-Require = true\n",
      [
        'line 1: "Disable-Require" is ignored: keys are read in lower case or in capitals only;' +
        ' did you mean "disable-require"?',
      ],
    ],
    [
      "disable-require = false\nDISABLE-REQUIRE = true\n",
      [
        'line 2: "DISABLE-REQUIRE" is ignored: the documented spelling is also present, and' +
        ' only that one counts; remove it or merge it into "disable-require"',
      ],
    ],
    [
      "[nvidia-container-cli]\nno-pivot = true\n[NVIDIA-CONTAINER-CLI]\nload-kmods = false\n",
      [
        'line 4: "NVIDIA-CONTAINER-CLI.load-kmods" is ignored: the documented spelling is also' +
        " present, and only that one counts; remove it or merge it into" +
        ' "nvidia-container-cli.load-kmods"',
      ],
    ],
    ["disable-require = true\n", []],
  ];
  for (const [text, warnings] of cases) {
    await t.step(JSON.stringify(text), () => {
      const r = checkConfig(text, "/etc/c.toml", "test");
      assert.equal(r.error, null);
      assert.deepEqual(r.warnings, warnings);
    });
  }
});

Deno.test("checkConfig() shows the effective value of a key written in capitals", () => {
  assert.deepEqual(setting("DISABLE-REQUIRE = true\n", "disable-require"), {
    key: "disable-require",
    value: true,
    isDefault: false,
  });
  assert.deepEqual(
    setting("[NVIDIA-CONTAINER-CLI]\nLOAD-KMODS = false\n", "nvidia-container-cli.load-kmods"),
    { key: "nvidia-container-cli.load-kmods", value: false, isDefault: false },
  );
});

Deno.test("checkConfig() shows the default for an ignored case variant", () => {
  assert.deepEqual(setting("Disable-Require = true\n", "disable-require"), {
    key: "disable-require",
    value: false,
    isDefault: true,
  });
  assert.deepEqual(
    setting(
      "[nvidia-container-cli]\nno-pivot = true\n[NVIDIA-CONTAINER-CLI]\nload-kmods = false\n",
      "nvidia-container-cli.load-kmods",
    ),
    { key: "nvidia-container-cli.load-kmods", value: true, isDefault: true },
  );
});

Deno.test("checkConfig() reports a capital key of the wrong type as an error naming it", () => {
  const r = checkConfig('DISABLE-REQUIRE = "yes"\n', "/etc/c.toml", "test");
  assert.equal(
    r.error,
    'Cannot load config file /etc/c.toml: "DISABLE-REQUIRE" must be a boolean (line 1)',
  );
});
