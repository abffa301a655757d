import assert from "node:assert/strict";
import { cleanPath, joinPath, resolvePath } from "../lib/clean_path.ts";

// Expectations are those of Go's path.Clean and path.Join (the cleantests and
// jointests tables of Go's path package, plus a few of our own).

Deno.test("cleanPath() cleans paths as Go's path.Clean", async (t) => {
  const cases: Array<[string, string]> = [
    // already clean
    ["", "."],
    ["abc", "abc"],
    ["abc/def", "abc/def"],
    ["a/b/c", "a/b/c"],
    [".", "."],
    ["..", ".."],
    ["../..", "../.."],
    ["../../abc", "../../abc"],
    ["/abc", "/abc"],
    ["/", "/"],
    // trailing slash removed
    ["abc/", "abc"],
    ["abc/def/", "abc/def"],
    ["a/b/c/", "a/b/c"],
    ["./", "."],
    ["../", ".."],
    ["../../", "../.."],
    ["/abc/", "/abc"],
    // repeated slashes collapsed
    ["abc//def//ghi", "abc/def/ghi"],
    ["//abc", "/abc"],
    ["///abc", "/abc"],
    ["//abc//", "/abc"],
    ["abc//", "abc"],
    ["//", "/"],
    ["///", "/"],
    // . elements removed
    ["abc/./def", "abc/def"],
    ["/./abc/def", "/abc/def"],
    ["abc/.", "abc"],
    ["./abc", "abc"],
    ["/.", "/"],
    ["./.", "."],
    // .. elements removed
    ["abc/def/ghi/../jkl", "abc/def/jkl"],
    ["abc/def/../ghi/../jkl", "abc/jkl"],
    ["abc/def/..", "abc"],
    ["abc/def/../..", "."],
    ["/abc/def/../..", "/"],
    ["abc/def/../../..", ".."],
    ["/abc/def/../../..", "/"],
    ["abc/def/../../../ghi/jkl/../../../mno", "../../mno"],
    ["/..", "/"],
    ["/../x", "/x"],
    ["/../../x/..", "/"],
    ["a/..", "."],
    ["a/../..", ".."],
    ["../a/..", ".."],
    // combinations
    ["abc/./../def", "def"],
    ["abc//./../def", "def"],
    ["abc/../../././../def", "../../def"],
    ["/a//b/./c/../d/", "/a/b/d"],
    // names that only look special
    ["...", "..."],
    ["/.../..", "/"],
    [".a/..b/c.", ".a/..b/c."],
    ["a b/ c", "a b/ c"],
    ["/run/nvidia/driver/./usr//bin/", "/run/nvidia/driver/usr/bin"],
  ];
  for (const [input, want] of cases) {
    await t.step(JSON.stringify(input), () => {
      assert.equal(cleanPath(input), want);
    });
  }
});

Deno.test("cleanPath() is idempotent", async (t) => {
  for (const input of ["a//b/../c/", "/../..//x/./y/..", "../../a/./b", "", "/"]) {
    await t.step(JSON.stringify(input), () => {
      const once = cleanPath(input);
      assert.equal(cleanPath(once), once);
    });
  }
});

Deno.test("joinPath() joins and cleans as Go's path.Join", async (t) => {
  const cases: Array<[string[], string]> = [
    [[], ""],
    [[""], ""],
    [["", ""], ""],
    [["", "", ""], ""],
    [["a"], "a"],
    [["a", "b"], "a/b"],
    [["a", ""], "a"],
    [["", "b"], "b"],
    [["/", "a"], "/a"],
    [["/", "a/b"], "/a/b"],
    [["/", ""], "/"],
    [["", "/"], "/"],
    [["/", "/"], "/"],
    [["a/", "b"], "a/b"],
    [["a/", ""], "a"],
    [["", "/a"], "/a"],
    [["", "", "a"], "a"],
    [["a", "", "b"], "a/b"],
    [["a", "b", "c"], "a/b/c"],
    [["a/", "/b/", "/c/"], "a/b/c"],
    [["/run/nvidia/driver", "/usr/bin"], "/run/nvidia/driver/usr/bin"],
    [["/root/", "/usr/local/sbin"], "/root/usr/local/sbin"],
    [["/root", "../etc"], "/etc"],
    [["/root", "../../../etc"], "/etc"],
    [["a", "../.."], ".."],
    [["a", "."], "a"],
    [[".", "a"], "a"],
    [["a/b", ".."], "a"],
  ];
  for (const [elements, want] of cases) {
    await t.step(JSON.stringify(elements), () => {
      assert.equal(joinPath(...elements), want);
    });
  }
});

Deno.test("resolvePath() makes a path absolute against the base and cleans it", async (t) => {
  const cases: Array<[string, string, string]> = [
    ["/bundles/a", "rootfs", "/bundles/a/rootfs"],
    ["/bundles/a/", "rootfs", "/bundles/a/rootfs"],
    ["/bundles/a", "./rootfs/", "/bundles/a/rootfs"],
    ["/bundles/a", "rootfs//x/./y/..", "/bundles/a/rootfs/x"],
    ["/bundles/a", "../shared/rootfs", "/bundles/shared/rootfs"],
    ["/bundles/a", "../../../../rootfs", "/rootfs"],
    ["/bundles/a", "..", "/bundles"],
    ["/bundles/a", "../..", "/"],
    ["/bundles/a", ".", "/bundles/a"],
    ["/a/./b//", "c", "/a/b/c"],
    ["/", "rootfs", "/rootfs"],
    ["/bundles/a", "/srv/root/", "/srv/root"],
    ["/bundles/a", "/srv//root/./x/..", "/srv/root"],
    ["/bundles/a", "//srv", "/srv"],
    ["/bundles/a", "/", "/"],
    ["/bundles/a", "/../..", "/"],
    ["/bundles/a", "/..rootfs", "/..rootfs"],
    ["/bundles/a", "..rootfs", "/bundles/a/..rootfs"],
  ];
  for (const [base, p, want] of cases) {
    await t.step(`${JSON.stringify(base)} + ${JSON.stringify(p)}`, () => {
      assert.equal(resolvePath(base, p), want);
    });
  }
});
